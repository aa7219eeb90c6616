// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title IVaultNFT
/// @notice The ERC-721 that represents vault ownership: token id = vault id. Transferring the token transfers the
///         vault and clears its operator.
interface IVaultNFT is IERC721 {
    /// @notice Thrown when anyone but the Controller mints.
    /// @param caller The rejected caller.
    error NotController(address caller);

    /// @notice Thrown when the constructor is given the zero address as Controller.
    error ZeroController();

    /// @notice The Controller that owns the vaults.
    function controller() external view returns (address);

    /// @notice The holder of a vault NFT, or the zero address for an id never minted (where `ownerOf` reverts).
    /// @param vaultId The vault id.
    function ownerOfOrZero(uint256 vaultId) external view returns (address);

    /// @notice Mints the NFT of a new vault with `_safeMint`. Controller only.
    /// @param to The vault owner.
    /// @param vaultId The vault id, assigned by the Controller.
    function mint(address to, uint256 vaultId) external;
}
