// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEvergamma} from "../interfaces/IEvergamma.sol";
import {IEvergammaLens} from "../interfaces/IEvergammaLens.sol";
import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {Health} from "../libraries/Health.sol";
import {LiquidationInput, LiquidationMath, LiquidationResult} from "../libraries/LiquidationMath.sol";
import {Market} from "../libraries/Market.sol";
import {Product} from "../libraries/Product.sol";
import {MarketConfig, MarketConfigLib} from "../types/MarketConfig.sol";
import {EngineStorage} from "./EngineStorage.sol";

/// @notice A market as of now: its configuration and stored state, its prices, NF with funding applied now, the ETH
///         value of one token's debt, and whether the engine would accept a liquidation in it.
/// @param marketId The market.
/// @param config Its configuration.
/// @param state Its stored state.
/// @param ethPriceWad S now (WAD).
/// @param tokenPriceWad q now (WAD).
/// @param normalizationFactor NF as `applyFunding` would set it in this block (WAD).
/// @param debtValuePerTokenWad The ETH value of one token's debt (WAD, rounded up).
/// @param liquidationsOpen Running and past the grace period after an unpause.
struct Snapshot {
    uint32 marketId;
    MarketConfig config;
    Market.State state;
    uint256 ethPriceWad;
    uint256 tokenPriceWad;
    uint256 normalizationFactor;
    uint256 debtValuePerTokenWad;
    bool liquidationsOpen;
}

/// @title MarketSnapshot
/// @notice What the engine's entry points would see in this block, for the periphery (lens and keeper helper): the
///         same price source, the same funding transition (`Market`), the same health rule (`Health`) and the same
///         liquidation arithmetic (`LiquidationMath`), so a view never disagrees with a transaction.
library MarketSnapshot {
    uint256 private constant WAD = 1e18;

    /// @notice The market now; reverts with `MarketNotFound` for an id never created.
    /// @param engine The engine.
    /// @param marketId The market.
    /// @return s The snapshot.
    function load(IEvergamma engine, uint32 marketId) internal view returns (Snapshot memory s) {
        s.marketId = marketId;
        s.state = EngineStorage.marketState(engine, marketId);
        if (s.state.normalizationFactor == 0) revert IEvergammaLens.MarketNotFound(marketId);
        s.config = MarketConfigLib.read(address(engine), marketId);
        (s.ethPriceWad, s.tokenPriceWad) = IPriceSource(s.config.priceSource).prices();
        s.normalizationFactor = Market.nextNormalizationFactor(
            s.state,
            s.config,
            s.ethPriceWad,
            s.tokenPriceWad
        );
        s.debtValuePerTokenWad = Product.debtValuePerTokenWad(
            s.config.params,
            s.normalizationFactor,
            s.ethPriceWad
        );
        s.liquidationsOpen =
            s.state.status == Market.STATUS_ACTIVE &&
            block.timestamp >= EngineStorage.book(engine, marketId).liquidationsOpenAt;
    }

    /// @notice mark / index now (WAD).
    /// @param s The snapshot.
    /// @return The ratio.
    function markIndexRatio(Snapshot memory s) internal pure returns (uint256) {
        return
            Product.markIndexRatioWad(s.config.params, s.normalizationFactor, s.ethPriceWad, s.tokenPriceWad);
    }

    /// @notice Whether the engine's `liquidate` would accept the vault now (liquidations open, vault unhealthy).
    /// @param s The snapshot.
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @return Whether it is liquidatable.
    function isLiquidatable(
        Snapshot memory s,
        uint256 collateral,
        uint256 debt
    ) internal pure returns (bool) {
        return
            s.liquidationsOpen &&
            !Health.isHealthy(collateral, debt, s.debtValuePerTokenWad, s.config.params);
    }

    /// @notice What `liquidate(vaultId, maxDebtAmount)` would repay and pay now, for a liquidatable vault.
    /// @param s The snapshot.
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @param maxDebtAmount The liquidator's offer.
    /// @return result The engine's `LiquidationMath` result.
    function liquidation(
        Snapshot memory s,
        uint256 collateral,
        uint256 debt,
        uint256 maxDebtAmount
    ) internal pure returns (LiquidationResult memory result) {
        uint256 ratio = Health.collateralRatioWad(collateral, debt, s.debtValuePerTokenWad);
        return
            LiquidationMath.compute(
                LiquidationInput(collateral, debt, maxDebtAmount, ratio < WAD),
                Product.cappedTokenPriceWad(s.config.params, s.tokenPriceWad, s.debtValuePerTokenWad),
                s.config.params.liquidationBonusWad,
                s.config.params.minCollateralWei
            );
    }
}
