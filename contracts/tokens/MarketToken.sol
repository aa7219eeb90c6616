// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {IMarketToken} from "../interfaces/IMarketToken.sol";

/// @title MarketToken
/// @notice The ERC-20 of one market: a long position in its product (ETH^n for a power market). The engine mints
///         it against vault debt and burns it on repayment, liquidation and redemption.
contract MarketToken is ERC20, IMarketToken {
    /// @inheritdoc IMarketToken
    address public immutable engine;

    /// @notice Deploys the token of one market.
    /// @param name_ The ERC-20 name (for example "Evergamma ETH²").
    /// @param symbol_ The ERC-20 symbol (for example "eETH2").
    /// @param engine_ The engine that will list the market.
    constructor(string memory name_, string memory symbol_, address engine_) ERC20(name_, symbol_) {
        if (engine_ == address(0)) revert ZeroEngine();
        engine = engine_;
    }

    modifier onlyEngine() {
        if (msg.sender != engine) revert NotEngine(msg.sender);
        _;
    }

    /// @inheritdoc IMarketToken
    function mint(address to, uint256 amount) external onlyEngine {
        _mint(to, amount);
    }

    /// @inheritdoc IMarketToken
    function burn(address from, uint256 amount) external onlyEngine {
        _burn(from, amount);
    }
}
