// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestUSDC
/// @notice A 6-decimal stand-in for USDC on local chains and in tests.
/// @dev Warning: `mint` is open to everyone. Never deploy this token anywhere value is at stake.
contract TestUSDC is ERC20 {
    constructor() ERC20("USD Coin (test)", "USDC") {}

    /// @notice Creates `amount` tokens for `to`. Anyone may call it (test faucet).
    /// @param to The account credited.
    /// @param amount The amount, in the token's 6-decimal units.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The number of decimals of the token, 6 like USDC.
    /// @return The number of decimals.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
