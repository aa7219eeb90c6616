// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {Evergamma} from "../../../contracts/core/Evergamma.sol";
import {IUniswapTwapWindow} from "../../../contracts/interfaces/IUniswapTwapPrices.sol";
import {IEvergammaErrors} from "../../../contracts/interfaces/IEvergammaErrors.sol";
import {PowerPerpMath} from "../../../contracts/libraries/PowerPerpMath.sol";
import {VaultMath} from "../../../contracts/libraries/VaultMath.sol";
import {MockUniswapV3Pool} from "../../../contracts/mocks/MockUniswapV3Pool.sol";
import {TestUSDC} from "../../../contracts/mocks/TestUSDC.sol";
import {WETH9} from "../../../contracts/mocks/WETH9.sol";
import {UniswapTwapPrices} from "../../../contracts/prices/UniswapTwapPrices.sol";
import {EverlastingOptionPricer} from "../../../contracts/pricing/EverlastingOptionPricer.sol";
import {MarketToken} from "../../../contracts/tokens/MarketToken.sol";
import {RegressionBase} from "./RegressionBase.sol";

/// @notice Anyone's contract that unpauses and acts in the same transaction, so that no vault owner can react in
///         between (the audit's M-1 and M-2 attacker).
contract UnpauseBot {
    Evergamma internal immutable ENGINE;

    constructor(Evergamma engine) {
        ENGINE = engine;
    }

    function unpauseAndLiquidate(uint256 vaultId, uint256 maxDebt) external returns (uint256, uint256) {
        ENGINE.unpause(0);
        return ENGINE.liquidate(vaultId, maxDebt);
    }

    function unpauseAndApplyFunding() external returns (uint256) {
        ENGINE.unpause(0);
        return ENGINE.applyFunding(0);
    }

    receive() external payable {}
}

/// @notice A fee recipient that cannot take ETH (a multisig module without a payable fallback, say).
contract EthRefuser {}

/// @title PauseRegressions
/// @notice Regressions of the pause, funding, fee and pool-history findings of the vault-engine review (M-1, M-2 /
///         L-2, I-1, L-3, L-4; I-2 lives in FundingMath.t.sol). Each `test_<ID>_*` failed before its fix.
contract PauseRegressions is RegressionBase {
    uint256 internal constant GRACE = 1 hours;

    /* HELPERS */

    /// @dev Alice's vault at 160% (10 ETH) with the premium at 1.03; the keeper holds tokens to liquidate with.
    function aliceAt160() internal returns (uint256 id, uint256 tokens) {
        vm.prank(KEEPER);
        p.engine.mint{value: 50_000 ether}(0, 20_000e18);
        setPremium(1.03e18, p.lens.ethPrice(0), 420);
        tokens = VaultMath.maxDebt(10 ether, p.lens.debtValuePerToken(0), 1.6e18);
        vm.prank(ALICE);
        id = p.engine.mint{value: 10 ether}(0, tokens);
    }

    /// @dev The audit's M-1 setup: Alice at 160%, the owner pauses, ETH rises 8% during a day-long pause and the
    ///      vault becomes unsafe. Returns at the first second anyone may unpause, with the bot holding tokens.
    function unsafeAfterPause() internal returns (uint256 id, UnpauseBot bot) {
        uint256 tokens;
        (id, tokens) = aliceAt160();
        p.engine.pause(0);
        moveEth(770, 0); // ETH +8% while paused
        setPremium(1.03e18, (3000e18 * 108) / 100, 420);
        warpBy(1 days - 420);
        assertTrue(!p.lens.isVaultSafe(id), "Alice's vault became unsafe during the pause");
        bot = new UnpauseBot(p.engine);
        vm.prank(KEEPER);
        p.powerToken.transfer(address(bot), tokens);
    }

    /// @dev Asserts that `err` is the revert data of the custom error `selector` (whatever its arguments).
    function assertRevertedWith(bytes memory err, bytes4 selector, string memory message) internal pure {
        assertTrue(err.length >= 4 && bytes4(err) == selector, message);
    }

    /* M-2 / L-2: the funding of a pause could be steered by whoever unpaused */

    /// @notice Regression M-2 / L-2. Originally `pause()` applied no funding, keepers could not apply it while
    ///         paused, and the first call after unpause charged the whole paused interval at the TWAP of its last
    ///         420 s, which whoever unpaused could hold anywhere. Measured over a one-day pause at premium 1.03:
    ///         honest -0.17% of NF, pool held at 0.8 x index for the last window +1.28%, at 2x -1.92%.
    ///         Now the pause checkpoints funding and NF is frozen until unpause: in all three runs NF after the
    ///         unpause and a funding update in the same transaction equals NF at the pause.
    function test_M2_pausedIntervalCannotSteerFunding() external {
        setPremium(1.03e18, p.lens.ethPrice(0), 420);
        p.engine.applyFunding(0);
        warpBy(3600);
        // The pause applies the hour's funding first (a checkpoint), as applyFunding would have.
        uint256 expectedAtPause = p.lens.expectedNormalizationFactor(0);
        assertLt(expectedAtPause, p.lens.normalizationFactor(0), "premium 1.03: NF falls over the hour");
        p.engine.pause(0);
        uint256 nfAtPause = p.lens.normalizationFactor(0);
        assertEq(nfAtPause, expectedAtPause, "M-2: pause applies funding up to now");
        assertEq(p.lens.lastFundingUpdate(0), vm.getBlockTimestamp(), "checkpoint stamped at the pause");
        warpBy(1 days - 420);
        uint256 snapshot = vm.snapshotState();

        uint256[3] memory premiums = [uint256(1.03e18), 0.8e18, 2e18];
        for (uint256 i; i < premiums.length; ++i) {
            vm.revertToState(snapshot);
            // The last TWAP window before anyone may unpause: honest, held at the floor, held at 2x.
            setPremium(premiums[i], p.lens.ethPrice(0), 420);
            assertEq(p.lens.expectedNormalizationFactor(0), nfAtPause, "frozen while paused");
            UnpauseBot bot = new UnpauseBot(p.engine);
            uint256 nfAfter = bot.unpauseAndApplyFunding();
            assertEq(nfAfter, nfAtPause, "M-2: NF unchanged across the pause, whatever the last window");
            assertEq(p.lens.lastFundingUpdate(0), vm.getBlockTimestamp(), "funding restarts at unpause");
        }
        // Funding runs again from the unpause: the next hour at 2x is charged at the cap, an hour's worth.
        warpBy(3600);
        uint256 nfHourLater = p.engine.applyFunding(0);
        int256 hourAtCap = -(FPML.lnWad(1.4e18) * 3600) / int256(420 hours);
        uint256 expected = FPML.mulWad(nfAtPause, uint256(FPML.expWad(hourAtCap)));
        assertApproxEqRel(nfHourLater, expected, 1e6, "the hour after the unpause is charged as usual");
    }

    /// @notice Regression M-2 (shutdown). Originally a week-long pause followed by shutdown charged the whole week
    ///         at the last window's TWAP, so one window held at the clamp moved the settlement NF by ~13%. Now the
    ///         settlement NF is the frozen one and the settlement price is read fresh in the shutdown block.
    function test_M2_weekLongPauseThenShutdownChargesNoFunding() external {
        setPremium(1.03e18, p.lens.ethPrice(0), 420);
        p.engine.pause(0);
        uint256 nfAtPause = p.lens.normalizationFactor(0);
        warpBy(7 days);
        moveEth(2000, 0); // ETH +22% during the pause
        setPremium(2e18, (3000e18 * 122) / 100, 420); // the power pool held at 2x for the last window
        uint256 freshEthPrice = p.lens.ethPrice(0);
        p.engine.shutdown(0);
        assertEq(p.lens.normalizationFactor(0), nfAtPause, "M-2: the paused week is not charged");
        assertEq(p.lens.settlementEthPrice(0), freshEthPrice, "settlement at the shutdown block's TWAP");
        assertGt(freshEthPrice, 3500e18, "the price moved during the pause is the one settled at");
    }

    /// @notice Unpause drops the block's price cache: a call in the unpause block reads the prices of that block,
    ///         not the ones cached at the pause (the cache is keyed on lastUpdate == now).
    function test_M2_unpauseBlockReadsFreshPrices() external {
        (uint256 id, ) = aliceAt160();
        p.engine.pause(0);
        moveEth(770, 0); // ETH +8% while paused
        warpBy(1 days);
        p.engine.unpause(0);
        // At the pause's price Alice could withdraw 0.3 ETH (160% -> ~155%); at today's she cannot.
        vm.prank(ALICE);
        try p.engine.withdraw(id, 0.3 ether) {
            revert("withdrawal at the pause's price went through");
        } catch (bytes memory err) {
            assertRevertedWith(err, IEvergammaErrors.VaultUnsafe.selector, "checked at the fresh price");
        }
        assertApproxEqRel(p.lens.ethPrice(0), 3240e18, 1e15, "the fresh TWAP");
    }

    /* M-1: no grace after a pause */

    /// @notice Regression M-1. Originally anyone could unpause a day-old pause and liquidate in the same
    ///         transaction a vault that became unsafe while its owner could not deposit (the audit: 0.45 ETH, 14% of
    ///         Alice's equity). Now liquidations stay closed for an hour after every unpause.
    function test_M1_unpauseAndLiquidateInOneTransactionReverts() external {
        (uint256 id, UnpauseBot bot) = unsafeAfterPause();
        uint256 opensAt = vm.getBlockTimestamp() + GRACE;
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.LiquidationGracePeriod.selector, opensAt));
        bot.unpauseAndLiquidate(id, type(uint256).max);
        assertTrue(p.lens.isPaused(0), "the whole transaction reverted");
    }

    /// @notice During the grace every vault action is open: Alice deposits and her vault is safe for good; the
    ///         liquidator's call reverts with the time liquidations reopen, and after it the vault is safe.
    function test_M1_ownerRestoresVaultDuringGrace() external {
        (uint256 id, ) = unsafeAfterPause();
        vm.prank(BOB);
        p.engine.unpause(0);
        uint256 opensAt = vm.getBlockTimestamp() + GRACE;
        assertEq(p.lens.liquidationsOpenAt(0), opensAt, "grace stored");
        (bool liquidatable, , ) = p.lens.previewLiquidation(id);
        assertTrue(!liquidatable, "preview: not liquidatable during the grace");
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.LiquidationGracePeriod.selector, opensAt));
        p.engine.liquidate(id, type(uint256).max);

        warpBy(600);
        vm.prank(ALICE);
        p.engine.deposit{value: 3 ether}(id);
        assertTrue(p.lens.isVaultSafe(id), "restored during the grace");
        vm.warp(opensAt);
        vm.roll(vm.getBlockNumber() + 1);
        vm.prank(KEEPER);
        try p.engine.liquidate(id, type(uint256).max) {
            revert("liquidated a restored vault");
        } catch (bytes memory err) {
            assertRevertedWith(err, IEvergammaErrors.VaultSafe.selector, "the restored vault is safe");
        }
    }

    /// @notice A vault still unsafe when the grace ends is liquidatable from its last second on, not before.
    function test_M1_stillUnsafeVaultLiquidatableAfterGrace() external {
        (uint256 id, UnpauseBot bot) = unsafeAfterPause();
        bot.unpauseAndApplyFunding();
        uint256 opensAt = vm.getBlockTimestamp() + GRACE;
        vm.warp(opensAt - 1);
        vm.roll(vm.getBlockNumber() + 1);
        vm.prank(KEEPER);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.LiquidationGracePeriod.selector, opensAt));
        p.engine.liquidate(id, type(uint256).max);
        warpBy(1);
        assertTrue(!p.lens.isVaultSafe(id), "still unsafe");
        (bool liquidatable, uint256 maxDebt, ) = p.lens.previewLiquidation(id);
        assertTrue(liquidatable, "preview: liquidatable once the grace is over");
        vm.prank(KEEPER);
        (uint256 repaid, ) = p.engine.liquidate(id, type(uint256).max);
        assertEq(repaid, maxDebt, "liquidated as previewed");
    }

    /* I-1: operators could not be revoked while paused or after shutdown */

    /// @notice Regression I-1. Originally `setOperator` applied funding first, so an owner could revoke no
    ///         operator while paused or after shutdown, and a revoked-in-spirit operator could `redeemShort` the
    ///         vault's equity to itself. Now revoking works in every state; granting keeps today's rules.
    function test_I1_operatorRevocableWhilePausedAndAfterShutdown() external {
        vm.prank(ALICE);
        uint256 id = p.engine.mint{value: 10 ether}(0, 10e18);
        vm.prank(ALICE);
        p.engine.setOperator(id, BOB);

        p.engine.pause(0);
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.MarketPaused.selector, uint32(0)));
        p.engine.setOperator(id, KEEPER); // granting needs a running market
        vm.prank(ALICE);
        p.engine.setOperator(id, address(0));
        (, address operator, , ) = p.lens.getVault(id);
        assertEq(uint160(operator), 0, "I-1: revoked while paused");
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.NotVaultOwner.selector, id, BOB));
        p.engine.setOperator(id, address(0)); // only the owner revokes

        p.engine.unpause(0);
        vm.prank(ALICE);
        p.engine.setOperator(id, BOB);
        p.engine.shutdown(0);
        p.engine.settleVaults(0, 10);
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.MarketShutDown.selector, uint32(0)));
        p.engine.setOperator(id, KEEPER);
        vm.prank(ALICE);
        p.engine.setOperator(id, address(0));
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.NotVaultOwnerOrOperator.selector, id, BOB));
        p.engine.redeemShort(id);
        vm.prank(ALICE);
        assertGt(p.engine.redeemShort(id), 0, "the owner redeems her equity");
    }

    /// @notice Vault NFTs change hands while paused (documented): harmless, since vault actions stay blocked and
    ///         the transfer clears the operator.
    function test_I1_vaultTransferWhilePausedClearsOperator() external {
        vm.prank(ALICE);
        uint256 id = p.engine.mint{value: 10 ether}(0, 10e18);
        vm.prank(ALICE);
        p.engine.setOperator(id, KEEPER);
        p.engine.pause(0);
        vm.prank(ALICE);
        p.engine.transferFrom(ALICE, BOB, id);
        (address owner, address operator, , ) = p.lens.getVault(id);
        assertEq(uint160(owner), uint160(BOB), "the vault moved with its NFT");
        assertEq(uint160(operator), 0, "the transfer cleared the operator");
        vm.prank(BOB);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.MarketPaused.selector, uint32(0)));
        p.engine.withdraw(id, 1 ether);
    }

    /* L-3: fees locked when the recipient refuses ETH outside normal operation */

    /// @notice Regression L-3 (paused). Originally `setFee`, the only way to change the recipient, reverted while
    ///         paused, and `collectFees` too: fees owed to a recipient that refuses ETH could not move.
    function test_L3_feesRedirectedWhilePaused() external {
        address refuser = address(new EthRefuser());
        uint256 fees = accrueFeesFor(refuser);
        p.engine.pause(0);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.EthTransferFailed.selector, refuser, fees));
        p.engine.collectFees(0);
        p.engine.setFee(0, 100, BOB);
        assertEq(uint160(p.lens.feeRecipient(0)), uint160(BOB), "L-3: recipient changed while paused");
        uint256 before = BOB.balance;
        vm.prank(KEEPER);
        assertEq(p.engine.collectFees(0), fees, "collected while paused");
        assertEq(BOB.balance - before, fees, "fees reached the new recipient");
        assertEq(p.lens.accruedFees(0), 0, "nothing left");
    }

    /// @notice Regression L-3 (shut down). Originally the fees stayed in the Controller for good after shutdown.
    function test_L3_feesRedirectedAfterShutdown() external {
        address refuser = address(new EthRefuser());
        uint256 fees = accrueFeesFor(refuser);
        p.engine.shutdown(0);
        vm.expectRevert(abi.encodeWithSelector(IEvergammaErrors.EthTransferFailed.selector, refuser, fees));
        p.engine.collectFees(0);
        p.engine.setFee(0, 0, BOB);
        uint256 before = BOB.balance;
        assertEq(p.engine.collectFees(0), fees, "collected after shutdown");
        assertEq(BOB.balance - before, fees, "L-3: fees reached the new recipient");
    }

    /// @dev Sets a 1% fee to `recipient` and has Alice mint; returns the fees accrued.
    function accrueFeesFor(address recipient) internal returns (uint256 fees) {
        p.engine.setFee(0, 100, recipient);
        vm.prank(ALICE);
        p.engine.mint{value: 10 ether}(0, 10e18);
        fees = p.lens.accruedFees(0);
        assertGt(fees, 0, "fees accrued");
    }

    /* L-4: the constructor checked the ETH pool's capacity, not the history it holds */

    /// @notice Regression L-4. Originally the constructor checked `cardinalityNext` only: an hour-old ETH pool that
    ///         kept 2 observations, its cardinality raised just before deployment, passed, and for ~420 s the ETH
    ///         TWAP averaged its 24 s of history (4,243 instead of ~3,060 twelve seconds after ETH doubled). Now the
    ///         price source's constructor (`UniswapTwapPrices`, which every market is created with) requires the
    ///         ETH pool to hold twapPeriod + 1 observations and twapPeriod seconds of history.
    function test_L4_oldTwoSlotEthPoolRefusedAtDeployment() external {
        PoolSetup memory s = newPools(2);
        (, int24 tick, , , , , ) = s.ethPool.slot0();
        for (uint256 i = 0; i < 300; i++) {
            warpBy(12);
            s.ethPool.setTick(i % 2 == 0 ? tick + 1 : tick); // an hour of trading, 2 slots
        }
        s.ethPool.increaseObservationCardinalityNext(1024); // passes the cardinalityNext check
        warpBy(12);
        vm.expectRevert(
            abi.encodeWithSelector(
                IUniswapTwapWindow.OracleWindowNotCovered.selector,
                address(s.ethPool),
                uint16(2),
                uint32(24),
                uint32(420)
            )
        );
        this.deployPriceSource(s);
    }

    /// @notice L-4, the young pool: with the capacity grown but 419 s of history the price source refuses; one
    ///         second later it accepts, and the token pool needs only its capacity (it is created with the market).
    function test_L4_youngEthPoolRefusedUntilItHoldsAWindow() external {
        PoolSetup memory s = newPools(1024);
        uint256 start = vm.getBlockTimestamp();
        (, int24 tick, , , , , ) = s.ethPool.slot0();
        warpBy(1);
        s.ethPool.setTick(tick + 1); // grows the ring buffer to 1024
        vm.warp(start + 419);
        vm.roll(vm.getBlockNumber() + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IUniswapTwapWindow.OracleWindowNotCovered.selector,
                address(s.ethPool),
                uint16(1024),
                uint32(419),
                uint32(420)
            )
        );
        this.deployPriceSource(s);
        warpBy(1);
        (, , , uint16 powerCardinality, , , ) = s.powerPool.slot0();
        assertEq(powerCardinality, 1, "the power pool has written nothing yet");
        UniswapTwapPrices source = this.deployPriceSource(s);
        assertEq(source.twapPeriodSeconds(), 420, "accepted with a full window");
        (uint256 ethUsd, ) = source.prices();
        assertApproxEqRel(ethUsd, 3000e18, 1e15, "and it reads the ETH price");
        // The market is created on it.
        Evergamma engine = s.engine;
        assertEq(
            engine.createMarket(defaultMarketParams(), address(s.powerToken), address(source)),
            0,
            "created"
        );
    }

    struct PoolSetup {
        WETH9 weth;
        TestUSDC usdc;
        Evergamma engine;
        MarketToken powerToken;
        MockUniswapV3Pool ethPool;
        MockUniswapV3Pool powerPool;
    }

    /// @dev An engine, tokens and two fresh pools (ETH at 3000, power token at its fair price), the ETH pool's
    ///      capacity raised to `ethCardinalityNext` and the power pool's to 1024.
    function newPools(uint16 ethCardinalityNext) internal returns (PoolSetup memory s) {
        s.weth = new WETH9();
        s.usdc = new TestUSDC();
        s.engine = new Evergamma(address(this), new EverlastingOptionPricer());
        s.powerToken = new MarketToken("E", "E", address(s.engine));
        s.ethPool = new MockUniswapV3Pool(address(s.weth), address(s.usdc), 1e21);
        s.powerPool = new MockUniswapV3Pool(address(s.powerToken), address(s.weth), 1e21);
        s.ethPool.initializeAtTick(tickForPrice(address(s.weth), address(s.usdc), 3000e18, 18, 6));
        s.ethPool.increaseObservationCardinalityNext(ethCardinalityNext);
        s.powerPool.initializeAtTick(
            tickForPrice(address(s.powerToken), address(s.weth), fairPowerPriceWad(3000e18, WAD), 18, 18)
        );
        s.powerPool.increaseObservationCardinalityNext(1024);
    }

    /// @notice Deploys the price source on the setup's pools (external, so that a reverting attempt leaves no
    ///         trace).
    function deployPriceSource(PoolSetup memory s) external returns (UniswapTwapPrices) {
        return
            new UniswapTwapPrices(
                address(s.weth),
                address(s.usdc),
                address(s.ethPool),
                address(s.powerToken),
                address(s.powerPool),
                TWAP_PERIOD
            );
    }

    receive() external payable {}

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
