// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SSTORE2} from "solady/src/utils/SSTORE2.sol";

/// @notice What a market's token is a claim on. The product library (`Product`) is the one place that knows each
///         kind; `Power` is the only kind so far (everlasting calls and puts come next).
enum ProductKind {
    Power
}

/// @notice The owner's choice of terms for a new market, validated by `createMarket` and fixed forever.
/// @param kind The product.
/// @param power The power n of a power perpetual (an integer from 1 to 4): one token tracks ETH^n.
/// @param indexScale The divisor of the index: index = S^n / indexScale (1e4 for n = 2).
/// @param minCollateralRatioWad Minimum collateral / debt value after every mint, burn and withdraw (1.5e18).
/// @param minCollateralWei The dust floor: minimum collateral of a vault that has debt, in wei.
/// @param fundingPeriodSeconds The funding period T in seconds: NF *= (index / mark)^(dt / T).
/// @param markRatioFloorWad The lower clamp of mark / index used for funding (0.8e18).
/// @param markRatioCapWad The upper clamp of mark / index used for funding (1.4e18).
/// @param liquidationBonusWad The liquidator's bonus over the repaid debt's market value (0.1e18 = 10%).
struct MarketParams {
    ProductKind kind;
    uint8 power;
    uint256 indexScale;
    uint256 minCollateralRatioWad;
    uint256 minCollateralWei;
    uint32 fundingPeriodSeconds;
    uint256 markRatioFloorWad;
    uint256 markRatioCapWad;
    uint256 liquidationBonusWad;
}

/// @notice A market's immutable configuration as the engine stores it: its terms, its token and price source, and
///         the logarithms of the funding clamp (computed once at creation). Every field is one ABI word, so the whole
///         configuration is read with one `EXTCODECOPY` (see `MarketConfigLib`).
/// @param params The terms chosen at creation.
/// @param token The market's ERC-20 (minted and burned only by the engine).
/// @param priceSource The market's `IPriceSource`.
/// @param logMarkRatioFloorWad ln(markRatioFloorWad) (WAD).
/// @param logMarkRatioCapWad ln(markRatioCapWad) (WAD).
struct MarketConfig {
    MarketParams params;
    address token;
    address priceSource;
    int256 logMarkRatioFloorWad;
    int256 logMarkRatioCapWad;
}

/// @title MarketConfigLib
/// @notice Market configurations live in the code of one SSTORE2 data contract per market, at an address that
///         depends only on the engine and the market id (solady's CREATE3 flavour). Reading one costs a cold
///         `EXTCODECOPY` and no storage read; nobody can change it after creation.
library MarketConfigLib {
    /// @dev The size of `MarketParams` in memory and in its ABI encoding: nine one-word fields.
    uint256 private constant PARAMS_BYTES = 0x120;

    /// @notice Writes a new market's configuration. Called once per market id by the engine.
    /// @param marketId The market id (the salt of the data contract).
    /// @param config The configuration.
    function write(uint32 marketId, MarketConfig memory config) internal {
        SSTORE2.writeDeterministic(abi.encode(config), bytes32(uint256(marketId)));
    }

    /// @notice Reads a market's configuration from `engine`'s data contract, copying the code straight into the
    ///         structs: every field is one word, so the ABI encoding `write` stored is the memory layout of
    ///         `MarketParams` (9 words) followed by the four words after `params` in `MarketConfig`. Nothing is
    ///         decoded or validated: only the engine writes these contracts. A market that was never created reads
    ///         as zeros.
    /// @param engine The engine that wrote it.
    /// @param marketId The market id.
    /// @return config The configuration.
    function read(address engine, uint32 marketId) internal view returns (MarketConfig memory config) {
        address pointer = SSTORE2.predictDeterministicAddress(bytes32(uint256(marketId)), engine);
        MarketParams memory params = config.params;
        assembly ("memory-safe") {
            // The data starts after the data contract's leading STOP byte.
            extcodecopy(pointer, params, 0x01, PARAMS_BYTES)
            extcodecopy(pointer, add(config, 0x20), add(0x01, PARAMS_BYTES), 0x80)
        }
    }
}
