// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IEvergammaErrors
/// @notice Every custom error the engine can revert with. Errors carry the numbers that caused them.
interface IEvergammaErrors {
    /// @notice Thrown when a market parameter passed to `createMarket` is outside its allowed range.
    /// @param parameter The name of the parameter.
    error InvalidMarketParameter(string parameter);

    /// @notice Thrown when a token or pool passed to `createMarket` does not fit the market.
    /// @param parameter The name of the address parameter.
    error InvalidMarketAddress(string parameter);

    /// @notice Thrown when a vault id does not name an opened vault.
    /// @param vaultId The vault id.
    error VaultNotFound(uint256 vaultId);

    /// @notice Thrown when the caller is neither the vault's owner nor its operator.
    /// @param vaultId The vault id.
    /// @param caller The rejected caller.
    error NotVaultOwnerOrOperator(uint256 vaultId, address caller);

    /// @notice Thrown when the caller is not the vault's owner (for owner-only actions).
    /// @param vaultId The vault id.
    /// @param caller The rejected caller.
    error NotVaultOwner(uint256 vaultId, address caller);

    /// @notice Thrown when a call would do nothing (zero amounts).
    error ZeroAmount();

    /// @notice Thrown when a withdrawal asks for more ETH than the vault holds.
    /// @param vaultId The vault id.
    /// @param requested The requested amount in wei.
    /// @param available The vault's collateral in wei.
    error InsufficientCollateral(uint256 vaultId, uint256 requested, uint256 available);

    /// @notice Thrown when a burn asks to repay more than the vault owes.
    /// @param vaultId The vault id.
    /// @param requested The requested amount in power-token units.
    /// @param debt The vault's debt in power-token units.
    error BurnExceedsDebt(uint256 vaultId, uint256 requested, uint256 debt);

    /// @notice Thrown when an action would leave a vault below the minimum collateral ratio.
    /// @param vaultId The vault id.
    /// @param collateralRatioWad The vault's collateral ratio after the action (1e18 = 100%).
    error VaultUnsafe(uint256 vaultId, uint256 collateralRatioWad);

    /// @notice Thrown when an action would leave a vault with debt and less collateral than the dust floor.
    /// @param vaultId The vault id.
    /// @param collateral The vault's collateral after the action, in wei.
    /// @param minCollateral The dust floor, in wei.
    error VaultBelowMinCollateral(uint256 vaultId, uint256 collateral, uint256 minCollateral);

    /// @notice Thrown when a vault's collateral or debt would exceed its storage width.
    /// @param value The value that does not fit.
    error AmountOverflow(uint256 value);

    /// @notice Thrown when sending ETH fails.
    /// @param to The recipient.
    /// @param amount The amount in wei.
    error EthTransferFailed(address to, uint256 amount);

    /// @notice Thrown when ETH is sent to the engine outside of a payable entry point.
    error DirectEthTransfer();

    /// @notice Thrown when a liquidation targets a vault that is not liquidatable: it holds the dust floor and its
    ///         ratio is at least the liquidation ratio (the minimum for a power market, minimum / 1.2 for an option).
    /// @param vaultId The vault id.
    /// @param collateralRatioWad The vault's collateral ratio (type(uint256).max without debt).
    error VaultSafe(uint256 vaultId, uint256 collateralRatioWad);

    /// @notice Thrown when a partial liquidation would leave a vault with debt and dust collateral: the liquidator
    ///         must offer to repay at least `debtRequired`.
    /// @param vaultId The vault id.
    /// @param debtRequired The smallest offer that goes through: the whole debt, or less when that much already
    ///        takes all of the collateral.
    error LiquidationLeavesDust(uint256 vaultId, uint256 debtRequired);

    /// @notice Thrown when a mint fee above the cap is set.
    /// @param feeBps The requested fee in basis points.
    /// @param maxFeeBps The cap.
    error FeeTooHigh(uint256 feeBps, uint256 maxFeeBps);

    /// @notice Thrown when the fee recipient is the zero address.
    error MissingFeeRecipient();

    /// @notice Thrown when there are no fees to collect.
    error NoFeesToCollect();

    /// @notice Thrown when a market id names no market.
    /// @param marketId The market id.
    error MarketNotFound(uint32 marketId);

    /// @notice Thrown by every vault action, liquidation and funding update of a paused market.
    /// @param marketId The market.
    error MarketPaused(uint32 marketId);

    /// @notice Thrown when unpausing a market that is not paused.
    /// @param marketId The market.
    error MarketNotPaused(uint32 marketId);

    /// @notice Thrown by vault and admin functions of a market after its shutdown.
    /// @param marketId The market.
    error MarketShutDown(uint32 marketId);

    /// @notice Thrown by settlement functions of a market before its shutdown.
    /// @param marketId The market.
    error MarketNotShutDown(uint32 marketId);

    /// @notice Thrown when the owner has used all of its pauses.
    error NoPausesLeft();

    /// @notice Thrown when the owner tries to pause after the pause window closed.
    /// @param deadline The last timestamp at which a pause was allowed.
    error PauseWindowClosed(uint256 deadline);

    /// @notice Thrown when anyone but the owner unpauses before the pause is one day old.
    /// @param allowedAt The first timestamp at which anyone may unpause.
    error UnpauseTooEarly(uint256 allowedAt);

    /// @notice Thrown by `liquidate` during the grace period after an unpause, while owners can still restore
    ///         vaults that became unsafe during the pause.
    /// @param liquidationsOpenAt The first timestamp at which liquidations are open again.
    error LiquidationGracePeriod(uint256 liquidationsOpenAt);

    /// @notice Thrown by redemptions until every vault has been settled (see `settleVaults`).
    /// @param settledVaults Vaults settled so far.
    /// @param vaultCount Vaults to settle.
    error SettlementIncomplete(uint256 settledVaults, uint256 vaultCount);

    /// @notice Thrown by `mint` while the market is in safe mode (its guarded price source distrusts its price): no
    ///         new debt until the source recovers.
    /// @param marketId The market.
    /// @param amount The tokens the caller asked to mint.
    error SafeModeNoNewDebt(uint32 marketId, uint256 amount);

    /// @notice Thrown by `withdraw` and `burn` while the market is in safe mode when the withdrawal would leave the
    ///         vault (still in debt) at a lower collateral ratio than before the call.
    /// @param vaultId The vault id.
    /// @param collateralRatioBeforeWad The vault's ratio before the call (WAD, at the safe-mode price).
    /// @param collateralRatioAfterWad The ratio it would have after (WAD).
    error SafeModeRatioLowered(
        uint256 vaultId,
        uint256 collateralRatioBeforeWad,
        uint256 collateralRatioAfterWad
    );
}
