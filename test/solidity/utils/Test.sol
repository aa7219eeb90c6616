// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "./Vm.sol";

/// @title Test
/// @notice Minimal base for Solidity tests: the cheatcode handle, bounded inputs and assertions that revert
///         with a message carrying the compared values.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string message, uint256 left, uint256 right);
    error AssertionFailedSigned(string message, int256 left, int256 right);

    /// @dev Maps any x into [min, max] (inclusive), keeping small values small so edge cases stay reachable.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertionFailed(message, 0, 1);
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        if (left != right) revert AssertionFailed(message, left, right);
    }

    function assertEq(int256 left, int256 right, string memory message) internal pure {
        if (left != right) revert AssertionFailedSigned(message, left, right);
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure {
        if (left > right) revert AssertionFailed(message, left, right);
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure {
        if (left < right) revert AssertionFailed(message, left, right);
    }

    function assertLt(uint256 left, uint256 right, string memory message) internal pure {
        if (left >= right) revert AssertionFailed(message, left, right);
    }

    function assertGt(uint256 left, uint256 right, string memory message) internal pure {
        if (left <= right) revert AssertionFailed(message, left, right);
    }

    /// @dev |left - right| <= maxDelta.
    function assertApproxEqAbs(
        uint256 left,
        uint256 right,
        uint256 maxDelta,
        string memory message
    ) internal pure {
        uint256 delta = left > right ? left - right : right - left;
        if (delta > maxDelta) revert AssertionFailed(message, left, right);
    }

    /// @dev |left - right| <= maxRelDeltaWad * max(|left|, |right|) / 1e18.
    function assertApproxEqRel(
        uint256 left,
        uint256 right,
        uint256 maxRelDeltaWad,
        string memory message
    ) internal pure {
        uint256 delta = left > right ? left - right : right - left;
        uint256 scale = left > right ? left : right;
        if (delta * 1e18 > maxRelDeltaWad * scale) revert AssertionFailed(message, left, right);
    }
}
