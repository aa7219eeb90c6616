// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {IPowerToken} from "../interfaces/IPowerToken.sol";

/// @title PowerToken
/// @notice The ERC-20 long side of a power perpetual (18 decimals, non-rebasing). One token is worth
///         normalizationFactor * ETH^n / indexScale USD at index; funding changes the factor, not balances.
contract PowerToken is ERC20, IPowerToken {
    /// @inheritdoc IPowerToken
    address public immutable controller;

    /// @notice Deploys the power token of one Controller.
    /// @param name_ The token name, for example "Evergamma Squared ETH".
    /// @param symbol_ The token symbol, for example "eSQTH".
    /// @param controller_ The Controller that alone mints and burns.
    constructor(string memory name_, string memory symbol_, address controller_) ERC20(name_, symbol_) {
        if (controller_ == address(0)) revert ZeroController();
        controller = controller_;
    }

    modifier onlyController() {
        if (msg.sender != controller) revert NotController(msg.sender);
        _;
    }

    /// @inheritdoc IPowerToken
    function mint(address to, uint256 amount) external onlyController {
        _mint(to, amount);
    }

    /// @inheritdoc IPowerToken
    function burn(address from, uint256 amount) external onlyController {
        _burn(from, amount);
    }
}
