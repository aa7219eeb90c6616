// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

/// @title PowerPerpMath
/// @notice Prices of a power perpetual of integer power n on ETH. All values are WAD (1e18 = 1).
/// @dev S is the ETH/USD TWAP, q the power-token/ETH TWAP, NF the normalization factor.
///      index = S^n / scale; mark = q * S / NF; one token's debt in ETH = NF * S^(n-1) / scale.
library PowerPerpMath {
    uint256 internal constant WAD = 1e18;

    /// @notice S^k in WAD for a small integer k (0 to 3), rounded up or down.
    /// @param ethPriceWad The ETH price S (WAD).
    /// @param k The exponent.
    /// @param roundUp Whether each product rounds up (else down).
    /// @return result S^k (WAD).
    function ethPowerWad(
        uint256 ethPriceWad,
        uint256 k,
        bool roundUp
    ) internal pure returns (uint256 result) {
        result = WAD;
        for (uint256 i; i < k; ++i) {
            result = roundUp ? FPML.mulWadUp(result, ethPriceWad) : FPML.mulWad(result, ethPriceWad);
        }
    }

    /// @notice The index S^n / scale, rounded down.
    /// @param ethPriceWad The ETH price S (WAD).
    /// @param power The power n of the perpetual.
    /// @param indexScale The divisor of S^n in the index.
    /// @return The index (WAD).
    function indexWad(
        uint256 ethPriceWad,
        uint256 power,
        uint256 indexScale
    ) internal pure returns (uint256) {
        return FPML.mulWad(ethPowerWad(ethPriceWad, power - 1, false), ethPriceWad) / indexScale;
    }

    /// @notice The mark in index units, q * S / NF, rounded down.
    /// @param powerPriceWad The power-token price q, in ETH (WAD).
    /// @param ethPriceWad The ETH price S (WAD).
    /// @param normalizationFactor The normalization factor NF (WAD).
    /// @return The mark (WAD).
    function markWad(
        uint256 powerPriceWad,
        uint256 ethPriceWad,
        uint256 normalizationFactor
    ) internal pure returns (uint256) {
        return FPML.fullMulDiv(powerPriceWad, ethPriceWad, normalizationFactor);
    }

    /// @notice mark / index = q * scale / (NF * S^(n-1)), rounded down.
    /// @param powerPriceWad The power-token price q, in ETH (WAD).
    /// @param ethPriceWad The ETH price S (WAD).
    /// @param normalizationFactor The normalization factor NF (WAD).
    /// @param power The power n of the perpetual.
    /// @param indexScale The divisor of S^n in the index.
    /// @return The ratio mark / index (WAD).
    function markIndexRatioWad(
        uint256 powerPriceWad,
        uint256 ethPriceWad,
        uint256 normalizationFactor,
        uint256 power,
        uint256 indexScale
    ) internal pure returns (uint256) {
        uint256 perNormalizationFactor = FPML.fullMulDiv(
            powerPriceWad,
            indexScale * WAD,
            normalizationFactor
        );
        return FPML.fullMulDiv(perNormalizationFactor, WAD, ethPowerWad(ethPriceWad, power - 1, false));
    }

    /// @notice The ETH value of one token's debt, NF * S^(n-1) / scale, rounded up (debt favours the protocol).
    /// @param normalizationFactor The normalization factor NF (WAD).
    /// @param ethPriceWad The ETH price S (WAD).
    /// @param power The power n of the perpetual.
    /// @param indexScale The divisor of S^n in the index.
    /// @return The debt value of one token, in ETH (WAD).
    function debtValuePerTokenWad(
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        uint256 power,
        uint256 indexScale
    ) internal pure returns (uint256) {
        return valuePerTokenWad(normalizationFactor, ethPriceWad, power, indexScale, true);
    }

    /// @notice The ETH value of one token's claim, NF * S^(n-1) / scale, rounded down (payouts favour the protocol).
    /// @param normalizationFactor The normalization factor NF (WAD).
    /// @param ethPriceWad The ETH price S (WAD).
    /// @param power The power n of the perpetual.
    /// @param indexScale The divisor of S^n in the index.
    /// @return The claim value of one token, in ETH (WAD).
    function claimValuePerTokenWad(
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        uint256 power,
        uint256 indexScale
    ) internal pure returns (uint256) {
        return valuePerTokenWad(normalizationFactor, ethPriceWad, power, indexScale, false);
    }

    /// @notice NF * S^(n-1) / scale in WAD, rounded up or down.
    /// @param normalizationFactor The normalization factor NF (WAD).
    /// @param ethPriceWad The ETH price S (WAD).
    /// @param power The power n of the perpetual.
    /// @param indexScale The divisor of S^n in the index.
    /// @param roundUp Whether to round up (else down).
    /// @return The value of one token, in ETH (WAD).
    function valuePerTokenWad(
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        uint256 power,
        uint256 indexScale,
        bool roundUp
    ) internal pure returns (uint256) {
        uint256 ethPower = ethPowerWad(ethPriceWad, power - 1, roundUp);
        return
            roundUp
                ? FPML.fullMulDivUp(normalizationFactor, ethPower, indexScale * WAD)
                : FPML.fullMulDiv(normalizationFactor, ethPower, indexScale * WAD);
    }
}
