// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {MarketParams} from "../../../contracts/types/MarketConfig.sol";
import {VaultIdLib} from "../../../contracts/types/VaultId.sol";
import {IEvergammaErrors} from "../../../contracts/interfaces/IEvergammaErrors.sol";
import {PowerPerpMath} from "../../../contracts/libraries/PowerPerpMath.sol";
import {Product} from "../../../contracts/libraries/Product.sol";
import {VaultMath} from "../../../contracts/libraries/VaultMath.sol";
import {EverlastingOptionPricer} from "../../../contracts/pricing/EverlastingOptionPricer.sol";
import {EvergammaHandlerBase} from "./EvergammaHandler.sol";
import {EvergammaFixture, MarketHandles, MarketSpec, Protocol} from "./EvergammaFixture.sol";
import {RegressionBase} from "./RegressionBase.sol";

/// @notice The handler the replays drive (defined here so that the runner knows its artifact).
contract RegressionHandler is EvergammaHandlerBase {}

/// @title Regressions
/// @notice Every sequence the invariant fuzzer found, kept as a named test (R-*), and the bugs found while building
///         the campaign, kept as failing tests until fixed (B-*). Each test says what it expects and why; see
///         docs/spec.md for the invariant IDs.
/// @dev Replays (`replay_*`) drive the same handler the invariant suites use, in one transaction, and check the
///      handler's model on every step; the `test_R*` tests restate each finding without the handler.
contract Regressions is RegressionBase {
    /* HELPERS */

    /// @dev The keeper's big, safe vault: tokens to liquidate with.
    function fundKeeper(uint256 tokens) internal {
        vm.prank(KEEPER);
        p.engine.mint{value: 50_000 ether}(0, tokens);
    }

    /// @dev Replays calls recorded against the single-market handler on market 0 of today's two-market handler:
    ///      each action now takes its market first, so the recorded arguments are passed after a market seed of 0.
    function replay(bytes[] memory calls) internal returns (RegressionHandler handler) {
        handler = new RegressionHandler();
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory err) = address(handler).call(onMarket0(calls[i]));
            if (!ok) {
                assembly {
                    revert(add(err, 0x20), mload(err))
                }
            }
        }
    }

    /// @dev The single-market handler's signatures and today's actions they map to.
    function onMarket0(bytes memory recorded) internal pure returns (bytes memory) {
        bytes4 old = bytes4(recorded);
        bytes4[24] memory olds = [
            bytes4(keccak256("openVault(uint256)")),
            bytes4(keccak256("deposit(uint256,uint256,uint256)")),
            bytes4(keccak256("withdraw(uint256,uint256,uint256)")),
            bytes4(keccak256("mint(uint256,uint256,uint256,uint256)")),
            bytes4(keccak256("burn(uint256,uint256,uint256,uint256)")),
            bytes4(keccak256("setOperator(uint256,uint256,uint256)")),
            bytes4(keccak256("transferVault(uint256,uint256,uint256,bool)")),
            bytes4(keccak256("transferTokens(uint256,uint256,uint256)")),
            bytes4(keccak256("liquidate(uint256,uint256,uint256)")),
            bytes4(keccak256("applyFunding(uint256)")),
            bytes4(keccak256("moveEthPrice(uint256)")),
            bytes4(keccak256("shock(uint256)")),
            bytes4(keccak256("crash(uint256)")),
            bytes4(keccak256("movePowerPrice(uint256)")),
            bytes4(keccak256("syncPowerPrice(uint256)")),
            bytes4(keccak256("warp(uint256)")),
            bytes4(keccak256("setFee(uint256)")),
            bytes4(keccak256("collectFees(uint256)")),
            bytes4(keccak256("pause(uint256)")),
            bytes4(keccak256("unpause(uint256)")),
            bytes4(keccak256("shutdown()")),
            bytes4(keccak256("settleVaults(uint256,uint256)")),
            bytes4(keccak256("redeemLong(uint256,uint256)")),
            bytes4(keccak256("redeemShort(uint256,uint256)"))
        ];
        bytes4[24] memory news = [
            EvergammaHandlerBase.openVault.selector,
            EvergammaHandlerBase.deposit.selector,
            EvergammaHandlerBase.withdraw.selector,
            EvergammaHandlerBase.mint.selector,
            EvergammaHandlerBase.burn.selector,
            EvergammaHandlerBase.setOperator.selector,
            EvergammaHandlerBase.transferVault.selector,
            EvergammaHandlerBase.transferTokens.selector,
            EvergammaHandlerBase.liquidate.selector,
            EvergammaHandlerBase.applyFunding.selector,
            EvergammaHandlerBase.moveEthPrice.selector,
            EvergammaHandlerBase.shock.selector,
            EvergammaHandlerBase.crash.selector,
            EvergammaHandlerBase.movePowerPrice.selector,
            EvergammaHandlerBase.syncPowerPrice.selector,
            EvergammaHandlerBase.warp.selector,
            EvergammaHandlerBase.setFee.selector,
            EvergammaHandlerBase.collectFees.selector,
            EvergammaHandlerBase.pause.selector,
            EvergammaHandlerBase.unpause.selector,
            EvergammaHandlerBase.shutdown.selector,
            EvergammaHandlerBase.settleVaults.selector,
            EvergammaHandlerBase.redeemLong.selector,
            EvergammaHandlerBase.redeemShort.selector
        ];
        bytes memory args = new bytes(recorded.length - 4);
        for (uint256 i = 0; i < args.length; i++) args[i] = recorded[i + 4];
        for (uint256 i = 0; i < olds.length; i++) {
            if (olds[i] == old) return abi.encodePacked(news[i], uint256(0), args);
        }
        revert("replay: unknown recorded action");
    }

    /* R-1: bad debt recorded once (found against the single-market Controller before commit 1eb9def) */

    /// @notice The fuzzer's sequence: the whale vault is liquidated into bad debt (collateral 0, 2321 wei of debt
    ///         left), then liquidated again for half of that debt with no collateral paid. The old Controller added
    ///         the remaining debt to `totalBadDebt` a second time (2321 + 1160); it must be recorded once.
    function test_R1_replay_badDebtRecordedOnce() external {
        bytes[] memory c = new bytes[](9);
        c[0] = hex"136439dd0000000000000000000000000000000000000000000000062f89248a56a33de0";
        c[1] =
            hex"911cdec800000000000000000000000000000000000000000000000000000000000006c700000000000000000000000000000000000000000000000000000000000065bb0000000000000000000000000000000000000000000000000000000000000911";
        c[2] = hex"fabc1cbc000000000000000000000000000000000000000000000000000000000000009a";
        c[3] =
            hex"6582ccd3fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0000000000000000000000000000000000000d1e94b913ecb4b325958998a1a50000000000000000000000000007cbeb4e09f7dbbd926fd28f751be163b1302900000000000000000000000000000000000000000000000000000000000001df";
        c[4] = hex"bd17cbb700000000000c9afe8db1378a2977fad22dd57a070a1cc3403d979553067cbe7f";
        c[5] = hex"9e3fce41000000000000000000000000000000000000039bde41ea5d041121301a73719c";
        c[6] = hex"9e3fce41000000000000000000000000000000000000000000000000000000000000179b";
        c[7] =
            hex"20dc208800000000000154d793c067bd66467d823f7e66bc09078d810a338feadaa129d80000000000000000000000000002cc9053a55f31e63a80bdbbe15780bed158920000000000000000000000000000000000000000000000000000000000000002";
        c[8] =
            hex"20dc208800000000000000000000000000000000000000000000000000061ab7a229c070000bf32020987494641444654142bca0d45c90362e69824f9f22f1ffdd56e32300000000000000000000000018e150d6fe7bd7c450f76aa844cb364cb36b94b9";
        RegressionHandler handler = replay(c);
        assertEq(
            handler.protocol().lens.totalBadDebt(0),
            handler.ghostBadDebt(0),
            "R-1: bad debt recorded once"
        );
    }

    /// @notice R-1 without the handler: liquidate an insolvent vault for part of its debt against all of its
    ///         collateral (bad debt B recorded), then repay half of B in a second liquidation: B - B/2 (the debt
    ///         still unbacked, L-1), not B + B/2.
    function test_R1_badDebtRecordedOnce() external {
        fundKeeper(10_000e18);
        vm.prank(ALICE);
        uint256 id = p.engine.mint{value: 10 ether}(0, 20e18); // CR 10 / (20 * 0.3) = 1.67
        moveEth(6000, 0); // ETH x1.82: CR 0.92, insolvent
        setPremium(1e18, p.lens.ethPrice(0), 420); // the power token follows ETH (at index)
        setPremium(1e18, p.lens.ethPrice(0), 420);
        (, , uint256 collateral, uint256 debt) = p.lens.getVault(id);
        uint256 payPerToken = FPML.mulWad(p.lens.tokenPrice(0), 1.1e18);
        uint256 offer = FPML.divUp(collateral * WAD, payPerToken); // just enough to take all collateral
        vm.prank(KEEPER);
        (uint256 repaid, uint256 paid) = p.engine.liquidate(id, offer);
        assertEq(paid, collateral, "took all collateral");
        uint256 badDebt = debt - repaid;
        assertEq(p.lens.totalBadDebt(0), badDebt, "bad debt recorded");
        vm.prank(KEEPER);
        p.engine.liquidate(id, badDebt / 2);
        // Not recorded again; since L-1 the repaid part is no longer unbacked either.
        assertEq(
            p.lens.totalBadDebt(0),
            badDebt - badDebt / 2,
            "R-1: recorded once, not again on the second liquidation"
        );
    }

    /* R-2: a self-hedged short at shutdown (the first INV-7 statement was too strong) */

    /// @notice The fuzzer's sequence: the hermit mints at the maximum from 0.5 ETH and keeps its tokens, ETH
    ///         rallies 60% (its vault becomes insolvent), the owner shuts down. At redemption the hermit receives
    ///         0.529 ETH for its 0.5 ETH: its short pays nothing, its long is paid pro rata, so all longs (mostly
    ///         the whale) carry the hermit's own shortfall. By design (README: longs bear the shortfall pro rata),
    ///         so INV-7 allows the hermit its own shortfall after shutdown, and this replay checks that bound.
    function test_R2_replay_selfHedgedShortAtShutdown() external {
        bytes[] memory c = new bytes[](3);
        c[0] =
            hex"6582ccd300000000000000000000000000000000000001de8351c31b58338c99fb446bbc00000000000000000000000000000002e308e40b8d8409c14088741328b24f4e000000000000000000000000000000000000004297d2cd8f54a31d7253f63c08fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc";
        c[1] = hex"9e3fce4100000000000000000000000000000000000000000000000101ab06702c9332be";
        c[2] = hex"fc0e74d1";
        RegressionHandler handler = replay(c);
        handler.closeOut(uint256(keccak256("R-2")));
        address h = handler.hermit();
        uint256 out = handler.ghostRedeemed(h) + handler.ghostWithdrawn(h);
        uint256 deposited = handler.ghostDeposited(h);
        assertGt(out, deposited, "R-2: the hermit gains from its own insolvency (documented)");
        assertLe(
            out,
            deposited + handler.hermitSettlementAllowance(),
            "R-2: by no more than its own shortfall"
        );
    }

    /* B-1: partial liquidation turns a vault that is solvent at index into bad debt */

    /// @notice Regression B-1 (fixed). A vault is "insolvent" for `LiquidationMath` when its collateral does not cover its whole
    ///         debt at the power token's market TWAP plus the 10% bonus, debt * q * 1.1, and then a liquidator may
    ///         repay any part of the debt that is worth all of the collateral at that price and take all of it,
    ///         leaving the rest as bad debt. With the mark at 1.4 x index (the funding cap) this holds for every
    ///         unsafe vault with CR < 1.54 at index, i.e. for vaults that fully cover their debt.
    ///         Sequence: ETH 3000, power token at 1.4 x its index value; Alice mints at exactly 150% from 10 ETH;
    ///         ETH +3.5% (CR 1.45 at index, still 45% over its debt); after one TWAP period a keeper liquidates
    ///         offering only ceil(collateral / (1.1 q)) tokens.
    ///         Expected: no bad debt from a vault whose collateral covers its debt value at index (Squeeth forces a
    ///         full liquidation here, "C21 Need full liquidation"). Actual: the keeper takes all 10 ETH for 94% of
    ///         the debt and 6% of Alice's debt stays unbacked (`BadDebtRecorded`), borne by longs at settlement.
    function test_B1_partialLiquidationLeavesBadDebtFromSolventVault() external {
        fundKeeper(20_000e18);
        setPremium(1.4e18, p.lens.ethPrice(0), 420);
        uint256 maxTokens = VaultMath.maxDebt(10 ether, p.lens.debtValuePerToken(0), 1.5e18);
        vm.prank(ALICE);
        uint256 id = p.engine.mint{value: 10 ether}(0, maxTokens);
        moveEth(350, 0); // +3.5%
        setPremium(1.4e18, (3000e18 * 10350) / 10000, 420); // keep the mark at 1.4 x index
        (, , uint256 collateral, uint256 debt) = p.lens.getVault(id);
        uint256 debtValueAtIndex = VaultMath.debtValue(debt, p.lens.debtValuePerToken(0));
        assertTrue(!p.lens.isVaultSafe(id), "unsafe");
        assertGt(
            collateral,
            (debtValueAtIndex * 14) / 10,
            "setup: the vault covers 140% of its debt at index"
        );

        uint256 offer = FPML.divUp(collateral * WAD, FPML.mulWad(p.lens.tokenPrice(0), 1.1e18));
        // Fixed: a vault that covers its debt at index must be liquidated whole.
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.LiquidationLeavesDust.selector, id, debt));
        p.engine.liquidate(id, offer);
        vm.prank(KEEPER);
        (uint256 repaid, uint256 paid) = p.engine.liquidate(id, debt);
        assertEq(p.lens.totalBadDebt(0), 0, "B-1: bad debt created from a solvent vault");
        assertTrue(repaid == debt && paid == collateral, "B-1: the whole debt for all of the collateral");
    }

    /* B-2: the weakest pool's history caps the common TWAP window */

    /// @notice Regression B-2 (fixed). `_readPrices` falls back to a window capped at the shorter pool history whenever either
    ///         pool cannot serve the full TWAP period, and the constructor accepts any pool whose cardinalityNext is
    ///         at least 2. A pool keeps its last `cardinality` observations, one per block with a swap, so anyone
    ///         who swaps dust in the (illiquid, protocol-created) power pool in two consecutive blocks shrinks the
    ///         window of *both* TWAPs, the ETH index included, to one block.
    ///         Sequence: ETH pool with 1024 slots, power pool with 2; in one block the attacker moves ETH +100%
    ///         (a flash swap on the ETH pool) and swaps dust in the power pool; in the next block (12 s later) it
    ///         swaps dust in the power pool again. Expected (420 s TWAP): the index moves by ~12/420 of the move
    ///         (ETH TWAP ~ 3060). Actual: the window is 12 s and the index reads the manipulated price (6000).
    function test_B2_powerPoolHistoryShrinksEthTwapWindow() external {
        // A market whose power pool keeps the minimum twapPeriod + 1 observations (the ETH pool keeps 1024).
        MarketParams memory params = defaultMarketParams();
        Protocol memory q = deployProtocol(params, 3000e18, fairPowerPriceWad(3000e18, WAD), 1024, 421, 420);
        assertApproxEqRel(q.lens.ethPrice(0), 3000e18, 1e15, "start");

        (, int24 ethTick, , , , , ) = q.ethPool.slot0();
        (, int24 powerTick, , , , , ) = q.powerPool.slot0();
        q.ethPool.setTick(int24(int256(ethTick) + 6932 * q.ethTickSign)); // ETH x2
        q.powerPool.setTick(powerTick + 1); // dust swap
        warpBy(12);
        q.powerPool.setTick(powerTick); // dust swap back, next block
        uint256 twap = q.lens.ethPrice(0);
        // A 420 s TWAP moves by 2^(12/420) - 1 = 2% after 12 s.
        assertLe(twap, 3100e18, "B-2: the ETH TWAP window collapsed to one block");
    }

    /* B-3, B-4: pools that keep few observations (now refused below twapPeriod + 1) */

    /// @notice Regression B-3 (fixed: the price source now requires twapPeriod + 1 observation slots per pool, so the
    ///         attack below runs against the minimum capacity; the TypeScript suite checks that 2 slots are refused).
    ///         Originally: The constructor accepts any pool whose cardinalityNext is at least 2, and
    ///         `_readPrices` still caps each pool's window at that pool's own history. An ETH pool that keeps 2
    ///         observations forgets everything older than its second-to-last swap, so an attacker who moves ETH
    ///         +100% in one block and swaps dust in the next (12 s later) leaves a 12 s history: the ETH window
    ///         collapses to the manipulated block.
    ///         Expected (420 s TWAP): ETH TWAP ~ 3060 twelve seconds after the move. Actual: 6000.
    ///         Fix: require a capacity that covers the TWAP period at the chain's block time (at least
    ///         twapPeriod / 12 s = 35 on L1, more on fast L2s), or stop capping once the pools are warm.
    function test_B3_twoSlotEthPoolCollapsesItsOwnWindow() external {
        Protocol memory q = deployProtocol(
            defaultMarketParams(),
            3000e18,
            fairPowerPriceWad(3000e18, WAD),
            421,
            1024,
            420
        );
        assertApproxEqRel(q.lens.ethPrice(0), 3000e18, 1e15, "start");
        (, int24 ethTick, , , , , ) = q.ethPool.slot0();
        q.ethPool.setTick(int24(int256(ethTick) + 6932 * q.ethTickSign)); // ETH x2 (writes the pre-swap tick)
        warpBy(12);
        q.ethPool.setTick(int24(int256(ethTick) + 6933 * q.ethTickSign)); // dust swap in the next block
        assertLe(q.lens.ethPrice(0), 3100e18, "B-3: the ETH TWAP window collapsed to one block");
    }

    /// @notice Regression B-4 (fixed like B-3). Originally: The same with a power pool that keeps 2 observations: the power TWAP, which
    ///         prices liquidation payouts (q * 1.1 per token repaid) and funding, collapses to one block. A keeper
    ///         who pushes the power price +100% in one block and swaps dust in the next is paid twice the
    ///         collateral per token repaid.
    ///         Expected: 12 s after the push the power TWAP has moved by 2^(12/420) - 1 = 2%. Actual: +100%.
    function test_B4_twoSlotPowerPoolCollapsesLiquidationPrice() external {
        Protocol memory q = deployProtocol(
            defaultMarketParams(),
            3000e18,
            fairPowerPriceWad(3000e18, WAD),
            1024,
            421,
            420
        );
        uint256 before = q.lens.tokenPrice(0);
        (, int24 powerTick, , , , , ) = q.powerPool.slot0();
        q.powerPool.setTick(int24(int256(powerTick) + 6932 * q.powerTickSign)); // power token x2
        warpBy(12);
        q.powerPool.setTick(int24(int256(powerTick) + 6933 * q.powerTickSign)); // dust swap in the next block
        assertLe(q.lens.tokenPrice(0), (before * 103) / 100, "B-4: the power TWAP collapsed to one block");
    }

    /* H-1: two liquidations turn a vault that is solvent at index into bad debt (audit A) */

    /// @dev The price liquidations and the mint fee use: the power TWAP capped at the funding clamp's cap times one
    ///      token's debt value at index (S-1/S-2), read for the next engine call of this block.
    function pricingPowerPrice() internal view returns (uint256) {
        uint256 capped = FPML.mulWad(p.lens.debtValuePerToken(0), 1.4e18);
        uint256 q = p.lens.tokenPrice(0);
        return q < capped ? q : capped;
    }

    /// @dev Opens Alice's vault at exactly 150% from `collateral` with the power token at `premiumWad` x index,
    ///      moves ETH by `ethTicks` and holds the premium for two TWAP periods at the new price.
    function unsafeSolventVault(
        uint256 collateral,
        uint256 premiumWad,
        int256 ethTicks,
        uint256 ethPriceAfterWad
    ) internal returns (uint256 id) {
        setPremium(premiumWad, p.lens.ethPrice(0), 420);
        uint256 maxTokens = VaultMath.maxDebt(collateral, p.lens.debtValuePerToken(0), 1.5e18);
        vm.prank(ALICE);
        id = p.engine.mint{value: collateral}(0, maxTokens);
        moveEth(ethTicks, 0);
        setPremium(premiumWad, ethPriceAfterWad, 420);
        setPremium(premiumWad, p.lens.ethPrice(0), 420);
        assertTrue(!p.lens.isVaultSafe(id), "setup: unsafe");
        assertGe(p.lens.collateralRatio(id), 1e18, "setup: solvent at index");
    }

    /// @dev Audit A's first step: a partial repayment that leaves collateral above the dust floor (1 ETH here, so
    ///      that it stays a plain partial liquidation whichever price pays it) and the vault insolvent at index.
    ///      Refused: a vault solvent at index that cannot cover its debt plus bonus at the payout price is
    ///      liquidated whole only. Then the whole liquidation goes through without bad debt.
    function expectOnlyWholeLiquidation(uint256 id, address liquidator) internal {
        (, , uint256 collateral, uint256 debt) = p.lens.getVault(id);
        uint256 payPerToken = FPML.mulWad(pricingPowerPrice(), 1.1e18);
        assertLe(collateral, FPML.mulWad(debt, payPerToken), "setup: cannot cover the debt plus bonus");
        expectPartialRefusedThenWhole(id, liquidator, ((collateral - 1 ether) * WAD) / payPerToken);
    }

    /// @dev A partial offer is refused with `LiquidationLeavesDust(id, debt)`; then the whole debt takes all of the
    ///      collateral and no bad debt is recorded.
    function expectPartialRefusedThenWhole(uint256 id, address liquidator, uint256 partialOffer) internal {
        (, , uint256 collateral, uint256 debt) = p.lens.getVault(id);
        vm.prank(liquidator);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.LiquidationLeavesDust.selector, id, debt));
        p.engine.liquidate(id, partialOffer);
        vm.prank(liquidator);
        (uint256 repaid, uint256 paid) = p.engine.liquidate(id, debt);
        assertTrue(repaid == debt && paid == collateral, "the whole debt for all of the collateral");
        assertEq(p.lens.totalBadDebt(0), 0, "no bad debt from a vault solvent at index");
    }

    /// @notice Regression H-1 (fixed), the B-1 setup: mark = 1.4 x index, Alice at 150% from 10 ETH, ETH +3.5%
    ///         (CR 1.45). Before the fix a first liquidation left 0.5 ETH (the vault now insolvent at index) and a
    ///         second took it: all 10 ETH for 94% of the debt, 5.9% of the debt left as bad debt.
    function test_H1_twoStepLiquidationRefused_atCap() external {
        fundKeeper(20_000e18);
        uint256 id = unsafeSolventVault(10 ether, 1.4e18, 350, (3000e18 * 10350) / 10000);
        expectOnlyWholeLiquidation(id, KEEPER);
    }

    /// @notice Regression H-1 (fixed), premium 1.05, 100 ETH at 150%, ETH x1.40 (CR 1.07). Before the fix two steps
    ///         repaid 206.1 tokens for all 100 ETH instead of 222.2, leaving 16.09 tokens (7.2% of the debt) unbacked.
    function test_H1_twoStepLiquidationRefused_premium105() external {
        fundKeeper(20_000e18);
        uint256 id = unsafeSolventVault(100 ether, 1.05e18, 3365, (3000e18 * 14) / 10);
        expectOnlyWholeLiquidation(id, KEEPER);
    }

    /// @notice Regression H-1 (fixed), the owner's variant: Alice keeps her minted tokens and liquidates her own
    ///         vault. Before the fix two steps returned all 100 ETH while she kept 16.09 tokens (7.1 ETH) and left
    ///         them unbacked. Now only the whole debt is accepted, which leaves her exactly where repaying does.
    function test_H1_selfLiquidationInTwoStepsRefused() external {
        uint256 id = unsafeSolventVault(100 ether, 1.05e18, 3365, (3000e18 * 14) / 10);
        (, , uint256 collateral, uint256 debt) = p.lens.getVault(id);
        uint256 ethBefore = ALICE.balance;
        uint256 tokensBefore = p.powerToken.balanceOf(ALICE);
        expectOnlyWholeLiquidation(id, ALICE);
        // Repaying: burn the whole debt, withdraw all collateral. Self-liquidating did exactly that, no better.
        assertEq(ALICE.balance - ethBefore, collateral, "all collateral back");
        assertEq(tokensBefore - p.powerToken.balanceOf(ALICE), debt, "every minted token repaid");
    }

    /* L-1: totalBadDebt is the debt now unbacked (audit A) */

    /// @notice Regression L-1 (fixed). An insolvent vault is liquidated into bad debt B; then, three times, Bob
    ///         deposits 1 wei into the empty vault and a keeper liquidates that wei. Before the fix each round
    ///         recorded the remaining debt again (2B after one round). Now `totalBadDebt` is always the debt of
    ///         vaults with debt and no collateral: 0 while the wei backs the vault, the debt left once it is taken.
    function test_L1_depositIntoBadDebtVaultIsNotCountedAgain() external {
        fundKeeper(10_000e18);
        vm.prank(ALICE);
        uint256 id = p.engine.mint{value: 10 ether}(0, 20e18);
        moveEth(6000, 0); // ETH x1.82: insolvent at index
        setPremium(1e18, p.lens.ethPrice(0), 420);
        setPremium(1e18, p.lens.ethPrice(0), 420);
        (, , uint256 collateral, ) = p.lens.getVault(id);
        uint256 payPerToken = FPML.mulWad(pricingPowerPrice(), 1.1e18);
        vm.prank(KEEPER);
        p.engine.liquidate(id, FPML.divUp(collateral * WAD, payPerToken));
        (, , , uint256 badDebt) = p.lens.getVault(id);
        assertEq(p.lens.totalBadDebt(0), badDebt, "bad debt recorded");
        for (uint256 round = 0; round < 3; round++) {
            vm.prank(BOB);
            p.engine.deposit{value: 1}(id);
            assertEq(p.lens.totalBadDebt(0), 0, "L-1: a vault with collateral holds no unbacked debt");
            vm.prank(KEEPER);
            p.engine.liquidate(id, FPML.divUp(WAD, payPerToken));
            (, , uint256 left, uint256 debtLeft) = p.lens.getVault(id);
            assertEq(left, 0, "the wei was taken");
            assertEq(p.lens.totalBadDebt(0), debtLeft, "L-1: the debt left, counted once");
            assertLt(debtLeft, badDebt, "each round repays some of it");
        }
    }

    /* S-1 / S-2: liquidation payouts and the mint fee use the power price capped at the funding band */

    /// @notice Decision S-1/S-2. The power pool is held at 2 x index for two TWAP periods (a thin pool pushed up).
    ///         A partial liquidation of an insolvent vault pays per token repaid, and the mint fee charges per token
    ///         minted, min(q, debt value at index x 1.4) plus bonus, not q: the push is worth no more than what
    ///         funding itself accepts.
    function test_S1_payoutsAndFeeUseThePowerPriceCappedAtTheFundingBand() external {
        fundKeeper(10_000e18);
        vm.prank(ALICE);
        uint256 id = p.engine.mint{value: 10 ether}(0, 20e18);
        moveEth(6000, 0); // ETH x1.82: insolvent at index
        setPremium(2e18, p.lens.ethPrice(0), 420);
        setPremium(2e18, p.lens.ethPrice(0), 420);
        uint256 q = p.lens.tokenPrice(0);
        uint256 price = pricingPowerPrice();
        assertLt(price, (q * 71) / 100, "setup: q is about 2 x index, the cap 1.4 x");
        uint256 offer = 1e18;
        vm.prank(KEEPER);
        (uint256 repaid, uint256 paid) = p.engine.liquidate(id, offer);
        assertEq(repaid, offer, "partial liquidation");
        assertEq(
            paid,
            FPML.mulWad(offer, FPML.mulWad(price, 1.1e18)),
            "S-1: paid at the capped price + bonus"
        );

        p.engine.setFee(0, 100, address(0xFEE));
        uint256 feesBefore = p.lens.accruedFees(0);
        vm.prank(BOB);
        p.engine.mint{value: 100 ether}(0, 10e18);
        uint256 fee = p.lens.accruedFees(0) - feesBefore;
        assertEq(fee, FPML.fullMulDivUp(10e18, price * 100, WAD * 10_000), "S-2: fee at the capped price");
    }

    /* Mutation gaps (issue 10): the exact-100% boundary of the liquidation rule */

    /// @notice A vault whose collateral exactly equals its debt value at index (ratio == 1e18) is solvent at index:
    ///         a partial offer that would take all of its collateral is refused (only the whole debt may be
    ///         repaid) and no bad debt is recorded. A mutant treating `ratio <= WAD` as insolvent fails here.
    function test_MutationGap_liquidationAtExactly100Percent() external {
        fundKeeper(10_000e18);
        vm.prank(ALICE);
        uint256 id = p.engine.mint{value: 10 ether}(0, 20e18);
        moveEth(6000, 0); // ETH x1.82: insolvent at index
        setPremium(1e18, p.lens.ethPrice(0), 420);
        setPremium(1e18, p.lens.ethPrice(0), 420);
        // Top up to exactly the debt value at index, in the liquidation's block.
        (, , uint256 collateral, uint256 debt) = p.lens.getVault(id);
        uint256 debtValue = VaultMath.debtValue(debt, p.lens.debtValuePerToken(0));
        vm.prank(BOB);
        p.engine.deposit{value: debtValue - collateral}(id);
        assertEq(p.lens.collateralRatio(id), 1e18, "setup: exactly 100% at index");
        uint256 payPerToken = FPML.mulWad(pricingPowerPrice(), 1.1e18);
        uint256 takesAll = FPML.divUp(debtValue * WAD, payPerToken);
        assertLt(takesAll, debt, "setup: a partial offer worth all of the collateral");
        expectPartialRefusedThenWhole(id, KEEPER, takesAll);
    }

    /* Two markets: the handler drives market 1 (the ETH 3500 call) while market 0 (ETH²) stays untouched (INV-16) */

    /// @notice A short sequence on the option market through the handler: a new vault minted at the maximum, a crash
    ///         (ETH +60%: the call goes in the money) that makes it liquidatable, a liquidation attempt. Every step is predicted exactly and, after each, the handler checks
    ///         that market 0 did not change (INV-16) and that the balance covers both markets (INV-17).
    function test_twoMarkets_actionsOnMarket1LeaveMarket0Untouched() external {
        RegressionHandler handler = new RegressionHandler();
        Protocol memory q = handler.protocol();
        uint256 nf0 = q.lens.normalizationFactor(0);
        handler.mint(1, 1, 0, 0, 3); // actor 1, a new vault, the maximum, 1 to 20 ETH
        assertEq(q.lens.vaultCount(1), 2, "a second vault in market 1 (the whale's is the first)");
        handler.crash(1, 4700);
        handler.liquidate(1, 2, 1, 0);
        handler.applyFunding(1, 0);
        assertEq(q.lens.vaultCount(0), 1, "market 0 kept its one vault");
        assertEq(q.lens.normalizationFactor(0), nf0, "market 0's NF untouched by market 1's funding");
        assertGt(q.lens.normalizationFactor(1), 0, "market 1 funded");
        assertEq(handler.isolationChecks(), 4, "INV-16 checked after every call");
    }

    receive() external payable {}

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}

/// @title OptionRegressions
/// @notice An option market's liquidation rules on the fixture's pools: the gap between the minimum and the
///         liquidation ratio, and O-1 (docs/spec.md "Findings").
contract OptionRegressions is EvergammaFixture {
    address internal constant ALICE = address(0xA11CE);
    address internal constant KEEPER = address(0xBEEF);
    /// @dev ETH/USD at deployment and after the O-1 rally (WAD), the call's strike (USD, WAD).
    uint256 internal constant ETH_START_WAD = 3000e18;
    uint256 internal constant ETH_RALLY_WAD = 5000e18;
    uint256 internal constant STRIKE_WAD = 3500e18;
    /// @dev The victim's collateral and the keeper's (wei); the keeper mints this many times the victim's debt.
    uint256 internal constant VICTIM_COLLATERAL = 32 ether;
    uint256 internal constant KEEPER_COLLATERAL = 10_000 ether;
    uint256 internal constant KEEPER_DEBT_MULTIPLE = 10;
    /// @dev One step of the rally in `rallyUntilBelow`: ETH up 0.5% (WAD).
    uint256 internal constant RALLY_STEP_WAD = 1.005e18;
    /// @dev The call market's liquidation ratio: 150% / 1.2 (WAD).
    uint256 internal constant OPTION_LIQUIDATION_RATIO_WAD = 1.25e18;

    Protocol internal p;
    MarketHandles internal market;
    MarketParams internal call;
    EverlastingOptionPricer internal pricer;
    /// @dev ETH/USD the pools are set at (WAD).
    uint256 internal ethPriceWad;

    /// @dev The engine with one market, the ETH 3500 call (id 0), its pool at the fair value for 80% volatility at
    ///      ETH = 3000; ALICE's vault minted at the 150% limit (returned) and the keeper's tokens.
    function deployCallAndMintAtLimit() internal returns (uint256 id, uint256 debt) {
        vm.warp(START_TIME);
        vm.roll(START_BLOCK);
        call = optionMarketParams(true, STRIKE_WAD);
        pricer = new EverlastingOptionPricer();
        ethPriceWad = ETH_START_WAD;
        MarketSpec[] memory specs = new MarketSpec[](1);
        specs[0] = MarketSpec(
            call,
            "Evergamma ETH 3500 Call",
            "eC3500",
            fairTokenPriceWad(pricer, call, ETH_START_WAD, WAD),
            POOL_CARDINALITY
        );
        MarketHandles[] memory m;
        (p, m) = deployMarkets(specs, ETH_START_WAD, POOL_CARDINALITY, TWAP_PERIOD, pricer);
        market = m[0];
        uint256 newVault = VaultIdLib.toVaultId(0, 0);
        debt = VaultMath.maxDebt(VICTIM_COLLATERAL, p.lens.debtValuePerToken(0), call.minCollateralRatioWad);
        vm.deal(ALICE, VICTIM_COLLATERAL);
        vm.prank(ALICE);
        id = p.engine.mint{value: VICTIM_COLLATERAL}(newVault, debt);
        vm.deal(KEEPER, KEEPER_COLLATERAL);
        vm.prank(KEEPER);
        p.engine.mint{value: KEEPER_COLLATERAL}(newVault, KEEPER_DEBT_MULTIPLE * debt);
    }

    /// @dev Sets ETH at `priceWad` and the call's pool at its fair value there, lets a TWAP window pass and applies
    ///      funding.
    function moveEthTo(uint256 priceWad) internal {
        ethPriceWad = priceWad;
        p.ethPool.setTick(tickForPrice(address(p.weth), address(p.usdc), priceWad, 18, 6));
        uint256 q = fairTokenPriceWad(pricer, call, priceWad, p.lens.normalizationFactor(0));
        market.pool.setTick(tickForPrice(address(market.token), address(p.weth), q, 18, 18));
        vm.warp(vm.getBlockTimestamp() + TWAP_PERIOD + 1);
        vm.roll(vm.getBlockNumber() + 1);
        p.engine.applyFunding(0);
    }

    /// @dev Raises ETH by RALLY_STEP_WAD steps until the vault's ratio is below `ratioWad`; returns the ratio.
    function rallyUntilBelow(uint256 id, uint256 ratioWad) internal returns (uint256 ratio) {
        ratio = p.lens.collateralRatio(id);
        while (ratio >= ratioWad) {
            moveEthTo(FPML.mulWad(ethPriceWad, RALLY_STEP_WAD));
            ratio = p.lens.collateralRatio(id);
        }
    }

    /// @dev Asserts that a low-level call reverted with the custom error `expected`.
    function assertRevertedWith(
        bool ok,
        bytes memory err,
        bytes4 expected,
        string memory message
    ) internal pure {
        assertTrue(!ok && err.length >= 4, message);
        assertEq(uint32(bytes4(err)), uint32(expected), message);
    }

    /// @notice Between the minimum ratio (150%) and the liquidation ratio (125%) an option vault can neither mint nor
    ///         withdraw, and cannot be liquidated (`VaultSafe`); it can deposit. Below 125% it is liquidated (INV-4).
    function test_optionVaultBetweenTheTwoRatios() external {
        (uint256 id, ) = deployCallAndMintAtLimit();
        uint256 ratio = rallyUntilBelow(id, call.minCollateralRatioWad);
        assertGe(ratio, OPTION_LIQUIDATION_RATIO_WAD, "setup: a step of the rally stays above 125%");
        (bool liquidatable, , ) = p.lens.previewLiquidation(id);
        assertTrue(!liquidatable, "not liquidatable between the ratios");

        vm.startPrank(ALICE);
        (bool ok, bytes memory err) = address(p.engine).call(abi.encodeCall(p.engine.mint, (id, 1)));
        assertRevertedWith(ok, err, IEvergammaErrors.VaultUnsafe.selector, "no mint between the ratios");
        (ok, err) = address(p.engine).call(abi.encodeCall(p.engine.withdraw, (id, 1)));
        assertRevertedWith(
            ok,
            err,
            IEvergammaErrors.VaultUnsafe.selector,
            "no withdrawal between the ratios"
        );
        vm.deal(ALICE, 1 ether);
        p.engine.deposit{value: 1 wei}(id);
        vm.stopPrank();

        vm.prank(KEEPER);
        (ok, err) = address(p.engine).call(abi.encodeCall(p.engine.liquidate, (id, type(uint256).max)));
        assertRevertedWith(ok, err, IEvergammaErrors.VaultSafe.selector, "no liquidation between the ratios");
        rallyUntilBelow(id, OPTION_LIQUIDATION_RATIO_WAD);
        vm.prank(KEEPER);
        (uint256 repaid, ) = p.engine.liquidate(id, type(uint256).max);
        assertGt(repaid, 0, "liquidated below 125%");
    }

    /// @notice O-1 (found while extending the invariant handler to option markets; docs/spec.md "Findings", fixed):
    ///         the H-1 rule ("a vault solvent at index accepts only the whole debt when its collateral does not cover
    ///         the debt at the payout price plus bonus") must protect an option vault that covers its claim. The
    ///         engine's solvency flag compared the collateral with the health rule's debt value (the floor model after
    ///         a 20% adverse move, at least q) rather than the claim NF * payoff(S) / S the vault owes at settlement,
    ///         so a vault between the two could be liquidated in parts at q * 1.1 per token until the last part left
    ///         unbacked debt. Now the flag values an option's debt at its claim (`Product.insolventAtIndex`): a call
    ///         minted at the 150% limit at ETH = 3000, at ETH = 5000, refuses a partial liquidation and is liquidated
    ///         whole, with no bad debt.
    function test_O1_claimSolventOptionVaultIsLiquidatedWhole() external {
        (uint256 id, uint256 debt) = deployCallAndMintAtLimit();
        moveEthTo(ETH_RALLY_WAD);

        // Before: the vault covers its claim, is below its health debt value and is liquidatable, and its
        // collateral does not cover the whole debt at q * 1.1.
        uint256 claim = Product.valuePerTokenWad(
            call,
            p.lens.normalizationFactor(0),
            p.lens.ethPrice(0),
            true
        );
        assertGe(VICTIM_COLLATERAL, VaultMath.debtValue(debt, claim), "setup: the vault covers its claim");
        assertLt(
            VICTIM_COLLATERAL,
            VaultMath.debtValue(debt, p.lens.debtValuePerToken(0)),
            "setup: below its health debt value"
        );
        (bool liquidatable, uint256 maxDebt, ) = p.lens.previewLiquidation(id);
        assertTrue(liquidatable, "setup: liquidatable");
        assertEq(maxDebt, debt, "the lens previews the whole debt");
        uint256 payPerToken = FPML.mulWad(p.lens.tokenPrice(0), WAD + call.liquidationBonusWad);
        assertGt(
            FPML.fullMulDiv(debt, payPerToken, WAD),
            VICTIM_COLLATERAL,
            "setup: the collateral does not cover the whole debt at q * 1.1 (partial liquidations lower c/d)"
        );

        // A partial liquidation is refused (it would lower the ratio of a vault solvent at its claim)...
        vm.startPrank(KEEPER);
        (bool ok, bytes memory err) = address(p.engine).call(
            abi.encodeCall(p.engine.liquidate, (id, (debt + 1) / 2))
        );
        assertRevertedWith(
            ok,
            err,
            IEvergammaErrors.LiquidationLeavesDust.selector,
            "O-1: no partial liquidation"
        );
        // ...and the whole debt takes the collateral: the vault is closed, with no bad debt.
        (uint256 repaid, uint256 paid) = p.engine.liquidate(id, debt);
        vm.stopPrank();
        (, , uint256 collateral, uint256 debtLeft) = p.lens.getVault(id);
        assertEq(repaid, debt, "O-1: the whole debt repaid");
        assertEq(paid, VICTIM_COLLATERAL, "O-1: all collateral paid");
        assertEq(collateral + debtLeft, 0, "O-1: vault closed");
        assertEq(p.lens.totalBadDebt(0), 0, "O-1: no bad debt");
    }

    receive() external payable {}
}
