// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EvergammaHandlerBase} from "./EvergammaHandler.sol";
import {InvariantBase} from "./EvergammaInvariants.t.sol";

/// @notice The shutdown suite's handler (defined here so that the runner knows its artifact).
contract ShutdownHandler is EvergammaHandlerBase {}

/// @title ShutdownInvariants
/// @notice INV-8 of docs/spec.md, per market: the running protocol as in `EvergammaInvariants`, plus shutdown,
///         settlement in random batches and long and short redemptions in random order at any point of a run, on
///         either market (the other keeps running: INV-16, INV-17). After every run, `afterInvariant` shuts down
///         every market (if the run did not), settles and redeems every token and vault in a seeded random order.
contract ShutdownInvariants is InvariantBase {
    function setUp() public override {
        useHandler(new ShutdownHandler());
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

    /// @dev INV-8 (all the way through): shut down, settle, redeem everyone in a random order, market by market;
    ///      each market pays out no more than it held at shutdown, and the engine keeps no more than rounding dust
    ///      (nothing is locked).
    function afterInvariant() external {
        handler.closeOut(uint256(keccak256(abi.encode(vm.getBlockTimestamp(), tokens[0].totalSupply()))));
        uint256 dust = 2;
        for (uint32 m = 0; m < marketCount; m++) {
            assertLe(
                handler.redemptionsPaid(m) + handler.feesCollectedAfterShutdown(m),
                handler.balanceAtShutdown(m),
                "INV-8: paid out more than held at shutdown"
            );
            assertEq(tokens[m].totalSupply(), 0, "INV-8: tokens left unredeemed");
            (uint256 collateral, uint256 debt) = sumCollateralAndDebt(m);
            assertEq(collateral + debt, 0, "INV-8: vaults left unredeemed");
            assertEq(lens.accruedFees(m), 0, "INV-8: fees left uncollected");
            // Rounding dust only: at most 1 wei per vault, per long redemption and per 1e18 tokens of supply.
            dust += lens.vaultCount(m) + handler.supplyAtShutdown(m) / 1e18 + 2;
        }
        dust += handler.longRedemptions();
        assertLe(address(engine).balance, dust, "INV-8b: ETH locked in the engine after redemptions");
        checkHermit();
    }

    /// @dev INV-8a, per market: once settled, everything still owed at the settlement price (short equity of
    ///      unredeemed vaults, the remaining longs' claims, fees) fits in the ETH the market still holds (its
    ///      ledger), whatever has been redeemed so far. Before shutdown, INV-1 and INV-2 as in the running suite.
    function invariant_INV8_claimsCoveredInAnyOrder() external view {
        checkSolvency();
        checkSupply();
        for (uint32 m = 0; m < marketCount; m++) {
            if (!lens.isShutDown(m)) continue;
            assertLe(
                handler.redemptionsPaid(m) + handler.feesCollectedAfterShutdown(m),
                handler.balanceAtShutdown(m),
                "INV-8: paid out more than held at shutdown"
            );
            if (lens.settledVaults(m) != lens.vaultCount(m)) continue;
            assertLe(
                handler.owedAtSettlement(m),
                handler.ghostEthIn(m) - handler.ghostEthOut(m),
                "INV-8: claims exceed the market's ETH"
            );
        }
    }

    function invariant_INV5_vaultsChangeOnlyThroughAuthorisedActions() external view {
        checkGhostVaults();
    }

    function invariant_INV7_hermitCannotProfit() external view {
        checkHermit();
    }

    function invariant_INV17_balanceCoversEveryMarket() external view {
        checkAllMarketsCovered();
    }
}
