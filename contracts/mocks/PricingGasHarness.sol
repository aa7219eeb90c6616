// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EverlastingMath} from "../libraries/EverlastingMath.sol";

/// @title PricingGasHarness
/// @notice Measures the marginal in-contract gas of each `EverlastingMath` function: gasleft() is read right
///         before and right after an internal call whose result is then written to scratch memory, and the cost
///         of an empty measurement (the same two reads around the same write) is subtracted. Calldata, ABI
///         decoding and the external call are not included.
/// @dev Function identifiers: 0 callPrice, 1 putPrice, 2 timeValue, 3 callDelta, 4 putDelta, 5 gamma, 6 vega,
///      7 powerPerpFairPrice(spot, power, volatility, period), 8 powerPerpImpliedVolatility(mark, index,
///      power, period), 9 fundingRate(mark, payoff, period), 10 impliedVolatility of a call(price, spot,
///      strike, period), 11 impliedVolatility of a put(price, spot, strike, period).
contract PricingGasHarness {
    /// @notice The function identifier is not one of 0 to 11.
    /// @param functionId The offending identifier.
    error UnknownFunction(uint256 functionId);

    /// @notice The inputs of a batch have different lengths.
    error LengthMismatch();

    /// @notice Number of functions the harness measures.
    uint256 public constant FUNCTION_COUNT = 12;

    /// @notice Measures one function on many inputs.
    /// @param functionId Which function (see the contract's documentation).
    /// @param a First argument of each case.
    /// @param b Second argument of each case.
    /// @param c Third argument of each case.
    /// @param d Fourth argument of each case.
    /// @return gasUsed Marginal gas of each call.
    /// @return results Each call's result (signed results as two's complement).
    function measureBatch(
        uint256 functionId,
        uint256[] calldata a,
        uint256[] calldata b,
        uint256[] calldata c,
        uint256[] calldata d
    ) external view returns (uint256[] memory gasUsed, uint256[] memory results) {
        uint256 length = a.length;
        if (b.length != length || c.length != length || d.length != length) revert LengthMismatch();
        gasUsed = new uint256[](length);
        results = new uint256[](length);
        for (uint256 i; i < length; ++i) {
            (gasUsed[i], results[i]) = measure(functionId, a[i], b[i], c[i], d[i]);
        }
    }

    /// @notice Measures one function on one input.
    /// @param functionId Which function (see the contract's documentation).
    /// @param a First argument.
    /// @param b Second argument.
    /// @param c Third argument.
    /// @param d Fourth argument.
    /// @return gasUsed Marginal gas of the call.
    /// @return result The call's result (signed results as two's complement).
    function measure(
        uint256 functionId,
        uint256 a,
        uint256 b,
        uint256 c,
        uint256 d
    ) public view returns (uint256 gasUsed, uint256 result) {
        uint256 overhead = _emptyMeasurement();
        uint256 before;
        if (functionId == 0) {
            before = gasleft();
            result = EverlastingMath.callPrice(a, b, c, d);
            _anchor(result);
            gasUsed = before - gasleft();
        } else if (functionId == 1) {
            before = gasleft();
            result = EverlastingMath.putPrice(a, b, c, d);
            _anchor(result);
            gasUsed = before - gasleft();
        } else if (functionId == 2) {
            before = gasleft();
            result = EverlastingMath.timeValue(a, b, c, d);
            _anchor(result);
            gasUsed = before - gasleft();
        } else if (functionId == 3) {
            before = gasleft();
            int256 delta = EverlastingMath.callDelta(a, b, c, d);
            _anchor(uint256(delta));
            gasUsed = before - gasleft();
            result = uint256(delta);
        } else if (functionId == 4) {
            before = gasleft();
            int256 delta = EverlastingMath.putDelta(a, b, c, d);
            _anchor(uint256(delta));
            gasUsed = before - gasleft();
            result = uint256(delta);
        } else if (functionId == 5) {
            before = gasleft();
            result = EverlastingMath.gamma(a, b, c, d);
            _anchor(result);
            gasUsed = before - gasleft();
        } else if (functionId == 6) {
            before = gasleft();
            result = EverlastingMath.vega(a, b, c, d);
            _anchor(result);
            gasUsed = before - gasleft();
        } else if (functionId == 7) {
            before = gasleft();
            result = EverlastingMath.powerPerpFairPrice(a, b, c, d);
            _anchor(result);
            gasUsed = before - gasleft();
        } else if (functionId == 8) {
            before = gasleft();
            result = EverlastingMath.powerPerpImpliedVolatility(a, b, c, d);
            _anchor(result);
            gasUsed = before - gasleft();
        } else if (functionId == 9) {
            before = gasleft();
            int256 rate = EverlastingMath.fundingRate(a, b, c);
            _anchor(uint256(rate));
            gasUsed = before - gasleft();
            result = uint256(rate);
        } else if (functionId == 10) {
            before = gasleft();
            result = EverlastingMath.impliedVolatility(a, b, c, d, true);
            _anchor(result);
            gasUsed = before - gasleft();
        } else if (functionId == 11) {
            before = gasleft();
            result = EverlastingMath.impliedVolatility(a, b, c, d, false);
            _anchor(result);
            gasUsed = before - gasleft();
        } else {
            revert UnknownFunction(functionId);
        }
        gasUsed -= overhead;
    }

    /// @notice Gas of an empty measurement: two gasleft() reads around an anchor, as around each call above.
    /// @return The measurement overhead in gas.
    function _emptyMeasurement() private view returns (uint256) {
        uint256 before = gasleft();
        _anchor(0);
        return before - gasleft();
    }

    /// @notice Writes a result to scratch memory before the second gasleft() read. A side effect that consumes
    ///         the result keeps the optimizer (notably via-IR's) from moving any of the pure computation past
    ///         the read, which would understate the cost.
    /// @param value The result to anchor.
    function _anchor(uint256 value) private pure {
        assembly ("memory-safe") {
            mstore(0x00, value)
        }
    }
}
