// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IController} from "../interfaces/IController.sol";

/// @title VaultSpammer
/// @notice Test contract that opens many vaults in one transaction (the gas-griefing scenario: does any user
///         function get more expensive with the number of vaults in the system?).
contract VaultSpammer {
    IController public immutable controller;

    constructor(IController controller_) {
        controller = controller_;
    }

    /// @notice Opens `count` vaults: the first `withDebt` with `collateralEach` wei of collateral and `debtEach`
    ///         tokens of debt (send withDebt * collateralEach), the others empty.
    function open(
        uint256 count,
        uint256 withDebt,
        uint256 collateralEach,
        uint256 debtEach
    ) external payable {
        for (uint256 i = 0; i < count; i++) {
            if (i < withDebt) controller.mint{value: collateralEach}(0, debtEach);
            else controller.openVault();
        }
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
