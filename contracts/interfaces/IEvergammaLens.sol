// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketConfig} from "../types/MarketConfig.sol";

/// @notice Everything a user, a task or a dashboard prints about one vault, in one call.
/// @param vaultId The vault id.
/// @param marketId Its market.
/// @param owner The holder of the vault NFT (zero for an id never opened).
/// @param operator The operator (zero for none).
/// @param collateral ETH collateral in wei.
/// @param debt Debt in token units.
/// @param debtValue The debt's ETH value at index now, in wei (rounded up).
/// @param collateralRatioWad collateral / debt value (WAD); type(uint256).max without debt.
/// @param healthy Whether the vault meets the minimum ratio and the dust floor now (the engine's one rule).
/// @param liquidatable Whether `liquidate` would accept it now (below the liquidation ratio or the dust floor, market
///        running, grace period over).
/// @param maxMintable Tokens it could still mint now without adding collateral.
/// @param liquidationPriceWad The ETH price at which it becomes unsafe: 0 without debt or for n = 1; for an option,
///        by bisection with the market price moving with the floor model, type(uint256).max when never unsafe.
struct VaultReport {
    uint256 vaultId;
    uint32 marketId;
    address owner;
    address operator;
    uint256 collateral;
    uint256 debt;
    uint256 debtValue;
    uint256 collateralRatioWad;
    bool healthy;
    bool liquidatable;
    uint256 maxMintable;
    uint256 liquidationPriceWad;
}

/// @notice Everything about one market, in one call. Prices as if funding were applied now.
/// @param marketId The market.
/// @param config Its fixed configuration.
/// @param status 0 active, 1 paused, 2 shut down, 3 safe mode (set by the block's first update: `Market.STATUS_*`).
/// @param normalizationFactor NF if funding were applied now (WAD).
/// @param lastFundingUpdate The time of the last funding update.
/// @param ethPriceWad S, the ETH/USD price (WAD).
/// @param tokenPriceWad q, the token's market price in ETH (WAD).
/// @param indexWad The index (WAD, USD).
/// @param markWad The mark in index units, q * S / NF (WAD).
/// @param fundingRatePerDayWad The funding rate per day (WAD; positive: longs pay shorts).
/// @param impliedVolatilityWad The volatility implied by mark / index (WAD).
/// @param debtValuePerTokenWad The ETH value of one token's debt at index (WAD, rounded up).
/// @param vaultCount Vaults opened.
/// @param tokenSupply Tokens outstanding (the total debt while the market runs).
/// @param accruedFees Fees not yet collected, in wei.
/// @param totalBadDebt Debt of vaults that hold debt and no collateral, in token units.
/// @param feeBps The mint fee in basis points.
/// @param pausesLeft Pauses the owner has left.
/// @param liquidationsOpenAt When liquidations open after the last unpause (0 before any).
struct MarketReport {
    uint32 marketId;
    MarketConfig config;
    uint8 status;
    uint256 normalizationFactor;
    uint256 lastFundingUpdate;
    uint256 ethPriceWad;
    uint256 tokenPriceWad;
    uint256 indexWad;
    uint256 markWad;
    int256 fundingRatePerDayWad;
    uint256 impliedVolatilityWad;
    uint256 debtValuePerTokenWad;
    uint256 vaultCount;
    uint256 tokenSupply;
    uint256 accruedFees;
    uint256 totalBadDebt;
    uint256 feeBps;
    uint256 pausesLeft;
    uint256 liquidationsOpenAt;
}

/// @title IEvergammaLens
/// @notice Every view of the engine, computed off the engine's storage (`extsload`) with the engine's own libraries
///         (`Health`, `Product`, `Market`), so that a view never disagrees with what an entry point would do.
/// @dev "Now" means as if funding were applied in this block: NF, and the prices, come from the market's price
///      source now (the engine's per-block cache is not used, as a fresh block would not use it either).
interface IEvergammaLens {
    /// @notice Thrown when a market id names no market.
    /// @param marketId The market id.
    error MarketNotFound(uint32 marketId);

    /// @notice The engine this lens reads.
    function engine() external view returns (address);

    /// @notice Everything about one vault.
    /// @param vaultId The vault id.
    function vaultReport(uint256 vaultId) external view returns (VaultReport memory);

    /// @notice Everything about one market.
    /// @param marketId The market.
    function marketReport(uint32 marketId) external view returns (MarketReport memory);

    /// @notice A market's fixed configuration.
    /// @param marketId The market.
    function marketConfig(uint32 marketId) external view returns (MarketConfig memory);

    /// @notice Vaults opened in a market (the highest serial).
    /// @param marketId The market.
    function vaultCount(uint32 marketId) external view returns (uint256);

    /// @notice The stored normalization factor (WAD), as of the last funding update.
    /// @param marketId The market.
    function normalizationFactor(uint32 marketId) external view returns (uint256);

    /// @notice The timestamp of the last funding update.
    /// @param marketId The market.
    function lastFundingUpdate(uint32 marketId) external view returns (uint256);

    /// @notice The normalization factor if funding were applied now (WAD); the stored one while paused or shut
    ///         down (no funding accrues then).
    /// @param marketId The market.
    function expectedNormalizationFactor(uint32 marketId) external view returns (uint256);

    /// @notice The market's ETH/USD price S (WAD, USD per ETH).
    /// @param marketId The market.
    function ethPrice(uint32 marketId) external view returns (uint256);

    /// @notice The market token's price q (WAD, ETH per token).
    /// @param marketId The market.
    function tokenPrice(uint32 marketId) external view returns (uint256);

    /// @notice The index: S^n / indexScale for a power market (WAD).
    /// @param marketId The market.
    function index(uint32 marketId) external view returns (uint256);

    /// @notice The mark in index units: q * S / NF (WAD), NF as if funding were applied now.
    /// @param marketId The market.
    function mark(uint32 marketId) external view returns (uint256);

    /// @notice The funding rate per day now: ln(clamped mark / index) * 1 day / fundingPeriod (WAD). Positive:
    ///         longs pay shorts (NF falls by that fraction per day, continuously compounded).
    /// @param marketId The market.
    function fundingRatePerDay(uint32 marketId) external view returns (int256);

    /// @notice The annualised volatility implied by mark / index (WAD, 1e18 = 100%); zero when mark <= index or
    ///         n = 1.
    /// @param marketId The market.
    function impliedVolatility(uint32 marketId) external view returns (uint256);

    /// @notice The ETH value of one token's debt now (WAD, rounded up).
    /// @param marketId The market.
    function debtValuePerToken(uint32 marketId) external view returns (uint256);

    /// @notice A vault's owner, operator, collateral and debt.
    /// @param vaultId The vault id.
    /// @return owner The holder of the vault NFT (zero for an id never opened).
    /// @return operator The operator (zero for none).
    /// @return collateral ETH collateral in wei.
    /// @return debt Debt in token units.
    function getVault(
        uint256 vaultId
    ) external view returns (address owner, address operator, uint256 collateral, uint256 debt);

    /// @notice A vault's collateral ratio now (WAD); type(uint256).max without debt.
    /// @param vaultId The vault id.
    function collateralRatio(uint256 vaultId) external view returns (uint256);

    /// @notice Whether a vault meets the minimum ratio and the dust floor now (healthy; an option vault below it is
    ///         liquidatable only below minimum / 1.2: `vaultReport(...).liquidatable`).
    /// @param vaultId The vault id.
    function isVaultSafe(uint256 vaultId) external view returns (bool);

    /// @notice Tokens a vault could still mint now without adding collateral.
    /// @param vaultId The vault id.
    function maxMintable(uint256 vaultId) external view returns (uint256);

    /// @notice The ETH price (WAD) at which a vault becomes unsafe with NF now; 0 without debt or for n = 1; for an
    ///         option, by bisection on S (`OptionViews`), type(uint256).max when never unsafe in [S/1024, 1024 S].
    /// @param vaultId The vault id.
    function liquidationPrice(uint256 vaultId) external view returns (uint256);

    /// @notice What `liquidate(vaultId, type(uint256).max)` would do now: not liquidatable while paused, shut down
    ///         or in the grace period after an unpause.
    /// @param vaultId The vault id.
    /// @return liquidatable Whether the vault can be liquidated.
    /// @return maxDebt The debt such a call would repay.
    /// @return collateralPaid The ETH it would pay, in wei.
    function previewLiquidation(
        uint256 vaultId
    ) external view returns (bool liquidatable, uint256 maxDebt, uint256 collateralPaid);

    /// @notice A market's unbacked debt (debt of vaults with no collateral), in token units; frozen at shutdown.
    /// @param marketId The market.
    function totalBadDebt(uint32 marketId) external view returns (uint256);

    /// @notice A market's mint fee in basis points.
    /// @param marketId The market.
    function feeBps(uint32 marketId) external view returns (uint256);

    /// @notice A market's fee recipient.
    /// @param marketId The market.
    function feeRecipient(uint32 marketId) external view returns (address);

    /// @notice A market's fees charged and not yet collected, in wei.
    /// @param marketId The market.
    function accruedFees(uint32 marketId) external view returns (uint256);

    /// @notice Whether a market is paused.
    /// @param marketId The market.
    function isPaused(uint32 marketId) external view returns (bool);

    /// @notice Whether a market is shut down.
    /// @param marketId The market.
    function isShutDown(uint32 marketId) external view returns (bool);

    /// @notice Whether a market is in safe mode as of its last update (its guarded price source distrusted its
    ///         price): no new debt, no ratio-lowering withdrawal. The next update of a later block may change it.
    /// @param marketId The market.
    function isSafeMode(uint32 marketId) external view returns (bool);

    /// @notice Pauses the owner has left for a market.
    /// @param marketId The market.
    function pausesLeft(uint32 marketId) external view returns (uint256);

    /// @notice When a market's liquidations open after its last unpause (0 before any unpause).
    /// @param marketId The market.
    function liquidationsOpenAt(uint32 marketId) external view returns (uint256);

    /// @notice A market's settlement ETH/USD price (WAD), zero before shutdown.
    /// @param marketId The market.
    function settlementEthPrice(uint32 marketId) external view returns (uint256);

    /// @notice Vaults of a market settled since its shutdown.
    /// @param marketId The market.
    function settledVaults(uint32 marketId) external view returns (uint256);

    /// @notice ETH for all longs of a market together once settlement is complete, in wei.
    /// @param marketId The market.
    function longPayoutPool(uint32 marketId) external view returns (uint256);

    /// @notice Debt value not covered by a market's insolvent vaults at settlement, in wei.
    /// @param marketId The market.
    function settlementShortfall(uint32 marketId) external view returns (uint256);
}
