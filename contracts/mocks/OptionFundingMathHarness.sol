// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OptionFundingBand, OptionFundingMath} from "../libraries/OptionFundingMath.sol";

/// @title OptionFundingMathHarness
/// @notice Exposes `OptionFundingMath` to the TypeScript tests and measures the marginal in-contract gas of one
///         funding update: gasleft() is read right before and right after the internal call, whose result is then
///         written to scratch memory, and the cost of an empty measurement is subtracted (as PricingGasHarness).
contract OptionFundingMathHarness {
    /// @notice One funding update (`OptionFundingMath.nextNormalizationFactor`), the band given as floor and cap.
    /// @param normalizationFactor NF (WAD).
    /// @param payoffUsdWad The payoff per unit of claim (USD, WAD).
    /// @param tokenPriceEthWad q (WAD).
    /// @param ethPriceWad S (WAD).
    /// @param floorWad The band's floor (WAD).
    /// @param capWad The band's cap (WAD).
    /// @param elapsedSeconds The interval.
    /// @param fundingPeriodSeconds The funding period T.
    /// @return gasUsed Marginal gas of the update.
    /// @return result NF after the interval (WAD).
    function measureNextNormalizationFactor(
        uint256 normalizationFactor,
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 floorWad,
        uint256 capWad,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) external view returns (uint256 gasUsed, uint256 result) {
        OptionFundingBand memory fundingBand = OptionFundingMath.band(floorWad, capWad);
        uint256 overhead = _emptyMeasurement();
        uint256 before = gasleft();
        result = OptionFundingMath.nextNormalizationFactor(
            normalizationFactor,
            payoffUsdWad,
            tokenPriceEthWad,
            ethPriceWad,
            fundingBand,
            elapsedSeconds,
            fundingPeriodSeconds
        );
        _anchor(result);
        gasUsed = before - gasleft() - overhead;
    }

    /// @notice x = payoff / mark (`OptionFundingMath.payoffMarkRatioWad`).
    /// @param payoffUsdWad The payoff per unit of claim (USD, WAD).
    /// @param tokenPriceEthWad q (WAD).
    /// @param ethPriceWad S (WAD).
    /// @param normalizationFactor NF (WAD).
    /// @return x (WAD).
    function payoffMarkRatioWad(
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 normalizationFactor
    ) external pure returns (uint256) {
        return
            OptionFundingMath.payoffMarkRatioWad(
                payoffUsdWad,
                tokenPriceEthWad,
                ethPriceWad,
                normalizationFactor
            );
    }

    /// @notice The funding rate per day (`OptionFundingMath.fundingRatePerDayWad`).
    /// @param normalizationFactor NF (WAD).
    /// @param payoffUsdWad The payoff per unit of claim (USD, WAD).
    /// @param tokenPriceEthWad q (WAD).
    /// @param ethPriceWad S (WAD).
    /// @param floorWad The band's floor (WAD).
    /// @param capWad The band's cap (WAD).
    /// @param fundingPeriodSeconds The funding period T.
    /// @return The rate per day (WAD, positive when longs pay).
    function fundingRatePerDayWad(
        uint256 normalizationFactor,
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 floorWad,
        uint256 capWad,
        uint256 fundingPeriodSeconds
    ) external pure returns (int256) {
        return
            OptionFundingMath.fundingRatePerDayWad(
                normalizationFactor,
                payoffUsdWad,
                tokenPriceEthWad,
                ethPriceWad,
                OptionFundingMath.band(floorWad, capWad),
                fundingPeriodSeconds
            );
    }

    /// @notice Gas of an empty measurement: two gasleft() reads around an anchor.
    /// @return The measurement overhead in gas.
    function _emptyMeasurement() private view returns (uint256) {
        uint256 before = gasleft();
        _anchor(0);
        return before - gasleft();
    }

    /// @notice Writes a result to scratch memory before the second gasleft() read, so that the optimizer cannot
    ///         move the computation past it.
    /// @param value The result to anchor.
    function _anchor(uint256 value) private pure {
        assembly ("memory-safe") {
            mstore(0x00, value)
        }
    }
}
