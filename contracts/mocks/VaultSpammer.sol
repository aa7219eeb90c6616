// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEvergamma} from "../interfaces/IEvergamma.sol";
import {VaultIdLib} from "../types/VaultId.sol";

/// @title VaultSpammer
/// @notice Test contract that opens many vaults in one transaction (the gas-griefing scenario: does any user
///         function get more expensive with the number of vaults in the system?).
contract VaultSpammer {
    /// @notice The engine in which the vaults are opened.
    IEvergamma public immutable engine;
    /// @notice The market in which the vaults are opened.
    uint32 public immutable marketId;

    /// @notice Deploys the spammer.
    /// @param engine_ The engine in which to open vaults.
    /// @param marketId_ The market in which to open vaults.
    constructor(IEvergamma engine_, uint32 marketId_) {
        engine = engine_;
        marketId = marketId_;
    }

    /// @notice Opens `count` vaults: the first `withDebt` with `collateralEach` wei of collateral and `debtEach`
    ///         tokens of debt (send withDebt * collateralEach), the others empty.
    /// @param count The number of vaults to open.
    /// @param withDebt How many of them (the first ones) get collateral and debt.
    /// @param collateralEach The collateral of each vault with debt, in wei.
    /// @param debtEach The power tokens minted against each vault with debt.
    function open(
        uint256 count,
        uint256 withDebt,
        uint256 collateralEach,
        uint256 debtEach
    ) external payable {
        for (uint256 i = 0; i < count; i++) {
            if (i < withDebt) engine.mint{value: collateralEach}(VaultIdLib.toVaultId(marketId, 0), debtEach);
            else engine.openVault(marketId);
        }
    }

    /// @notice ERC-721 receiver hook: accepts the vault NFTs minted with `_safeMint`.
    /// @return The `onERC721Received` selector.
    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
