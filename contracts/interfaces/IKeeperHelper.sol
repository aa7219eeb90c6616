// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The health of one vault, as seen by `IKeeperHelper.getVaultHealth`.
/// @param vaultId The vault id.
/// @param collateral The vault's ETH collateral, in wei.
/// @param debt The vault's debt, in token units.
/// @param liquidatable Whether `IEvergamma.liquidate` would accept the vault now: its market is active and past
///        the grace period after an unpause, and the vault is liquidatable (the engine's `Health.isLiquidatable`,
///        with funding as if applied now).
struct VaultHealth {
    uint256 vaultId;
    uint256 collateral;
    uint256 debt;
    bool liquidatable;
}

/// @title IKeeperHelperErrors
/// @notice Every custom error the KeeperHelper can revert with.
interface IKeeperHelperErrors {
    /// @notice Thrown when a required address (engine, recipient, owner) is zero.
    error ZeroAddress();

    /// @notice Thrown when a funding interval of zero is set.
    error InvalidFundingInterval();

    /// @notice Thrown when a page asks for more vaults than the helper scans in one call.
    /// @param count The requested number of vaults.
    /// @param maxCount The largest page allowed.
    error PageTooLarge(uint256 count, uint256 maxCount);

    /// @notice Thrown when `performUpkeep` is given more vaults than it liquidates in one call.
    /// @param count The number of vaults in the perform data.
    /// @param maxCount The most vaults one upkeep liquidates.
    error TooManyVaults(uint256 count, uint256 maxCount);

    /// @notice Thrown by `performUpkeep` when, after re-checking everything, there was nothing to do.
    error UpkeepNotNeeded();

    /// @notice Thrown when a function reserved for the helper's own calls is called by anyone else.
    /// @param caller The rejected caller.
    error OnlySelf(address caller);

    /// @notice Thrown when ETH arrives from anyone but the engine.
    /// @param sender The rejected sender.
    error UnexpectedEthSender(address sender);

    /// @notice Thrown when forwarding ETH fails.
    /// @param to The recipient.
    /// @param amount The amount in wei.
    error EthTransferFailed(address to, uint256 amount);

    /// @notice Thrown (and caught) when a liquidation pays less ETH than the repaid tokens are worth at the
    ///         token's market price, which only happens for vaults whose collateral cannot cover their debt.
    /// @param vaultId The vault id.
    /// @param debtRepaid Tokens the liquidation burned.
    /// @param collateralPaid ETH it paid, in wei.
    error UnprofitableLiquidation(uint256 vaultId, uint256 debtRepaid, uint256 collateralPaid);

    /// @notice Thrown by `liquidateWithLimits` when it is mined after its deadline.
    /// @param deadline The caller's deadline (a block timestamp, in seconds).
    /// @param timestamp The block timestamp it was mined at.
    error LiquidationDeadlinePassed(uint256 deadline, uint256 timestamp);

    /// @notice Thrown by `liquidateWithLimits` when the liquidation pays less ETH than the caller's minimum.
    /// @param vaultId The vault id.
    /// @param collateralPaid ETH the liquidation would have paid, in wei.
    /// @param minCollateralOut The caller's minimum, in wei.
    error InsufficientCollateralOut(uint256 vaultId, uint256 collateralPaid, uint256 minCollateralOut);
}

/// @title IKeeperHelperEvents
/// @notice Every event the KeeperHelper emits.
interface IKeeperHelperEvents {
    /// @notice Emitted when an upkeep applies a market's stale funding.
    /// @param marketId The market.
    /// @param normalizationFactor The normalization factor after the update (WAD).
    event FundingApplied(uint32 indexed marketId, uint256 normalizationFactor);

    /// @notice Emitted when an upkeep liquidates a vault with the helper's tokens of its market.
    /// @param vaultId The vault id.
    /// @param debtRepaid Tokens burned from the helper.
    /// @param collateralPaid ETH received, in wei.
    event VaultLiquidated(uint256 indexed vaultId, uint256 debtRepaid, uint256 collateralPaid);

    /// @notice Emitted when an upkeep does not liquidate a listed vault (it became safe, another keeper was first,
    ///         the helper holds no tokens, or the liquidation would not pay).
    /// @param vaultId The vault id.
    /// @param reason The revert data of the failed attempt (empty when the helper holds none of the market's tokens).
    event LiquidationSkipped(uint256 indexed vaultId, bytes reason);

    /// @notice Emitted when an upkeep forwards liquidation proceeds.
    /// @param recipient The proceeds recipient.
    /// @param amount The amount in wei.
    event ProceedsSent(address indexed recipient, uint256 amount);

    /// @notice Emitted when the proceeds recipient changes.
    /// @param recipient The new recipient.
    event RecipientSet(address indexed recipient);

    /// @notice Emitted when the funding interval changes.
    /// @param fundingInterval The new interval, in seconds.
    event FundingIntervalSet(uint256 fundingInterval);

    /// @notice Emitted when the owner withdraws ERC-20 tokens (for example unused market tokens).
    /// @param token The token.
    /// @param to The recipient.
    /// @param amount The amount.
    event TokensWithdrawn(address indexed token, address indexed to, uint256 amount);

    /// @notice Emitted when `liquidateWithLimits` liquidates a vault for its caller (the engine's `Liquidated`
    ///         event names the helper as the liquidator).
    /// @param vaultId The vault id.
    /// @param liquidator The caller, who paid the tokens and received the ETH.
    /// @param debtRepaid Tokens burned (taken from the caller).
    /// @param collateralPaid ETH sent to the caller, in wei.
    event LiquidatedWithLimits(
        uint256 indexed vaultId,
        address indexed liquidator,
        uint256 debtRepaid,
        uint256 collateralPaid
    );
}

/// @title IKeeperHelper
/// @notice On-chain companion of the Evergamma keeper, for every market of one engine: paged health views for
///         off-chain keepers, and an upkeep compatible with Chainlink Automation (`checkUpkeep` / `performUpkeep`) and
///         Gelato (`checker`) that applies every market's stale funding and liquidates unsafe vaults with the
///         helper's own balance of each market's token.
/// @dev The upkeep must be funded with market tokens (transfer them to the helper): `IEvergamma.liquidate` burns
///      the liquidator's tokens. Liquidation proceeds (ETH) are forwarded to `recipient()` at the end of every
///      upkeep. `performUpkeep` is open to anyone and trusts nothing in its perform data: it applies funding only
///      when it is stale, liquidates only vaults the engine accepts, and never liquidates at a loss at the token's
///      market price. Health comes from the engine's own rule (`Health`, through `MarketSnapshot`).
interface IKeeperHelper is IKeeperHelperErrors, IKeeperHelperEvents {
    /* VIEWS FOR OFF-CHAIN KEEPERS */

    /// @notice The health of a market's vaults with serials `startSerial` to `startSerial + count - 1` (serials past
    ///         the market's vault count are left out).
    /// @param marketId The market.
    /// @param startSerial The first serial (serials start at 1; 0 is treated as 1).
    /// @param count The number of serials to scan, at most `MAX_PAGE_SIZE()`.
    /// @return page One entry per existing vault in the range, in id order.
    function getVaultHealth(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) external view returns (VaultHealth[] memory page);

    /// @notice The ids of the liquidatable vaults among a market's serials `startSerial` to
    ///         `startSerial + count - 1` (the compact form of `getVaultHealth`, for scanning many vaults).
    /// @param marketId The market.
    /// @param startSerial The first serial (0 is treated as 1).
    /// @param count The number of serials to scan, at most `MAX_PAGE_SIZE()`.
    /// @return vaultIds The liquidatable vault ids, in id order.
    /// @return withDebt How many scanned vaults have debt.
    function getLiquidatableVaults(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) external view returns (uint256[] memory vaultIds, uint256 withDebt);

    /// @notice Whether a market's funding is due: the market runs and its last update is at least
    ///         `fundingInterval()` seconds old.
    /// @param marketId The market.
    function fundingDue(uint32 marketId) external view returns (bool);

    /* CHAINLINK AUTOMATION */

    /// @notice Chainlink Automation check (run off-chain by the registry): which markets' funding is due, and which
    ///         vaults of one page can be liquidated profitably with the helper's tokens.
    /// @param checkData Empty for market 0's serials 1 to `CHECK_PAGE_SIZE()`, or
    ///        `abi.encode(uint32 marketId, uint256 startSerial, uint256 count)` for another page of at most
    ///        `MAX_PAGE_SIZE()` vaults (register one upkeep per page). Every page checks every market's funding.
    /// @return upkeepNeeded Whether `performUpkeep` has something to do.
    /// @return performData `abi.encode(uint32[] fundingMarketIds, uint256[] vaultIds)`, at most
    ///         `MAX_LIQUIDATIONS_PER_UPKEEP()` ids.
    function checkUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Applies the listed markets' funding where it is due and liquidates the listed vaults that are still
    ///         liquidatable, each with the helper's tokens of its market (at most the helper's balance), then
    ///         forwards all ETH proceeds to `recipient()`. Everything is re-checked: the perform data is untrusted.
    /// @dev Reverts with `UpkeepNotNeeded` when nothing was done. A vault that fails (safe by now, liquidated by
    ///      another keeper, unprofitable) emits `LiquidationSkipped` without reverting the others.
    /// @param performData `abi.encode(uint32[] fundingMarketIds, uint256[] vaultIds)`.
    function performUpkeep(bytes calldata performData) external;

    /* GELATO */

    /// @notice Gelato resolver: every market's funding and market 0's serials 1 to `CHECK_PAGE_SIZE()`.
    /// @return canExec Whether there is work.
    /// @return execPayload The call to make: `performUpkeep(performData)`.
    function checker() external view returns (bool canExec, bytes memory execPayload);

    /// @notice Gelato resolver over one page of one market's vaults (and every market's funding).
    /// @param marketId The market.
    /// @param startSerial The first serial.
    /// @param count The number of serials, at most `MAX_PAGE_SIZE()`.
    /// @return canExec Whether there is work.
    /// @return execPayload The call to make: `performUpkeep(performData)`.
    function checkerPage(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) external view returns (bool canExec, bytes memory execPayload);

    /* GUARDED LIQUIDATION FOR OFF-CHAIN KEEPERS */

    /// @notice Liquidates `vaultId` with the caller's tokens of its market within limits that hold however late the
    ///         transaction is mined: it takes at most `maxDebtAmount` tokens from the caller (`transferFrom`; approve
    ///         the helper once), calls the engine's `liquidate`, and reverts (changing nothing) when the ETH
    ///         received is below `minCollateralOut` or the block is past `deadline`. The ETH received and the
    ///         unused tokens go back to the caller.
    /// @dev Reverts `LiquidationDeadlinePassed(deadline, block.timestamp)`,
    ///      `InsufficientCollateralOut(vaultId, collateralPaid, minCollateralOut)`, any engine error
    ///      (`VaultSafe`, `LiquidationLeavesDust`, ...), or `EthTransferFailed` when the caller refuses ETH. The
    ///      helper's own tokens (the upkeep's) are never spent: the engine burns at most `maxDebtAmount`.
    /// @param vaultId The vault id.
    /// @param maxDebtAmount The most tokens to repay (taken from the caller; the rest is returned).
    /// @param minCollateralOut The least ETH the liquidation must pay, in wei.
    /// @param deadline The last block timestamp at which the liquidation may happen, in seconds.
    /// @return debtRepaid Tokens burned.
    /// @return collateralPaid ETH sent to the caller, in wei.
    function liquidateWithLimits(
        uint256 vaultId,
        uint256 maxDebtAmount,
        uint256 minCollateralOut,
        uint256 deadline
    ) external returns (uint256 debtRepaid, uint256 collateralPaid);

    /* INTERNAL ENTRY POINT */

    /// @notice Liquidates one vault and reverts unless the ETH received is worth at least the tokens burned at
    ///         `tokenPriceWad`. Callable only by the helper itself (so that `performUpkeep` can catch the revert).
    /// @param vaultId The vault id.
    /// @param maxDebtAmount The most tokens to repay.
    /// @param tokenPriceWad The token's market price (ETH per token, WAD).
    /// @return debtRepaid Tokens burned.
    /// @return collateralPaid ETH received, in wei.
    function liquidateChecked(
        uint256 vaultId,
        uint256 maxDebtAmount,
        uint256 tokenPriceWad
    ) external returns (uint256 debtRepaid, uint256 collateralPaid);

    /* ADMIN */

    /// @notice Sets the recipient of liquidation proceeds. Owner only.
    /// @param recipient_ The new recipient (non-zero).
    function setRecipient(address recipient_) external;

    /// @notice Sets how old a market's last funding update must be before an upkeep applies funding. Owner only.
    /// @param fundingInterval_ The interval in seconds (non-zero).
    function setFundingInterval(uint256 fundingInterval_) external;

    /// @notice Sends ERC-20 tokens held by the helper (for example unused market tokens) to `to`. Owner only.
    /// @param token The token.
    /// @param to The recipient.
    /// @param amount The amount.
    function withdrawTokens(address token, address to, uint256 amount) external;

    /* CONFIGURATION */

    /// @notice The largest page of vaults one view or check scans.
    function MAX_PAGE_SIZE() external view returns (uint256);

    /// @notice The page `checkUpkeep` (empty check data) and `checker` scan: market 0's serials 1 to 500, inside
    ///         Chainlink Automation's 10 million check gas limit.
    function CHECK_PAGE_SIZE() external view returns (uint256);

    /// @notice The most vaults one upkeep liquidates.
    function MAX_LIQUIDATIONS_PER_UPKEEP() external view returns (uint256);

    /// @notice The engine this helper keeps.
    function engine() external view returns (address);

    /// @notice The recipient of liquidation proceeds.
    function recipient() external view returns (address);

    /// @notice The funding interval, in seconds.
    function fundingInterval() external view returns (uint256);
}
