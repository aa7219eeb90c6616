// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title IMarketToken
/// @notice The ERC-20 long side of one Evergamma market (for example ETH², "oSQTH"-like). Only the engine mints and
///         burns, and each token serves exactly one market.
interface IMarketToken is IERC20Metadata {
    /// @notice Thrown when anyone but the engine calls mint or burn.
    /// @param caller The rejected caller.
    error NotEngine(address caller);

    /// @notice Thrown when the constructor is given the zero address as engine.
    error ZeroEngine();

    /// @notice The engine allowed to mint and burn.
    function engine() external view returns (address);

    /// @notice Mints tokens. Engine only.
    /// @param to The recipient.
    /// @param amount The amount (18 decimals).
    function mint(address to, uint256 amount) external;

    /// @notice Burns tokens straight from a holder's balance, without allowance. Engine only.
    /// @param from The holder.
    /// @param amount The amount (18 decimals).
    function burn(address from, uint256 amount) external;
}
