// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IController} from "../interfaces/IController.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title ReentrantAttacker
/// @notice Test contract that owns vaults and re-enters the Controller from the two callbacks the Controller
///         triggers: `onERC721Received` (the vault NFT's `_safeMint` on `openVault` / `mint(0, ...)`, and safe
///         transfers) and `receive()` (ETH paid out by `withdraw`, `burn`, `liquidate`, `redeemShort`, ...).
/// @dev Arm it with `arm(hook, call, vaultId, amount, bubble)`: when `hook` fires, it calls the Controller with
///      `call` and records the outcome. With `bubble` the re-entry's revert data is re-thrown (so the outer call
///      reverts as a whole); otherwise it is swallowed and the outer call goes on. During the callback it also
///      records the vault's state as the Controller's views report it (read-only reentrancy).
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

    IController public immutable controller;
    IERC20 public immutable powerToken;
    address private immutable deployer;

    Hook public hook;
    Call public call;
    uint256 public targetVault;
    uint256 public amount;
    bool public bubble;

    /// @notice How many times the hook fired, and whether the last re-entry succeeded.
    uint256 public hookCalls;
    bool public reentrySucceeded;
    bytes public reentryRevertData;
    /// @notice The vault's collateral and debt as the Controller's views reported them inside the last callback.
    uint256 public seenCollateral;
    uint256 public seenDebt;

    constructor(IController controller_, IERC20 powerToken_) {
        controller = controller_;
        powerToken = powerToken_;
        deployer = msg.sender;
    }

    modifier onlyDeployer() {
        if (msg.sender != deployer) revert Unauthorized(msg.sender);
        _;
    }

    /// @notice Sets the next attack (fires once, then disarms itself).
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

    function openVault() external onlyDeployer returns (uint256) {
        return controller.openVault();
    }

    function mint(uint256 vaultId, uint256 amount_) external payable onlyDeployer returns (uint256) {
        return controller.mint{value: msg.value}(vaultId, amount_);
    }

    function deposit(uint256 vaultId) external payable onlyDeployer {
        controller.deposit{value: msg.value}(vaultId);
    }

    function withdraw(uint256 vaultId, uint256 amount_) external onlyDeployer {
        controller.withdraw(vaultId, amount_);
    }

    function burn(uint256 vaultId, uint256 amount_, uint256 withdrawAmount) external onlyDeployer {
        controller.burn(vaultId, amount_, withdrawAmount);
    }

    function liquidate(
        uint256 vaultId,
        uint256 maxDebtAmount
    ) external onlyDeployer returns (uint256, uint256) {
        return controller.liquidate(vaultId, maxDebtAmount);
    }

    /// @notice Sends ETH or tokens the attacker holds back to its deployer.
    function sweep() external onlyDeployer {
        uint256 tokens = powerToken.balanceOf(address(this));
        if (tokens != 0) powerToken.transfer(deployer, tokens);
        (bool ok, ) = deployer.call{value: address(this).balance}("");
        ok;
    }

    /* CALLBACKS */

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _fire(Hook.OnERC721Received);
        return this.onERC721Received.selector;
    }

    receive() external payable {
        _fire(Hook.Receive);
    }

    function _fire(Hook where) private {
        if (hook != where) return;
        hook = Hook.None; // once
        hookCalls++;
        if (targetVault != 0) {
            (, , seenCollateral, seenDebt) = controller.getVault(targetVault);
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
        if (c == Call.Mint) controller.mint(targetVault, amount);
        else if (c == Call.Withdraw) controller.withdraw(targetVault, amount);
        else if (c == Call.Burn) controller.burn(targetVault, amount, 0);
        else if (c == Call.Liquidate) controller.liquidate(targetVault, amount);
        else if (c == Call.ApplyFunding) controller.applyFunding();
        else if (c == Call.Deposit) controller.deposit{value: amount}(targetVault);
        else if (c == Call.OpenVault) controller.openVault();
        else if (c == Call.MintNewVault) controller.mint{value: 1 ether}(0, amount);
    }
}

/// @title NonReceiver
/// @notice A contract that implements no ERC-721 receiver hook: `_safeMint` of a vault NFT to it must revert the
///         whole `openVault` / `mint(0, ...)` call.
contract NonReceiver {
    IController public immutable controller;

    constructor(IController controller_) {
        controller = controller_;
    }

    function openVault() external returns (uint256) {
        return controller.openVault();
    }

    function mint(uint256 vaultId, uint256 amount) external payable returns (uint256) {
        return controller.mint{value: msg.value}(vaultId, amount);
    }
}
