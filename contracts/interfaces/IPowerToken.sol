// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title IPowerToken
/// @notice The ERC-20 long side of a power perpetual. Only its Controller mints and burns.
interface IPowerToken is IERC20Metadata {
    /// @notice Thrown when anyone but the Controller calls mint or burn.
    /// @param caller The rejected caller.
    error NotController(address caller);

    /// @notice Thrown when the constructor is given the zero address as Controller.
    error ZeroController();

    /// @notice The Controller allowed to mint and burn.
    function controller() external view returns (address);

    /// @notice Mints tokens. Controller only.
    /// @param to The recipient.
    /// @param amount The amount (18 decimals).
    function mint(address to, uint256 amount) external;

    /// @notice Burns tokens straight from a holder's balance, without allowance. Controller only.
    /// @param from The holder.
    /// @param amount The amount (18 decimals).
    function burn(address from, uint256 amount) external;
}
