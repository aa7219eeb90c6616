// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {MarketParams} from "../types/MarketConfig.sol";
import {Product} from "./Product.sol";

/// @title PriceSourceLib
/// @notice Reads a market's price source the way the engine does, for the engine and its views alike: one
///         `prices()` call whose answer is two words from an `IPriceSource` or four from an `IGuardedPriceSource`
///         (the reference S and the safe-mode reason), and the S a market uses: the source's S, or in safe mode the
///         more conservative of it and the reference for the market's debt (`Product.conservativeEthPriceWad`).
library PriceSourceLib {
    /// @notice Calls the source's `prices()` once and reads its answer (the two extra words are zero for a plain
    ///         source). Bubbles a revert; reverts without data on an answer shorter than two words.
    /// @param source The market account (or any price source).
    /// @return ethPriceWad The source's S (WAD).
    /// @return tokenPriceWad q (WAD).
    /// @return referenceEthPriceWad The reference S (WAD), 0 for a plain source.
    /// @return reason The safe-mode reason (`SafeModeReason`), 0 when the price is trusted or the source is plain.
    function read(
        address source
    )
        internal
        view
        returns (uint256 ethPriceWad, uint256 tokenPriceWad, uint256 referenceEthPriceWad, uint256 reason)
    {
        bytes4 selector = IPriceSource.prices.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            if iszero(staticcall(gas(), source, m, 4, m, 0x80)) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            if lt(returndatasize(), 0x40) {
                revert(0, 0)
            }
            ethPriceWad := mload(m)
            tokenPriceWad := mload(add(m, 0x20))
            if iszero(lt(returndatasize(), 0x80)) {
                referenceEthPriceWad := mload(add(m, 0x40))
                reason := mload(add(m, 0x60))
            }
        }
    }

    /// @notice The S a market would use if updated now: the source's S, or the conservative one when the source
    ///         reports a safe-mode reason, and q.
    /// @param source The market account.
    /// @param params The market's terms (which S is conservative).
    /// @return ethPriceWad S (WAD).
    /// @return tokenPriceWad q (WAD).
    /// @return safeMode Whether the source reports a safe-mode reason.
    function marketPrices(
        address source,
        MarketParams memory params
    ) internal view returns (uint256 ethPriceWad, uint256 tokenPriceWad, bool safeMode) {
        uint256 referenceEthPriceWad;
        uint256 reason;
        (ethPriceWad, tokenPriceWad, referenceEthPriceWad, reason) = read(source);
        safeMode = reason != 0;
        if (safeMode)
            ethPriceWad = Product.conservativeEthPriceWad(params, ethPriceWad, referenceEthPriceWad);
    }
}
