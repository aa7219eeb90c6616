// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketConfig} from "../types/MarketConfig.sol";

/// @title IEvergammaEvents
/// @notice Every event the engine emits: one per state change, each with its market id, vault ids and accounts
///         indexed.
interface IEvergammaEvents {
    /// @notice Emitted when the owner lists a market.
    /// @param marketId The new market's id (0 for the first market).
    /// @param token The market's ERC-20.
    /// @param priceSource The market account, the price source the engine calls (a copy of the one given).
    /// @param config The market's configuration, fixed from now on.
    event MarketCreated(
        uint32 indexed marketId,
        address indexed token,
        address indexed priceSource,
        MarketConfig config
    );

    /// @notice Emitted when a vault is opened.
    /// @param marketId The market.
    /// @param vaultId The new vault's id (equal to its NFT token id).
    /// @param owner The owner of the vault NFT.
    event VaultOpened(uint32 indexed marketId, uint256 indexed vaultId, address indexed owner);

    /// @notice Emitted when ETH collateral is added to a vault.
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param sender Who sent the ETH.
    /// @param amount The amount in wei.
    event Deposited(uint32 indexed marketId, uint256 indexed vaultId, address indexed sender, uint256 amount);

    /// @notice Emitted by `withdraw` (and by `burn` with nothing to burn): ETH collateral leaves a vault to its owner
    ///         or operator. A withdrawal made with a burn is in `Burned`.
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param to The recipient of the ETH.
    /// @param amount The amount in wei.
    event Withdrawn(uint32 indexed marketId, uint256 indexed vaultId, address indexed to, uint256 amount);

    /// @notice Emitted when power tokens are minted against a vault.
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param to The recipient of the tokens.
    /// @param amount The amount in power-token units.
    event Minted(uint32 indexed marketId, uint256 indexed vaultId, address indexed to, uint256 amount);

    /// @notice Emitted by `burn`: tokens are burned to repay a vault's debt, and collateral withdrawn in the same
    ///         call (one event for both, so a close is one log).
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param from The account whose tokens were burned, and the recipient of the ETH.
    /// @param amount The amount burned, in token units.
    /// @param withdrawn The collateral withdrawn in the same call, in wei (0 for none).
    event Burned(
        uint32 indexed marketId,
        uint256 indexed vaultId,
        address indexed from,
        uint256 amount,
        uint256 withdrawn
    );

    /// @notice Emitted when a vault's operator changes (including the reset on NFT transfer).
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param operator The new operator (zero for none).
    event OperatorSet(uint32 indexed marketId, uint256 indexed vaultId, address indexed operator);

    /// @notice Emitted when a vault NFT changes hands (the vault follows its NFT).
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param newOwner The new owner.
    event VaultTransferred(uint32 indexed marketId, uint256 indexed vaultId, address indexed newOwner);

    /// @notice Emitted when funding is applied: once per market per block in which an entry point brings NF up to
    ///         date (the previous value is the market's previous event; the times are the blocks' timestamps).
    /// @param marketId The market.
    /// @param normalizationFactor The normalization factor now (1e18 = 1).
    event NormalizationFactorUpdated(uint32 indexed marketId, uint256 normalizationFactor);

    /// @notice Emitted when a vault is liquidated.
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param liquidator Who repaid the debt and received the collateral.
    /// @param debtRepaid Power tokens burned from the liquidator.
    /// @param collateralPaid ETH paid to the liquidator, in wei.
    event Liquidated(
        uint32 indexed marketId,
        uint256 indexed vaultId,
        address indexed liquidator,
        uint256 debtRepaid,
        uint256 collateralPaid
    );

    /// @notice Emitted when a liquidation leaves a vault with debt and no collateral (the debt becomes unbacked
    ///         and is added to `totalBadDebt`).
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param debt The newly unbacked debt in power-token units.
    event BadDebtRecorded(uint32 indexed marketId, uint256 indexed vaultId, uint256 debt);

    /// @notice Emitted when the mint fee or its recipient changes.
    /// @param marketId The market.
    /// @param feeBps The fee in basis points of the minted value.
    /// @param recipient The recipient of collected fees.
    event FeeSet(uint32 indexed marketId, uint256 feeBps, address indexed recipient);

    /// @notice Emitted when a mint fee is charged.
    /// @param marketId The market.
    /// @param vaultId The vault charged.
    /// @param fee The fee in wei.
    event FeeCharged(uint32 indexed marketId, uint256 indexed vaultId, uint256 fee);

    /// @notice Emitted when accrued fees are sent to the fee recipient.
    /// @param marketId The market.
    /// @param recipient The recipient.
    /// @param amount The amount in wei.
    event FeesCollected(uint32 indexed marketId, address indexed recipient, uint256 amount);

    /// @notice Emitted when the owner pauses the market.
    /// @param marketId The market.
    /// @param pausesLeft Pauses the owner has left.
    event Paused(uint32 indexed marketId, uint256 pausesLeft);

    /// @notice Emitted when the market is unpaused.
    /// @param marketId The market.
    /// @param by The owner, or anyone once the pause is a day old.
    /// @param liquidationsOpenAt The end of the grace period: liquidations reopen at this timestamp.
    event Unpaused(uint32 indexed marketId, address indexed by, uint256 liquidationsOpenAt);

    /// @notice Emitted when the owner shuts the market down (irreversible).
    /// @param marketId The market.
    /// @param ethPriceWad The settlement ETH/USD price (the TWAP at shutdown).
    /// @param normalizationFactor The final normalization factor (funding applied up to shutdown).
    event Shutdown(uint32 indexed marketId, uint256 ethPriceWad, uint256 normalizationFactor);

    /// @notice Emitted when `settleVaults` has settled every vault.
    /// @param marketId The market.
    /// @param longPayoutPool ETH available to all longs together, in wei.
    /// @param shortfall Debt value not covered by insolvent vaults, in wei (borne by longs pro rata).
    event SettlementCompleted(uint32 indexed marketId, uint256 longPayoutPool, uint256 shortfall);

    /// @notice Emitted when a long redeems power tokens after shutdown.
    /// @param marketId The market.
    /// @param account The redeemer.
    /// @param amount Power tokens burned.
    /// @param payout ETH paid, in wei.
    event LongRedeemed(uint32 indexed marketId, address indexed account, uint256 amount, uint256 payout);

    /// @notice Emitted when a vault is redeemed after shutdown.
    /// @param marketId The market.
    /// @param vaultId The vault id.
    /// @param to The recipient (owner or operator).
    /// @param payout ETH paid, in wei.
    event ShortRedeemed(uint32 indexed marketId, uint256 indexed vaultId, address indexed to, uint256 payout);

    /// @notice Emitted by the first update of a block in which a live market's guarded price source reports a
    ///         safe-mode reason while the market was active (see `Market.STATUS_SAFE_MODE`).
    /// @param marketId The market.
    /// @param reason The source's reason code (`SafeModeReason`: 1 stale, 2 invalid answer, 3 sequencer down,
    ///        4 sequencer grace period, 5 deviation).
    /// @param ethPriceWad The source's primary S (WAD): the feed's answer, or the TWAP when the answer is unusable.
    /// @param referenceEthPriceWad The reference S (WAD): the Uniswap TWAP.
    event SafeModeEntered(
        uint32 indexed marketId,
        uint256 reason,
        uint256 ethPriceWad,
        uint256 referenceEthPriceWad
    );

    /// @notice Emitted by the first update of a block in which a market in safe mode finds its source trusted again.
    /// @param marketId The market.
    /// @param ethPriceWad The trusted S of the block (WAD).
    event SafeModeExited(uint32 indexed marketId, uint256 ethPriceWad);
}
