// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEvergamma} from "../interfaces/IEvergamma.sol";
import {EngineStorage, StoredVault} from "../periphery/EngineStorage.sol";
import {VaultIdLib} from "../types/VaultId.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title ReentrantAttacker
/// @notice Test contract that owns vaults and re-enters the engine from the two callbacks the engine
///         triggers: `onERC721Received` (the vault NFT's `_safeMint` on `openVault` / `mint(0, ...)`, and safe
///         transfers) and `receive()` (ETH paid out by `withdraw`, `burn`, `liquidate`, `redeemShort`, ...).
/// @dev Arm it with `arm(hook, call, vaultId, amount, bubble)`: when `hook` fires, it calls the engine with
///      `call` and records the outcome. With `bubble` the re-entry's revert data is re-thrown (so the outer call
///      reverts as a whole); otherwise it is swallowed and the outer call goes on. During the callback it also
///      records the vault's state as the engine's views report it (read-only reentrancy).
contract ReentrantAttacker {
    /// @notice Where the re-entry happens.
    enum Hook {
        None,
        OnERC721Received,
        Receive
    }

    /// @notice What the re-entry calls.
    enum Call {
        None,
        Mint,
        Withdraw,
        Burn,
        Liquidate,
        ApplyFunding,
        Deposit,
        OpenVault,
        MintNewVault
    }

    error Unauthorized(address caller);

    /// @notice The engine the attacker uses and re-enters.
    IEvergamma public immutable engine;
    /// @notice The market the attacker acts in.
    uint32 public immutable marketId;
    /// @notice The power token (swept back to the deployer by `sweep`).
    IERC20 public immutable powerToken;
    address private immutable deployer;

    /// @notice The callback in which the armed re-entry happens (`None` when disarmed).
    Hook public hook;
    /// @notice The engine function the armed re-entry calls.
    Call public call;
    /// @notice The vault the re-entry acts on (and whose state is recorded during the callback; 0 for none).
    uint256 public targetVault;
    /// @notice The amount the re-entry passes: power tokens for mint, burn and liquidate, wei for withdraw and
    ///         deposit.
    uint256 public amount;
    /// @notice Whether a failed re-entry's revert data is re-thrown (reverting the outer call) instead of swallowed.
    bool public bubble;

    /// @notice How many times the hook fired.
    uint256 public hookCalls;
    /// @notice Whether the last re-entry succeeded.
    bool public reentrySucceeded;
    /// @notice The revert data of the last failed re-entry (cleared by `arm`).
    bytes public reentryRevertData;
    /// @notice The vault's collateral as the engine's views reported it inside the last callback.
    uint256 public seenCollateral;
    /// @notice The vault's debt as the engine's views reported it inside the last callback.
    uint256 public seenDebt;

    /// @notice Deploys the attacker; only the deployer may arm it, drive it and sweep its funds.
    /// @param engine_ The engine to attack.
    /// @param marketId_ The market to act in.
    /// @param powerToken_ The engine's power token.
    constructor(IEvergamma engine_, uint32 marketId_, IERC20 powerToken_) {
        engine = engine_;
        marketId = marketId_;
        powerToken = powerToken_;
        deployer = msg.sender;
    }

    modifier onlyDeployer() {
        if (msg.sender != deployer) revert Unauthorized(msg.sender);
        _;
    }

    /// @notice Sets the next attack (fires once, then disarms itself).
    /// @dev Also resets `reentrySucceeded` and `reentryRevertData`.
    /// @param hook_ The callback in which to re-enter.
    /// @param call_ The engine function the re-entry calls.
    /// @param vaultId The vault the re-entry acts on.
    /// @param amount_ The amount the re-entry passes (power tokens, or wei for withdraw and deposit).
    /// @param bubble_ Whether to re-throw the re-entry's revert data (true) or swallow it (false).
    function arm(
        Hook hook_,
        Call call_,
        uint256 vaultId,
        uint256 amount_,
        bool bubble_
    ) external onlyDeployer {
        (hook, call, targetVault, amount, bubble) = (hook_, call_, vaultId, amount_, bubble_);
        reentrySucceeded = false;
        delete reentryRevertData;
    }

    /* OUTER CALLS (the attacker acting as a normal user) */

    /// @notice Opens a vault owned by this contract (the NFT's `_safeMint` calls `onERC721Received`).
    /// @return The new vault id.
    function openVault() external onlyDeployer returns (uint256) {
        return engine.openVault(marketId);
    }

    /// @notice Mints power tokens to this contract against a vault, forwarding the sent ETH as collateral.
    /// @param vaultId The vault id, or 0 to open a new vault (which calls `onERC721Received`).
    /// @param amount_ The amount of power tokens to mint.
    /// @return The vault id used.
    function mint(uint256 vaultId, uint256 amount_) external payable onlyDeployer returns (uint256) {
        return engine.mint{value: msg.value}(vaultId, amount_);
    }

    /// @notice Adds the sent ETH to a vault's collateral.
    /// @param vaultId The vault id.
    function deposit(uint256 vaultId) external payable onlyDeployer {
        engine.deposit{value: msg.value}(vaultId);
    }

    /// @notice Withdraws ETH collateral from a vault to this contract (the payout calls `receive`).
    /// @param vaultId The vault id.
    /// @param amount_ The amount in wei.
    function withdraw(uint256 vaultId, uint256 amount_) external onlyDeployer {
        engine.withdraw(vaultId, amount_);
    }

    /// @notice Burns this contract's power tokens against a vault's debt, then withdraws ETH to this contract.
    /// @param vaultId The vault id.
    /// @param amount_ The amount of power tokens to burn.
    /// @param withdrawAmount The amount of ETH to withdraw afterwards, in wei.
    function burn(uint256 vaultId, uint256 amount_, uint256 withdrawAmount) external onlyDeployer {
        engine.burn(vaultId, amount_, withdrawAmount);
    }

    /// @notice Liquidates an unsafe vault with this contract's power tokens (the collateral paid out calls
    ///         `receive`).
    /// @param vaultId The vault id.
    /// @param maxDebtAmount The most power tokens to repay.
    /// @return Power tokens burned.
    /// @return ETH paid to this contract, in wei.
    function liquidate(
        uint256 vaultId,
        uint256 maxDebtAmount
    ) external onlyDeployer returns (uint256, uint256) {
        return engine.liquidate(vaultId, maxDebtAmount);
    }

    /// @notice Sends ETH or tokens the attacker holds back to its deployer.
    function sweep() external onlyDeployer {
        uint256 tokens = powerToken.balanceOf(address(this));
        if (tokens != 0) powerToken.transfer(deployer, tokens);
        (bool ok, ) = deployer.call{value: address(this).balance}("");
        ok;
    }

    /* CALLBACKS */

    /// @notice ERC-721 receiver hook: fires the armed re-entry if `hook` is `OnERC721Received`, then accepts the
    ///         token.
    /// @return The `onERC721Received` selector.
    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _fire(Hook.OnERC721Received);
        return this.onERC721Received.selector;
    }

    /// @notice Accepts ETH; fires the armed re-entry if `hook` is `Receive`.
    receive() external payable {
        _fire(Hook.Receive);
    }

    function _fire(Hook where) private {
        if (hook != where) return;
        hook = Hook.None; // once
        hookCalls++;
        if (targetVault != 0) {
            StoredVault memory seen = EngineStorage.vault(engine, targetVault);
            (seenCollateral, seenDebt) = (seen.collateral, seen.debt);
        }
        (bool ok, bytes memory data) = address(this).call(abi.encodeCall(this.reenter, ()));
        reentrySucceeded = ok;
        if (!ok) {
            reentryRevertData = data;
            if (bubble) {
                assembly ("memory-safe") {
                    revert(add(data, 0x20), mload(data))
                }
            }
        }
    }

    /// @notice The re-entry itself (an external self-call, so that its revert can be caught).
    function reenter() external {
        if (msg.sender != address(this)) revert Unauthorized(msg.sender);
        Call c = call;
        if (c == Call.Mint) engine.mint(targetVault, amount);
        else if (c == Call.Withdraw) engine.withdraw(targetVault, amount);
        else if (c == Call.Burn) engine.burn(targetVault, amount, 0);
        else if (c == Call.Liquidate) engine.liquidate(targetVault, amount);
        else if (c == Call.ApplyFunding) engine.applyFunding(marketId);
        else if (c == Call.Deposit) engine.deposit{value: amount}(targetVault);
        else if (c == Call.OpenVault) engine.openVault(marketId);
        else if (c == Call.MintNewVault)
            engine.mint{value: 1 ether}(VaultIdLib.toVaultId(marketId, 0), amount);
    }
}

/// @title NonReceiver
/// @notice A contract that implements no ERC-721 receiver hook: `_safeMint` of a vault NFT to it must revert the
///         whole `openVault` / `mint(0, ...)` call.
contract NonReceiver {
    /// @notice The engine to call.
    IEvergamma public immutable engine;
    /// @notice The market it opens vaults in.
    uint32 public immutable marketId;

    /// @notice Deploys the non-receiver.
    /// @param engine_ The engine to call.
    /// @param marketId_ The market to open vaults in.
    constructor(IEvergamma engine_, uint32 marketId_) {
        engine = engine_;
        marketId = marketId_;
    }

    /// @notice Opens a vault for this contract (expected to revert: it cannot receive the NFT).
    /// @return The new vault id.
    function openVault() external returns (uint256) {
        return engine.openVault(marketId);
    }

    /// @notice Mints power tokens to this contract, forwarding the sent ETH as collateral (expected to revert with
    ///         `vaultId` 0: it cannot receive the new vault's NFT).
    /// @param vaultId The vault id, or 0 to open a new vault.
    /// @param amount The amount of power tokens to mint.
    /// @return The vault id used.
    function mint(uint256 vaultId, uint256 amount) external payable returns (uint256) {
        return engine.mint{value: msg.value}(vaultId, amount);
    }
}
