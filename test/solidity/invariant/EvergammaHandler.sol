// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {ERC721} from "solady/src/tokens/ERC721.sol";

import {Evergamma} from "../../../contracts/core/Evergamma.sol";
import {IEvergammaErrors} from "../../../contracts/interfaces/IEvergammaErrors.sol";
import {EvergammaLens} from "../../../contracts/periphery/EvergammaLens.sol";
import {MarketToken} from "../../../contracts/tokens/MarketToken.sol";
import {MarketParams, ProductKind} from "../../../contracts/types/MarketConfig.sol";
import {VaultIdLib} from "../../../contracts/types/VaultId.sol";
import {
    LiquidationInput,
    LiquidationMath,
    LiquidationResult
} from "../../../contracts/libraries/LiquidationMath.sol";
import {OptionFundingMath} from "../../../contracts/libraries/OptionFundingMath.sol";
import {PowerPerpMath} from "../../../contracts/libraries/PowerPerpMath.sol";
import {Product} from "../../../contracts/libraries/Product.sol";
import {VaultMath} from "../../../contracts/libraries/VaultMath.sol";
import {EverlastingOptionPricer} from "../../../contracts/pricing/EverlastingOptionPricer.sol";
import {MockUniswapV3Pool} from "../../../contracts/mocks/MockUniswapV3Pool.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";
import {EvergammaFixture, MarketHandles, MarketSpec, Protocol} from "./EvergammaFixture.sol";

/// @title EvergammaHandlerBase
/// @notice Drives two Evergamma markets of one engine at once, a power perpetual and an everlasting option (ETH²,
///         market 0, and an ETH 3500 call, market 1, created with `createMarket` on the same engine and sharing the
///         ETH pool; the call's pool is seeded at the engine's pricer's fair value for 80% volatility at ETH = 3000),
///         through random sequences of user, keeper, owner and market actions on behalf of a few actors; every
///         action picks its market from its first argument. It checks every outcome against an exact model of the
///         engine, product-aware: the debt value of one token is the engine's own rule (the lens's
///         `debtValuePerToken`: NF * S / scale for ETH², the pricer's `optionDebtValuePerToken` for the call); a
///         vault mints and withdraws only at the minimum ratio and is liquidatable below the liquidation ratio (the
///         minimum for a power market, minimum / 1.2 for an option); settlement pays NF * S^(n-1) / scale or
///         NF * payoff(S) / S ETH per token (`Product.valuePerTokenWad`):
///         - before each call it predicts the outcome (success, or the one custom error the engine must revert
///           with, in the engine's own check order); any other outcome fails the run (`UnexpectedOutcome`), so a
///           revert is never silently accepted and a success never hides a missing check;
///         - after each success it checks the amounts moved (ETH, tokens, vault state) against the prediction and
///           updates the ghost state (per-vault collateral and debt, per-actor ETH in and out, per-market ETH in
///           and out);
///         - after every action it checks, for every market, the funding rules (INV-6; for the option market its band
///           bound, the option rule's exact value at the block's prices and path independence, INV-19) and bad debt
///           (INV-15); that no other market changed (INV-16); that the engine's balance covers every market's claims
///           (INV-17); and, after every mint, burn and withdraw, the health of the acting vault by an independent
///           valuation (INV-3).
///         Global invariants (INV-1, 2, 4, 5, 7, 8) are asserted by the test contracts from the ghost state.
/// @dev The handler deploys the engine itself (it owns it and controls the mock pools). Actor 0 is the "hermit"
///      of INV-7: it never receives tokens, vaults or operator rights, never liquidates, never transfers its vaults
///      and nobody else deposits into them (in any market).
/// @dev Abstract because the invariant runner only fuzzes contracts whose artifact it knows, and Hardhat emits
///      artifacts for contracts defined in test root files: each suite defines `contract X is
///      EvergammaHandlerBase {}` in its own `.t.sol` file.
abstract contract EvergammaHandlerBase is EvergammaFixture {
    using VaultIdLib for uint256;

    /* ERRORS */

    /// @notice The engine did something the model did not predict. `expected` is 0 for success; `actual`
    ///         is the revert data, or `SUCCEEDED` when the call unexpectedly succeeded.
    error UnexpectedOutcome(string action, bytes4 expected, bytes actual);
    /// @notice An invariant or a checked amount failed. `id` names the invariant (see docs/spec.md).
    error Violated(string id, string what, uint256 left, uint256 right);

    bytes internal constant SUCCEEDED = "SUCCEEDED";

    /* CONFIGURATION */

    uint256 internal constant ACTOR_COUNT = 4;
    uint32 internal constant MARKET_COUNT = 2;
    /// @dev The option market's id (market 0 is ETH²).
    uint32 internal constant OPTION_MARKET = 1;
    uint256 internal constant MAX_VAULTS = 24;
    /// @dev ETH/USD at deployment (WAD) and the call's strike K (USD, WAD).
    uint256 internal constant START_ETH_PRICE_WAD = 3000e18;
    uint256 internal constant CALL_STRIKE_WAD = 3500e18;
    /// @dev An option market's liquidation buffer (docs/spec.md, "Option markets"): liquidatable below
    ///      minimum ratio / (1 + buffer), 125% for 150% (WAD).
    uint256 internal constant OPTION_LIQUIDATION_BUFFER_WAD = 0.2e18;
    /// @dev INV-6 / INV-19 tolerance on ln(NF' / NF) beyond the bound (WAD, 1e-12), plus 2 wei of NF.
    uint256 internal constant FUNDING_TOLERANCE_WAD = 1e6;
    /// @dev INV-19 path independence: two updates against one, relative (WAD, 1e-12) plus wei of NF (each update
    ///      floors NF once).
    uint256 internal constant PATH_TOLERANCE_WAD = 1e6;
    uint256 internal constant PATH_TOLERANCE_WEI = 4;
    /// @dev Logical ETH ticks (higher = more USD per ETH) kept within about [55, 1e6] USD.
    int256 internal constant ETH_TICK_DOWN = 40_000;
    int256 internal constant ETH_TICK_UP = 58_000;

    /* WIRING */

    Protocol internal p;
    Evergamma public immutable engine;
    EvergammaLens public immutable lens;
    /// @dev The engine's option pricer (`optionPricer()`), the model's source of the option rules.
    EverlastingOptionPricer public immutable pricer;
    /// @dev Market 0 (ETH², the protocol's default) and market 1 (the ETH 3500 call), both on `p.ethPool`.
    MarketHandles[] internal markets;
    /// @dev The market the current action drives (set by `_use`).
    uint32 internal cm;
    address public immutable feeRecipient = address(uint160(uint256(keccak256("evergamma.feeRecipient"))));
    /// @dev The owner moves the fees between two recipients, in every state (L-3).
    address public immutable otherFeeRecipient = address(
        uint160(uint256(keccak256("evergamma.otherFeeRecipient")))
    );
    address[] internal actors;
    int256 internal ethTickStart;
    uint256 public immutable deployedAt;

    /* GHOST STATE */

    mapping(uint256 vaultId => uint256) public ghostCollateral;
    mapping(uint256 vaultId => uint256) public ghostDebt;
    mapping(address actor => uint256) public ghostDeposited;
    mapping(address actor => uint256) public ghostWithdrawn;
    mapping(address actor => uint256) public ghostLiquidationProceeds;
    mapping(address actor => uint256) public ghostRedeemed;
    /// @dev ETH that left the hermit's vaults other than by its own withdrawals: fees and liquidations.
    uint256 public hermitCollateralTaken;
    /// @dev INV-7 after shutdown: the hermit's vaults' settlement shortfall plus the settlement value of the tokens
    ///      it holds beyond its debt (see `_recordHermitAllowance`).
    uint256 public hermitSettlementAllowance;
    mapping(uint32 marketId => uint256) public ghostEthIn;
    mapping(uint32 marketId => uint256) public ghostEthOut;
    uint256 public ghostFeesCollected;
    /// @dev Campaign reach: liquidations that left bad debt, settlements with a shortfall (pro-rata longs).
    uint256 public badDebtLiquidations;
    uint256 public settlementsWithShortfall;

    mapping(uint32 marketId => uint256) public lastNormalizationFactor;
    mapping(uint32 marketId => uint256) public lastFundingUpdate;
    mapping(uint32 marketId => uint256) public lastFactorChangeAt;
    uint256 public fundingUpdates;

    mapping(uint32 marketId => uint256) internal pausedAt;
    /// @dev NF as checkpointed by the last pause: it stays frozen while paused and through a shutdown from a pause.
    mapping(uint32 marketId => uint256) internal frozenFactor;
    /// @dev The end of the last unpause's grace period: liquidations revert before it (M-1).
    mapping(uint32 marketId => uint256) public liquidationsOpenAt;

    mapping(uint32 marketId => bool) public shutDown;
    mapping(uint32 marketId => uint256) public balanceAtShutdown;
    mapping(uint32 marketId => uint256) public feesAtShutdown;
    mapping(uint32 marketId => uint256) public supplyAtShutdown;
    mapping(uint32 marketId => uint256) public redemptionsPaid;
    mapping(uint32 marketId => uint256) public feesCollectedAfterShutdown;
    uint256 public longRedemptions;
    mapping(uint32 marketId => bool) public settlementChecked;

    mapping(bytes32 action => uint256) public calls;
    mapping(bytes32 action => uint256) public successes;
    /// @dev Successes per market (campaign reach: how often the option market's paths run).
    mapping(uint32 marketId => mapping(bytes32 action => uint256)) public marketSuccesses;
    /// @dev INV-19 checks run (option NF changes) and path-independence comparisons among them.
    uint256 public optionFundingChecks;
    uint256 public optionPathChecks;
    /// @dev Expected reverts by keccak256(abi.encodePacked(action, selector)), to see what the campaign reaches.
    mapping(bytes32 actionAndError => uint256) public expectedReverts;

    constructor() {
        vm.warp(START_TIME);
        vm.roll(START_BLOCK);
        MarketSpec[] memory specs = new MarketSpec[](MARKET_COUNT);
        MarketParams memory eth2 = defaultMarketParams();
        MarketParams memory call = optionMarketParams(true, CALL_STRIKE_WAD);
        EverlastingOptionPricer optionPricer = new EverlastingOptionPricer();
        specs[0] = MarketSpec(
            eth2,
            "Evergamma Squared ETH",
            "eSQTH",
            fairTokenPriceWad(eth2, START_ETH_PRICE_WAD, WAD),
            POOL_CARDINALITY
        );
        specs[OPTION_MARKET] = MarketSpec(
            call,
            "Evergamma ETH 3500 Call",
            "eC3500",
            fairTokenPriceWad(optionPricer, call, START_ETH_PRICE_WAD, WAD),
            POOL_CARDINALITY
        );
        MarketHandles[] memory deployed;
        (p, deployed) = deployMarkets(
            specs,
            START_ETH_PRICE_WAD,
            POOL_CARDINALITY,
            TWAP_PERIOD,
            optionPricer
        );
        engine = p.engine;
        lens = p.lens;
        pricer = optionPricer;
        for (uint256 i = 0; i < deployed.length; i++) markets.push(deployed[i]);
        deployedAt = vm.getBlockTimestamp() - TWAP_PERIOD;
        for (uint256 i = 0; i < ACTOR_COUNT; i++) {
            actors.push(address(uint160(uint256(keccak256(abi.encode("evergamma.actor", i))))));
        }
        (, int24 tick, , , , , ) = p.ethPool.slot0();
        ethTickStart = int256(tick) * p.ethTickSign;
        // A well-collateralised whale (the last actor) holds tokens of every market to liquidate with.
        address whale = actors[ACTOR_COUNT - 1];
        for (uint32 k = 0; k < MARKET_COUNT; k++) {
            cm = k;
            lastNormalizationFactor[cm] = lens.normalizationFactor(cm);
            lastFundingUpdate[cm] = lens.lastFundingUpdate(cm);
            vm.deal(whale, 1000 ether);
            vm.prank(whale);
            uint256 id = engine.mint{value: 1000 ether}(VaultIdLib.toVaultId(cm, 0), 1000e18);
            _recordDeposit(whale, id, 1000 ether);
            ghostDebt[id] = 1000e18;
            _checkFunding();
        }
        cm = 0;
    }

    /* VIEWS FOR THE TEST CONTRACTS */

    function protocol() external view returns (Protocol memory) {
        return p;
    }

    function actorList() external view returns (address[] memory) {
        return actors;
    }

    function marketList() external view returns (MarketHandles[] memory) {
        return markets;
    }

    function marketCount() external pure returns (uint32) {
        return MARKET_COUNT;
    }

    function hermit() public view returns (address) {
        return actors[0];
    }

    /* USER ACTIONS */

    function openVault(uint256 marketSeed, uint256 actorSeed) external {
        _use(marketSeed);
        _count("openVault");
        if (lens.vaultCount(cm) >= MAX_VAULTS) return;
        address actor = _actor(actorSeed);
        bytes4 expected = _statusError();
        uint256 expectedId = VaultIdLib.toVaultId(cm, lens.vaultCount(cm) + 1);
        vm.prank(actor);
        try engine.openVault(cm) returns (uint256 id) {
            _expect("openVault", expected, true, "");
            _eq("OPEN", "vault id", id, expectedId);
            _eq("OPEN", "owner", uint160(engine.ownerOf(id)), uint160(actor));
            _success("openVault");
        } catch (bytes memory err) {
            _expect("openVault", expected, false, err);
        }
        _after(0);
    }

    function deposit(uint256 marketSeed, uint256 actorSeed, uint256 vaultSeed, uint256 amountSeed) external {
        _use(marketSeed);
        _count("deposit");
        uint256 id = _pickVault(vaultSeed);
        address actor = _actor(actorSeed);
        // Nobody but the hermit deposits into the hermit's vaults, and the hermit into no one else's (INV-7).
        if (_ownerOrZero(id) == hermit()) actor = hermit();
        else if (actor == hermit()) actor = _nonHermit(actorSeed);
        uint256 amount = amountSeed % 8 == 0 ? 0 : bound(amountSeed, 1, 50 ether);
        bytes4 expected = amount == 0 ? IEvergammaErrors.ZeroAmount.selector : _statusError();
        if (expected == 0 && (id.serialOf() == 0 || id.serialOf() > lens.vaultCount(cm))) {
            expected = IEvergammaErrors.VaultNotFound.selector;
        }
        vm.deal(actor, actor.balance + amount);
        vm.prank(actor);
        try engine.deposit{value: amount}(id) {
            _expect("deposit", expected, true, "");
            _recordDeposit(actor, id, amount);
            _success("deposit");
        } catch (bytes memory err) {
            _expect("deposit", expected, false, err);
        }
        _after(id);
    }

    function withdraw(uint256 marketSeed, uint256 actorSeed, uint256 vaultSeed, uint256 amountSeed) external {
        _use(marketSeed);
        _count("withdraw");
        uint256 id = _pickVault(vaultSeed);
        address actor = _actorFor(id, actorSeed);
        uint256 collateral = ghostCollateral[id];
        uint256 amount = _withdrawAmount(id, collateral, ghostDebt[id], amountSeed);
        bytes4 expected = amount == 0 ? IEvergammaErrors.ZeroAmount.selector : _statusError();
        if (expected == 0) expected = _authError(id, actor);
        if (expected == 0 && amount > collateral) expected = IEvergammaErrors.InsufficientCollateral.selector;
        if (expected == 0) expected = _healthError(collateral - amount, ghostDebt[id]);
        uint256 balanceBefore = actor.balance;
        vm.prank(actor);
        try engine.withdraw(id, amount) {
            _expect("withdraw", expected, true, "");
            _eq("ETH", "withdrawn ETH received", actor.balance - balanceBefore, amount);
            ghostCollateral[id] = collateral - amount;
            ghostWithdrawn[actor] += amount;
            ghostEthOut[cm] += amount;
            _checkHealthyAfterAction(id);
            _success("withdraw");
        } catch (bytes memory err) {
            _expect("withdraw", expected, false, err);
        }
        _after(id);
    }

    struct MintPlan {
        uint256 id;
        address actor;
        bool isNew;
        uint256 value;
        uint256 collateral;
        uint256 debt;
        uint256 amount;
        bool atMax;
        uint256 fee;
        bytes4 expected;
        uint256 expectedId;
        uint256 feesBefore;
        uint256 tokensBefore;
    }

    function mint(
        uint256 marketSeed,
        uint256 actorSeed,
        uint256 vaultSeed,
        uint256 amountSeed,
        uint256 ethSeed
    ) external {
        _use(marketSeed);
        _count("mint");
        MintPlan memory m;
        bool room = lens.vaultCount(cm) < MAX_VAULTS;
        m.isNew = vaultSeed % 4 == 0 && room;
        m.id = m.isNew ? VaultIdLib.toVaultId(cm, 0) : _pickVault(vaultSeed);
        if (m.id.serialOf() == 0) m.isNew = room;
        if (!m.isNew && m.id.serialOf() == 0) return;
        m.actor = m.isNew ? _actor(actorSeed) : _actorFor(m.id, actorSeed);
        m.value = _ethAmount(ethSeed, m.isNew);
        m.collateral = (m.isNew ? 0 : ghostCollateral[m.id]) + m.value;
        m.debt = m.isNew ? 0 : ghostDebt[m.id];
        (m.amount, m.atMax) = _mintAmount(m.collateral, m.debt, amountSeed);
        _predictMint(m);
        _executeMint(m);
    }

    function _predictMint(MintPlan memory m) internal view {
        m.expected = m.amount == 0 ? IEvergammaErrors.ZeroAmount.selector : _statusError();
        if (m.expected == 0 && !m.isNew) m.expected = _authError(m.id, m.actor);
        if (m.expected == 0) {
            m.fee = _mintFee(m.amount);
            if (m.fee > m.collateral) m.expected = IEvergammaErrors.InsufficientCollateral.selector;
        }
        if (m.expected == 0) m.expected = _healthError(m.collateral - m.fee, m.debt + m.amount);
        if (
            m.expected == 0 &&
            (m.collateral - m.fee > type(uint96).max || m.debt + m.amount > type(uint128).max)
        ) {
            m.expected = IEvergammaErrors.AmountOverflow.selector;
        }
        // Liveness of the view: minting exactly the maximum (no fee) from a vault above the floor succeeds (unless
        // the debt would pass 128 bits, INV-14: an option's NF can decay far enough for that).
        if (m.atMax && m.fee == 0 && m.collateral >= _params().minCollateralWei && _statusError() == 0) {
            if (
                m.expected != 0 &&
                m.expected != IEvergammaErrors.NotVaultOwnerOrOperator.selector &&
                m.expected != IEvergammaErrors.VaultNotFound.selector &&
                m.expected != IEvergammaErrors.AmountOverflow.selector
            ) {
                revert Violated("INV-3", "minting the maximum is rejected", m.amount, uint32(m.expected));
            }
        }
        m.expectedId = m.isNew ? VaultIdLib.toVaultId(cm, lens.vaultCount(cm) + 1) : m.id;
        m.feesBefore = lens.accruedFees(cm);
        m.tokensBefore = _token().balanceOf(m.actor);
    }

    function _executeMint(MintPlan memory m) internal {
        vm.deal(m.actor, m.actor.balance + m.value);
        vm.prank(m.actor);
        try engine.mint{value: m.value}(m.id, m.amount) returns (uint256 usedId) {
            _expect("mint", m.expected, true, "");
            _eq("MINT", "vault id", usedId, m.expectedId);
            _eq("MINT", "fee charged", lens.accruedFees(cm) - m.feesBefore, m.fee);
            _eq("MINT", "tokens minted", _token().balanceOf(m.actor) - m.tokensBefore, m.amount);
            if (m.isNew) _eq("MINT", "new owner", uint160(engine.ownerOf(usedId)), uint160(m.actor));
            ghostCollateral[usedId] = m.collateral - m.fee;
            ghostDebt[usedId] = m.debt + m.amount;
            ghostDeposited[m.actor] += m.value;
            ghostEthIn[cm] += m.value;
            if (m.actor == hermit()) hermitCollateralTaken += m.fee;
            _checkHealthyAfterAction(usedId);
            _success("mint");
            m.id = usedId;
        } catch (bytes memory err) {
            _expect("mint", m.expected, false, err);
        }
        _after(m.id);
    }

    function burn(
        uint256 marketSeed,
        uint256 actorSeed,
        uint256 vaultSeed,
        uint256 amountSeed,
        uint256 withdrawSeed
    ) external {
        _use(marketSeed);
        _count("burn");
        uint256 id = _pickVault(vaultSeed);
        address actor = _actorFor(id, actorSeed);
        uint256 collateral = ghostCollateral[id];
        uint256 debt = ghostDebt[id];
        uint256 balance = _token().balanceOf(actor);
        uint256 amount = _burnAmount(debt, balance, amountSeed);
        uint256 withdrawAmount =
            amount <= debt ? _withdrawAmount(id, collateral, debt - amount, withdrawSeed) : withdrawSeed % 2;
        if (withdrawSeed % 5 == 0 && amount == debt) withdrawAmount = collateral; // close the vault

        bytes4 expected =
            amount == 0 && withdrawAmount == 0 ? IEvergammaErrors.ZeroAmount.selector : _statusError();
        if (expected == 0) expected = _authError(id, actor);
        if (expected == 0 && amount > debt) expected = IEvergammaErrors.BurnExceedsDebt.selector;
        if (expected == 0 && withdrawAmount > collateral) {
            expected = IEvergammaErrors.InsufficientCollateral.selector;
        }
        if (expected == 0) expected = _healthError(collateral - withdrawAmount, debt - amount);
        if (expected == 0 && amount > balance) expected = IERC20Errors.ERC20InsufficientBalance.selector;
        // INV-9: full repayment with enough tokens always succeeds while the protocol runs.
        if (amount == debt && withdrawAmount == collateral && amount <= balance && _statusError() == 0) {
            if (expected != 0 && expected != IEvergammaErrors.NotVaultOwnerOrOperator.selector) {
                if (
                    !(amount == 0 && withdrawAmount == 0) &&
                    id.serialOf() != 0 &&
                    id.serialOf() <= lens.vaultCount(cm)
                ) {
                    revert Violated("INV-9", "closing a vault is rejected", id, uint32(expected));
                }
            }
        }
        uint256 ethBefore = actor.balance;
        vm.prank(actor);
        try engine.burn(id, amount, withdrawAmount) {
            _expect("burn", expected, true, "");
            _eq("BURN", "tokens burned", balance - _token().balanceOf(actor), amount);
            _eq("BURN", "ETH received", actor.balance - ethBefore, withdrawAmount);
            ghostDebt[id] = debt - amount;
            ghostCollateral[id] = collateral - withdrawAmount;
            ghostWithdrawn[actor] += withdrawAmount;
            ghostEthOut[cm] += withdrawAmount;
            _checkHealthyAfterAction(id);
            _success("burn");
        } catch (bytes memory err) {
            _expect("burn", expected, false, err);
        }
        _after(id);
    }

    function setOperator(
        uint256 marketSeed,
        uint256 callerSeed,
        uint256 vaultSeed,
        uint256 operatorSeed
    ) external {
        _use(marketSeed);
        _count("setOperator");
        uint256 id = _pickVault(vaultSeed);
        address owner = _ownerOrZero(id);
        // The hermit neither grants operator rights nor receives them (INV-7).
        if (owner == hermit()) return;
        address caller = callerSeed % 3 == 0 ? _actor(callerSeed / 3) : owner;
        if (caller == address(0)) caller = _actor(callerSeed);
        address operator = operatorSeed % 4 == 0 ? address(0) : _nonHermit(operatorSeed / 4);
        // Revoking works in every state (I-1); granting only while the protocol runs.
        bytes4 expected = operator == address(0) ? bytes4(0) : _statusError();
        if (expected == 0 && owner == address(0)) expected = IEvergammaErrors.VaultNotFound.selector;
        if (expected == 0 && caller != owner) expected = IEvergammaErrors.NotVaultOwner.selector;
        vm.prank(caller);
        try engine.setOperator(id, operator) {
            _expect("setOperator", expected, true, "");
            (, address stored, , ) = lens.getVault(id);
            _eq("OPERATOR", "operator stored", uint160(stored), uint160(operator));
            _success("setOperator");
        } catch (bytes memory err) {
            _expect("setOperator", expected, false, err);
        }
        _after(id);
    }

    function transferVault(
        uint256 marketSeed,
        uint256 senderSeed,
        uint256 vaultSeed,
        uint256 toSeed,
        bool safe
    ) external {
        _use(marketSeed);
        _count("transferVault");
        uint256 id = _pickVault(vaultSeed);
        address owner = _ownerOrZero(id);
        if (owner == address(0) || owner == hermit()) return;
        address sender = senderSeed % 4 == 0 ? _actor(senderSeed / 4) : owner;
        address to = _nonHermit(toSeed);
        if (to == owner) to = _nonHermit((toSeed % ACTOR_COUNT) + 1);
        bytes4 expected = sender == owner ? bytes4(0) : ERC721.NotOwnerNorApproved.selector;
        vm.prank(sender);
        bool ok;
        bytes memory err;
        if (safe) {
            try engine.safeTransferFrom(owner, to, id) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        } else {
            try engine.transferFrom(owner, to, id) {
                ok = true;
            } catch (bytes memory e) {
                err = e;
            }
        }
        _expect("transferVault", expected, ok, err);
        if (ok) {
            (address newOwner, address operator, , ) = lens.getVault(id);
            _eq("TRANSFER", "new owner", uint160(newOwner), uint160(to));
            _eq("TRANSFER", "operator cleared", uint160(operator), 0);
            _success("transferVault");
        }
        _after(id);
    }

    function transferTokens(
        uint256 marketSeed,
        uint256 fromSeed,
        uint256 toSeed,
        uint256 amountSeed
    ) external {
        _use(marketSeed);
        _count("transferTokens");
        address from = _actor(fromSeed);
        address to = _nonHermit(toSeed);
        if (from == to) return;
        uint256 balance = _token().balanceOf(from);
        if (balance == 0) return;
        uint256 amount = amountSeed % 3 == 0 ? balance : bound(amountSeed, 1, balance);
        vm.prank(from);
        _token().transfer(to, amount);
        _success("transferTokens");
        _after(0);
    }

    /* KEEPER ACTIONS */

    /// @dev The value of one token of debt at index for INV-10 and the H-1 flag: the health rule's value for a power
    ///      market, the claim NF * payoff(S) / S (rounded up) for an option (`Product.insolventAtIndex`).
    function _indexValuePerToken(
        MarketParams memory params,
        uint256 healthPerToken
    ) internal view returns (uint256) {
        if (params.kind == ProductKind.Power) return healthPerToken;
        return
            Product.valuePerTokenWad(params, lens.expectedNormalizationFactor(cm), lens.ethPrice(cm), true);
    }

    function liquidate(
        uint256 marketSeed,
        uint256 liquidatorSeed,
        uint256 vaultSeed,
        uint256 maxDebtSeed
    ) external {
        _use(marketSeed);
        _count("liquidate");
        address liquidator = liquidatorSeed % 2 == 0 ? _richest() : _nonHermit(liquidatorSeed / 2);
        uint256 id = _pickUnsafeVault(vaultSeed);
        uint256 collateral = ghostCollateral[id];
        uint256 debt = ghostDebt[id];
        uint256 balance = _token().balanceOf(liquidator);
        uint256 maxDebt = _liquidationOffer(debt, balance, maxDebtSeed);

        LiquidationResult memory r;
        // The collateral is below the debt's value at index (for an option its claim NF * payoff / S: the engine's
        // flag, `Product.insolventAtIndex`, O-1).
        MarketParams memory params = _params();
        uint256 perToken = lens.debtValuePerToken(cm);
        uint256 indexPerToken = _indexValuePerToken(params, perToken);
        bool insolventAtIndex = debt != 0 && collateral < VaultMath.debtValue(debt, indexPerToken);
        bytes4 expected = _statusError();
        if (expected == 0 && vm.getBlockTimestamp() < liquidationsOpenAt[cm]) {
            expected = IEvergammaErrors.LiquidationGracePeriod.selector; // M-1: the grace after an unpause
        }
        if (expected == 0 && (id.serialOf() == 0 || id.serialOf() > lens.vaultCount(cm))) {
            expected = IEvergammaErrors.VaultNotFound.selector;
        }
        if (expected == 0 && !_liquidatableAt(collateral, debt, perToken)) {
            expected = IEvergammaErrors.VaultSafe.selector;
        }
        if (expected == 0) {
            r = LiquidationMath.compute(
                LiquidationInput(collateral, debt, maxDebt, insolventAtIndex),
                _payoutPrice(),
                params.liquidationBonusWad,
                params.minCollateralWei
            );
            if (r.leavesDust) expected = IEvergammaErrors.LiquidationLeavesDust.selector;
            else if (r.debtRepaid == 0) expected = IEvergammaErrors.ZeroAmount.selector;
            else if (r.debtRepaid > balance) expected = IERC20Errors.ERC20InsufficientBalance.selector;
        }
        uint256 ethBefore = liquidator.balance;
        vm.prank(liquidator);
        try engine.liquidate(id, maxDebt) returns (uint256 repaid, uint256 paid) {
            _expect("liquidate", expected, true, "");
            _eq("LIQ", "debt repaid", repaid, r.debtRepaid);
            _eq("LIQ", "collateral paid", paid, r.collateralPaid);
            _eq("LIQ", "tokens burned", balance - _token().balanceOf(liquidator), repaid);
            _eq("LIQ", "ETH received", liquidator.balance - ethBefore, paid);
            uint256 collateralLeft = collateral - paid;
            uint256 debtLeft = debt - repaid;
            if (debtLeft != 0 && collateralLeft != 0 && collateralLeft < params.minCollateralWei) {
                revert Violated("INV-4", "liquidation left a dust vault", collateralLeft, debtLeft);
            }
            // INV-10, over sequences: a vault solvent at index before a liquidation is solvent at index or
            // debt-free after it, so no number of liquidations by anyone turns it into bad debt (H-1).
            if (
                !insolventAtIndex &&
                debtLeft != 0 &&
                collateralLeft < VaultMath.debtValue(debtLeft, indexPerToken)
            ) {
                revert Violated(
                    "INV-10",
                    "a liquidation left a solvent vault insolvent",
                    collateral,
                    debtLeft
                );
            }
            if (debtLeft != 0 && collateralLeft == 0 && paid != 0) badDebtLiquidations++;
            ghostCollateral[id] = collateralLeft;
            ghostDebt[id] = debtLeft;
            ghostLiquidationProceeds[liquidator] += paid;
            ghostEthOut[cm] += paid;
            if (_ownerOrZero(id) == hermit()) hermitCollateralTaken += paid;
            _success("liquidate");
        } catch (bytes memory err) {
            _expect("liquidate", expected, false, err);
        }
        _after(id);
    }

    function applyFunding(uint256 marketSeed, uint256 actorSeed) external {
        _use(marketSeed);
        _count("applyFunding");
        bytes4 expected = _statusError();
        uint256 preview = lens.expectedNormalizationFactor(cm);
        vm.prank(_actor(actorSeed));
        try engine.applyFunding(cm) returns (uint256 factor) {
            _expect("applyFunding", expected, true, "");
            _eq("INV-6", "applied factor = previewed factor", factor, preview);
            _eq("INV-6", "returned factor stored", lens.normalizationFactor(cm), factor);
            _success("applyFunding");
        } catch (bytes memory err) {
            _expect("applyFunding", expected, false, err);
        }
        _after(0);
    }

    /* MARKET ACTIONS: PRICES AND TIME */

    /// @notice Moves the ETH/USD pool's tick by up to +-40% (a swap): the TWAP follows over 420 s.
    function moveEthPrice(uint256 marketSeed, uint256 deltaSeed) external {
        _use(marketSeed);
        _count("moveEthPrice");
        int256 delta = int256(bound(deltaSeed, 0, 8000)) - 4000;
        int256 logical = _logicalTick(p.ethPool, p.ethTickSign) + delta;
        if (logical < ethTickStart - ETH_TICK_DOWN) logical = ethTickStart - ETH_TICK_DOWN;
        if (logical > ethTickStart + ETH_TICK_UP) logical = ethTickStart + ETH_TICK_UP;
        p.ethPool.setTick(int24(logical * p.ethTickSign));
        _success("moveEthPrice");
        _after(0);
    }

    /// @notice A rally that hurts shorts: ETH up 10% to 65% (or the market's token up, half the time), then one to
    ///         three TWAP periods pass so that the oracle fully reflects it.
    function shock(uint256 marketSeed, uint256 seed) external {
        _use(marketSeed);
        _count("shock");
        int256 delta = int256(bound(seed, 1000, 5000));
        if (seed % 2 == 0) {
            int256 logical = _logicalTick(p.ethPool, p.ethTickSign) + delta;
            if (logical > ethTickStart + ETH_TICK_UP) logical = ethTickStart + ETH_TICK_UP;
            p.ethPool.setTick(int24(logical * p.ethTickSign));
        } else {
            _setTokenTick(_logicalTick(markets[cm].pool, markets[cm].tickSign) + delta);
        }
        vm.warp(vm.getBlockTimestamp() + bound(seed / 2, 420, 1260));
        vm.roll(vm.getBlockNumber() + 1);
        _success("shock");
        _after(0);
    }

    /// @notice A crash for shorts: ETH up 60% to 150% (vaults minted near 150% become insolvent at index), then one
    ///         to three TWAP periods pass. Reaches bad debt, partial liquidations of insolvent vaults and settlement
    ///         shortfalls.
    function crash(uint256 marketSeed, uint256 seed) external {
        _use(marketSeed);
        _count("crash");
        int256 logical = _logicalTick(p.ethPool, p.ethTickSign) + int256(bound(seed, 4700, 9200));
        if (logical > ethTickStart + ETH_TICK_UP) logical = ethTickStart + ETH_TICK_UP;
        p.ethPool.setTick(int24(logical * p.ethTickSign));
        // The market's token follows ETH (a premium between -10% and +20% over its fair price), as a market would.
        _setTokenTick(_fairTokenTick(logical) + int256(bound(seed / 9301, 0, 3000)) - 1000);
        vm.warp(vm.getBlockTimestamp() + bound(seed / 2, 420, 1260));
        vm.roll(vm.getBlockNumber() + 1);
        _success("crash");
        _after(0);
    }

    /// @notice Moves the market's token pool's tick by up to +-20%, kept within [-45%, +80%] of the fair price
    ///         (beyond both funding clamps of ETH², and across the call's band on payoff / mark).
    function movePowerPrice(uint256 marketSeed, uint256 deltaSeed) external {
        _use(marketSeed);
        _count("movePowerPrice");
        int256 delta = int256(bound(deltaSeed, 0, 4000)) - 2000;
        _setTokenTick(_logicalTick(markets[cm].pool, markets[cm].tickSign) + delta);
        _success("movePowerPrice");
        _after(0);
    }

    /// @notice Puts the market's token back near its fair price with a premium between -25% and +57%.
    function syncPowerPrice(uint256 marketSeed, uint256 premiumSeed) external {
        _use(marketSeed);
        _count("syncPowerPrice");
        int256 premium = int256(bound(premiumSeed, 0, 7500)) - 3000;
        _setTokenTick(_fairTokenTick() + premium);
        _success("syncPowerPrice");
        _after(0);
    }

    /// @notice Advances time (and the block): mostly a block or a few, sometimes a TWAP period, a day or a week.
    function warp(uint256 marketSeed, uint256 secondsSeed) external {
        _use(marketSeed);
        _count("warp");
        uint256 mode = secondsSeed % 8;
        uint256 dt;
        if (mode < 2) dt = 1;
        else if (mode < 4) dt = 12;
        else if (mode < 6) dt = bound(secondsSeed / 8, 1, 420);
        else if (mode == 6) dt = bound(secondsSeed / 8, 420, 1 days);
        else dt = bound(secondsSeed / 8, 1 days, 7 days);
        vm.warp(vm.getBlockTimestamp() + dt);
        vm.roll(vm.getBlockNumber() + 1);
        _success("warp");
        _after(0);
        // A keeper unpauses as soon as anyone may (the pause is a day old).
        if (lens.isPaused(cm) && vm.getBlockTimestamp() >= pausedAt[cm] + 1 days) unpause(cm, 1);
    }

    /* OWNER ACTIONS */

    /// @notice Sets the fee and moves it between two recipients: allowed in every state (L-3).
    function setFee(uint256 marketSeed, uint256 bpsSeed) external {
        _use(marketSeed);
        _count("setFee");
        uint256 bps = bound(bpsSeed, 0, 120);
        address recipient = (bpsSeed >> 128) % 2 == 0 ? feeRecipient : otherFeeRecipient;
        bytes4 expected = bps > 100 ? IEvergammaErrors.FeeTooHigh.selector : bytes4(0);
        try engine.setFee(cm, bps, recipient) {
            _expect("setFee", expected, true, "");
            _eq("FEE", "fee stored", lens.feeBps(cm), bps);
            _eq("FEE", "recipient stored", uint160(lens.feeRecipient(cm)), uint160(recipient));
            _success("setFee");
        } catch (bytes memory err) {
            _expect("setFee", expected, false, err);
        }
        _after(0);
    }

    function collectFees(uint256 marketSeed, uint256 callerSeed) public {
        _use(marketSeed);
        _count("collectFees");
        uint256 accrued = lens.accruedFees(cm);
        // In every state, paused and shut down included (L-3).
        bytes4 expected = accrued == 0 ? IEvergammaErrors.NoFeesToCollect.selector : bytes4(0);
        address recipient = lens.feeRecipient(cm);
        uint256 before = recipient.balance;
        vm.prank(_actor(callerSeed));
        try engine.collectFees(cm) returns (uint256 amount) {
            _expect("collectFees", expected, true, "");
            _eq("FEE", "fees collected", amount, accrued);
            _eq("FEE", "fees received", recipient.balance - before, accrued);
            ghostEthOut[cm] += amount;
            ghostFeesCollected += amount;
            if (shutDown[cm]) feesCollectedAfterShutdown[cm] += amount;
            _success("collectFees");
        } catch (bytes memory err) {
            _expect("collectFees", expected, false, err);
        }
        _after(0);
    }

    /// @notice Pauses one time in eight (a pause blocks nearly every action until someone unpauses).
    function pause(uint256 marketSeed, uint256 seed) external {
        _use(marketSeed);
        if (seed % 8 != 0) return;
        _count("pause");
        bytes4 expected = _activeError();
        if (expected == 0 && lens.pausesLeft(cm) == 0) expected = IEvergammaErrors.NoPausesLeft.selector;
        if (expected == 0 && vm.getBlockTimestamp() > deployedAt + 182 days) {
            expected = IEvergammaErrors.PauseWindowClosed.selector;
        }
        uint256 preview = lens.expectedNormalizationFactor(cm);
        try engine.pause(cm) {
            _expect("pause", expected, true, "");
            pausedAt[cm] = vm.getBlockTimestamp();
            // M-2: the pause applies funding first (a checkpoint), then NF stays frozen.
            _eq("PAUSE", "funding applied at the pause", lens.normalizationFactor(cm), preview);
            _eq("PAUSE", "checkpoint stamped now", lens.lastFundingUpdate(cm), pausedAt[cm]);
            frozenFactor[cm] = preview;
            _success("pause");
        } catch (bytes memory err) {
            _expect("pause", expected, false, err);
        }
        _after(0);
    }

    function unpause(uint256 marketSeed, uint256 callerSeed) public {
        _use(marketSeed);
        _count("unpause");
        address caller = callerSeed % 2 == 0 ? address(this) : _actor(callerSeed / 2);
        bytes4 expected;
        if (lens.isShutDown(cm)) expected = IEvergammaErrors.MarketShutDown.selector;
        else if (!lens.isPaused(cm)) expected = IEvergammaErrors.MarketNotPaused.selector;
        else if (caller != address(this) && vm.getBlockTimestamp() < pausedAt[cm] + 1 days) {
            expected = IEvergammaErrors.UnpauseTooEarly.selector;
        }
        vm.prank(caller);
        try engine.unpause(cm) {
            _expect("unpause", expected, true, "");
            // M-2: funding restarts now from the frozen NF; M-1: liquidations stay closed for an hour.
            _eq("UNPAUSE", "NF frozen across the pause", lens.normalizationFactor(cm), frozenFactor[cm]);
            _eq("UNPAUSE", "funding restarts now", lens.lastFundingUpdate(cm), vm.getBlockTimestamp());
            _eq(
                "UNPAUSE",
                "nothing accrued at the restart",
                lens.expectedNormalizationFactor(cm),
                frozenFactor[cm]
            );
            liquidationsOpenAt[cm] = vm.getBlockTimestamp() + 1 hours;
            _eq("UNPAUSE", "grace period", lens.liquidationsOpenAt(cm), liquidationsOpenAt[cm]);
            _success("unpause");
        } catch (bytes memory err) {
            _expect("unpause", expected, false, err);
        }
        _after(0);
    }

    /* SHUTDOWN ACTIONS (targeted by the shutdown suite only) */

    function shutdown(uint256 marketSeed) public {
        _use(marketSeed);
        _count("shutdown");
        bytes4 expected = lens.isShutDown(cm) ? IEvergammaErrors.MarketShutDown.selector : bytes4(0);
        // What the market holds: its vaults' collateral and its uncollected fees (INV-1 while it runs).
        (uint256 collateral, ) = marketTotals(cm);
        uint256 fees = lens.accruedFees(cm);
        uint256 balance = collateral + fees;
        uint256 supply = _token().totalSupply();
        bool wasPaused = lens.isPaused(cm);
        try engine.shutdown(cm) {
            _expect("shutdown", expected, true, "");
            // M-2: a shutdown from a pause charges no funding for the paused interval.
            if (wasPaused)
                _eq(
                    "SHUTDOWN",
                    "NF frozen through the pause",
                    lens.normalizationFactor(cm),
                    frozenFactor[cm]
                );
            shutDown[cm] = true;
            balanceAtShutdown[cm] = balance;
            feesAtShutdown[cm] = fees;
            supplyAtShutdown[cm] = supply;
            _success("shutdown");
        } catch (bytes memory err) {
            _expect("shutdown", expected, false, err);
        }
        _after(0);
    }

    function settleVaults(uint256 marketSeed, uint256 callerSeed, uint256 maxSeed) external {
        _use(marketSeed);
        _settleVaults(_actor(callerSeed), bound(maxSeed, 0, 8));
    }

    function _settleVaults(address caller, uint256 maxVaults) internal {
        _count("settleVaults");
        bytes4 expected =
            lens.isPaused(cm)
                ? IEvergammaErrors.MarketPaused.selector
                : lens.isShutDown(cm)
                    ? bytes4(0)
                    : IEvergammaErrors.MarketNotShutDown.selector;
        uint256 settledBefore = lens.settledVaults(cm);
        uint256 count = lens.vaultCount(cm);
        vm.prank(caller);
        try engine.settleVaults(cm, maxVaults) returns (bool complete) {
            _expect("settleVaults", expected, true, "");
            uint256 end = count - settledBefore > maxVaults ? settledBefore + maxVaults : count;
            _eq("SETTLE", "settled vaults", lens.settledVaults(cm), end);
            _eq("SETTLE", "complete", complete ? 1 : 0, end == count ? 1 : 0);
            if (complete && !settlementChecked[cm]) _checkSettlementSolvency();
            _success("settleVaults");
        } catch (bytes memory err) {
            _expect("settleVaults", expected, false, err);
        }
        _after(0);
    }

    function redeemLong(uint256 marketSeed, uint256 actorSeed, uint256 amountSeed) external {
        _use(marketSeed);
        address actor = _actor(actorSeed);
        uint256 balance = _token().balanceOf(actor);
        uint256 mode = amountSeed % 6;
        _redeemLong(
            actor,
            mode < 3
                ? balance
                : mode < 5
                    ? bound(amountSeed / 6, 0, balance)
                    : balance + 1
        );
    }

    function _redeemLong(address actor, uint256 amount) internal {
        _count("redeemLong");
        uint256 balance = _token().balanceOf(actor);
        bytes4 expected = amount == 0 ? IEvergammaErrors.ZeroAmount.selector : _settledError();
        if (expected == 0 && amount > balance) expected = IERC20Errors.ERC20InsufficientBalance.selector;
        uint256 payout = expected == 0 ? _longPayout(cm, amount) : 0;
        uint256 ethBefore = actor.balance;
        vm.prank(actor);
        try engine.redeemLong(cm, amount) returns (uint256 paid) {
            _expect("redeemLong", expected, true, "");
            _eq("INV-8", "long payout (order independent)", paid, payout);
            _eq("INV-8", "long ETH received", actor.balance - ethBefore, paid);
            _recordRedemption(actor, paid);
            longRedemptions++;
            _success("redeemLong");
        } catch (bytes memory err) {
            _expect("redeemLong", expected, false, err);
        }
        _after(0);
    }

    function redeemShort(uint256 marketSeed, uint256 actorSeed, uint256 vaultSeed) external {
        _use(marketSeed);
        uint256 id = _pickVault(vaultSeed);
        _redeemShort(_actorFor(id, actorSeed), id);
    }

    function _redeemShort(address actor, uint256 id) internal {
        _count("redeemShort");
        bytes4 expected = _settledError();
        if (expected == 0) expected = _authError(id, actor);
        uint256 payout = expected == 0 ? _shortPayout(cm, id) : 0;
        uint256 ethBefore = actor.balance;
        vm.prank(actor);
        try engine.redeemShort(id) returns (uint256 paid) {
            _expect("redeemShort", expected, true, "");
            _eq("INV-8", "short payout", paid, payout);
            _eq("INV-8", "short ETH received", actor.balance - ethBefore, paid);
            (, , uint256 collateral, uint256 debt) = lens.getVault(id);
            _eq("INV-8", "vault closed", collateral + debt, 0);
            if (_ownerOrZero(id) == hermit()) hermitCollateralTaken += ghostCollateral[id];
            ghostCollateral[id] = 0;
            ghostDebt[id] = 0;
            _recordRedemption(actor, paid);
            _success("redeemShort");
        } catch (bytes memory err) {
            _expect("redeemShort", expected, false, err);
        }
        _after(0);
    }

    /// @notice Shuts down (if not yet), settles every vault and redeems every token and vault, in an order drawn
    ///         from `seed`. Used by the shutdown suite's `afterInvariant`.
    function closeOut(uint256 seed) external {
        uint32 first = uint32(seed % MARKET_COUNT);
        for (uint32 n = 0; n < MARKET_COUNT; n++) {
            seed = uint256(keccak256(abi.encode(seed, n)));
            _closeOutMarket((first + n) % MARKET_COUNT, seed);
        }
    }

    /// @dev `closeOut` for market `k` (the other markets are checked untouched after every step, INV-16).
    function _closeOutMarket(uint32 k, uint256 seed) internal {
        _use(k);
        if (lens.isPaused(cm) && !lens.isShutDown(cm)) {
            // Shutdown is allowed while paused; exercise that path as is.
            seed = uint256(keccak256(abi.encode(seed, "paused")));
        }
        if (!lens.isShutDown(cm)) shutdown(k);
        while (lens.settledVaults(cm) < lens.vaultCount(cm)) {
            _settleVaults(_actor(seed), ((seed >> 8) % 7) + 1);
            seed = uint256(keccak256(abi.encode(seed)));
        }
        if (!settlementChecked[cm]) _checkSettlementSolvency();
        uint256 count = lens.vaultCount(cm);
        // Visit actors' long positions and every vault in a seeded random interleaving.
        uint256 remaining = ACTOR_COUNT + count;
        bool[] memory done = new bool[](remaining);
        while (remaining != 0) {
            seed = uint256(keccak256(abi.encode(seed)));
            uint256 j = seed % done.length;
            while (done[j]) j = (j + 1) % done.length;
            done[j] = true;
            remaining--;
            if (j < ACTOR_COUNT) {
                address actor = actors[j];
                uint256 balance = _token().balanceOf(actor);
                if (balance != 0) _redeemLong(actor, balance);
            } else {
                uint256 id = VaultIdLib.toVaultId(cm, j - ACTOR_COUNT + 1);
                address owner = _ownerOrZero(id);
                (, , uint256 collateral, uint256 debt) = lens.getVault(id);
                if (owner != address(0) && collateral + debt != 0) _redeemShort(owner, id);
            }
        }
        if (lens.accruedFees(cm) != 0) collectFees(k, seed);
    }

    /* INTERNAL: PREDICTIONS */

    function _statusError() internal view returns (bytes4) {
        if (lens.isShutDown(cm)) return IEvergammaErrors.MarketShutDown.selector;
        if (lens.isPaused(cm)) return IEvergammaErrors.MarketPaused.selector;
        return 0;
    }

    /// @dev `_requireActive`'s order (paused first).
    function _activeError() internal view returns (bytes4) {
        if (lens.isPaused(cm)) return IEvergammaErrors.MarketPaused.selector;
        if (lens.isShutDown(cm)) return IEvergammaErrors.MarketShutDown.selector;
        return 0;
    }

    function _settledError() internal view returns (bytes4) {
        if (lens.isPaused(cm)) return IEvergammaErrors.MarketPaused.selector;
        if (!lens.isShutDown(cm)) return IEvergammaErrors.MarketNotShutDown.selector;
        if (lens.settledVaults(cm) != lens.vaultCount(cm)) {
            return IEvergammaErrors.SettlementIncomplete.selector;
        }
        return 0;
    }

    function _authError(uint256 id, address caller) internal view returns (bytes4) {
        address owner = _ownerOrZero(id);
        if (owner == address(0)) return IEvergammaErrors.VaultNotFound.selector;
        (, address operator, , ) = lens.getVault(id);
        if (caller != owner && caller != operator) return IEvergammaErrors.NotVaultOwnerOrOperator.selector;
        return 0;
    }

    /// @dev The terms of the market the current action drives.
    function _params() internal view returns (MarketParams memory) {
        return markets[cm].params;
    }

    /// @dev The health rule of minting and withdrawing, in the engine's order of errors: no debt, or at least the
    ///      market's dust floor and its minimum ratio of the debt value (rounded up).
    function _healthError(uint256 collateral, uint256 debt) internal view returns (bytes4) {
        if (debt == 0) return 0;
        return _healthErrorAt(_params(), collateral, debt, lens.debtValuePerToken(cm));
    }

    function _healthErrorAt(
        MarketParams memory params,
        uint256 collateral,
        uint256 debt,
        uint256 perToken
    ) internal pure returns (bytes4) {
        if (debt == 0) return 0;
        if (collateral < params.minCollateralWei) return IEvergammaErrors.VaultBelowMinCollateral.selector;
        uint256 debtValue = VaultMath.debtValue(debt, perToken);
        if (!VaultMath.meetsRatio(collateral, debtValue, params.minCollateralRatioWad))
            return IEvergammaErrors.VaultUnsafe.selector;
        return 0;
    }

    /// @notice The model's liquidation ratio of market `k` (WAD): its minimum ratio for a power market, minimum /
    ///         (1 + OPTION_LIQUIDATION_BUFFER_WAD) rounded up for an option (125% for 150%).
    /// @param k The market id.
    /// @return The ratio below which a vault with debt is liquidatable (WAD).
    function liquidationRatioOf(uint32 k) public view returns (uint256) {
        MarketParams memory params = markets[k].params;
        if (params.kind == ProductKind.Power) return params.minCollateralRatioWad;
        return FPML.fullMulDivUp(params.minCollateralRatioWad, WAD, WAD + OPTION_LIQUIDATION_BUFFER_WAD);
    }

    /// @notice The model's health of a vault of market `k` holding `collateral` and `debt` at `perToken` (the debt
    ///         value of one token): `healthy` (mint and withdraw allowed: `isVaultSafe`) and `liquidatable` (with
    ///         debt, below the dust floor or below `liquidationRatioOf(k)`).
    /// @param k The market id.
    /// @param collateral Wei.
    /// @param debt Token units.
    /// @param perToken The debt value of one token (ETH, WAD).
    /// @return healthy Whether the vault meets the minimum ratio and floor (or has no debt).
    /// @return liquidatable Whether a liquidation may run against it (grace period and status aside).
    function healthOf(
        uint32 k,
        uint256 collateral,
        uint256 debt,
        uint256 perToken
    ) public view returns (bool healthy, bool liquidatable) {
        MarketParams memory params = markets[k].params;
        healthy = _healthErrorAt(params, collateral, debt, perToken) == 0;
        liquidatable =
            debt != 0 &&
            (collateral < params.minCollateralWei ||
                !VaultMath.meetsRatio(
                    collateral,
                    VaultMath.debtValue(debt, perToken),
                    liquidationRatioOf(k)
                ));
    }

    /// @dev `healthOf(cm, ...).liquidatable` for the acting market.
    function _liquidatableAt(
        uint256 collateral,
        uint256 debt,
        uint256 perToken
    ) internal view returns (bool liquidatable) {
        (, liquidatable) = healthOf(cm, collateral, debt, perToken);
    }

    function _mintFee(uint256 amount) internal view returns (uint256) {
        uint256 bps = lens.feeBps(cm);
        if (bps == 0) return 0;
        return FPML.fullMulDivUp(amount, _payoutPrice() * bps, 1e18 * 1e4);
    }

    /// @dev The token price of liquidation payouts and the mint fee (S-1/S-2): the TWAP capped at the market's
    ///      cap (1.4 for ETH², the band's 1.25 for the call) times one token's debt value (for an option that value
    ///      is at least q, so the price is q).
    function _payoutPrice() internal view returns (uint256) {
        uint256 cap = FPML.mulWad(lens.debtValuePerToken(cm), _params().markRatioCapWad);
        uint256 q = lens.tokenPrice(cm);
        return q < cap ? q : cap;
    }

    /// @notice INV-15 model: the debt of market `k`'s vaults that hold debt and no collateral (what its
    ///         `totalBadDebt` must equal while it runs).
    function ghostBadDebt(uint32 k) public view returns (uint256 unbacked) {
        uint256 count = lens.vaultCount(k);
        for (uint256 serial = 1; serial <= count; serial++) {
            uint256 id = VaultIdLib.toVaultId(k, serial);
            if (ghostCollateral[id] == 0) unbacked += ghostDebt[id];
        }
    }

    /// @dev One token's value at market `k`'s settlement price: NF * S^(n-1) / scale for a power market,
    ///      NF * payoff(S) / S for an option; rounded up for a short's debt, down for a long's claim.
    function _settlementValuePerToken(uint32 k, bool roundUp) internal view returns (uint256) {
        return
            Product.valuePerTokenWad(
                markets[k].params,
                lens.normalizationFactor(k),
                lens.settlementEthPrice(k),
                roundUp
            );
    }

    function _longPayout(uint32 k, uint256 amount) internal view returns (uint256) {
        if (lens.settlementShortfall(k) == 0) {
            return FPML.fullMulDiv(amount, _settlementValuePerToken(k, false), WAD);
        }
        return FPML.fullMulDiv(amount, lens.longPayoutPool(k), supplyAtShutdown[k]);
    }

    function _shortPayout(uint32 k, uint256 id) internal view returns (uint256) {
        (, , uint256 collateral, uint256 debt) = lens.getVault(id);
        uint256 debtValue = VaultMath.debtValue(debt, _settlementValuePerToken(k, true));
        return collateral > debtValue ? collateral - debtValue : 0;
    }

    /* INTERNAL: CHECKS */

    function _expect(string memory action, bytes4 expected, bool ok, bytes memory err) internal {
        if (!ok) expectedReverts[keccak256(abi.encodePacked(action, expected))]++;
        if (ok) {
            if (expected != 0) revert UnexpectedOutcome(action, expected, SUCCEEDED);
            return;
        }
        if (expected == 0 || err.length < 4 || bytes4(err) != expected) {
            revert UnexpectedOutcome(action, expected, err);
        }
    }

    function _eq(string memory id, string memory what, uint256 left, uint256 right) internal pure {
        if (left != right) revert Violated(id, what, left, right);
    }

    /// @dev INV-3: after a successful mint, burn or withdraw the vault is safe, by the lens's view and by an
    ///      independent (unrounded) computation of collateral >= minimum ratio * debt * value per token, the value
    ///      per token taken from the prices, not from the lens's debt value: NF * S^(n-1) / scale for a power market;
    ///      for an option the pricer's rule at the block's NF, S and q (`optionDebtValuePerToken`), checked to be at
    ///      least the claim NF * payoff(S) / S and the market price q (docs/spec.md, "Option markets").
    function _checkHealthyAfterAction(uint256 id) internal view {
        if (!lens.isVaultSafe(id)) revert Violated("INV-3", "vault unsafe after action", id, 0);
        (, , uint256 collateral, uint256 debt) = lens.getVault(id);
        if (debt == 0) return;
        MarketParams memory params = _params();
        if (collateral < params.minCollateralWei)
            revert Violated("INV-3", "dust vault after action", collateral, debt);
        uint256 ethPrice = lens.ethPrice(cm);
        uint256 factor = lens.normalizationFactor(cm);
        uint256 valuePerToken =
            Product.isOption(params)
                ? _optionValuePerToken(params, factor, ethPrice)
                : _powerValuePerToken(params, factor, ethPrice);
        uint256 debtValue = FPML.fullMulDiv(debt, valuePerToken, WAD);
        uint256 required = FPML.fullMulDiv(debtValue, params.minCollateralRatioWad, WAD);
        if (collateral < required)
            revert Violated("INV-3", "below the minimum ratio (independent check)", collateral, required);
    }

    /// @dev NF * S^(n-1) / scale, multiplied out step by step (not through the engine's libraries).
    function _powerValuePerToken(
        MarketParams memory params,
        uint256 factor,
        uint256 ethPrice
    ) internal pure returns (uint256) {
        uint256 ethPower = WAD;
        for (uint256 i = 1; i < params.power; i++) ethPower = FPML.fullMulDiv(ethPower, ethPrice, WAD);
        return FPML.fullMulDiv(factor, ethPower, params.indexScale * WAD);
    }

    /// @dev An option token's debt value from the pricer at NF, S and the token's TWAP q, checked against its two
    ///      floors: the claim NF * payoff(S) / S (unrounded) and q.
    function _optionValuePerToken(
        MarketParams memory params,
        uint256 factor,
        uint256 ethPrice
    ) internal view returns (uint256 value) {
        uint256 q = lens.tokenPrice(cm);
        value = pricer.optionDebtValuePerToken(
            params.kind == ProductKind.Call,
            params.strikeWad,
            params.floorVolatilityWad,
            params.fundingPeriodSeconds,
            factor,
            ethPrice,
            q
        );
        uint256 claim = FPML.fullMulDiv(factor, Product.payoffWad(params, ethPrice), ethPrice);
        if (value < claim) revert Violated("INV-3", "option debt value below its claim", value, claim);
        if (value < q) revert Violated("INV-3", "option debt value below its market price", value, q);
    }

    /// @dev INV-6: NF > 0; it changes only in a block in which it did not change yet, stamped with that block's
    ///      time; each change is within the clamp's bounds for the elapsed time; it is frozen while paused.
    function _checkFunding() internal {
        uint256 factor = lens.normalizationFactor(cm);
        uint256 updatedAt = lens.lastFundingUpdate(cm);
        uint256 nowTs = vm.getBlockTimestamp();
        if (factor == 0) revert Violated("INV-6", "normalization factor is zero", 0, 0);
        if (updatedAt > nowTs) revert Violated("INV-6", "update in the future", updatedAt, nowTs);
        if (updatedAt < lastFundingUpdate[cm])
            revert Violated("INV-6", "update time went back", updatedAt, 0);
        // M-2: while paused NF is frozen at the pause's checkpoint, and so is every preview of it.
        if (lens.isPaused(cm)) {
            _eq("INV-6", "NF frozen while paused", factor, frozenFactor[cm]);
            _eq("INV-6", "no update while paused", updatedAt, pausedAt[cm]);
            _eq(
                "INV-6",
                "preview frozen while paused",
                lens.expectedNormalizationFactor(cm),
                frozenFactor[cm]
            );
        }
        uint256 previous = lastNormalizationFactor[cm];
        if (factor != previous) {
            if (updatedAt != nowTs)
                revert Violated("INV-6", "NF changed without an update stamp", updatedAt, nowTs);
            if (lastFactorChangeAt[cm] == nowTs)
                revert Violated("INV-6", "NF changed twice in a block", factor, previous);
            if (lastFundingUpdate[cm] == nowTs)
                revert Violated("INV-6", "NF changed after this block's update", 0, 0);
            _checkFundingBound(previous, factor, updatedAt - lastFundingUpdate[cm]);
            lastFactorChangeAt[cm] = nowTs;
        }
        if (updatedAt != lastFundingUpdate[cm]) fundingUpdates++;
        lastNormalizationFactor[cm] = factor;
        lastFundingUpdate[cm] = updatedAt;
    }

    /// @dev The per-update bound of funding over `elapsed` seconds (tau = elapsed / T), with a tolerance of 1e-12
    ///      plus 2 wei of NF (NF is floored to a wei; expWad / lnWad are exact to ~1e-17):
    ///      - INV-6, a power market: ln(floor) * tau <= -ln(NF' / NF) <= ln(cap) * tau (the clamp on mark / index);
    ///      - INV-19, an option market: -(1 - floor) * tau <= ln(NF' / NF) <= (cap - 1) * tau (the band on
    ///        payoff / mark, `OptionFundingMath`), then `_checkOptionFunding`.
    ///      A change to NF = 1 (the clamp's lower end) is exempt from the lower bound.
    function _checkFundingBound(uint256 previous, uint256 factor, uint256 elapsed) internal {
        MarketParams memory params = _params();
        bool option = Product.isOption(params);
        uint256 tau = FPML.mulDivUp(elapsed, WAD, params.fundingPeriodSeconds);
        // Rates per unit of tau (WAD): how fast NF may fall, and how fast it may rise.
        (uint256 fallRate, uint256 riseRate) = option
            ? (WAD - params.markRatioFloorWad, params.markRatioCapWad - WAD)
            : (_lnAbsUp(params.markRatioCapWad), _lnAbsUp(params.markRatioFloorWad));
        int256 logChange = FPML.lnWad(int256(factor)) - FPML.lnWad(int256(previous));
        uint256 smaller = factor < previous ? factor : previous;
        uint256 tolerance = FUNDING_TOLERANCE_WAD + FPML.divUp(2 * WAD, smaller);
        uint256 bound_ = FPML.mulWadUp(logChange > 0 ? riseRate : fallRate, tau) + tolerance;
        uint256 magnitude = uint256(logChange > 0 ? logChange : -logChange);
        if (magnitude > bound_ && !(factor == 1 && logChange < 0)) {
            revert Violated(
                option ? "INV-19" : "INV-6",
                "NF moved beyond the funding bound",
                magnitude,
                bound_
            );
        }
        if (option) _checkOptionFunding(params, previous, factor, elapsed);
    }

    /// @dev |ln(x)| in WAD, rounded away from zero (a clamp bound's rate).
    function _lnAbsUp(uint256 x) internal pure returns (uint256) {
        int256 ln = FPML.lnWad(int256(x));
        return uint256(ln < 0 ? -ln : ln) + 1;
    }

    /// @dev INV-19, beyond the bound: the option market's NF is the option rule (the pricer's
    ///      `optionNormalizationFactor`) at the block's prices S and q over the gap; and, for gaps of at most a day
    ///      (integrated exactly), two updates splitting the gap give the same NF as one, to 1e-12 plus a few wei.
    function _checkOptionFunding(
        MarketParams memory params,
        uint256 previous,
        uint256 factor,
        uint256 elapsed
    ) internal {
        uint256 ethPrice = lens.ethPrice(cm);
        uint256 q = lens.tokenPrice(cm);
        uint256 oneStep = _optionFactor(params, previous, ethPrice, q, elapsed);
        _eq("INV-19", "NF = the option rule at the block's prices", factor, oneStep);
        optionFundingChecks++;
        if (elapsed < 2 || elapsed > OptionFundingMath.EXACT_GAP_MAX_SECONDS) return;
        optionPathChecks++;
        uint256 first = elapsed / 2;
        uint256 twoSteps = _optionFactor(
            params,
            _optionFactor(params, previous, ethPrice, q, first),
            ethPrice,
            q,
            elapsed - first
        );
        uint256 diff = twoSteps > oneStep ? twoSteps - oneStep : oneStep - twoSteps;
        uint256 tolerance = FPML.mulWadUp(oneStep, PATH_TOLERANCE_WAD) + PATH_TOLERANCE_WEI;
        if (diff > tolerance) revert Violated("INV-19", "two updates differ from one", twoSteps, oneStep);
    }

    /// @dev The option rule's NF after `elapsed` seconds from `factor` at S = `ethPrice` and q = `tokenPrice`.
    function _optionFactor(
        MarketParams memory params,
        uint256 factor,
        uint256 ethPrice,
        uint256 tokenPrice,
        uint256 elapsed
    ) internal view returns (uint256) {
        return
            pricer.optionNormalizationFactor(
                factor,
                Product.payoffWad(params, ethPrice),
                tokenPrice,
                ethPrice,
                params.markRatioFloorWad,
                params.markRatioCapWad,
                elapsed,
                params.fundingPeriodSeconds
            );
    }

    /// @dev INV-8a, once a market's settlement completes (before any redemption can run): everything it owes at
    ///      the settlement price, short equity plus long claims plus fees, fits in the ETH the market holds (its
    ///      ledger: ETH in minus ETH out), and so in the engine's balance.
    function _checkSettlementSolvency() internal {
        if (!lens.isShutDown(cm) || lens.settledVaults(cm) != lens.vaultCount(cm)) {
            revert Violated("HANDLER", "settlement checked before completion", lens.settledVaults(cm), 0);
        }
        settlementChecked[cm] = true;
        if (lens.settlementShortfall(cm) != 0) settlementsWithShortfall++;
        _recordHermitAllowance();
        uint256 owed = owedAtSettlement(cm);
        uint256 held = ghostEthIn[cm] - ghostEthOut[cm];
        if (owed > held) revert Violated("INV-8", "claims at settlement exceed the market's ETH", owed, held);
        uint256 balance = address(engine).balance;
        if (owed > balance)
            revert Violated("INV-8", "claims at settlement exceed the balance", owed, balance);
    }

    /// @dev INV-7 after shutdown: what the hermit may receive beyond its deposits, by design. Its vaults' settlement
    ///      shortfall is borne by all longs pro rata (the hermit's own tokens are paid nearly in full), and tokens it
    ///      still holds beyond its debt (its vault was liquidated with others' tokens) are redeemed at the settlement
    ///      price. Both are computed when the market's settlement completes, before any redemption.
    function _recordHermitAllowance() internal {
        address h = hermit();
        uint256 count = lens.vaultCount(cm);
        uint256 perToken = _settlementValuePerToken(cm, true);
        uint256 debt;
        for (uint256 serial = 1; serial <= count; serial++) {
            uint256 id = VaultIdLib.toVaultId(cm, serial);
            if (_ownerOrZero(id) != h) continue;
            (, , uint256 c, uint256 d) = lens.getVault(id);
            debt += d;
            uint256 value = VaultMath.debtValue(d, perToken);
            if (value > c) hermitSettlementAllowance += value - c;
        }
        uint256 tokens = _token().balanceOf(h);
        if (tokens > debt) hermitSettlementAllowance += FPML.fullMulDivUp(tokens - debt, perToken, WAD);
    }

    /// @notice What market `k` still owes at the settlement price: the equity of every unredeemed vault, the
    ///         remaining tokens' claims and the uncollected fees (valid once its settlement is complete).
    function owedAtSettlement(uint32 k) public view returns (uint256 owed) {
        owed = lens.accruedFees(k);
        uint256 count = lens.vaultCount(k);
        for (uint256 serial = 1; serial <= count; serial++) {
            owed += _shortPayout(k, VaultIdLib.toVaultId(k, serial));
        }
        owed += _longPayout(k, markets[k].token.totalSupply());
    }

    /// @notice Market `k`'s vault collateral and debt, summed.
    function marketTotals(uint32 k) public view returns (uint256 collateral, uint256 debt) {
        uint256 count = lens.vaultCount(k);
        for (uint256 serial = 1; serial <= count; serial++) {
            (, , uint256 c, uint256 d) = lens.getVault(VaultIdLib.toVaultId(k, serial));
            collateral += c;
            debt += d;
        }
    }

    /// @notice INV-17: what market `k` owes now. While it runs, is paused, or is shut down and not yet fully
    ///         settled (no redemption can run before that), its vaults' collateral plus its uncollected fees; once
    ///         settled, `owedAtSettlement(k)` (short equity of unredeemed vaults, remaining long claims, fees).
    function marketClaims(uint32 k) public view returns (uint256) {
        if (lens.isShutDown(k) && lens.settledVaults(k) == lens.vaultCount(k)) return owedAtSettlement(k);
        (uint256 collateral, ) = marketTotals(k);
        return collateral + lens.accruedFees(k);
    }

    /// @notice INV-17: the engine's ETH balance covers every market's claims at once (the sum over markets).
    function checkEngineCoversAllMarkets() public view {
        uint256 owed;
        for (uint32 k = 0; k < MARKET_COUNT; k++) owed += marketClaims(k);
        uint256 balance = address(engine).balance;
        if (owed > balance)
            revert Violated("INV-17", "balance < sum of every market's claims", balance, owed);
    }

    /* CROSS-MARKET ISOLATION (INV-16) */

    /// @dev What an action on another market must leave untouched.
    struct Isolation {
        uint256 normalizationFactor;
        uint256 lastFundingUpdate;
        uint256 supply;
        uint256 collateral;
        uint256 debt;
        uint256 accruedFees;
        uint256 badDebt;
        uint256 vaultCount;
        uint256 settledVaults;
        bool paused;
        bool shutDown;
        bytes32 vaultsHash;
    }

    mapping(uint32 marketId => Isolation) internal isolationBefore;
    /// @dev Actions whose isolation check ran, and markets compared (campaign reach).
    uint256 public isolationChecks;

    function _isolation(uint32 k) internal view returns (Isolation memory s) {
        s.normalizationFactor = lens.normalizationFactor(k);
        s.lastFundingUpdate = lens.lastFundingUpdate(k);
        s.supply = markets[k].token.totalSupply();
        s.accruedFees = lens.accruedFees(k);
        s.badDebt = lens.totalBadDebt(k);
        s.vaultCount = lens.vaultCount(k);
        s.settledVaults = lens.settledVaults(k);
        s.paused = lens.isPaused(k);
        s.shutDown = lens.isShutDown(k);
        for (uint256 serial = 1; serial <= s.vaultCount; serial++) {
            (address owner, address operator, uint256 c, uint256 d) = lens.getVault(
                VaultIdLib.toVaultId(k, serial)
            );
            s.collateral += c;
            s.debt += d;
            s.vaultsHash = keccak256(abi.encode(s.vaultsHash, owner, operator, c, d));
        }
    }

    /// @dev Picks the action's market and snapshots every other market (INV-16).
    function _use(uint256 marketSeed) internal {
        cm = uint32(marketSeed % MARKET_COUNT);
        for (uint32 k = 0; k < MARKET_COUNT; k++) {
            if (k != cm) isolationBefore[k] = _isolation(k);
        }
    }

    /// @dev INV-16: an action on market `cm` changed no other market's NF or funding stamp, token supply, vaults
    ///      (owners, operators, collateral, debt, count), fees, bad debt, pause or shutdown state or settlement.
    function _checkIsolation(uint32 k) internal view {
        Isolation memory a = isolationBefore[k];
        Isolation memory b = _isolation(k);
        _eq("INV-16", "other market's NF", b.normalizationFactor, a.normalizationFactor);
        _eq("INV-16", "other market's funding stamp", b.lastFundingUpdate, a.lastFundingUpdate);
        _eq("INV-16", "other market's token supply", b.supply, a.supply);
        _eq("INV-16", "other market's collateral", b.collateral, a.collateral);
        _eq("INV-16", "other market's debt", b.debt, a.debt);
        _eq("INV-16", "other market's fees", b.accruedFees, a.accruedFees);
        _eq("INV-16", "other market's bad debt", b.badDebt, a.badDebt);
        _eq("INV-16", "other market's vault count", b.vaultCount, a.vaultCount);
        _eq("INV-16", "other market's settlement", b.settledVaults, a.settledVaults);
        _eq("INV-16", "other market's pause", b.paused ? 1 : 0, a.paused ? 1 : 0);
        _eq("INV-16", "other market's shutdown", b.shutDown ? 1 : 0, a.shutDown ? 1 : 0);
        _eq("INV-16", "other market's vaults", uint256(b.vaultsHash), uint256(a.vaultsHash));
    }

    /// @dev After every action: for every market the funding rules (INV-6), bad debt (INV-15) and the
    ///      post-shutdown payout bound (INV-8); isolation of the other markets (INV-16); the engine's balance
    ///      against every market's claims (INV-17).
    function _after(uint256) internal {
        uint32 acting = cm;
        for (uint32 k = 0; k < MARKET_COUNT; k++) {
            cm = k;
            _checkFunding();
            // INV-15: while the market runs, totalBadDebt is the debt now unbacked.
            if (!shutDown[cm])
                _eq("INV-15", "totalBadDebt = unbacked debt", lens.totalBadDebt(cm), ghostBadDebt(cm));
            if (shutDown[cm]) {
                uint256 paid = redemptionsPaid[cm] + feesCollectedAfterShutdown[cm];
                if (paid > balanceAtShutdown[cm])
                    revert Violated("INV-8", "paid out more than held", paid, balanceAtShutdown[cm]);
            }
            if (k != acting) _checkIsolation(k);
        }
        cm = acting;
        isolationChecks++;
        checkEngineCoversAllMarkets();
    }

    /* INTERNAL: CHOICES */

    function _count(bytes32 action) internal {
        calls[action]++;
    }

    function _success(bytes32 action) internal {
        successes[action]++;
        marketSuccesses[cm][action]++;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % ACTOR_COUNT];
    }

    function _nonHermit(uint256 seed) internal view returns (address) {
        return actors[1 + (seed % (ACTOR_COUNT - 1))];
    }

    /// @dev Mostly the vault's owner or operator, sometimes anyone (unauthorised attempts, INV-5).
    function _actorFor(uint256 id, uint256 seed) internal view returns (address) {
        if (seed % 5 == 0) return _actor(seed / 5);
        (address owner, address operator, , ) = lens.getVault(id);
        if (owner == address(0)) return _actor(seed);
        if (operator != address(0) && seed % 3 == 0) return operator;
        return owner;
    }

    /// @dev The non-hermit actor holding the most tokens of the acting market.
    function _richest() internal view returns (address richest) {
        uint256 most;
        for (uint256 i = 1; i < ACTOR_COUNT; i++) {
            uint256 balance = _token().balanceOf(actors[i]);
            if (balance >= most) (most, richest) = (balance, actors[i]);
        }
    }

    function _token() internal view returns (MarketToken) {
        return markets[cm].token;
    }

    function _ownerOrZero(uint256 id) internal view returns (address) {
        (address owner, , , ) = lens.getVault(id);
        return owner;
    }

    /// @dev A vault id, occasionally 0 or one past the last (not found).
    function _pickVault(uint256 seed) internal view returns (uint256) {
        uint256 count = lens.vaultCount(cm);
        if (seed % 23 == 0) return VaultIdLib.toVaultId(cm, seed % 2 == 0 ? 0 : count + 1);
        if (count == 0) return VaultIdLib.toVaultId(cm, 0);
        return VaultIdLib.toVaultId(cm, (seed % count) + 1);
    }

    /// @dev The first liquidatable vault from a seeded start, else the seeded vault (mostly a VaultSafe attempt).
    function _pickUnsafeVault(uint256 seed) internal view returns (uint256) {
        uint256 count = lens.vaultCount(cm);
        if (count == 0 || seed % 17 == 0) return _pickVault(seed);
        uint256 perToken = lens.debtValuePerToken(cm);
        for (uint256 k = 0; k < count; k++) {
            uint256 id = VaultIdLib.toVaultId(cm, (((seed % count) + k) % count) + 1);
            if (_liquidatableAt(ghostCollateral[id], ghostDebt[id], perToken)) return id;
        }
        return VaultIdLib.toVaultId(cm, (seed % count) + 1);
    }

    /// @dev ETH sent with a mint: the market's dust floor exactly (new vaults), up to 5 ETH, around the floor (0.8x
    ///      to 1.6x), 1 to 20 ETH, 20 to 300 ETH, or a few wei.
    function _ethAmount(uint256 seed, bool isNew) internal view returns (uint256) {
        uint256 floor = _params().minCollateralWei;
        uint256 mode = seed % 6;
        if (mode == 0) return isNew ? floor : 0;
        if (mode == 1) return isNew ? bound(seed / 6, floor, 5 ether) : 0;
        if (mode == 2) return bound(seed / 6, (floor * 4) / 5, (floor * 8) / 5);
        if (mode == 3) return bound(seed / 6, 1 ether, 20 ether);
        if (mode == 4) return bound(seed / 6, 20 ether, 300 ether);
        return bound(seed / 6, 0, 1000);
    }

    /// @dev The largest safe debt for `collateral` (no fee), exactly at the boundary, +1, a fraction, 1 wei, 0, or
    ///      a random amount.
    function _mintAmount(
        uint256 collateral,
        uint256 debt,
        uint256 seed
    ) internal view returns (uint256 amount, bool atMax) {
        uint256 maxDebt = VaultMath.maxDebt(
            collateral,
            lens.debtValuePerToken(cm),
            _params().minCollateralRatioWad
        );
        uint256 room = maxDebt > debt ? maxDebt - debt : 0;
        uint256 mode = seed % 8;
        if ((mode == 0 || mode == 1) && room != 0) return (room, true);
        if (mode == 2 && room != 0) return (room + 1, false);
        if (mode < 3) mode = 6;
        if (mode == 3) return (bound(seed / 8, 0, room), false);
        if (mode == 4) return (1, false);
        if (mode == 5) return (seed % 64 == 5 ? 0 : bound(seed / 8, 1, 1e6), false);
        return (bound(seed / 8, 1, 1000e18), false);
    }

    /// @dev All the collateral the health rule releases, one wei more, all of it, a random part, or 0.
    function _withdrawAmount(
        uint256 id,
        uint256 collateral,
        uint256 debtAfter,
        uint256 seed
    ) internal view returns (uint256) {
        id;
        uint256 free;
        if (debtAfter == 0) {
            free = collateral;
        } else {
            MarketParams memory params = _params();
            uint256 debtValue = VaultMath.debtValue(debtAfter, lens.debtValuePerToken(cm));
            uint256 required = FPML.fullMulDivUp(debtValue, params.minCollateralRatioWad, WAD);
            if (required < params.minCollateralWei) required = params.minCollateralWei;
            free = collateral > required ? collateral - required : 0;
        }
        uint256 mode = seed % 7;
        if ((mode == 0 || mode == 1) && free == 0) mode = 2;
        if (mode == 0 || mode == 1) return free;
        if (mode == 2) return free + 1;
        if (mode == 3) return collateral;
        if (mode == 4) return bound(seed / 7, 0, free);
        if (mode == 5) return 1;
        return bound(seed / 7, 0, collateral);
    }

    function _burnAmount(uint256 debt, uint256 balance, uint256 seed) internal pure returns (uint256) {
        uint256 mode = seed % 7;
        uint256 payable_ = debt < balance ? debt : balance;
        if (mode == 0 || mode == 1) return debt;
        if (mode == 2) return payable_;
        if (mode == 3) return bound(seed / 7, 0, payable_);
        if (mode == 4) return debt + 1;
        if (mode == 5) return 0;
        return payable_ == 0 ? 0 : 1;
    }

    function _liquidationOffer(uint256 debt, uint256 balance, uint256 seed) internal pure returns (uint256) {
        uint256 mode = seed % 6;
        if (mode < 2) return type(uint256).max;
        if (mode == 2) return balance;
        if (mode == 3) return (debt + 1) / 2;
        if (mode == 4) return bound(seed / 6, 0, debt);
        return seed % 12 == 5 ? 0 : 1;
    }

    /* INTERNAL: PRICES */

    function _logicalTick(MockUniswapV3Pool pool, int256 sign) internal view returns (int256) {
        (, int24 tick, , , , , ) = pool.slot0();
        return int256(tick) * sign;
    }

    /// @dev The token pool's logical tick at its fair price from the spot ETH tick: NF * S / scale ETH per token (no
    ///      premium) for a power market, NF * V(S) / S for an option (V the pricer's fair value at 80% volatility).
    function _fairTokenTick() internal view returns (int256) {
        return _fairTokenTick(_logicalTick(p.ethPool, p.ethTickSign));
    }

    /// @dev The same for the ETH pool at logical tick `ethLogicalTick`.
    function _fairTokenTick(int256 ethLogicalTick) internal view returns (int256) {
        uint160 sqrtPriceX96 = TickMath.getSqrtPriceAtTick(int24(ethLogicalTick * p.ethTickSign));
        uint256 ratioX192 = uint256(sqrtPriceX96) * sqrtPriceX96;
        // price of 1 ETH in USDC units per wei, scaled to USD WAD: ratio * 1e18 / 1e6 (or the inverse)
        uint256 spotWad =
            p.ethTickSign > 0
                ? FPML.fullMulDiv(ratioX192, 1e30, 1 << 192)
                : FPML.fullMulDiv(1 << 192, 1e30, ratioX192);
        MarketParams memory params = _params();
        uint256 factor = lens.normalizationFactor(cm);
        uint256 fair =
            Product.isOption(params)
                ? fairTokenPriceWad(pricer, params, spotWad, factor)
                : PowerPerpMath.claimValuePerTokenWad(factor, spotWad, params.power, params.indexScale);
        if (fair == 0) fair = 1;
        int24 tick = tickForPrice(address(markets[cm].token), address(p.weth), fair, 18, 18);
        return int256(tick) * markets[cm].tickSign;
    }

    function _setTokenTick(int256 logical) internal {
        int256 fair = _fairTokenTick();
        if (logical < fair - 6000) logical = fair - 6000;
        if (logical > fair + 6000) logical = fair + 6000;
        int256 tick = logical * markets[cm].tickSign;
        if (tick < -887000) tick = -887000;
        if (tick > 887000) tick = 887000;
        markets[cm].pool.setTick(int24(tick));
    }

    /* INTERNAL: GHOST BOOKKEEPING */

    function _recordDeposit(address actor, uint256 id, uint256 amount) internal {
        ghostCollateral[id] += amount;
        ghostDeposited[actor] += amount;
        ghostEthIn[cm] += amount;
    }

    function _recordRedemption(address actor, uint256 paid) internal {
        ghostRedeemed[actor] += paid;
        redemptionsPaid[cm] += paid;
        ghostEthOut[cm] += paid;
    }

    receive() external payable {}
}
