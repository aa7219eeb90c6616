// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

/// @title VaultMath
/// @notice Health of a vault holding ETH collateral against a power-token debt. Values in wei / WAD.
/// @dev Rounding favours the protocol: debt values round up; ratios, mintable amounts and prices a vault owner
///      relies on round down (towards "less room").
library VaultMath {
    uint256 internal constant WAD = 1e18;

    /// @notice The ETH value of `debt` tokens at `debtValuePerTokenWad` ETH each, rounded up.
    /// @param debt The debt, in power tokens.
    /// @param debtValuePerTokenWad The ETH value of one token (WAD).
    /// @return The debt's value, in wei.
    function debtValue(uint256 debt, uint256 debtValuePerTokenWad) internal pure returns (uint256) {
        return FPML.fullMulDivUp(debt, debtValuePerTokenWad, WAD);
    }

    /// @notice collateral / debtValue (WAD), rounded down; type(uint256).max without debt.
    /// @param collateral The vault's collateral, in wei.
    /// @param debtValueWei The ETH value of the vault's debt, in wei.
    /// @return The collateral ratio (WAD).
    function collateralRatioWad(uint256 collateral, uint256 debtValueWei) internal pure returns (uint256) {
        if (debtValueWei == 0) return type(uint256).max;
        return FPML.fullMulDiv(collateral, WAD, debtValueWei);
    }

    /// @notice Whether collateral covers the debt value times the minimum ratio (exact, no division).
    /// @param collateral The vault's collateral, in wei.
    /// @param debtValueWei The ETH value of the vault's debt, in wei.
    /// @param minCollateralRatioWad The minimum collateral ratio (WAD, 1.5e18 for 150%).
    /// @return True when `collateral >= debtValueWei * minCollateralRatioWad / 1e18` (rounded up).
    function meetsRatio(
        uint256 collateral,
        uint256 debtValueWei,
        uint256 minCollateralRatioWad
    ) internal pure returns (bool) {
        // collateral * 1e18 >= debtValue * ratio, in 512-bit-safe form: compare collateral with the rounded-up
        // required collateral.
        return collateral >= FPML.fullMulDivUp(debtValueWei, minCollateralRatioWad, WAD);
    }

    /// @notice The largest debt (tokens) the collateral supports at the minimum ratio, rounded down.
    /// @param collateral The vault's collateral, in wei.
    /// @param debtValuePerTokenWad The ETH value of one token (WAD).
    /// @param minCollateralRatioWad The minimum collateral ratio (WAD).
    /// @return The largest debt, in power tokens.
    function maxDebt(
        uint256 collateral,
        uint256 debtValuePerTokenWad,
        uint256 minCollateralRatioWad
    ) internal pure returns (uint256) {
        // debt * perToken / 1e18 * ratio / 1e18 <= collateral  <=>  debt <= collateral * 1e36 / (perToken * ratio)
        uint256 supportedValue = FPML.fullMulDiv(collateral, WAD, minCollateralRatioWad);
        return FPML.fullMulDiv(supportedValue, WAD, debtValuePerTokenWad);
    }

    /// @notice The ETH price (WAD) at which a vault reaches the minimum ratio, for a power-n perpetual:
    ///         NF * S^(n-1) / scale * debt * ratio = collateral, so
    ///         S = (collateral * scale / (NF * debt * ratio))^(1/(n-1)).
    /// @dev Returns 0 without debt or for n = 1 (the debt value does not depend on S). Rounded down: the true
    ///      boundary is at or above the returned price.
    /// @param collateral The vault's collateral, in wei.
    /// @param debt The vault's debt, in power tokens.
    /// @param normalizationFactor The normalization factor (WAD).
    /// @param minCollateralRatioWad The minimum collateral ratio (WAD).
    /// @param power The power n of the perpetual (2, 3 or 4).
    /// @param indexScale The divisor of S^n in the index (e.g. 1e4 for ETH²).
    /// @return The ETH price (WAD) at the minimum ratio.
    function liquidationPriceWad(
        uint256 collateral,
        uint256 debt,
        uint256 normalizationFactor,
        uint256 minCollateralRatioWad,
        uint256 power,
        uint256 indexScale
    ) internal pure returns (uint256) {
        if (debt == 0 || power < 2) return 0;
        // S^(n-1) in WAD = collateral * scale * 1e18 / (debt * ratio / 1e18) * 1e18 / NF
        uint256 perDebt = FPML.fullMulDiv(
            collateral,
            indexScale * WAD,
            FPML.mulWadUp(debt, minCollateralRatioWad)
        );
        uint256 ethPowerWad = FPML.fullMulDiv(perDebt, WAD, normalizationFactor);
        if (power == 2) return ethPowerWad;
        if (power == 3) return FPML.sqrtWad(ethPowerWad);
        return FPML.cbrtWad(ethPowerWad);
    }
}
