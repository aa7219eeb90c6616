// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title WETH9
/// @notice Wrapped Ether for local chains and tests: 1 WETH is minted for every wei of ETH deposited and
/// burned when withdrawn. Same external interface and events as the canonical mainnet WETH9
/// (`deposit`, `withdraw`, `Deposit`, `Withdrawal`, plain ETH transfers wrap).
/// @dev Note: built on OpenZeppelin's ERC20, so unlike the canonical WETH9 an allowance of
/// `type(uint256).max` is infinite, transfers to the zero address revert, and errors are custom errors.
contract WETH9 is ERC20 {
    /// @notice Emitted when ETH is wrapped.
    /// @param dst The account credited with WETH.
    /// @param wad The amount of ETH wrapped, in wei.
    event Deposit(address indexed dst, uint256 wad);

    /// @notice Emitted when WETH is unwrapped.
    /// @param src The account whose WETH was burned.
    /// @param wad The amount of ETH sent back, in wei.
    event Withdrawal(address indexed src, uint256 wad);

    /// @notice Thrown when sending the unwrapped ETH to the caller fails.
    /// @param to The account that rejected the ETH.
    /// @param wad The amount that could not be sent.
    error EthTransferFailed(address to, uint256 wad);

    constructor() ERC20("Wrapped Ether", "WETH") {}

    /// @notice Wraps ETH sent without calldata, exactly like `deposit()`.
    receive() external payable {
        deposit();
    }

    /// @notice Wraps `msg.value` ETH into the same amount of WETH for the caller.
    function deposit() public payable {
        _mint(msg.sender, msg.value);
        emit Deposit(msg.sender, msg.value);
    }

    /// @notice Burns `wad` WETH of the caller and sends the same amount of ETH to the caller.
    /// @param wad The amount to unwrap, in wei.
    function withdraw(uint256 wad) external {
        _burn(msg.sender, wad);
        emit Withdrawal(msg.sender, wad);
        (bool ok, ) = msg.sender.call{value: wad}("");
        if (!ok) revert EthTransferFailed(msg.sender, wad);
    }
}
