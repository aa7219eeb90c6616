// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

import {IController} from "../interfaces/IController.sol";
import {IVaultNFT} from "../interfaces/IVaultNFT.sol";

/// @title VaultNFT
/// @notice One ERC-721 token per vault; token id = vault id. The Controller mints it when a vault opens; every
///         later transfer tells the Controller, which moves the vault to the new owner and clears its operator.
/// @dev Tokens are never burned: a closed vault keeps its NFT and can be reused.
contract VaultNFT is ERC721, IVaultNFT {
    /// @inheritdoc IVaultNFT
    address public immutable controller;

    /// @notice Deploys the vault collection of one Controller.
    /// @param name_ The collection name, for example "Evergamma Short Vault".
    /// @param symbol_ The collection symbol, for example "eSV".
    /// @param controller_ The Controller that alone mints.
    constructor(string memory name_, string memory symbol_, address controller_) ERC721(name_, symbol_) {
        if (controller_ == address(0)) revert ZeroController();
        controller = controller_;
    }

    /// @inheritdoc IVaultNFT
    function mint(address to, uint256 vaultId) external {
        if (msg.sender != controller) revert NotController(msg.sender);
        _safeMint(to, vaultId);
    }

    /// @inheritdoc IVaultNFT
    function ownerOfOrZero(uint256 vaultId) external view returns (address) {
        return _ownerOf(vaultId);
    }

    /// @dev Every transfer (not the mint, which the Controller itself performs) clears the vault's operator in
    ///      the Controller before the receiver's `onERC721Received` hook runs.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0)) IController(controller).onVaultTransfer(tokenId, to);
    }
}
