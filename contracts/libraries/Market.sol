// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEverlastingOptionPricer} from "../interfaces/IEverlastingOptionPricer.sol";
import {FundingRule, MarketConfig} from "../types/MarketConfig.sol";
import {FundingMath, MarkClamp} from "./FundingMath.sol";
import {Product} from "./Product.sol";

/// @title Market
/// @notice The mutable state of one market, one storage slot, and its funding transition (in the shape of Uniswap
///         v4's `Pool` library): the normalization factor NF, the time it was last brought up to date, the ETH/USD
///         price cached for that block, and the market's status.
library Market {
    /// @notice Status of a running market.
    uint8 internal constant STATUS_ACTIVE = 0;
    /// @notice Status of a paused market: NF frozen, vault actions and liquidations closed.
    uint8 internal constant STATUS_PAUSED = 1;
    /// @notice Status of a market after shutdown: NF frozen forever, settlement open.
    uint8 internal constant STATUS_SHUT_DOWN = 2;
    /// @notice Status of a running market whose guarded price source (`IGuardedPriceSource`) reported a reason in
    ///         this block's update: as `STATUS_ACTIVE` (funding, deposits, burns, closes, liquidations) except that no
    ///         new debt is minted and no withdrawal may lower a vault's collateral ratio, and S is the more
    ///         conservative of the source's two prices. Set and cleared by the first update of each block.
    uint8 internal constant STATUS_SAFE_MODE = 3;

    /// @notice One slot per market, read first by every entry point.
    /// @param normalizationFactor NF (WAD); zero only for a market id that was never created.
    /// @param lastUpdate The timestamp of the last funding update.
    /// @param ethPriceWad The ETH/USD price of the block `lastUpdate` (up to 3e8 USD); zero when no price is cached.
    /// @param status `STATUS_ACTIVE`, `STATUS_PAUSED`, `STATUS_SHUT_DOWN` or `STATUS_SAFE_MODE`.
    struct State {
        uint128 normalizationFactor;
        uint32 lastUpdate;
        uint88 ethPriceWad;
        uint8 status;
    }

    /// @notice Whether a market with this status runs: active or in safe mode (not paused, not shut down).
    /// @param status The market's status.
    /// @return Whether funding accrues and vault actions are open.
    function isLive(uint8 status) internal pure returns (bool) {
        return status == STATUS_ACTIVE || status == STATUS_SAFE_MODE;
    }

    /// @notice Whether `state` already holds this block's funding update and ETH price.
    /// @param state The market's state.
    /// @return Whether no funding update is due in this block.
    function isCurrent(State memory state) internal view returns (bool) {
        return state.lastUpdate == uint32(block.timestamp) && state.ethPriceWad != 0;
    }

    /// @notice NF now, from NF at the last update and the prices of this block, exactly integrated: at mark / index
    ///         for a power perpetual (`FundingMath`, or the exchanges' `PremiumFundingMath` with the `PremiumIndex`
    ///         rule, run by the pricer contract), at payoff / mark for an option (`OptionFundingMath`, run by
    ///         the pricer contract). Frozen while paused and after shutdown: a paused interval is never charged (M-2).
    /// @param state The market's state as of its last update.
    /// @param config The market's configuration.
    /// @param pricer The everlasting-option pricer (called for options only).
    /// @param ethPriceWad S (WAD).
    /// @param tokenPriceWad q, the token's market price in ETH (WAD).
    /// @return The normalization factor now (WAD).
    function nextNormalizationFactor(
        State memory state,
        MarketConfig memory config,
        IEverlastingOptionPricer pricer,
        uint256 ethPriceWad,
        uint256 tokenPriceWad
    ) internal view returns (uint256) {
        if (!isLive(state.status)) return state.normalizationFactor;
        uint256 elapsed;
        unchecked {
            elapsed = uint32(block.timestamp) - state.lastUpdate; // uint32 timestamps wrap in 2106, as Uniswap's do
        }
        if (Product.isOption(config.params)) {
            return
                pricer.optionNormalizationFactor(
                    state.normalizationFactor,
                    Product.payoffWad(config.params, ethPriceWad),
                    tokenPriceWad,
                    ethPriceWad,
                    config.params.markRatioFloorWad,
                    config.params.markRatioCapWad,
                    elapsed,
                    config.params.fundingPeriodSeconds
                );
        }
        uint256 ratio = Product.markIndexRatioWad(
            config.params,
            state.normalizationFactor,
            ethPriceWad,
            tokenPriceWad
        );
        if (config.params.fundingRule == FundingRule.PremiumIndex) {
            return
                pricer.premiumNormalizationFactor(
                    state.normalizationFactor,
                    ratio,
                    config.params.interestRatePerPeriodWad,
                    config.params.premiumClampWad,
                    config.params.markRatioFloorWad,
                    config.params.markRatioCapWad,
                    elapsed,
                    config.params.fundingPeriodSeconds
                );
        }
        return
            FundingMath.nextNormalizationFactor(
                state.normalizationFactor,
                ratio,
                markClamp(config),
                elapsed,
                config.params.fundingPeriodSeconds
            );
    }

    /// @notice The market's funding clamp on mark / index, with its logarithms.
    /// @param config The market's configuration.
    /// @return The clamp.
    function markClamp(MarketConfig memory config) internal pure returns (MarkClamp memory) {
        return
            MarkClamp(
                config.params.markRatioFloorWad,
                config.params.markRatioCapWad,
                config.logMarkRatioFloorWad,
                config.logMarkRatioCapWad
            );
    }
}
