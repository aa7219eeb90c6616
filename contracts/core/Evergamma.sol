// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ERC721} from "solady/src/tokens/ERC721.sol";

import {IEverlastingOptionPricer} from "../interfaces/IEverlastingOptionPricer.sol";
import {IEvergamma} from "../interfaces/IEvergamma.sol";
import {IMarketToken} from "../interfaces/IMarketToken.sol";
import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {ConstantsLib as C} from "../libraries/ConstantsLib.sol";
import {FundingMath, MarkClamp} from "../libraries/FundingMath.sol";
import {Health} from "../libraries/Health.sol";
import {LiquidationInput, LiquidationMath, LiquidationResult} from "../libraries/LiquidationMath.sol";
import {Market} from "../libraries/Market.sol";
import {PriceSourceLib} from "../libraries/PriceSourceLib.sol";
import {Product} from "../libraries/Product.sol";
import {VaultMath} from "../libraries/VaultMath.sol";
import {MarketConfig, MarketConfigLib, MarketParams} from "../types/MarketConfig.sol";
import {VaultIdLib} from "../types/VaultId.sol";

/// @title Evergamma
/// @notice The vault engine of every Evergamma market: holds all ETH collateral and vault state, mints and burns
///         each market's token, and applies each market's funding through its normalization factor. It is also the
///         ERC-721 collection of the vaults (solady's `ERC721`): ownership checks read its own storage.
/// @dev One contract, many markets (the shape of Morpho Blue and Uniswap v4's PoolManager). A market is created by the
///      owner with an immutable configuration, a token and a price source (one market account: `MarketConfigLib`); its
///      mutable state is one slot (`Market.State`). A vault id carries its market in its high bits (`VaultIdLib`) and a
///      vault is one slot. Every state-changing entry point of a market first brings its funding up to date (at most
///      once per block; `deposit` needs none, as Morpho's `supplyCollateral`). The ETH/USD price of the block is cached
///      in the market's slot and the token price in transient storage, so only the first transaction of a block per
///      market calls its price source. Views live in `EvergammaLens`, which reads this contract's storage through
///      `extsload`.
contract Evergamma is IEvergamma, ERC721, Ownable2Step, ReentrancyGuardTransient {
    using VaultIdLib for uint256;

    /// @dev Base of the transient slots caching each market's token price for the transaction:
    ///      keccak256("evergamma.tokenPrice"), plus the market id.
    uint256 private constant TOKEN_PRICE_TRANSIENT_BASE =
        0x4e02c8b1ebfa249b78e3b96e524a05e1f3170c68bf72b2355c1529ddf6bbe1b7;

    /* STORAGE (the lens reads it through `extsload`: keep `EngineStorage`'s slot numbers in step) */

    /// @dev Fee and pause bookkeeping of one market, one slot. `liquidationsOpenAt`: the end of the last unpause's
    ///      grace period.
    struct MarketAdmin {
        address feeRecipient;
        uint16 feeBps;
        uint8 pausesLeft;
        uint32 pausedAt;
        uint32 liquidationsOpenAt;
    }

    /// @dev Counters of one market, one slot: vaults opened, creation time, mint fees not yet collected (wei).
    struct MarketBook {
        uint64 vaultCount;
        uint32 createdAt;
        uint128 accruedFees;
    }

    /// @dev Fixed at a market's shutdown, then filled in by `settleVaults`.
    struct Settlement {
        uint128 normalizationFactor;
        uint128 ethPriceWad;
        uint256 settledVaults;
        uint256 shortfall;
        uint256 supply;
        uint256 longPayoutPool;
    }

    /// @dev One slot: collateral in wei (up to 7.9e10 ETH) and debt in token units.
    struct Vault {
        uint96 collateral;
        uint128 debt;
    }

    /// @dev The everlasting-option pricer: values option debt (fair value at the floor volatility) and runs option
    ///      funding, so that the engine carries no option math of its own.
    IEverlastingOptionPricer private immutable PRICER;

    /// @inheritdoc IEvergamma
    uint32 public marketCount;
    mapping(uint32 marketId => Market.State) private marketStates;
    mapping(uint32 marketId => MarketAdmin) private admins;
    mapping(uint32 marketId => MarketBook) private books;
    mapping(uint256 vaultId => Vault) private vaults;
    mapping(uint256 vaultId => address) private operators;
    mapping(uint32 marketId => uint256) private badDebts;
    mapping(uint32 marketId => Settlement) private settlements;
    mapping(address token => bool) private listedTokens;

    /// @notice Deploys the engine (and vault collection); markets are added with `createMarket`.
    /// @param owner_ The owner (creates markets, sets fees, pauses and shuts markets down).
    /// @param pricer_ The `EverlastingOptionPricer` option markets are valued and funded with.
    constructor(address owner_, IEverlastingOptionPricer pricer_) Ownable(owner_) {
        if (address(pricer_).code.length == 0) revert InvalidMarketAddress("pricer");
        PRICER = pricer_;
    }

    /// @inheritdoc IEvergamma
    function optionPricer() external view returns (address) {
        return address(PRICER);
    }

    /// @notice The vault collection's name.
    function name() public pure override returns (string memory) {
        return "Evergamma Vault";
    }

    /// @notice The vault collection's symbol.
    function symbol() public pure override returns (string memory) {
        return "eVAULT";
    }

    /// @notice No metadata URI: vaults are described by the lens's `vaultReport`.
    function tokenURI(uint256) public pure override returns (string memory) {
        return "";
    }

    /// @notice Rejects plain ETH transfers: collateral enters only through `deposit` and `mint`.
    receive() external payable {
        revert DirectEthTransfer();
    }

    /* MARKETS */

    /// @inheritdoc IEvergamma
    function createMarket(
        MarketParams calldata params,
        address token,
        address priceSource
    ) external onlyOwner returns (uint32 marketId) {
        _validateParams(params);
        if (IMarketToken(token).engine() != address(this) || listedTokens[token]) {
            revert InvalidMarketAddress("token");
        }
        if (IPriceSource(priceSource).token() != token) revert InvalidMarketAddress("priceSource");
        // ln of a power market's clamp, computed once; an option's band is used as it is.
        MarkClamp memory clamp =
            Product.isOption(params)
                ? MarkClamp(params.markRatioFloorWad, params.markRatioCapWad, 0, 0)
                : FundingMath.markClamp(params.markRatioFloorWad, params.markRatioCapWad);
        MarketConfig memory config = MarketConfig(
            params,
            token,
            priceSource,
            clamp.logFloorWad,
            clamp.logCapWad
        );

        marketId = marketCount;
        if (marketId == type(uint32).max) revert AmountOverflow(marketId);
        marketCount = marketId + 1;
        listedTokens[token] = true;
        address account = MarketConfigLib.write(marketId, config, priceSource);
        // The market account must answer now, as the source it copies does (a source that keeps storage or reads
        // its own address cannot be copied), or the market is not created.
        (uint256 ethPriceWad, uint256 tokenPriceWad) = IPriceSource(priceSource).prices();
        (uint256 copyEthPriceWad, uint256 copyTokenPriceWad) = IPriceSource(account).prices();
        if (copyEthPriceWad != ethPriceWad || copyTokenPriceWad != tokenPriceWad) {
            revert InvalidMarketAddress("priceSource");
        }
        marketStates[marketId] = Market.State(
            uint128(C.WAD),
            uint32(block.timestamp),
            0,
            Market.STATUS_ACTIVE
        );
        admins[marketId].pausesLeft = uint8(C.MAX_PAUSES);
        books[marketId].createdAt = uint32(block.timestamp);
        emit MarketCreated(marketId, token, account, config);
    }

    /* VAULT ACTIONS */

    /// @inheritdoc IEvergamma
    function openVault(uint32 marketId) external nonReentrant returns (uint256 vaultId) {
        _requireActive(marketId);
        vaultId = _createVault(marketId, msg.sender);
        _safeMint(msg.sender, vaultId);
    }

    /// @inheritdoc IEvergamma
    function deposit(uint256 vaultId) external payable nonReentrant {
        if (msg.value == 0) revert ZeroAmount();
        uint32 marketId = vaultId.marketOf();
        _requireActive(marketId);
        _requireExists(vaultId);
        Vault storage vault = vaults[vaultId];
        (uint256 collateral, uint256 debt) = (vault.collateral, vault.debt);
        vault.collateral = _toUint96(collateral + msg.value);
        _trackBadDebt(vaultId, collateral, debt, collateral + msg.value, debt);
        emit Deposited(marketId, vaultId, msg.sender, msg.value);
    }

    /// @inheritdoc IEvergamma
    function withdraw(uint256 vaultId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _burnAndWithdraw(vaultId, 0, amount);
    }

    /// @inheritdoc IEvergamma
    function mint(uint256 vaultId, uint256 amount) external payable nonReentrant returns (uint256) {
        if (amount == 0) revert ZeroAmount();
        uint32 marketId = vaultId.marketOf();
        (MarketConfig memory config, uint256 nf, uint256 ethPriceWad, bool safeMode) = _accrue(marketId);
        if (safeMode) revert SafeModeNoNewDebt(marketId, amount);
        // Only the exact id marketId << 64 opens a vault: an id with other high bits names no vault.
        bool isNewVault = vaultId == VaultIdLib.toVaultId(marketId, 0);
        if (isNewVault) vaultId = _createVault(marketId, msg.sender);
        else _requireOwnerOrOperator(vaultId);
        Vault storage vault = vaults[vaultId];

        uint256 collateral = vault.collateral;
        if (msg.value != 0) {
            collateral += msg.value;
            emit Deposited(marketId, vaultId, msg.sender, msg.value);
        }
        uint256 perToken = _debtValuePerToken(marketId, config, nf, ethPriceWad);
        collateral -= _chargeMintFee(vaultId, amount, collateral, config, perToken);
        uint256 debt = vault.debt + amount;
        Health.requireHealthy(vaultId, collateral, debt, perToken, config.params);
        _trackBadDebt(vaultId, vault.collateral, vault.debt, collateral, debt);
        vault.collateral = _toUint96(collateral);
        vault.debt = _toUint128(debt);

        emit Minted(marketId, vaultId, msg.sender, amount);
        IMarketToken(config.token).mint(msg.sender, amount);
        // The NFT goes out last: its `onERC721Received` hook sees the finished vault (checks-effects-interactions).
        if (isNewVault) _safeMint(msg.sender, vaultId);
        return vaultId;
    }

    /// @inheritdoc IEvergamma
    function burn(uint256 vaultId, uint256 amount, uint256 withdrawAmount) external nonReentrant {
        if (amount == 0 && withdrawAmount == 0) revert ZeroAmount();
        _burnAndWithdraw(vaultId, amount, withdrawAmount);
    }

    /// @inheritdoc IEvergamma
    function applyFunding(uint32 marketId) external nonReentrant returns (uint256 normalizationFactor) {
        (, normalizationFactor, , ) = _accrue(marketId);
    }

    /// @inheritdoc IEvergamma
    function setOperator(uint256 vaultId, address operator) external nonReentrant {
        // Revoking works in every state (paused, shut down: I-1); granting needs a running market.
        if (operator != address(0)) _requireActive(vaultId.marketOf());
        address owner = _vaultOwner(vaultId);
        if (msg.sender != owner) revert NotVaultOwner(vaultId, msg.sender);
        operators[vaultId] = operator;
        emit OperatorSet(vaultId.marketOf(), vaultId, operator);
    }

    /// @dev Every transfer after the mint clears the vault's operator (the vault follows its NFT).
    function _afterTokenTransfer(address from, address to, uint256 vaultId) internal override {
        if (from == address(0)) return;
        uint32 marketId = vaultId.marketOf();
        emit VaultTransferred(marketId, vaultId, to);
        if (operators[vaultId] != address(0)) {
            delete operators[vaultId];
            emit OperatorSet(marketId, vaultId, address(0));
        }
    }

    /* LIQUIDATION */

    /// @inheritdoc IEvergamma
    function liquidate(
        uint256 vaultId,
        uint256 maxDebtAmount
    ) external nonReentrant returns (uint256 debtRepaid, uint256 collateralPaid) {
        uint32 marketId = vaultId.marketOf();
        (MarketConfig memory config, uint256 nf, uint256 ethPriceWad, ) = _accrue(marketId);
        uint256 openAt = admins[marketId].liquidationsOpenAt;
        if (block.timestamp < openAt) revert LiquidationGracePeriod(openAt);
        _requireExists(vaultId);
        Vault storage vault = vaults[vaultId];
        uint256 collateral = vault.collateral;
        uint256 debt = vault.debt;
        uint256 perToken = _debtValuePerToken(marketId, config, nf, ethPriceWad);
        uint256 ratio = Health.collateralRatioWad(collateral, debt, perToken);
        if (!Health.isLiquidatable(collateral, debt, perToken, config.params))
            revert VaultSafe(vaultId, ratio);

        LiquidationResult memory result = LiquidationMath.compute(
            LiquidationInput(
                collateral,
                debt,
                maxDebtAmount,
                Product.insolventAtIndex(config.params, collateral, debt, perToken, nf, ethPriceWad)
            ),
            Product.cappedTokenPriceWad(config.params, _tokenPrice(marketId, config), perToken),
            config.params.liquidationBonusWad,
            config.params.minCollateralWei
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
        emit Liquidated(marketId, vaultId, msg.sender, debtRepaid, collateralPaid);
        IMarketToken(config.token).burn(msg.sender, debtRepaid);
        if (collateralPaid != 0) _sendEth(msg.sender, collateralPaid);
    }

    /* FEES */

    /// @inheritdoc IEvergamma
    function setFee(uint32 marketId, uint256 feeBps, address recipient) external onlyOwner {
        // Works in every state, so that fees always reach a recipient the owner can change (L-3).
        _requireCreated(marketId);
        if (feeBps > C.MAX_FEE_BPS) revert FeeTooHigh(feeBps, C.MAX_FEE_BPS);
        if (recipient == address(0)) revert MissingFeeRecipient();
        MarketAdmin storage admin = admins[marketId];
        admin.feeBps = uint16(feeBps);
        admin.feeRecipient = recipient;
        emit FeeSet(marketId, feeBps, recipient);
    }

    /// @inheritdoc IEvergamma
    function collectFees(uint32 marketId) external nonReentrant returns (uint256 amount) {
        amount = books[marketId].accruedFees;
        if (amount == 0) revert NoFeesToCollect();
        address recipient = admins[marketId].feeRecipient;
        books[marketId].accruedFees = 0;
        emit FeesCollected(marketId, recipient, amount);
        _sendEth(recipient, amount);
    }

    /* PAUSE AND SHUTDOWN */

    /// @inheritdoc IEvergamma
    function pause(uint32 marketId) external onlyOwner {
        _pause(marketId);
    }

    /// @inheritdoc IEvergamma
    function pauseAll() external onlyOwner {
        uint32 count = marketCount;
        for (uint32 marketId; marketId < count; ++marketId) {
            if (Market.isLive(marketStates[marketId].status)) _pause(marketId);
        }
    }

    /// @inheritdoc IEvergamma
    function unpause(uint32 marketId) external {
        Market.State memory state = _requireCreated(marketId);
        if (state.status == Market.STATUS_SHUT_DOWN) revert MarketShutDown(marketId);
        if (state.status != Market.STATUS_PAUSED) revert MarketNotPaused(marketId);
        MarketAdmin storage admin = admins[marketId];
        uint256 allowedAt = uint256(admin.pausedAt) + C.UNPAUSE_DELAY_SECONDS;
        if (msg.sender != owner() && block.timestamp < allowedAt) revert UnpauseTooEarly(allowedAt);
        // Funding restarts now with NF as frozen at the pause: no price seen while paused can steer the paused
        // interval (M-2). The zero price drops the block cache, so the next call reads fresh prices.
        marketStates[marketId] = Market.State(
            state.normalizationFactor,
            uint32(block.timestamp),
            0,
            Market.STATUS_ACTIVE
        );
        uint256 openAt = block.timestamp + C.LIQUIDATION_GRACE_SECONDS;
        admin.liquidationsOpenAt = uint32(openAt);
        emit Unpaused(marketId, msg.sender, openAt);
    }

    /// @inheritdoc IEvergamma
    function shutdown(uint32 marketId) external onlyOwner nonReentrant {
        Market.State memory state = _requireCreated(marketId);
        if (state.status == Market.STATUS_SHUT_DOWN) revert MarketShutDown(marketId);
        // Funding runs up to shutdown (Squeeth froze a stale factor instead); a paused interval is not charged:
        // NF stays as frozen at the pause, and the settlement price is read fresh (M-2).
        MarketConfig memory config = MarketConfigLib.read(address(this), marketId);
        (uint256 nf, uint256 ethPriceWad, ) = _update(marketId, state, config);
        marketStates[marketId].status = Market.STATUS_SHUT_DOWN;
        Settlement storage settlement = settlements[marketId];
        settlement.normalizationFactor = uint128(nf);
        settlement.ethPriceWad = uint128(ethPriceWad);
        settlement.supply = IMarketToken(config.token).totalSupply();
        emit Shutdown(marketId, ethPriceWad, nf);
    }

    /// @inheritdoc IEvergamma
    function settleVaults(uint32 marketId, uint256 maxVaults) external nonReentrant returns (bool complete) {
        _requireShutDown(marketId);
        Settlement storage settlement = settlements[marketId];
        MarketParams memory params = MarketConfigLib.read(address(this), marketId).params;
        uint256 settled = settlement.settledVaults;
        uint256 count = books[marketId].vaultCount;
        uint256 end = count - settled > maxVaults ? settled + maxVaults : count;
        uint256 perToken = _settlementValuePerToken(settlement, params, true);
        uint256 shortfall = settlement.shortfall;
        for (uint256 serial = settled + 1; serial <= end; ++serial) {
            Vault storage vault = vaults[VaultIdLib.toVaultId(marketId, serial)];
            uint256 debtValueWei = VaultMath.debtValue(vault.debt, perToken);
            if (debtValueWei > vault.collateral) shortfall += debtValueWei - vault.collateral;
        }
        settlement.settledVaults = end;
        settlement.shortfall = shortfall;
        complete = end == count;
        if (complete && settled != count) {
            // Longs share what the vaults hold for them: their claims at the settlement price minus the shortfall.
            uint256 claims = VaultMath.debtValue(
                settlement.supply,
                _settlementValuePerToken(settlement, params, false)
            );
            uint256 pool = claims > shortfall ? claims - shortfall : 0;
            settlement.longPayoutPool = pool;
            emit SettlementCompleted(marketId, pool, shortfall);
        }
    }

    /// @inheritdoc IEvergamma
    function redeemLong(uint32 marketId, uint256 amount) external nonReentrant returns (uint256 payout) {
        if (amount == 0) revert ZeroAmount();
        _requireSettled(marketId);
        Settlement storage settlement = settlements[marketId];
        MarketConfig memory config = MarketConfigLib.read(address(this), marketId);
        if (settlement.shortfall == 0) {
            payout = FPML.fullMulDiv(
                amount,
                _settlementValuePerToken(settlement, config.params, false),
                C.WAD
            );
        } else {
            // Pro rata: every long bears the same share of the shortfall, whatever the redemption order.
            payout = FPML.fullMulDiv(amount, settlement.longPayoutPool, settlement.supply);
        }
        emit LongRedeemed(marketId, msg.sender, amount, payout);
        IMarketToken(config.token).burn(msg.sender, amount);
        _sendEth(msg.sender, payout);
    }

    /// @inheritdoc IEvergamma
    function redeemShort(uint256 vaultId) external nonReentrant returns (uint256 payout) {
        uint32 marketId = vaultId.marketOf();
        _requireSettled(marketId);
        _requireOwnerOrOperator(vaultId);
        Settlement storage settlement = settlements[marketId];
        MarketParams memory params = MarketConfigLib.read(address(this), marketId).params;
        Vault storage vault = vaults[vaultId];
        uint256 collateral = vault.collateral;
        uint256 debtValueWei = VaultMath.debtValue(
            vault.debt,
            _settlementValuePerToken(settlement, params, true)
        );
        payout = collateral > debtValueWei ? collateral - debtValueWei : 0;
        delete vaults[vaultId];
        emit ShortRedeemed(marketId, vaultId, msg.sender, payout);
        if (payout != 0) _sendEth(msg.sender, payout);
    }

    /* STORAGE ACCESS FOR THE LENS */

    /// @inheritdoc IEvergamma
    function extsload(bytes32 slot) external view returns (bytes32 value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    /// @inheritdoc IEvergamma
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory values) {
        values = new bytes32[](slots.length);
        for (uint256 i; i < slots.length; ++i) {
            bytes32 slot = slots[i];
            bytes32 value;
            assembly ("memory-safe") {
                value := sload(slot)
            }
            values[i] = value;
        }
    }

    /* INTERNAL: VAULTS */

    function _createVault(uint32 marketId, address owner) private returns (uint256 vaultId) {
        uint64 serial = ++books[marketId].vaultCount;
        vaultId = VaultIdLib.toVaultId(marketId, serial);
        emit VaultOpened(marketId, vaultId, owner);
    }

    /// @dev Reverts with `VaultNotFound` unless the id names an opened vault of its market.
    function _requireExists(uint256 vaultId) private view {
        uint256 serial = vaultId.serialOf();
        if (serial == 0 || serial > books[vaultId.marketOf()].vaultCount) revert VaultNotFound(vaultId);
    }

    /// @dev The vault NFT's holder; reverts with `VaultNotFound` for an id that was never opened.
    function _vaultOwner(uint256 vaultId) private view returns (address owner) {
        owner = _ownerOf(vaultId);
        if (owner == address(0)) revert VaultNotFound(vaultId);
    }

    function _requireOwnerOrOperator(uint256 vaultId) private view {
        if (msg.sender != _vaultOwner(vaultId) && msg.sender != operators[vaultId]) {
            revert NotVaultOwnerOrOperator(vaultId, msg.sender);
        }
    }

    /// @dev Burns `amount` of the caller's tokens against the vault's debt, then sends `withdrawAmount` ETH to the
    ///      caller. State is written before the token burn and the ETH transfer (checks-effects-interactions).
    function _burnAndWithdraw(uint256 vaultId, uint256 amount, uint256 withdrawAmount) private {
        uint32 marketId = vaultId.marketOf();
        (MarketConfig memory config, uint256 nf, uint256 ethPriceWad, bool safeMode) = _accrue(marketId);
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
        uint256 perToken = _debtValuePerToken(marketId, config, nf, ethPriceWad);
        Health.requireHealthy(vaultId, collateral, debt, perToken, config.params);
        if (safeMode && withdrawAmount != 0) {
            Health.requireRatioKept(
                vaultId,
                collateral + withdrawAmount,
                debt + amount,
                collateral,
                debt,
                perToken
            );
        }
        _trackBadDebt(vaultId, collateral + withdrawAmount, debt + amount, collateral, debt);
        if (amount != 0) vault.debt = uint128(debt);
        if (withdrawAmount != 0) vault.collateral = uint96(collateral);
        if (amount != 0) {
            emit Burned(marketId, vaultId, msg.sender, amount, withdrawAmount);
            IMarketToken(config.token).burn(msg.sender, amount);
        } else {
            emit Withdrawn(marketId, vaultId, msg.sender, withdrawAmount);
        }
        if (withdrawAmount != 0) _sendEth(msg.sender, withdrawAmount);
    }

    /// @dev Charges the mint fee, amount * capped token price * feeBps (rounded up), against the vault's collateral.
    function _chargeMintFee(
        uint256 vaultId,
        uint256 amount,
        uint256 collateral,
        MarketConfig memory config,
        uint256 debtValuePerTokenWad
    ) private returns (uint256 fee) {
        uint32 marketId = vaultId.marketOf();
        uint256 feeBps = admins[marketId].feeBps;
        if (feeBps == 0) return 0;
        uint256 price = Product.cappedTokenPriceWad(
            config.params,
            _tokenPrice(marketId, config),
            debtValuePerTokenWad
        );
        fee = FPML.fullMulDivUp(amount, price * feeBps, C.WAD * C.BPS);
        if (fee > collateral) revert InsufficientCollateral(vaultId, fee, collateral);
        books[marketId].accruedFees += uint128(fee);
        emit FeeCharged(marketId, vaultId, fee);
    }

    /// @dev Keeps a market's bad debt equal to the debt of its vaults that hold debt and no collateral (the debt
    ///      now unbacked): every path that changes such a vault (deposit, mint, burn, liquidation) passes the
    ///      vault's state before and after. Newly unbacked debt is announced with `BadDebtRecorded`.
    function _trackBadDebt(
        uint256 vaultId,
        uint256 collateralBefore,
        uint256 debtBefore,
        uint256 collateralAfter,
        uint256 debtAfter
    ) private {
        uint256 unbackedBefore = collateralBefore == 0 ? debtBefore : 0;
        uint256 unbackedAfter = collateralAfter == 0 ? debtAfter : 0;
        if (unbackedAfter == unbackedBefore) return;
        uint32 marketId = vaultId.marketOf();
        if (unbackedAfter > unbackedBefore) {
            uint256 added = unbackedAfter - unbackedBefore;
            badDebts[marketId] += added;
            emit BadDebtRecorded(marketId, vaultId, added);
        } else {
            badDebts[marketId] -= unbackedBefore - unbackedAfter;
        }
    }

    function _sendEth(address to, uint256 amount) private {
        (bool success, ) = to.call{value: amount}("");
        if (!success) revert EthTransferFailed(to, amount);
    }

    /* INTERNAL: MARKETS, FUNDING AND PRICES */

    /// @dev A created market's state; reverts with `MarketNotFound` otherwise.
    function _requireCreated(uint32 marketId) private view returns (Market.State memory state) {
        state = marketStates[marketId];
        if (state.normalizationFactor == 0) revert MarketNotFound(marketId);
    }

    /// @dev A running market's state (active or in safe mode); reverts while it is paused or shut down.
    function _requireActive(uint32 marketId) private view returns (Market.State memory state) {
        state = _requireCreated(marketId);
        if (state.status == Market.STATUS_PAUSED) revert MarketPaused(marketId);
        if (state.status == Market.STATUS_SHUT_DOWN) revert MarketShutDown(marketId);
    }

    /// @dev Entry check of every vault action and liquidation: the market must run; applies its funding and
    ///      returns its configuration, NF, the block's ETH/USD price and whether the market is in safe mode.
    function _accrue(
        uint32 marketId
    ) private returns (MarketConfig memory config, uint256 nf, uint256 ethPriceWad, bool safeMode) {
        Market.State memory state = _requireActive(marketId);
        config = MarketConfigLib.read(address(this), marketId);
        uint8 status = state.status;
        if (Market.isCurrent(state)) {
            (nf, ethPriceWad) = (state.normalizationFactor, state.ethPriceWad);
        } else {
            (nf, ethPriceWad, status) = _update(marketId, state, config);
        }
        safeMode = status == Market.STATUS_SAFE_MODE;
    }

    /// @dev Reads the market's prices, caches the token price for the transaction, and writes NF, the ETH price
    ///      of this block and the status (NF unchanged while paused or shut down). A guarded source that reports a
    ///      reason puts a live market in safe mode and S becomes the more conservative of its two prices; a live
    ///      market whose source reports none is active (`SafeModeEntered` / `SafeModeExited` on each change).
    function _update(
        uint32 marketId,
        Market.State memory state,
        MarketConfig memory config
    ) private returns (uint256 nf, uint256 ethPriceWad, uint8 status) {
        (
            uint256 sourceEthPriceWad,
            uint256 tokenPriceWad,
            uint256 referenceEthPriceWad,
            uint256 reason
        ) = PriceSourceLib.read(config.priceSource);
        _cacheTokenPrice(marketId, tokenPriceWad);
        ethPriceWad =
            reason == 0
                ? sourceEthPriceWad
                : Product.conservativeEthPriceWad(config.params, sourceEthPriceWad, referenceEthPriceWad);
        status = state.status;
        if (Market.isLive(status)) {
            uint8 next = reason == 0 ? Market.STATUS_ACTIVE : Market.STATUS_SAFE_MODE;
            if (next != status) {
                if (reason != 0)
                    emit SafeModeEntered(marketId, reason, sourceEthPriceWad, referenceEthPriceWad);
                else emit SafeModeExited(marketId, ethPriceWad);
                status = next;
            }
        }
        nf = Market.nextNormalizationFactor(state, config, PRICER, ethPriceWad, tokenPriceWad);
        marketStates[marketId] = Market.State(
            uint128(nf),
            uint32(block.timestamp),
            _toUint88(ethPriceWad),
            status
        );
        if (state.lastUpdate != uint32(block.timestamp)) emit NormalizationFactorUpdated(marketId, nf);
    }

    /// @dev The debt value of one token for the health rule (`Product.debtValuePerTokenWad`); an option's also
    ///      reads the token price (cached for the transaction).
    function _debtValuePerToken(
        uint32 marketId,
        MarketConfig memory config,
        uint256 nf,
        uint256 ethPriceWad
    ) private returns (uint256) {
        uint256 tokenPriceWad = Product.isOption(config.params) ? _tokenPrice(marketId, config) : 0;
        return Product.debtValuePerTokenWad(config.params, PRICER, nf, ethPriceWad, tokenPriceWad);
    }

    function _pause(uint32 marketId) private {
        // Checkpoint: funding runs up to the pause, then NF stays frozen until unpause (M-2).
        _accrue(marketId);
        MarketAdmin storage admin = admins[marketId];
        uint256 left = admin.pausesLeft;
        if (left == 0) revert NoPausesLeft();
        uint256 deadline = books[marketId].createdAt + C.PAUSE_WINDOW_SECONDS;
        if (block.timestamp > deadline) revert PauseWindowClosed(deadline);
        admin.pausesLeft = uint8(--left);
        admin.pausedAt = uint32(block.timestamp);
        marketStates[marketId].status = Market.STATUS_PAUSED;
        emit Paused(marketId, left);
    }

    /// @dev The market token's price of this block (ETH per token), from the transaction's cache if set.
    function _tokenPrice(
        uint32 marketId,
        MarketConfig memory config
    ) private returns (uint256 tokenPriceWad) {
        uint256 slot = TOKEN_PRICE_TRANSIENT_BASE + marketId;
        assembly ("memory-safe") {
            tokenPriceWad := tload(slot)
        }
        if (tokenPriceWad == 0) {
            (, tokenPriceWad) = IPriceSource(config.priceSource).prices();
            _cacheTokenPrice(marketId, tokenPriceWad);
        }
    }

    function _cacheTokenPrice(uint32 marketId, uint256 tokenPriceWad) private {
        uint256 slot = TOKEN_PRICE_TRANSIENT_BASE + marketId;
        assembly ("memory-safe") {
            tstore(slot, tokenPriceWad)
        }
    }

    /* INTERNAL: SETTLEMENT */

    function _requireShutDown(uint32 marketId) private view {
        uint8 status = _requireCreated(marketId).status;
        if (status == Market.STATUS_PAUSED) revert MarketPaused(marketId);
        if (status != Market.STATUS_SHUT_DOWN) revert MarketNotShutDown(marketId);
    }

    function _requireSettled(uint32 marketId) private view {
        _requireShutDown(marketId);
        uint256 settled = settlements[marketId].settledVaults;
        uint256 count = books[marketId].vaultCount;
        if (settled != count) revert SettlementIncomplete(settled, count);
    }

    /// @dev One token's value at the settlement price: rounded up for vault debts, down for long claims.
    function _settlementValuePerToken(
        Settlement storage settlement,
        MarketParams memory params,
        bool roundUp
    ) private view returns (uint256) {
        return
            Product.valuePerTokenWad(params, settlement.normalizationFactor, settlement.ethPriceWad, roundUp);
    }

    /* INTERNAL: VALIDATION AND CASTS */

    function _validateParams(MarketParams calldata params) private view {
        string memory invalidTerm = Product.invalidTerm(params, PRICER);
        if (bytes(invalidTerm).length != 0) revert InvalidMarketParameter(invalidTerm);
        if (params.minCollateralRatioWad <= C.WAD) revert InvalidMarketParameter("minCollateralRatioWad");
        if (params.fundingPeriodSeconds == 0) revert InvalidMarketParameter("fundingPeriodSeconds");
        if (params.liquidationBonusWad > C.MAX_LIQUIDATION_BONUS_WAD) {
            revert InvalidMarketParameter("liquidationBonusWad");
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
