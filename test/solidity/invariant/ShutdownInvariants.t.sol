// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EvergammaHandlerBase} from "./EvergammaHandler.sol";
import {InvariantBase} from "./EvergammaInvariants.t.sol";

/// @notice The shutdown suite's handler (defined here so that the runner knows its artifact).
contract ShutdownHandler is EvergammaHandlerBase {}

/// @title ShutdownInvariants
/// @notice INV-8 of docs/spec.md: the running protocol as in `EvergammaInvariants`, plus shutdown, settlement
///         in random batches and long and short redemptions in random order at any point of a run. After every
///         run, `afterInvariant` shuts down (if the run did not), settles and redeems every token and vault in a
///         seeded random order.
contract ShutdownInvariants is InvariantBase {
    function setUp() public override {
        handler = new ShutdownHandler();
        controller = handler.controller();
        powerToken = handler.powerToken();
        actors = handler.actorList();
    }

    function selectors() internal pure override returns (bytes4[] memory s) {
        bytes4[] memory running = runningSelectors();
        s = new bytes4[](running.length + 6);
        for (uint256 i = 0; i < running.length; i++) s[i] = running[i];
        uint256 n = running.length;
        s[n] = EvergammaHandlerBase.shutdown.selector;
        s[n + 1] = EvergammaHandlerBase.settleVaults.selector;
        s[n + 2] = EvergammaHandlerBase.settleVaults.selector;
        s[n + 3] = EvergammaHandlerBase.redeemLong.selector;
        s[n + 4] = EvergammaHandlerBase.redeemShort.selector;
        s[n + 5] = EvergammaHandlerBase.redeemShort.selector;
    }

    /// @dev INV-8 (all the way through): shut down, settle, redeem everyone in a random order; the Controller pays
    ///      out no more than it held at shutdown and keeps no more than rounding dust (nothing is locked).
    function afterInvariant() external {
        handler.closeOut(uint256(keccak256(abi.encode(vm.getBlockTimestamp(), powerToken.totalSupply()))));
        assertLe(
            handler.redemptionsPaid() + handler.feesCollectedAfterShutdown(),
            handler.balanceAtShutdown(),
            "INV-8: paid out more than held at shutdown"
        );
        assertEq(powerToken.totalSupply(), 0, "INV-8: tokens left unredeemed");
        (uint256 collateral, uint256 debt) = sumCollateralAndDebt();
        assertEq(collateral + debt, 0, "INV-8: vaults left unredeemed");
        assertEq(controller.accruedFees(), 0, "INV-8: fees left uncollected");
        // Rounding dust only: at most 1 wei per vault, per long redemption and per 1e18 tokens of supply.
        uint256 dust =
            controller.vaultCount() + handler.longRedemptions() + handler.supplyAtShutdown() / 1e18 + 2;
        assertLe(address(controller).balance, dust, "INV-8b: ETH locked in the Controller after redemptions");
        checkHermit();
    }

    /// @dev INV-8a: once settled, everything still owed at the settlement price (short equity of unredeemed vaults,
    ///      the remaining longs' claims, fees) fits in the balance, whatever has been redeemed so far. Before
    ///      shutdown, INV-1 and INV-2 as in the running suite.
    function invariant_INV8_claimsCoveredInAnyOrder() external view {
        if (!controller.isShutDown()) {
            checkSolvency();
            checkSupply();
            return;
        }
        assertEq(
            address(controller).balance,
            handler.ghostEthIn() - handler.ghostEthOut(),
            "INV-1: ETH ledger"
        );
        assertLe(
            handler.redemptionsPaid() + handler.feesCollectedAfterShutdown(),
            handler.balanceAtShutdown(),
            "INV-8: paid out more than held at shutdown"
        );
        if (controller.settledVaults() != controller.vaultCount()) return;
        assertLe(handler.owedAtSettlement(), address(controller).balance, "INV-8: claims exceed the balance");
    }

    function invariant_INV5_vaultsChangeOnlyThroughAuthorisedActions() external view {
        checkGhostVaults();
    }

    function invariant_INV7_hermitCannotProfit() external view {
        checkHermit();
    }
}
