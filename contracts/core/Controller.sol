// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IController, MarketContracts, MarketParams} from "../interfaces/IController.sol";
import {IPowerToken} from "../interfaces/IPowerToken.sol";
import {IVaultNFT} from "../interfaces/IVaultNFT.sol";
import {FundingMath, MarkClamp} from "../libraries/FundingMath.sol";
import {LiquidationInput, LiquidationMath, LiquidationResult} from "../libraries/LiquidationMath.sol";
import {PowerPerpMath} from "../libraries/PowerPerpMath.sol";
import {UniswapTwap} from "../libraries/UniswapTwap.sol";
import {VaultMath} from "../libraries/VaultMath.sol";

/// @title Controller
/// @notice The vault engine of an Evergamma power perpetual: holds all ETH collateral and vault state, mints and
///         burns the power token, and applies funding through the normalization factor.
/// @dev Every state-changing entry point first applies funding (at most once per block). The ETH/USD TWAP of the
///      block is cached next to the normalization factor, so only the first Controller transaction of a block
///      reads the pools. A vault's collateral and debt share one storage slot; its owner is the holder of the
///      vault NFT, which tells the Controller of every transfer so that the operator is cleared.
contract Controller is IController, Ownable2Step, ReentrancyGuardTransient {
    /* CONSTANTS */

    uint256 private constant WAD = 1e18;
    uint256 private constant MAX_POWER = 4;
    uint256 private constant MARK_RATIO_CAP_MAX_WAD = 10e18;
    uint32 private constant MAX_TWAP_PERIOD_SECONDS = 1 hours;
    uint256 private constant MAX_LIQUIDATION_BONUS_WAD = 0.5e18;
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_FEE_BPS = 100;
    uint256 private constant MAX_PAUSES = 4;
    uint256 private constant PAUSE_WINDOW_SECONDS = 182 days;
    uint256 private constant UNPAUSE_DELAY_SECONDS = 1 days;
    /// @dev After every unpause liquidations stay closed this long while every vault action is open (M-1): owners
    ///      can restore vaults that became unsafe while paused, and the 420 s TWAPs refresh.
    uint256 private constant LIQUIDATION_GRACE_SECONDS = 1 hours;
    uint8 private constant STATUS_PAUSED = 1;
    uint8 private constant STATUS_SHUT_DOWN = 2;
    /// @dev Transient slot caching the power token's TWAP of the current block, keccak256("evergamma.powerPrice").
    bytes32 private constant POWER_PRICE_TRANSIENT_SLOT =
        0xd846c1bf8579ca2df29b624706a787e851e115e7163aa0928290f1d96f91317c;

    /* IMMUTABLES */

    IPowerToken private immutable POWER_TOKEN;
    IVaultNFT private immutable VAULT_NFT;
    address private immutable WETH;
    address private immutable QUOTE_TOKEN;
    address private immutable ETH_QUOTE_POOL;
    address private immutable POWER_POOL;
    /// @dev 10^(18 + wethDecimals - quoteDecimals): the WETH amount whose quote-token price is S in WAD.
    uint256 private immutable ETH_PRICE_BASE_AMOUNT;

    uint256 private immutable POWER;
    uint256 private immutable INDEX_SCALE;
    uint256 private immutable MIN_COLLATERAL_RATIO_WAD;
    uint256 private immutable MIN_COLLATERAL_WEI;
    uint32 private immutable TWAP_PERIOD_SECONDS;
    uint256 private immutable FUNDING_PERIOD_SECONDS;
    uint256 private immutable MARK_RATIO_FLOOR_WAD;
    uint256 private immutable MARK_RATIO_CAP_WAD;
    int256 private immutable LOG_MARK_RATIO_FLOOR_WAD;
    int256 private immutable LOG_MARK_RATIO_CAP_WAD;
    uint256 private immutable LIQUIDATION_BONUS_WAD;
    uint256 private immutable DEPLOYED_AT;

    /* STORAGE */

    /// @dev One slot, read first by every entry point: the normalization factor, the time of its last update,
    ///      the ETH/USD TWAP of that block (up to 3e8 USD) and the pause / shutdown flags.
    struct FundingState {
        uint128 normalizationFactor;
        uint32 lastUpdate;
        uint88 ethPriceWad;
        uint8 status;
    }

    /// @dev Fee and pause bookkeeping, one slot. `liquidationsOpenAt`: the end of the last unpause's grace.
    struct AdminState {
        address feeRecipient;
        uint16 feeBps;
        uint8 pausesLeft;
        uint32 pausedAt;
        uint32 liquidationsOpenAt;
    }

    /// @dev Fixed at shutdown, then filled in by `settleVaults`.
    struct Settlement {
        uint128 normalizationFactor;
        uint128 ethPriceWad;
        uint256 settledVaults;
        uint256 shortfall;
        uint256 supply;
        uint256 longPayoutPool;
    }

    /// @dev One slot: collateral in wei (up to 7.9e10 ETH) and debt in power-token units.
    struct Vault {
        uint96 collateral;
        uint128 debt;
    }

    FundingState private fundingState;
    /// @inheritdoc IController
    uint256 public vaultCount;
    mapping(uint256 vaultId => Vault) private vaults;
    mapping(uint256 vaultId => address) private operators;
    AdminState private admin;
    /// @inheritdoc IController
    uint256 public accruedFees;
    /// @inheritdoc IController
    uint256 public totalBadDebt;
    Settlement private settlement;

    /// @notice Deploys a market: validates its parameters and contracts, and starts funding at NF = 1.
    /// @param contracts The tokens and pools of the market (the tokens must name this contract as controller).
    /// @param params The market parameters (see `MarketParams`).
    constructor(MarketContracts memory contracts, MarketParams memory params) Ownable(msg.sender) {
        _validateParams(params);
        _validateContracts(contracts, params.twapPeriodSeconds);
        POWER_TOKEN = IPowerToken(contracts.powerToken);
        VAULT_NFT = IVaultNFT(contracts.vaultNFT);
        WETH = contracts.weth;
        QUOTE_TOKEN = contracts.quoteToken;
        ETH_QUOTE_POOL = contracts.ethQuotePool;
        POWER_POOL = contracts.powerPool;
        ETH_PRICE_BASE_AMOUNT =
            10 **
            (18 +
                IERC20Metadata(contracts.weth).decimals() -
                IERC20Metadata(contracts.quoteToken).decimals());

        POWER = params.power;
        INDEX_SCALE = params.indexScale;
        MIN_COLLATERAL_RATIO_WAD = params.minCollateralRatioWad;
        MIN_COLLATERAL_WEI = params.minCollateralWei;
        TWAP_PERIOD_SECONDS = params.twapPeriodSeconds;
        FUNDING_PERIOD_SECONDS = params.fundingPeriodSeconds;
        MARK_RATIO_FLOOR_WAD = params.markRatioFloorWad;
        MARK_RATIO_CAP_WAD = params.markRatioCapWad;
        MarkClamp memory clamp = FundingMath.markClamp(params.markRatioFloorWad, params.markRatioCapWad);
        LOG_MARK_RATIO_FLOOR_WAD = clamp.logFloorWad;
        LOG_MARK_RATIO_CAP_WAD = clamp.logCapWad;
        LIQUIDATION_BONUS_WAD = params.liquidationBonusWad;
        DEPLOYED_AT = block.timestamp;
        admin.pausesLeft = uint8(MAX_PAUSES);

        fundingState = FundingState({
            normalizationFactor: uint128(WAD),
            lastUpdate: uint32(block.timestamp),
            ethPriceWad: 0,
            status: 0
        });
    }

    /// @notice Rejects plain ETH transfers: collateral enters only through `deposit` and `mint`.
    receive() external payable {
        revert DirectEthTransfer();
    }

    /* VAULT ACTIONS */

    /// @inheritdoc IController
    function openVault() external nonReentrant returns (uint256 vaultId) {
        _applyFunding();
        vaultId = _createVault(msg.sender);
        VAULT_NFT.mint(msg.sender, vaultId);
    }

    /// @inheritdoc IController
    function deposit(uint256 vaultId) external payable nonReentrant {
        if (msg.value == 0) revert ZeroAmount();
        _applyFunding();
        if (vaultId == 0 || vaultId > vaultCount) revert VaultNotFound(vaultId);
        Vault storage vault = vaults[vaultId];
        (uint256 collateral, uint256 debt) = (vault.collateral, vault.debt);
        vault.collateral = _toUint96(collateral + msg.value);
        _trackBadDebt(vaultId, collateral, debt, collateral + msg.value, debt);
        emit Deposited(vaultId, msg.sender, msg.value);
    }

    /// @inheritdoc IController
    function withdraw(uint256 vaultId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _burnAndWithdraw(vaultId, 0, amount);
    }

    /// @inheritdoc IController
    function mint(uint256 vaultId, uint256 amount) external payable nonReentrant returns (uint256) {
        if (amount == 0) revert ZeroAmount();
        (uint256 normalizationFactor_, uint256 ethPriceWad) = _applyFunding();
        bool isNewVault = vaultId == 0;
        if (isNewVault) vaultId = _createVault(msg.sender);
        else _requireOwnerOrOperator(vaultId);
        Vault storage vault = vaults[vaultId];

        uint256 collateral = vault.collateral;
        if (msg.value != 0) {
            collateral += msg.value;
            emit Deposited(vaultId, msg.sender, msg.value);
        }
        collateral -= _chargeMintFee(vaultId, amount, collateral, normalizationFactor_, ethPriceWad);
        uint256 debt = vault.debt + amount;
        _requireHealthy(vaultId, collateral, debt, normalizationFactor_, ethPriceWad);
        _trackBadDebt(vaultId, vault.collateral, vault.debt, collateral, debt);
        vault.collateral = _toUint96(collateral);
        vault.debt = _toUint128(debt);

        emit Minted(vaultId, msg.sender, amount);
        POWER_TOKEN.mint(msg.sender, amount);
        // The NFT goes out last: its `onERC721Received` hook sees the finished vault (checks-effects-interactions).
        if (isNewVault) VAULT_NFT.mint(msg.sender, vaultId);
        return vaultId;
    }

    /// @inheritdoc IController
    function burn(uint256 vaultId, uint256 amount, uint256 withdrawAmount) external nonReentrant {
        if (amount == 0 && withdrawAmount == 0) revert ZeroAmount();
        _burnAndWithdraw(vaultId, amount, withdrawAmount);
    }

    /// @inheritdoc IController
    function applyFunding() external nonReentrant returns (uint256 normalizationFactor_) {
        (normalizationFactor_, ) = _applyFunding();
    }

    /// @inheritdoc IController
    function setOperator(uint256 vaultId, address operator) external nonReentrant {
        // Revoking works in every state (paused, shut down: I-1); granting needs a running market.
        if (operator != address(0)) _applyFunding();
        address owner = _ownerOf(vaultId);
        if (msg.sender != owner) revert NotVaultOwner(vaultId, msg.sender);
        operators[vaultId] = operator;
        emit OperatorSet(vaultId, operator);
    }

    /// @inheritdoc IController
    function onVaultTransfer(uint256 vaultId, address newOwner) external {
        if (msg.sender != address(VAULT_NFT)) revert NotVaultNFT(msg.sender);
        emit VaultTransferred(vaultId, newOwner);
        if (operators[vaultId] != address(0)) {
            delete operators[vaultId];
            emit OperatorSet(vaultId, address(0));
        }
    }

    /* LIQUIDATION */

    /// @inheritdoc IController
    function liquidate(
        uint256 vaultId,
        uint256 maxDebtAmount
    ) external nonReentrant returns (uint256 debtRepaid, uint256 collateralPaid) {
        (uint256 normalizationFactor_, uint256 ethPriceWad) = _applyFunding();
        uint256 openAt = admin.liquidationsOpenAt;
        if (block.timestamp < openAt) revert LiquidationGracePeriod(openAt);
        if (vaultId == 0 || vaultId > vaultCount) revert VaultNotFound(vaultId);
        Vault storage vault = vaults[vaultId];
        uint256 collateral = vault.collateral;
        uint256 debt = vault.debt;
        (uint256 ratio, uint256 perToken) = _collateralRatio(
            collateral,
            debt,
            normalizationFactor_,
            ethPriceWad
        );
        if (_isSafe(collateral, debt, ratio)) revert VaultSafe(vaultId, ratio);

        LiquidationResult memory result = LiquidationMath.compute(
            LiquidationInput(collateral, debt, maxDebtAmount, ratio < WAD),
            _cappedPowerPrice(_marketPowerPrice(), perToken),
            LIQUIDATION_BONUS_WAD,
            MIN_COLLATERAL_WEI
        );
        if (result.leavesDust) revert LiquidationLeavesDust(vaultId, result.debtRequired);
        (debtRepaid, collateralPaid) = (result.debtRepaid, result.collateralPaid);
        if (debtRepaid == 0) revert ZeroAmount();
        unchecked {
            debt -= debtRepaid;
            collateral -= collateralPaid;
        }
        vault.debt = uint128(debt);
        vault.collateral = uint96(collateral);
        _trackBadDebt(vaultId, collateral + collateralPaid, debt + debtRepaid, collateral, debt);
        emit Liquidated(vaultId, msg.sender, debtRepaid, collateralPaid);
        POWER_TOKEN.burn(msg.sender, debtRepaid);
        if (collateralPaid != 0) _sendEth(msg.sender, collateralPaid);
    }

    /* FEES */

    /// @inheritdoc IController
    function setFee(uint256 feeBps_, address recipient) external onlyOwner {
        // Works in every state, so that fees always reach a recipient the owner can change (L-3).
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        if (recipient == address(0)) revert MissingFeeRecipient();
        admin.feeBps = uint16(feeBps_);
        admin.feeRecipient = recipient;
        emit FeeSet(feeBps_, recipient);
    }

    /// @inheritdoc IController
    function collectFees() external nonReentrant returns (uint256 amount) {
        amount = accruedFees;
        if (amount == 0) revert NoFeesToCollect();
        address recipient = admin.feeRecipient;
        accruedFees = 0;
        emit FeesCollected(recipient, amount);
        _sendEth(recipient, amount);
    }

    /* PAUSE AND SHUTDOWN */

    /// @inheritdoc IController
    function pause() external onlyOwner {
        // Checkpoint: funding runs up to the pause, then NF stays frozen until unpause (M-2).
        _applyFunding();
        if (admin.pausesLeft == 0) revert NoPausesLeft();
        uint256 deadline = DEPLOYED_AT + PAUSE_WINDOW_SECONDS;
        if (block.timestamp > deadline) revert PauseWindowClosed(deadline);
        uint256 left = admin.pausesLeft - 1;
        admin.pausesLeft = uint8(left);
        admin.pausedAt = uint32(block.timestamp);
        fundingState.status = STATUS_PAUSED;
        emit Paused(left);
    }

    /// @inheritdoc IController
    function unpause() external {
        FundingState memory state = fundingState;
        if (state.status == STATUS_SHUT_DOWN) revert ProtocolShutDown();
        if (state.status != STATUS_PAUSED) revert ProtocolNotPaused();
        uint256 allowedAt = uint256(admin.pausedAt) + UNPAUSE_DELAY_SECONDS;
        if (msg.sender != owner() && block.timestamp < allowedAt) revert UnpauseTooEarly(allowedAt);
        // Funding restarts now with NF as frozen at the pause: no price seen while paused can steer the paused
        // interval (M-2). The zero price drops the block cache, so the next call reads fresh prices.
        fundingState = FundingState({
            normalizationFactor: state.normalizationFactor,
            lastUpdate: uint32(block.timestamp),
            ethPriceWad: 0,
            status: 0
        });
        uint256 openAt = block.timestamp + LIQUIDATION_GRACE_SECONDS;
        admin.liquidationsOpenAt = uint32(openAt);
        emit Unpaused(msg.sender, openAt);
    }

    /// @inheritdoc IController
    function shutdown() external onlyOwner nonReentrant {
        FundingState memory state = fundingState;
        if (state.status == STATUS_SHUT_DOWN) revert ProtocolShutDown();
        // Funding runs up to shutdown (Squeeth froze a stale factor instead); a paused interval is not charged:
        // NF stays as frozen at the pause, and the settlement price is read fresh (M-2).
        (uint256 normalizationFactor_, uint256 ethPriceWad) = _updateFunding(state);
        fundingState.status = STATUS_SHUT_DOWN;
        settlement.normalizationFactor = uint128(normalizationFactor_);
        settlement.ethPriceWad = uint128(ethPriceWad);
        settlement.supply = POWER_TOKEN.totalSupply();
        emit Shutdown(ethPriceWad, normalizationFactor_);
    }

    /// @inheritdoc IController
    function settleVaults(uint256 maxVaults) external nonReentrant returns (bool complete) {
        _requireShutDown();
        uint256 settled = settlement.settledVaults;
        uint256 count = vaultCount;
        uint256 end = count - settled > maxVaults ? settled + maxVaults : count;
        uint256 perToken = _settlementValuePerToken(true);
        uint256 shortfall = settlement.shortfall;
        for (uint256 vaultId = settled + 1; vaultId <= end; ++vaultId) {
            Vault storage vault = vaults[vaultId];
            uint256 debtValueWei = VaultMath.debtValue(vault.debt, perToken);
            if (debtValueWei > vault.collateral) shortfall += debtValueWei - vault.collateral;
        }
        settlement.settledVaults = end;
        settlement.shortfall = shortfall;
        complete = end == count;
        if (complete && settled != count) {
            // Longs share what the vaults hold for them: their claims at the settlement price minus the shortfall.
            uint256 claims = VaultMath.debtValue(settlement.supply, _settlementValuePerToken(false));
            uint256 pool = claims > shortfall ? claims - shortfall : 0;
            settlement.longPayoutPool = pool;
            emit SettlementCompleted(pool, shortfall);
        }
    }

    /// @inheritdoc IController
    function redeemLong(uint256 amount) external nonReentrant returns (uint256 payout) {
        if (amount == 0) revert ZeroAmount();
        _requireSettled();
        if (settlement.shortfall == 0) {
            payout = FPML.fullMulDiv(amount, _settlementValuePerToken(false), WAD);
        } else {
            // Pro rata: every long bears the same share of the shortfall, whatever the redemption order.
            payout = FPML.fullMulDiv(amount, settlement.longPayoutPool, settlement.supply);
        }
        emit LongRedeemed(msg.sender, amount, payout);
        POWER_TOKEN.burn(msg.sender, amount);
        _sendEth(msg.sender, payout);
    }

    /// @inheritdoc IController
    function redeemShort(uint256 vaultId) external nonReentrant returns (uint256 payout) {
        _requireSettled();
        _requireOwnerOrOperator(vaultId);
        Vault storage vault = vaults[vaultId];
        uint256 collateral = vault.collateral;
        uint256 debtValueWei = VaultMath.debtValue(vault.debt, _settlementValuePerToken(true));
        payout = collateral > debtValueWei ? collateral - debtValueWei : 0;
        delete vaults[vaultId];
        emit ShortRedeemed(vaultId, msg.sender, payout);
        if (payout != 0) _sendEth(msg.sender, payout);
    }

    /* VIEWS */

    /// @inheritdoc IController
    function getVault(
        uint256 vaultId
    ) external view returns (address owner, address operator, uint256 collateral, uint256 debt) {
        Vault storage vault = vaults[vaultId];
        return (VAULT_NFT.ownerOfOrZero(vaultId), operators[vaultId], vault.collateral, vault.debt);
    }

    /// @inheritdoc IController
    function normalizationFactor() external view returns (uint256) {
        return fundingState.normalizationFactor;
    }

    /// @inheritdoc IController
    function lastFundingUpdate() external view returns (uint256) {
        return fundingState.lastUpdate;
    }

    /// @inheritdoc IController
    function expectedNormalizationFactor() public view returns (uint256 normalizationFactor_) {
        (normalizationFactor_, ) = _previewFunding();
    }

    /// @inheritdoc IController
    function ethPrice() external view returns (uint256 ethPriceWad) {
        (ethPriceWad, ) = _readPrices();
    }

    /// @inheritdoc IController
    function powerTokenPrice() external view returns (uint256 powerPriceWad) {
        (, powerPriceWad) = _readPrices();
    }

    /// @inheritdoc IController
    function index() external view returns (uint256) {
        (uint256 ethPriceWad, ) = _readPrices();
        return PowerPerpMath.indexWad(ethPriceWad, POWER, INDEX_SCALE);
    }

    /// @inheritdoc IController
    function mark() external view returns (uint256) {
        (uint256 normalizationFactor_, ) = _previewFunding();
        (uint256 ethPriceWad, uint256 powerPriceWad) = _readPrices();
        return PowerPerpMath.markWad(powerPriceWad, ethPriceWad, normalizationFactor_);
    }

    /// @inheritdoc IController
    function fundingRatePerDay() external view returns (int256) {
        return FundingMath.ratePerDayWad(_currentMarkIndexRatio(), _markClamp(), FUNDING_PERIOD_SECONDS);
    }

    /// @inheritdoc IController
    function impliedVolatility() external view returns (uint256) {
        return FundingMath.impliedVolatilityWad(_currentMarkIndexRatio(), POWER, FUNDING_PERIOD_SECONDS);
    }

    /// @inheritdoc IController
    function debtValuePerToken() public view returns (uint256) {
        (uint256 normalizationFactor_, uint256 ethPriceWad) = _previewFunding();
        return PowerPerpMath.debtValuePerTokenWad(normalizationFactor_, ethPriceWad, POWER, INDEX_SCALE);
    }

    /// @inheritdoc IController
    function collateralRatio(uint256 vaultId) public view returns (uint256) {
        Vault storage vault = vaults[vaultId];
        if (vault.debt == 0) return type(uint256).max;
        return
            VaultMath.collateralRatioWad(
                vault.collateral,
                VaultMath.debtValue(vault.debt, debtValuePerToken())
            );
    }

    /// @inheritdoc IController
    function isVaultSafe(uint256 vaultId) external view returns (bool) {
        Vault storage vault = vaults[vaultId];
        if (vault.debt == 0) return true;
        if (vault.collateral < MIN_COLLATERAL_WEI) return false;
        uint256 debtValueWei = VaultMath.debtValue(vault.debt, debtValuePerToken());
        return VaultMath.meetsRatio(vault.collateral, debtValueWei, MIN_COLLATERAL_RATIO_WAD);
    }

    /// @inheritdoc IController
    function maxMintable(uint256 vaultId) external view returns (uint256) {
        Vault storage vault = vaults[vaultId];
        if (vault.collateral < MIN_COLLATERAL_WEI) return 0;
        uint256 maxDebt = VaultMath.maxDebt(vault.collateral, debtValuePerToken(), MIN_COLLATERAL_RATIO_WAD);
        return maxDebt > vault.debt ? maxDebt - vault.debt : 0;
    }

    /// @inheritdoc IController
    function liquidationPrice(uint256 vaultId) external view returns (uint256) {
        Vault storage vault = vaults[vaultId];
        return
            VaultMath.liquidationPriceWad(
                vault.collateral,
                vault.debt,
                expectedNormalizationFactor(),
                MIN_COLLATERAL_RATIO_WAD,
                POWER,
                INDEX_SCALE
            );
    }

    /// @inheritdoc IController
    function previewLiquidation(
        uint256 vaultId
    ) external view returns (bool liquidatable, uint256 maxDebt, uint256 collateralPaid) {
        if (fundingState.status != 0 || block.timestamp < admin.liquidationsOpenAt) return (false, 0, 0);
        Vault storage vault = vaults[vaultId];
        (uint256 collateral, uint256 debt) = (vault.collateral, vault.debt);
        (uint256 normalizationFactor_, uint256 ethPriceWad) = _previewFunding();
        (uint256 ratio, uint256 perToken) = _collateralRatio(
            collateral,
            debt,
            normalizationFactor_,
            ethPriceWad
        );
        if (_isSafe(collateral, debt, ratio)) return (false, 0, 0);
        (, uint256 powerPriceWad) = _readPrices();
        LiquidationResult memory result = LiquidationMath.compute(
            LiquidationInput(collateral, debt, type(uint256).max, ratio < WAD),
            _cappedPowerPrice(powerPriceWad, perToken),
            LIQUIDATION_BONUS_WAD,
            MIN_COLLATERAL_WEI
        );
        return (true, result.debtRepaid, result.collateralPaid);
    }

    /// @inheritdoc IController
    function feeBps() external view returns (uint256) {
        return admin.feeBps;
    }

    /// @inheritdoc IController
    function feeRecipient() external view returns (address) {
        return admin.feeRecipient;
    }

    /// @inheritdoc IController
    function isPaused() external view returns (bool) {
        return fundingState.status == STATUS_PAUSED;
    }

    /// @inheritdoc IController
    function isShutDown() external view returns (bool) {
        return fundingState.status == STATUS_SHUT_DOWN;
    }

    /// @inheritdoc IController
    function pausesLeft() external view returns (uint256) {
        return admin.pausesLeft;
    }

    /// @inheritdoc IController
    function liquidationsOpenAt() external view returns (uint256) {
        return admin.liquidationsOpenAt;
    }

    /// @inheritdoc IController
    function settlementEthPrice() external view returns (uint256) {
        return settlement.ethPriceWad;
    }

    /// @inheritdoc IController
    function settledVaults() external view returns (uint256) {
        return settlement.settledVaults;
    }

    /// @inheritdoc IController
    function longPayoutPool() external view returns (uint256) {
        return settlement.longPayoutPool;
    }

    /// @inheritdoc IController
    function settlementShortfall() external view returns (uint256) {
        return settlement.shortfall;
    }

    /// @inheritdoc IController
    function marketParams() external view returns (MarketParams memory) {
        return
            MarketParams({
                power: uint8(POWER),
                indexScale: INDEX_SCALE,
                minCollateralRatioWad: MIN_COLLATERAL_RATIO_WAD,
                minCollateralWei: MIN_COLLATERAL_WEI,
                twapPeriodSeconds: TWAP_PERIOD_SECONDS,
                fundingPeriodSeconds: uint32(FUNDING_PERIOD_SECONDS),
                markRatioFloorWad: MARK_RATIO_FLOOR_WAD,
                markRatioCapWad: MARK_RATIO_CAP_WAD,
                liquidationBonusWad: LIQUIDATION_BONUS_WAD
            });
    }

    /// @inheritdoc IController
    function marketContracts() external view returns (MarketContracts memory) {
        return
            MarketContracts({
                powerToken: address(POWER_TOKEN),
                vaultNFT: address(VAULT_NFT),
                weth: WETH,
                quoteToken: QUOTE_TOKEN,
                ethQuotePool: ETH_QUOTE_POOL,
                powerPool: POWER_POOL
            });
    }

    /* INTERNAL: VAULTS */

    function _createVault(address owner) private returns (uint256 vaultId) {
        vaultId = ++vaultCount;
        emit VaultOpened(vaultId, owner);
    }

    /// @dev The vault NFT's holder; reverts with `VaultNotFound` for an id that was never opened.
    function _ownerOf(uint256 vaultId) private view returns (address owner) {
        owner = VAULT_NFT.ownerOfOrZero(vaultId);
        if (owner == address(0)) revert VaultNotFound(vaultId);
    }

    function _requireOwnerOrOperator(uint256 vaultId) private view {
        if (msg.sender != _ownerOf(vaultId) && msg.sender != operators[vaultId]) {
            revert NotVaultOwnerOrOperator(vaultId, msg.sender);
        }
    }

    /// @dev Burns `amount` of the caller's tokens against the vault's debt, then sends `withdrawAmount` ETH to the
    ///      caller. State is written before the token burn and the ETH transfer (checks-effects-interactions).
    function _burnAndWithdraw(uint256 vaultId, uint256 amount, uint256 withdrawAmount) private {
        (uint256 normalizationFactor_, uint256 ethPriceWad) = _applyFunding();
        _requireOwnerOrOperator(vaultId);
        Vault storage vault = vaults[vaultId];
        uint256 debt = vault.debt;
        uint256 collateral = vault.collateral;
        if (amount > debt) revert BurnExceedsDebt(vaultId, amount, debt);
        if (withdrawAmount > collateral) revert InsufficientCollateral(vaultId, withdrawAmount, collateral);
        unchecked {
            debt -= amount;
            collateral -= withdrawAmount;
        }
        _requireHealthy(vaultId, collateral, debt, normalizationFactor_, ethPriceWad);
        _trackBadDebt(vaultId, collateral + withdrawAmount, debt + amount, collateral, debt);
        if (amount != 0) {
            vault.debt = uint128(debt);
            emit Burned(vaultId, msg.sender, amount);
            POWER_TOKEN.burn(msg.sender, amount);
        }
        if (withdrawAmount != 0) {
            vault.collateral = uint96(collateral);
            emit Withdrawn(vaultId, msg.sender, withdrawAmount);
            _sendEth(msg.sender, withdrawAmount);
        }
    }

    /// @dev Reverts unless a vault with debt holds at least the dust floor and the minimum collateral ratio.
    function _requireHealthy(
        uint256 vaultId,
        uint256 collateral,
        uint256 debt,
        uint256 normalizationFactor_,
        uint256 ethPriceWad
    ) private view {
        if (debt == 0) return;
        if (collateral < MIN_COLLATERAL_WEI)
            revert VaultBelowMinCollateral(vaultId, collateral, MIN_COLLATERAL_WEI);
        uint256 perToken = PowerPerpMath.debtValuePerTokenWad(
            normalizationFactor_,
            ethPriceWad,
            POWER,
            INDEX_SCALE
        );
        uint256 debtValueWei = VaultMath.debtValue(debt, perToken);
        if (!VaultMath.meetsRatio(collateral, debtValueWei, MIN_COLLATERAL_RATIO_WAD)) {
            revert VaultUnsafe(vaultId, VaultMath.collateralRatioWad(collateral, debtValueWei));
        }
    }

    function _sendEth(address to, uint256 amount) private {
        (bool success, ) = to.call{value: amount}("");
        if (!success) revert EthTransferFailed(to, amount);
    }

    /* INTERNAL: FUNDING AND PRICES */

    /// @dev Entry check of every vault action: reverts while paused or shut down, then applies funding.
    function _applyFunding() private returns (uint256 normalizationFactor_, uint256 ethPriceWad) {
        FundingState memory state = fundingState;
        if (state.status == STATUS_PAUSED) revert ProtocolPaused();
        if (state.status != 0) revert ProtocolShutDown();
        return _updateFunding(state);
    }

    /// @dev Applies funding once per block and returns the normalization factor and the block's ETH/USD TWAP.
    ///      The first call of a block reads both pools; it caches the ETH price in storage and the power-token
    ///      price in transient storage for the rest of the transaction.
    function _updateFunding(
        FundingState memory state
    ) private returns (uint256 normalizationFactor_, uint256 ethPriceWad) {
        if (state.lastUpdate == uint32(block.timestamp) && state.ethPriceWad != 0) {
            return (state.normalizationFactor, state.ethPriceWad);
        }
        uint256 powerPriceWad;
        (ethPriceWad, powerPriceWad) = _readPrices();
        _cachePowerPrice(powerPriceWad);
        normalizationFactor_ = _nextNormalizationFactor(state, ethPriceWad, powerPriceWad);
        fundingState = FundingState({
            normalizationFactor: uint128(normalizationFactor_),
            lastUpdate: uint32(block.timestamp),
            ethPriceWad: _toUint88(ethPriceWad),
            status: state.status
        });
        if (state.lastUpdate != uint32(block.timestamp)) {
            emit NormalizationFactorUpdated(
                state.normalizationFactor,
                normalizationFactor_,
                state.lastUpdate,
                block.timestamp
            );
        }
    }

    /// @dev The power token's market TWAP of this block (ETH per token), from the transaction's cache if set.
    function _marketPowerPrice() private returns (uint256 powerPriceWad) {
        bytes32 slot = POWER_PRICE_TRANSIENT_SLOT;
        assembly ("memory-safe") {
            powerPriceWad := tload(slot)
        }
        if (powerPriceWad == 0) {
            (, powerPriceWad) = _readPrices();
            _cachePowerPrice(powerPriceWad);
        }
    }

    function _cachePowerPrice(uint256 powerPriceWad) private {
        bytes32 slot = POWER_PRICE_TRANSIENT_SLOT;
        assembly ("memory-safe") {
            tstore(slot, powerPriceWad)
        }
    }

    /// @dev The funding update `_applyFunding` would make now, without writing it.
    function _previewFunding() private view returns (uint256 normalizationFactor_, uint256 ethPriceWad) {
        FundingState memory state = fundingState;
        uint256 powerPriceWad;
        (ethPriceWad, powerPriceWad) = _readPrices();
        normalizationFactor_ = _nextNormalizationFactor(state, ethPriceWad, powerPriceWad);
    }

    function _nextNormalizationFactor(
        FundingState memory state,
        uint256 ethPriceWad,
        uint256 powerPriceWad
    ) private view returns (uint256) {
        // Frozen while paused and after shutdown: no funding accrues until unpause restarts it (M-2).
        if (state.status != 0) return state.normalizationFactor;
        uint256 ratio = PowerPerpMath.markIndexRatioWad(
            powerPriceWad,
            ethPriceWad,
            state.normalizationFactor,
            POWER,
            INDEX_SCALE
        );
        uint256 elapsed;
        unchecked {
            elapsed = uint32(block.timestamp) - state.lastUpdate; // uint32 timestamps wrap in 2106, as Uniswap's do
        }
        return
            FundingMath.nextNormalizationFactor(
                state.normalizationFactor,
                ratio,
                _markClamp(),
                elapsed,
                FUNDING_PERIOD_SECONDS
            );
    }

    function _markClamp() private view returns (MarkClamp memory) {
        return
            MarkClamp(
                MARK_RATIO_FLOOR_WAD,
                MARK_RATIO_CAP_WAD,
                LOG_MARK_RATIO_FLOOR_WAD,
                LOG_MARK_RATIO_CAP_WAD
            );
    }

    /// @dev mark / index now: the TWAPs with the normalization factor as if funding were applied now, the same
    ///      ratio `mark()` / `index()` report.
    function _currentMarkIndexRatio() private view returns (uint256) {
        (uint256 normalizationFactor_, ) = _previewFunding();
        (uint256 ethPriceWad, uint256 powerPriceWad) = _readPrices();
        return
            PowerPerpMath.markIndexRatioWad(
                powerPriceWad,
                ethPriceWad,
                normalizationFactor_,
                POWER,
                INDEX_SCALE
            );
    }

    /// @dev The ETH/USD and power/ETH TWAPs over one window: the TWAP period, capped to the ETH pool's history.
    ///      The power pool's history never shortens the ETH window (which prices every vault): a young or
    ///      low-cardinality power pool only shortens its own TWAP, which moves funding alone (clamped). Reverts
    ///      with `OracleHistoryUnavailable` when a pool has no history before this block.
    function _readPrices() private view returns (uint256 ethPriceWad, uint256 powerPriceWad) {
        uint32 window = TWAP_PERIOD_SECONDS;
        (bool ok, int24 ethTick) = UniswapTwap.tryMeanTick(ETH_QUOTE_POOL, window);
        if (!ok) {
            window = _cappedWindow(ETH_QUOTE_POOL, window);
            ethTick = UniswapTwap.meanTick(ETH_QUOTE_POOL, window);
        }
        int24 powerTick;
        (ok, powerTick) = UniswapTwap.tryMeanTick(POWER_POOL, window);
        if (!ok) powerTick = UniswapTwap.meanTick(POWER_POOL, _cappedWindow(POWER_POOL, window));
        ethPriceWad = UniswapTwap.quoteAtTick(ethTick, ETH_PRICE_BASE_AMOUNT, WETH, QUOTE_TOKEN);
        powerPriceWad = UniswapTwap.quoteAtTick(powerTick, WAD, address(POWER_TOKEN), WETH);
    }

    /// @dev `window` capped to the pool's history; reverts when the pool has none.
    function _cappedWindow(address pool, uint32 window) private view returns (uint32) {
        uint32 history = UniswapTwap.historySeconds(pool);
        if (history == 0) revert UniswapTwap.OracleHistoryUnavailable(pool);
        return history < window ? history : window;
    }

    /* INTERNAL: STATE CHECKS */

    function _requireShutDown() private view {
        uint8 status = fundingState.status;
        if (status == STATUS_PAUSED) revert ProtocolPaused();
        if (status != STATUS_SHUT_DOWN) revert ProtocolNotShutDown();
    }

    function _requireSettled() private view {
        _requireShutDown();
        uint256 settled = settlement.settledVaults;
        if (settled != vaultCount) revert SettlementIncomplete(settled, vaultCount);
    }

    /// @dev One token's debt value at the settlement price: rounded up for vault debts, down for long claims.
    function _settlementValuePerToken(bool roundUp) private view returns (uint256) {
        uint256 normalizationFactor_ = settlement.normalizationFactor;
        uint256 ethPriceWad = settlement.ethPriceWad;
        return PowerPerpMath.valuePerTokenWad(normalizationFactor_, ethPriceWad, POWER, INDEX_SCALE, roundUp);
    }

    /// @dev Charges the mint fee, amount * capped price * feeBps (rounded up), against the vault's collateral.
    function _chargeMintFee(
        uint256 vaultId,
        uint256 amount,
        uint256 collateral,
        uint256 normalizationFactor_,
        uint256 ethPriceWad
    ) private returns (uint256 fee) {
        uint256 feeBps_ = admin.feeBps;
        if (feeBps_ == 0) return 0;
        uint256 perToken = PowerPerpMath.debtValuePerTokenWad(
            normalizationFactor_,
            ethPriceWad,
            POWER,
            INDEX_SCALE
        );
        uint256 price = _cappedPowerPrice(_marketPowerPrice(), perToken);
        fee = FPML.fullMulDivUp(amount, price * feeBps_, WAD * BPS);
        if (fee > collateral) revert InsufficientCollateral(vaultId, fee, collateral);
        accruedFees += fee;
        emit FeeCharged(vaultId, fee);
    }

    /// @dev collateral / debt value (WAD), type(uint256).max without debt, and one token's debt value at index.
    function _collateralRatio(
        uint256 collateral,
        uint256 debt,
        uint256 normalizationFactor_,
        uint256 ethPriceWad
    ) private view returns (uint256 ratio, uint256 perToken) {
        perToken = PowerPerpMath.debtValuePerTokenWad(normalizationFactor_, ethPriceWad, POWER, INDEX_SCALE);
        ratio = VaultMath.collateralRatioWad(collateral, VaultMath.debtValue(debt, perToken));
    }

    /// @dev The price of one power token for liquidation payouts and the mint fee (S-1/S-2): the market TWAP q,
    ///      capped at its debt value at index times the funding clamp's cap (mark / index capped at the funding
    ///      band), so that a thin power pool held high cannot raise payouts or fees beyond what funding accepts.
    function _cappedPowerPrice(
        uint256 powerPriceWad,
        uint256 debtValuePerTokenWad
    ) private view returns (uint256) {
        uint256 cap = FPML.mulWad(debtValuePerTokenWad, MARK_RATIO_CAP_WAD);
        return powerPriceWad < cap ? powerPriceWad : cap;
    }

    /// @dev Keeps `totalBadDebt` equal to the debt of the vaults that hold debt and no collateral (the debt now
    ///      unbacked): every path that changes such a vault (deposit, mint, burn, liquidation) passes the vault's
    ///      state before and after. Newly unbacked debt is announced with `BadDebtRecorded`.
    function _trackBadDebt(
        uint256 vaultId,
        uint256 collateralBefore,
        uint256 debtBefore,
        uint256 collateralAfter,
        uint256 debtAfter
    ) private {
        uint256 unbackedBefore = collateralBefore == 0 ? debtBefore : 0;
        uint256 unbackedAfter = collateralAfter == 0 ? debtAfter : 0;
        if (unbackedAfter > unbackedBefore) {
            uint256 added = unbackedAfter - unbackedBefore;
            totalBadDebt += added;
            emit BadDebtRecorded(vaultId, added);
        } else if (unbackedBefore > unbackedAfter) {
            totalBadDebt -= unbackedBefore - unbackedAfter;
        }
    }

    /// @dev Safe: no debt, or at least the dust floor and the minimum collateral ratio.
    function _isSafe(uint256 collateral, uint256 debt, uint256 ratioWad) private view returns (bool) {
        return debt == 0 || (collateral >= MIN_COLLATERAL_WEI && ratioWad >= MIN_COLLATERAL_RATIO_WAD);
    }

    /* INTERNAL: VALIDATION AND CASTS */

    function _validateParams(MarketParams memory params) private pure {
        if (params.power == 0 || params.power > MAX_POWER) revert InvalidMarketParameter("power");
        if (params.indexScale == 0) revert InvalidMarketParameter("indexScale");
        if (params.minCollateralRatioWad <= WAD) revert InvalidMarketParameter("minCollateralRatioWad");
        if (params.twapPeriodSeconds == 0 || params.twapPeriodSeconds > MAX_TWAP_PERIOD_SECONDS) {
            revert InvalidMarketParameter("twapPeriodSeconds");
        }
        if (params.fundingPeriodSeconds == 0) revert InvalidMarketParameter("fundingPeriodSeconds");
        if (params.markRatioFloorWad == 0 || params.markRatioFloorWad > WAD) {
            revert InvalidMarketParameter("markRatioFloorWad");
        }
        if (params.markRatioCapWad < WAD || params.markRatioCapWad > MARK_RATIO_CAP_MAX_WAD) {
            revert InvalidMarketParameter("markRatioCapWad");
        }
        if (params.liquidationBonusWad > MAX_LIQUIDATION_BONUS_WAD)
            revert InvalidMarketParameter("liquidationBonusWad");
    }

    function _validateContracts(MarketContracts memory contracts, uint32 twapPeriodSeconds) private view {
        if (IPowerToken(contracts.powerToken).controller() != address(this))
            revert InvalidMarketAddress("powerToken");
        if (IVaultNFT(contracts.vaultNFT).controller() != address(this))
            revert InvalidMarketAddress("vaultNFT");
        if (!_poolHolds(contracts.ethQuotePool, contracts.weth, contracts.quoteToken)) {
            revert InvalidMarketAddress("ethQuotePool");
        }
        if (!_poolHolds(contracts.powerPool, contracts.powerToken, contracts.weth)) {
            revert InvalidMarketAddress("powerPool");
        }
        _requireObservationCapacity(contracts.ethQuotePool, twapPeriodSeconds);
        _requireObservationCapacity(contracts.powerPool, twapPeriodSeconds);
        _requireWindowCovered(contracts.ethQuotePool, twapPeriodSeconds);
    }

    function _poolHolds(address pool, address tokenA, address tokenB) private view returns (bool) {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        return IUniswapV3Pool(pool).token0() == token0 && IUniswapV3Pool(pool).token1() == token1;
    }

    /// @dev Each pool must keep at least twapPeriod + 1 observations. A pool writes at most one observation per
    ///      block and block timestamps are at least one second apart, so its history then always spans a full
    ///      TWAP period once it is that old: no sequence of swaps can shrink a window to a few blocks (a pool that
    ///      keeps 2 observations forgets everything before its second-to-last swap).
    function _requireObservationCapacity(address pool, uint32 twapPeriodSeconds) private view {
        (, , , , uint16 cardinalityNext, , ) = IUniswapV3Pool(pool).slot0();
        if (cardinalityNext <= twapPeriodSeconds)
            revert UniswapTwap.OracleCardinalityTooLow(pool, cardinalityNext);
    }

    /// @dev The ETH pool prices every vault, so it must hold a full window already (L-4): twapPeriod + 1
    ///      observations written (a raised cardinalityNext only grows the ring on later writes, so an old 2-slot
    ///      pool would average a few blocks) and history at least twapPeriod old. The power pool is created with the
    ///      market and only needs the capacity: its TWAP moves funding alone, inside the clamp.
    function _requireWindowCovered(address pool, uint32 twapPeriodSeconds) private view {
        (, , , uint16 cardinality, , , ) = IUniswapV3Pool(pool).slot0();
        uint32 history = UniswapTwap.historySeconds(pool);
        if (cardinality <= twapPeriodSeconds || history < twapPeriodSeconds) {
            revert OracleWindowNotCovered(pool, cardinality, history, twapPeriodSeconds);
        }
    }

    function _toUint88(uint256 value) private pure returns (uint88) {
        if (value > type(uint88).max) revert AmountOverflow(value);
        return uint88(value);
    }

    function _toUint96(uint256 value) private pure returns (uint96) {
        if (value > type(uint96).max) revert AmountOverflow(value);
        return uint96(value);
    }

    function _toUint128(uint256 value) private pure returns (uint128) {
        if (value > type(uint128).max) revert AmountOverflow(value);
        return uint128(value);
    }
}
