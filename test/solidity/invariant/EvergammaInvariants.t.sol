// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {Evergamma} from "../../../contracts/core/Evergamma.sol";
import {EvergammaLens} from "../../../contracts/periphery/EvergammaLens.sol";
import {MarketToken} from "../../../contracts/tokens/MarketToken.sol";
import {VaultIdLib} from "../../../contracts/types/VaultId.sol";
import {Test} from "../utils/Test.sol";
import {EvergammaHandlerBase} from "./EvergammaHandler.sol";
import {MarketHandles} from "./EvergammaFixture.sol";

/// @notice The concrete handler (defined here so that the runner knows its artifact).
contract EvergammaHandler is EvergammaHandlerBase {}

/// @notice The selectors of one target contract, as the invariant runner expects them from `targetSelectors()`.
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}

/// @title InvariantBase
/// @notice The invariants of the running protocol (INV-1 to INV-7 of docs/spec.md, each for every market, and the
///         cross-market INV-16 and INV-17) over a handler that drives two markets of one engine, a power perpetual
///         and an everlasting call. INV-3, INV-6, INV-15, INV-16, INV-17 and INV-19 are checked by the handler after
///         every action (a violation reverts the handler call, which fails the run under `failOnRevert`); the
///         functions below restate them from the ghost state.
abstract contract InvariantBase is Test {
    /// @notice Carries the outcome of a state-free liquidation probe out of the reverted frame.
    error ProbeOutcome(bool success, bytes revertData, uint256 debtRepaid, uint256 collateralPaid);
    /// @notice INV-7: the hermit took out more than it deposited plus its settlement allowance.
    error HermitProfit(uint256 out, uint256 deposited, uint256 allowance);

    EvergammaHandlerBase internal handler;
    Evergamma internal engine;
    EvergammaLens internal lens;
    MarketToken[] internal tokens;
    /// @dev Each market's dust floor (wei).
    uint256[] internal minCollateral;
    uint32 internal marketCount;
    address[] internal actors;
    address internal constant PROBE = address(uint160(uint256(keccak256("evergamma.probe"))));

    function setUp() public virtual {
        useHandler(new EvergammaHandler());
    }

    function useHandler(EvergammaHandlerBase handler_) internal {
        handler = handler_;
        engine = handler.engine();
        lens = handler.lens();
        actors = handler.actorList();
        marketCount = handler.marketCount();
        MarketHandles[] memory markets = handler.marketList();
        for (uint256 i = 0; i < markets.length; i++) {
            tokens.push(markets[i].token);
            minCollateral.push(markets[i].params.minCollateralWei);
        }
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors());
    }

    /// @notice The handler actions this suite draws from.
    function selectors() internal view virtual returns (bytes4[] memory s);

    function runningSelectors() internal pure returns (bytes4[] memory s) {
        s = new bytes4[](21);
        s[0] = EvergammaHandlerBase.openVault.selector;
        s[1] = EvergammaHandlerBase.deposit.selector;
        s[2] = EvergammaHandlerBase.withdraw.selector;
        s[3] = EvergammaHandlerBase.mint.selector;
        s[4] = EvergammaHandlerBase.mint.selector; // twice as likely: the main way vaults and tokens appear
        s[5] = EvergammaHandlerBase.burn.selector;
        s[6] = EvergammaHandlerBase.setOperator.selector;
        s[7] = EvergammaHandlerBase.transferVault.selector;
        s[8] = EvergammaHandlerBase.transferTokens.selector;
        s[9] = EvergammaHandlerBase.liquidate.selector;
        s[10] = EvergammaHandlerBase.applyFunding.selector;
        s[11] = EvergammaHandlerBase.moveEthPrice.selector;
        s[12] = EvergammaHandlerBase.movePowerPrice.selector;
        s[13] = EvergammaHandlerBase.syncPowerPrice.selector;
        s[14] = EvergammaHandlerBase.warp.selector;
        s[15] = EvergammaHandlerBase.setFee.selector;
        s[16] = EvergammaHandlerBase.collectFees.selector;
        s[17] = EvergammaHandlerBase.pause.selector;
        s[18] = EvergammaHandlerBase.unpause.selector;
        s[19] = EvergammaHandlerBase.shock.selector;
        s[20] = EvergammaHandlerBase.crash.selector;
    }

    /* SHARED CHECKS */

    function vaultId(uint32 m, uint256 serial) internal pure returns (uint256) {
        return VaultIdLib.toVaultId(m, serial);
    }

    function sumCollateralAndDebt(uint32 m) internal view returns (uint256 collateral, uint256 debt) {
        uint256 count = lens.vaultCount(m);
        for (uint256 serial = 1; serial <= count; serial++) {
            (, , uint256 c, uint256 d) = lens.getVault(vaultId(m, serial));
            collateral += c;
            debt += d;
        }
    }

    /// @dev INV-1, per market: the ETH the handler saw enter market m minus what it saw leave (its ledger) equals
    ///      the market's vault collateral plus its uncollected fees while the market is not shut down (at least
    ///      that after shutdown), and the engine's balance is exactly the sum of the markets' ledgers.
    function checkSolvency() internal view {
        uint256 ledgers;
        for (uint32 m = 0; m < marketCount; m++) {
            uint256 ledger = handler.ghostEthIn(m) - handler.ghostEthOut(m);
            ledgers += ledger;
            if (lens.isShutDown(m)) continue;
            (uint256 collateral, ) = sumCollateralAndDebt(m);
            assertEq(ledger, collateral + lens.accruedFees(m), "INV-1: market ledger != collateral + fees");
            assertGe(
                address(engine).balance,
                collateral + lens.accruedFees(m),
                "INV-1: balance < collateral + fees"
            );
        }
        assertEq(address(engine).balance, ledgers, "INV-1: ETH ledger != balance");
    }

    /// @dev INV-17: the engine's ETH balance covers every market's claims at once (see the handler's
    ///      `marketClaims`: collateral plus fees, or what is owed at settlement once settled).
    function checkAllMarketsCovered() internal view {
        uint256 owed;
        for (uint32 m = 0; m < marketCount; m++) owed += handler.marketClaims(m);
        assertGe(address(engine).balance, owed, "INV-17: balance < sum of every market's claims");
    }

    /// @dev INV-2, per market: the token supply equals the sum of the market's vault debts, and every token is
    ///      held by an actor.
    function checkSupply() internal view {
        for (uint32 m = 0; m < marketCount; m++) {
            if (!lens.isShutDown(m)) checkSupply(m);
        }
    }

    function checkSupply(uint32 m) internal view {
        (, uint256 debt) = sumCollateralAndDebt(m);
        uint256 supply = tokens[m].totalSupply();
        assertEq(supply, debt, "INV-2: supply != sum of debts");
        uint256 held;
        for (uint256 i = 0; i < actors.length; i++) held += tokens[m].balanceOf(actors[i]);
        assertEq(held, supply, "INV-2: tokens outside the actors");
    }

    /// @dev INV-5: every vault's collateral and debt equal the handler's ghost, which changes a vault only through
    ///      an action the model authorised (owner/operator withdraw, mint, burn; anyone's deposit; liquidation).
    function checkGhostVaults() internal view {
        for (uint32 m = 0; m < marketCount; m++) {
            uint256 count = lens.vaultCount(m);
            for (uint256 serial = 1; serial <= count; serial++) {
                uint256 id = vaultId(m, serial);
                (, , uint256 c, uint256 d) = lens.getVault(id);
                assertEq(c, handler.ghostCollateral(id), "INV-5: collateral changed outside the model");
                assertEq(d, handler.ghostDebt(id), "INV-5: debt changed outside the model");
            }
        }
    }

    /// @dev INV-7: the hermit (never receives tokens, vaults or operator rights, never liquidates, in any market)
    ///      cannot take out more ETH than it put in while the markets run, and its ETH ledger is exact. After a
    ///      market's shutdown it may receive up to its settlement allowance more (its own vaults' shortfall, which
    ///      all longs bear pro rata, and the settlement value of tokens it kept when others liquidated its vault),
    ///      and no more.
    function checkHermit() internal view {
        address h = handler.hermit();
        uint256 deposited = handler.ghostDeposited(h);
        uint256 out =
            handler.ghostWithdrawn(h) + handler.ghostRedeemed(h) + handler.ghostLiquidationProceeds(h);
        uint256 allowance = handler.hermitSettlementAllowance();
        if (out > deposited + allowance) revert HermitProfit(out, deposited, allowance);
        uint256 held;
        for (uint32 m = 0; m < marketCount; m++) {
            uint256 count = lens.vaultCount(m);
            for (uint256 serial = 1; serial <= count; serial++) {
                (address owner, , uint256 c, ) = lens.getVault(vaultId(m, serial));
                if (owner == h) held += c;
            }
        }
        assertEq(
            deposited,
            handler.ghostWithdrawn(h) + handler.hermitCollateralTaken() + held,
            "INV-7: hermit ledger"
        );
    }

    /// @dev INV-6 restated, per market: the handler saw every change of NF (its record equals the engine's) and
    ///      NF > 0.
    function checkFunding() internal view {
        for (uint32 m = 0; m < marketCount; m++) {
            uint256 factor = lens.normalizationFactor(m);
            assertGt(factor, 0, "INV-6: NF is zero");
            assertEq(
                factor,
                handler.lastNormalizationFactor(m),
                "INV-6: NF changed outside the handler's view"
            );
            assertEq(lens.lastFundingUpdate(m), handler.lastFundingUpdate(m), "INV-6: update stamp");
        }
    }

    /// @dev INV-4, per market: every liquidatable vault (below the liquidation ratio: the minimum ratio of a power
    ///      market, minimum / 1.2 of an option market) can be liquidated by a holder of enough tokens offering
    ///      type(uint256).max; `isVaultSafe` and `previewLiquidation` agree with the model. Probed without changing state: the probe runs in a call that always reverts with
    ///      its outcome.
    function checkUnsafeVaultsLiquidatable() internal {
        for (uint32 m = 0; m < marketCount; m++) checkUnsafeVaultsLiquidatable(m);
    }

    function checkUnsafeVaultsLiquidatable(uint32 m) internal {
        // Liquidations stop while paused and for the grace period after an unpause (by design, M-1).
        if (lens.isPaused(m) || lens.isShutDown(m)) return;
        if (block.timestamp < lens.liquidationsOpenAt(m)) return;
        uint256 count = lens.vaultCount(m);
        uint256 perToken = lens.debtValuePerToken(m);
        for (uint256 serial = 1; serial <= count; serial++) {
            uint256 id = vaultId(m, serial);
            (, , uint256 c, uint256 d) = lens.getVault(id);
            // The model's rule: healthy at the minimum ratio, liquidatable below the liquidation ratio (the same
            // for a power market, minimum / 1.2 for an option).
            (bool safe, bool liquidatable) = handler.healthOf(m, c, d, perToken);
            assertEq(safe ? 1 : 0, lens.isVaultSafe(id) ? 1 : 0, "INV-4: isVaultSafe disagrees");
            (bool previewed, , ) = lens.previewLiquidation(id);
            assertEq(liquidatable ? 1 : 0, previewed ? 1 : 0, "INV-4: previewLiquidation disagrees");
            if (!liquidatable) continue;
            try this.probeLiquidation(m, id) {
                revert("probe returned");
            } catch (bytes memory outcome) {
                if (bytes4(outcome) != ProbeOutcome.selector) {
                    assembly {
                        revert(add(outcome, 0x20), mload(outcome))
                    }
                }
                (bool success, bytes memory err, uint256 repaid, ) = abi.decode(
                    _tail(outcome),
                    (bool, bytes, uint256, uint256)
                );
                if (!success) {
                    assembly {
                        revert(add(err, 0x20), mload(err))
                    }
                }
                assertGt(repaid, 0, "INV-4: liquidation repaid nothing");
            }
        }
    }

    /// @notice Gathers every token of market `m` in one probe account, liquidates `id` with an unlimited offer,
    ///         checks the result and reverts with it (so nothing persists).
    function probeLiquidation(uint32 m, uint256 id) external {
        require(msg.sender == address(this), "probe: self only");
        MarketToken token = tokens[m];
        for (uint256 i = 0; i < actors.length; i++) {
            uint256 balance = token.balanceOf(actors[i]);
            if (balance == 0) continue;
            vm.prank(actors[i]);
            token.transfer(PROBE, balance);
        }
        (, , uint256 collateral, uint256 debt) = lens.getVault(id);
        vm.prank(PROBE);
        try engine.liquidate(id, type(uint256).max) returns (uint256 repaid, uint256 paid) {
            (, , uint256 c, uint256 d) = lens.getVault(id);
            assertEq(c, collateral - paid, "INV-4: collateral after liquidation");
            assertEq(d, debt - repaid, "INV-4: debt after liquidation");
            assertTrue(d == 0 || c == 0 || c >= minCollateral[m], "INV-4: liquidation left dust");
            revert ProbeOutcome(true, "", repaid, paid);
        } catch (bytes memory err) {
            revert ProbeOutcome(false, err, 0, 0);
        }
    }

    function _tail(bytes memory data) private pure returns (bytes memory tail) {
        tail = new bytes(data.length - 4);
        for (uint256 i = 0; i < tail.length; i++) tail[i] = data[i + 4];
    }

    /// @dev Keeps FPML referenced for derived suites' tolerance helpers.
    function _mulDiv(uint256 a, uint256 b, uint256 c) internal pure returns (uint256) {
        return FPML.fullMulDiv(a, b, c);
    }
}

/// @title EvergammaInvariants
/// @notice The running protocol: users, keepers, owner, prices and time on two markets, no shutdown.
contract EvergammaInvariants is InvariantBase {
    function selectors() internal pure override returns (bytes4[] memory) {
        return runningSelectors();
    }

    function invariant_INV1_balanceCoversCollateralAndFees() external view {
        checkSolvency();
    }

    function invariant_INV2_supplyEqualsDebts() external view {
        checkSupply();
    }

    function invariant_INV4_unsafeVaultsAreLiquidatable() external {
        checkUnsafeVaultsLiquidatable();
    }

    function invariant_INV5_vaultsChangeOnlyThroughAuthorisedActions() external view {
        checkGhostVaults();
    }

    function invariant_INV6_fundingSeenAndPositive() external view {
        checkFunding();
    }

    function invariant_INV7_hermitCannotProfit() external view {
        checkHermit();
    }

    /// @dev INV-16 (cross-market isolation) is asserted by the handler after every call (`_checkIsolation`),
    ///      where the state of the other markets before the call is known.
    function invariant_INV17_balanceCoversEveryMarket() external view {
        checkAllMarketsCovered();
    }
}
