// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IControllerErrors} from "./IControllerErrors.sol";
import {IControllerEvents} from "./IControllerEvents.sol";

/// @notice The parameters of one power-perpetual market, fixed at deployment.
/// @param power The power n of the perpetual (an integer from 1 to 4): one token tracks ETH^n.
/// @param indexScale The divisor of the index: index = S^n / indexScale (1e4 for n = 2).
/// @param minCollateralRatioWad Minimum collateral / debt value after every mint, burn and withdraw (1.5e18).
/// @param minCollateralWei The dust floor: minimum collateral of a vault that has debt, in wei.
/// @param twapPeriodSeconds The window of the Uniswap v3 TWAPs, in seconds (capped to the pools' history).
/// @param fundingPeriodSeconds The funding period T in seconds: NF *= (index / mark)^(dt / T).
/// @param markRatioFloorWad The lower clamp of mark / index used for funding (0.8e18).
/// @param markRatioCapWad The upper clamp of mark / index used for funding (1.4e18).
/// @param liquidationBonusWad The liquidator's bonus over the repaid debt's market value (0.1e18 = 10%).
struct MarketParams {
    uint8 power;
    uint256 indexScale;
    uint256 minCollateralRatioWad;
    uint256 minCollateralWei;
    uint32 twapPeriodSeconds;
    uint32 fundingPeriodSeconds;
    uint256 markRatioFloorWad;
    uint256 markRatioCapWad;
    uint256 liquidationBonusWad;
}

/// @notice The external contracts one market is wired to.
/// @param powerToken The ERC-20 power token the Controller mints and burns.
/// @param vaultNFT The ERC-721 whose token ids are vault ids.
/// @param weth The wrapped-ETH token of both pools.
/// @param quoteToken The USD stable token of the ETH pool (for example 6-decimal USDC).
/// @param ethQuotePool The Uniswap v3 WETH/quote pool (the index price S).
/// @param powerPool The Uniswap v3 power-token/WETH pool (the mark price).
struct MarketContracts {
    address powerToken;
    address vaultNFT;
    address weth;
    address quoteToken;
    address ethQuotePool;
    address powerPool;
}

/// @title IController
/// @notice The vault engine of a power perpetual. Vaults hold ETH collateral and owe power tokens; one power
///         token is worth normalizationFactor * S^n / indexScale in USD at index, where S is the ETH/USD TWAP.
///         Funding is paid in kind: the normalization factor drifts by (index / mark)^(dt / fundingPeriod), so the
///         token never expires and needs no per-user accounting.
/// @dev Units: ETH amounts in wei; power-token amounts in 18-decimal units; prices, ratios and the
///      normalization factor in WAD (1e18 = 1). Rounding always favours the protocol: debt values round up,
///      collateral released and ratios reported round down.
/// @dev Warning: the collateral ratio used for minting is also the liquidation threshold (150% by default); a vault
///      minted to the limit becomes unsafe on the next adverse price or funding move.
interface IController is IControllerErrors, IControllerEvents {
    /// @notice Opens an empty vault owned by the caller and mints its NFT (with `_safeMint`).
    /// @return vaultId The new vault id (equal to the NFT id, starting at 1).
    function openVault() external returns (uint256 vaultId);

    /// @notice Adds the sent ETH to a vault's collateral. Anyone may deposit into any vault.
    /// @param vaultId The vault id.
    function deposit(uint256 vaultId) external payable;

    /// @notice Sends ETH collateral from a vault to the caller (its owner or operator).
    /// @dev Reverts with `VaultUnsafe` or `VaultBelowMinCollateral` when the vault would be left unhealthy.
    /// @param vaultId The vault id.
    /// @param amount The amount in wei.
    function withdraw(uint256 vaultId, uint256 amount) external;

    /// @notice Adds the sent ETH as collateral, then mints power tokens to the caller against the vault.
    /// @param vaultId The vault id, or 0 to open a new vault for the caller.
    /// @param amount The amount of power tokens (18 decimals).
    /// @return vaultId The vault id used (the new id when 0 was passed).
    function mint(uint256 vaultId, uint256 amount) external payable returns (uint256);

    /// @notice Burns the caller's power tokens against a vault's debt, then withdraws ETH to the caller.
    /// @dev The caller must be the vault's owner or operator. Burning all debt always succeeds.
    /// @param vaultId The vault id.
    /// @param amount The amount of power tokens to burn from the caller's balance (no approval needed).
    /// @param withdrawAmount The amount of ETH to withdraw afterwards, in wei.
    function burn(uint256 vaultId, uint256 amount, uint256 withdrawAmount) external;

    /// @notice Applies funding up to now (at most once per block) and returns the normalization factor.
    /// @return normalizationFactor The updated factor (WAD).
    function applyFunding() external returns (uint256 normalizationFactor);

    /// @notice Sets the vault's operator, who may withdraw, mint and burn for the owner. Owner only. Revoking
    ///         (`operator` zero) works in every state, paused and shut down included; granting only while the
    ///         protocol runs.
    /// @param vaultId The vault id.
    /// @param operator The new operator, or zero to remove it.
    function setOperator(uint256 vaultId, address operator) external;

    /// @notice Called by the vault NFT when a vault changes hands: clears the vault's operator.
    /// @param vaultId The vault id.
    /// @param newOwner The new owner.
    function onVaultTransfer(uint256 vaultId, address newOwner) external;

    /// @notice A vault's state.
    /// @param vaultId The vault id.
    /// @return owner The owner (holder of the vault NFT).
    /// @return operator The operator (zero for none).
    /// @return collateral The ETH collateral in wei.
    /// @return debt The debt in power-token units.
    function getVault(
        uint256 vaultId
    ) external view returns (address owner, address operator, uint256 collateral, uint256 debt);

    /// @notice The number of vaults opened so far (the highest vault id).
    function vaultCount() external view returns (uint256);

    /// @notice The stored normalization factor (WAD), as of the last funding update.
    function normalizationFactor() external view returns (uint256);

    /// @notice The timestamp of the last funding update.
    function lastFundingUpdate() external view returns (uint256);

    /// @notice The normalization factor if funding were applied now (WAD); the stored one while paused or shut
    ///         down (no funding accrues then).
    function expectedNormalizationFactor() external view returns (uint256);

    /// @notice The ETH/USD TWAP S used by the market (WAD, USD per ETH).
    function ethPrice() external view returns (uint256);

    /// @notice The power-token/WETH TWAP (WAD, ETH per power token).
    function powerTokenPrice() external view returns (uint256);

    /// @notice The index: S^n / indexScale (WAD).
    function index() external view returns (uint256);

    /// @notice The mark in index units: (power-token TWAP in ETH) * S / normalizationFactor (WAD), with the
    ///         normalization factor as if funding were applied now.
    function mark() external view returns (uint256);

    /// @notice The current funding rate per day: ln(clamped mark / index) * 1 day / fundingPeriod (WAD).
    /// @dev Positive: longs pay shorts (the normalization factor falls by that fraction per day, continuously
    ///      compounded); negative: shorts pay longs. The instantaneous rate now: mark uses the normalization
    ///      factor as if funding were applied now, as in `mark()`.
    function fundingRatePerDay() external view returns (int256);

    /// @notice The annualised volatility implied by mark / index: sqrt(2 ln(mark / index) / (n (n - 1) T)),
    ///         with T the funding period in years (WAD, 1e18 = 100%), from the same mark and index as `mark()`
    ///         and `index()`. Zero when mark <= index or n = 1.
    function impliedVolatility() external view returns (uint256);

    /// @notice The value in ETH of one power token's debt: normalizationFactor * S^(n-1) / indexScale (WAD),
    ///         rounded up, with the normalization factor as if funding were applied now.
    function debtValuePerToken() external view returns (uint256);

    /// @notice A vault's collateral ratio: collateral / debt value (WAD); type(uint256).max without debt.
    /// @param vaultId The vault id.
    function collateralRatio(uint256 vaultId) external view returns (uint256);

    /// @notice Whether a vault meets the minimum collateral ratio and the dust floor now.
    /// @param vaultId The vault id.
    function isVaultSafe(uint256 vaultId) external view returns (bool);

    /// @notice How many more power tokens the vault could mint now without adding collateral.
    /// @param vaultId The vault id.
    function maxMintable(uint256 vaultId) external view returns (uint256);

    /// @notice The ETH price in USD (WAD) at which the vault becomes unsafe, with the current normalization
    ///         factor; 0 when the vault has no debt or when its safety does not depend on the ETH price (n = 1).
    /// @param vaultId The vault id.
    function liquidationPrice(uint256 vaultId) external view returns (uint256);

    /// @notice The market parameters fixed at deployment.
    function marketParams() external view returns (MarketParams memory);

    /// @notice The tokens and pools this market is wired to.
    function marketContracts() external view returns (MarketContracts memory);

    /* LIQUIDATION */

    /// @notice Liquidates an unsafe vault: burns up to `maxDebtAmount` of the caller's power tokens (no approval
    ///         needed) against its debt and pays the caller collateral worth the repaid debt at the power token's
    ///         market TWAP plus the liquidation bonus.
    /// @dev Reverts `LiquidationGracePeriod` for one hour after every unpause (while every vault action is open).
    ///      At most half the debt per call, or all of it when half would leave a dust vault or when the
    ///      collateral cannot cover the whole debt plus bonus (the liquidator then receives all collateral). The
    ///      payout never exceeds the vault's collateral and a liquidation never leaves dust. Debt left with no
    ///      collateral is recorded as bad debt.
    /// @param vaultId The vault id.
    /// @param maxDebtAmount The most power tokens the caller is willing to repay.
    /// @return debtRepaid Power tokens burned.
    /// @return collateralPaid ETH paid to the caller, in wei.
    function liquidate(
        uint256 vaultId,
        uint256 maxDebtAmount
    ) external returns (uint256 debtRepaid, uint256 collateralPaid);

    /// @notice What `liquidate(vaultId, type(uint256).max)` would do now, for keepers: not liquidatable while
    ///         paused, shut down or in the grace period after an unpause.
    /// @param vaultId The vault id.
    /// @return liquidatable Whether the vault can be liquidated.
    /// @return maxDebt The debt such a call would repay.
    /// @return collateralPaid The ETH it would pay, in wei.
    function previewLiquidation(
        uint256 vaultId
    ) external view returns (bool liquidatable, uint256 maxDebt, uint256 collateralPaid);

    /// @notice The debt now unbacked, in power-token units: while the protocol runs, always the sum of the debts
    ///         of vaults that hold debt and no collateral. A liquidation that takes the last collateral adds the
    ///         debt it leaves; a deposit (or a mint with ETH) into such a vault subtracts its debt, and a burn or
    ///         liquidation that repays part of it subtracts the amount. Frozen at shutdown (settlement measures
    ///         the shortfall itself).
    function totalBadDebt() external view returns (uint256);

    /* FEES */

    /// @notice Sets the mint fee, in basis points of the minted value at the power token's market TWAP (at most
    ///         1%), and the address fees are paid to. Owner only; works in every state (paused, shut down), so
    ///         accrued fees can always be redirected from a recipient that refuses ETH.
    /// @param feeBps The fee in basis points.
    /// @param recipient The fee recipient (non-zero).
    function setFee(uint256 feeBps, address recipient) external;

    /// @notice Sends the accrued mint fees to the fee recipient. Anyone may call, in every state.
    /// @return amount The amount sent, in wei.
    function collectFees() external returns (uint256 amount);

    /// @notice The mint fee in basis points.
    function feeBps() external view returns (uint256);

    /// @notice The fee recipient.
    function feeRecipient() external view returns (address);

    /// @notice Fees charged and not yet collected, in wei (held by the Controller beside the collateral).
    function accruedFees() external view returns (uint256);

    /* PAUSE AND SHUTDOWN */

    /// @notice Pauses every vault action, liquidation and funding update (operator revocation, fees, NFT and token
    ///         transfers, unpause, shutdown and views still work). Owner only, at most 4 times, only within 182
    ///         days of deployment. Applies funding up to now first; the normalization factor then stays frozen
    ///         until unpause: the paused interval is never charged.
    function pause() external;

    /// @notice Unpauses: the owner at any time, anyone once the pause is one day old. Funding restarts from now
    ///         (with the factor frozen at the pause), and liquidations stay closed for a one-hour grace period.
    function unpause() external;

    /// @notice Shuts the protocol down, irreversibly: applies funding up to now (none for a paused interval),
    ///         fixes the settlement price at the ETH/USD TWAP and opens settlement. Owner only; allowed while paused.
    function shutdown() external;

    /// @notice Settles up to `maxVaults` more vaults after shutdown, accumulating the shortfall of insolvent
    ///         vaults. Anyone may call; redemptions open once every vault is settled.
    /// @param maxVaults The most vaults to process in this call.
    /// @return complete Whether every vault is now settled.
    function settleVaults(uint256 maxVaults) external returns (bool complete);

    /// @notice After settlement, burns the caller's power tokens and pays their value at the settlement price:
    ///         amount * NF * S^(n-1) / scale, or a pro-rata share of the longs' pool when insolvent vaults
    ///         left a shortfall.
    /// @param amount Power tokens to redeem.
    /// @return payout ETH paid, in wei.
    function redeemLong(uint256 amount) external returns (uint256 payout);

    /// @notice After settlement, pays a vault's collateral minus its debt value at the settlement price (zero for
    ///         an insolvent vault) to the caller, its owner or operator, and closes the vault.
    /// @param vaultId The vault id.
    /// @return payout ETH paid, in wei.
    function redeemShort(uint256 vaultId) external returns (uint256 payout);

    /// @notice Whether the protocol is paused.
    function isPaused() external view returns (bool);

    /// @notice Whether the protocol is shut down.
    function isShutDown() external view returns (bool);

    /// @notice Pauses the owner has left.
    function pausesLeft() external view returns (uint256);

    /// @notice When liquidations open again after the last unpause's grace period (0 before any unpause).
    function liquidationsOpenAt() external view returns (uint256);

    /// @notice The settlement ETH/USD price (WAD), zero before shutdown.
    function settlementEthPrice() external view returns (uint256);

    /// @notice Vaults settled since shutdown.
    function settledVaults() external view returns (uint256);

    /// @notice ETH available to all longs together once settlement is complete, in wei.
    function longPayoutPool() external view returns (uint256);

    /// @notice Debt value not covered by insolvent vaults at settlement, in wei.
    function settlementShortfall() external view returns (uint256);
}
