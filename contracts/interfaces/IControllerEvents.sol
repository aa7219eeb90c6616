// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IControllerEvents
/// @notice Every event the Controller emits: one per state change, vault ids and accounts indexed.
interface IControllerEvents {
    /// @notice Emitted when a vault is opened.
    /// @param vaultId The new vault's id (equal to its NFT token id).
    /// @param owner The owner of the vault NFT.
    event VaultOpened(uint256 indexed vaultId, address indexed owner);

    /// @notice Emitted when ETH collateral is added to a vault.
    /// @param vaultId The vault id.
    /// @param sender Who sent the ETH.
    /// @param amount The amount in wei.
    event Deposited(uint256 indexed vaultId, address indexed sender, uint256 amount);

    /// @notice Emitted when ETH collateral leaves a vault to its owner or operator.
    /// @param vaultId The vault id.
    /// @param to The recipient of the ETH.
    /// @param amount The amount in wei.
    event Withdrawn(uint256 indexed vaultId, address indexed to, uint256 amount);

    /// @notice Emitted when power tokens are minted against a vault.
    /// @param vaultId The vault id.
    /// @param to The recipient of the tokens.
    /// @param amount The amount in power-token units.
    event Minted(uint256 indexed vaultId, address indexed to, uint256 amount);

    /// @notice Emitted when power tokens are burned to repay a vault's debt.
    /// @param vaultId The vault id.
    /// @param from The account whose tokens were burned.
    /// @param amount The amount in power-token units.
    event Burned(uint256 indexed vaultId, address indexed from, uint256 amount);

    /// @notice Emitted when a vault's operator changes (including the reset on NFT transfer).
    /// @param vaultId The vault id.
    /// @param operator The new operator (zero for none).
    event OperatorSet(uint256 indexed vaultId, address indexed operator);

    /// @notice Emitted when a vault NFT changes hands (the vault follows its NFT).
    /// @param vaultId The vault id.
    /// @param newOwner The new owner.
    event VaultTransferred(uint256 indexed vaultId, address indexed newOwner);

    /// @notice Emitted when funding is applied.
    /// @param oldFactor The normalization factor before the update (1e18 = 1).
    /// @param newFactor The normalization factor after the update.
    /// @param lastUpdate The timestamp of the previous update.
    /// @param now_ The timestamp of this update.
    event NormalizationFactorUpdated(uint256 oldFactor, uint256 newFactor, uint256 lastUpdate, uint256 now_);
}
