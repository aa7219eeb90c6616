// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPriceSource} from "../interfaces/IPriceSource.sol";

/// @title StatefulPriceSource
/// @notice Test double: a price source that keeps its answers in storage, which the engine's market account (a copy
///         of the source's code) cannot see. `createMarket` must refuse it.
contract StatefulPriceSource is IPriceSource {
    /// @notice The token priced.
    address public token;
    uint256 private ethUsdWad;
    uint256 private tokenEthWad;

    constructor(address token_, uint256 ethUsdWad_, uint256 tokenEthWad_) {
        token = token_;
        ethUsdWad = ethUsdWad_;
        tokenEthWad = tokenEthWad_;
    }

    /// @inheritdoc IPriceSource
    function prices() external view returns (uint256, uint256) {
        return (ethUsdWad, tokenEthWad);
    }
}
