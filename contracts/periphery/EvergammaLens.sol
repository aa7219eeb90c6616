// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IEvergamma} from "../interfaces/IEvergamma.sol";
import {IEvergammaLens, MarketReport, VaultReport} from "../interfaces/IEvergammaLens.sol";
import {IOptionLens, OptionReport} from "../interfaces/IOptionLens.sol";
import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Health} from "../libraries/Health.sol";
import {LiquidationResult} from "../libraries/LiquidationMath.sol";
import {Market} from "../libraries/Market.sol";
import {PriceSourceLib} from "../libraries/PriceSourceLib.sol";
import {Product} from "../libraries/Product.sol";
import {VaultMath} from "../libraries/VaultMath.sol";
import {MarketConfig, MarketConfigLib} from "../types/MarketConfig.sol";
import {VaultIdLib} from "../types/VaultId.sol";
import {EngineStorage, StoredBook, StoredSettlement, StoredVault} from "./EngineStorage.sol";
import {MarketSnapshot, Snapshot} from "./MarketSnapshot.sol";
import {OptionViews} from "./OptionViews.sol";

/// @title EvergammaLens
/// @notice The engine's views, off its storage (`extsload`) and with its own libraries: one rule for health
///         (`Health`), one for products (`Product`), one for funding (`Market`); option fair values and Greeks
///         from the engine's pricer (`OptionViews`).
contract EvergammaLens is IEvergammaLens, IOptionLens {
    using VaultIdLib for uint256;

    IEvergamma private immutable ENGINE;

    /// @notice Deploys the lens of one engine.
    /// @param engine_ The engine.
    constructor(IEvergamma engine_) {
        ENGINE = engine_;
    }

    /// @inheritdoc IEvergammaLens
    function engine() external view returns (address) {
        return address(ENGINE);
    }

    /* REPORTS */

    /// @inheritdoc IEvergammaLens
    function vaultReport(uint256 vaultId) external view returns (VaultReport memory report) {
        uint32 marketId = vaultId.marketOf();
        Snapshot memory s = _snapshot(marketId);
        StoredVault memory vault = EngineStorage.vault(ENGINE, vaultId);
        report.vaultId = vaultId;
        report.marketId = marketId;
        report.owner = _ownerOf(vaultId);
        report.operator = EngineStorage.operator(ENGINE, vaultId);
        report.collateral = vault.collateral;
        report.debt = vault.debt;
        report.debtValue = VaultMath.debtValue(vault.debt, s.debtValuePerTokenWad);
        report.collateralRatioWad = Health.collateralRatioWad(
            vault.collateral,
            vault.debt,
            s.debtValuePerTokenWad
        );
        report.healthy = Health.isHealthy(
            vault.collateral,
            vault.debt,
            s.debtValuePerTokenWad,
            s.config.params
        );
        (report.liquidatable, , ) = _previewLiquidation(s, vault);
        report.maxMintable = _maxMintable(s, vault);
        report.liquidationPriceWad = _liquidationPrice(s, vault);
    }

    /// @inheritdoc IEvergammaLens
    function marketReport(uint32 marketId) external view returns (MarketReport memory report) {
        Snapshot memory s = _snapshot(marketId);
        StoredBook memory book = EngineStorage.book(ENGINE, marketId);
        report.marketId = marketId;
        report.config = s.config;
        report.status = s.state.status;
        report.normalizationFactor = s.normalizationFactor;
        report.lastFundingUpdate = s.state.lastUpdate;
        report.ethPriceWad = s.ethPriceWad;
        report.tokenPriceWad = s.tokenPriceWad;
        report.indexWad = Product.indexWad(s.config.params, s.ethPriceWad);
        report.markWad = MarketSnapshot.markWad(s);
        report.fundingRatePerDayWad = MarketSnapshot.fundingRatePerDayWad(s);
        report.impliedVolatilityWad = MarketSnapshot.impliedVolatilityWad(s);
        report.debtValuePerTokenWad = s.debtValuePerTokenWad;
        report.vaultCount = book.vaultCount;
        report.tokenSupply = IERC20(s.config.token).totalSupply();
        report.accruedFees = book.accruedFees;
        report.totalBadDebt = book.badDebt;
        report.feeBps = book.feeBps;
        report.pausesLeft = book.pausesLeft;
        report.liquidationsOpenAt = book.liquidationsOpenAt;
    }

    /* MARKET VIEWS */

    /// @inheritdoc IEvergammaLens
    function marketConfig(uint32 marketId) public view returns (MarketConfig memory) {
        _requireCreated(marketId);
        return MarketConfigLib.read(address(ENGINE), marketId);
    }

    /// @inheritdoc IEvergammaLens
    function vaultCount(uint32 marketId) external view returns (uint256) {
        return EngineStorage.book(ENGINE, marketId).vaultCount;
    }

    /// @inheritdoc IEvergammaLens
    function normalizationFactor(uint32 marketId) external view returns (uint256) {
        return EngineStorage.marketState(ENGINE, marketId).normalizationFactor;
    }

    /// @inheritdoc IEvergammaLens
    function lastFundingUpdate(uint32 marketId) external view returns (uint256) {
        return EngineStorage.marketState(ENGINE, marketId).lastUpdate;
    }

    /// @inheritdoc IEvergammaLens
    function expectedNormalizationFactor(uint32 marketId) external view returns (uint256) {
        return _snapshot(marketId).normalizationFactor;
    }

    /// @inheritdoc IEvergammaLens
    function ethPrice(uint32 marketId) external view returns (uint256 ethPriceWad) {
        MarketConfig memory config = marketConfig(marketId);
        (ethPriceWad, , ) = PriceSourceLib.marketPrices(config.priceSource, config.params);
    }

    /// @inheritdoc IEvergammaLens
    function tokenPrice(uint32 marketId) external view returns (uint256 tokenPriceWad) {
        (, tokenPriceWad) = IPriceSource(marketConfig(marketId).priceSource).prices();
    }

    /// @inheritdoc IEvergammaLens
    function index(uint32 marketId) external view returns (uint256) {
        MarketConfig memory config = marketConfig(marketId);
        (uint256 ethPriceWad, , ) = PriceSourceLib.marketPrices(config.priceSource, config.params);
        return Product.indexWad(config.params, ethPriceWad);
    }

    /// @inheritdoc IEvergammaLens
    function mark(uint32 marketId) external view returns (uint256) {
        return MarketSnapshot.markWad(_snapshot(marketId));
    }

    /// @inheritdoc IEvergammaLens
    function fundingRatePerDay(uint32 marketId) external view returns (int256) {
        return MarketSnapshot.fundingRatePerDayWad(_snapshot(marketId));
    }

    /// @inheritdoc IEvergammaLens
    function impliedVolatility(uint32 marketId) external view returns (uint256) {
        return MarketSnapshot.impliedVolatilityWad(_snapshot(marketId));
    }

    /// @inheritdoc IEvergammaLens
    function debtValuePerToken(uint32 marketId) external view returns (uint256) {
        return _snapshot(marketId).debtValuePerTokenWad;
    }

    /* VAULT VIEWS */

    /// @inheritdoc IEvergammaLens
    function getVault(
        uint256 vaultId
    ) external view returns (address owner, address operator, uint256 collateral, uint256 debt) {
        StoredVault memory vault = EngineStorage.vault(ENGINE, vaultId);
        return (_ownerOf(vaultId), EngineStorage.operator(ENGINE, vaultId), vault.collateral, vault.debt);
    }

    /// @inheritdoc IEvergammaLens
    function collateralRatio(uint256 vaultId) external view returns (uint256) {
        StoredVault memory vault = EngineStorage.vault(ENGINE, vaultId);
        if (vault.debt == 0) return type(uint256).max;
        Snapshot memory s = _snapshot(vaultId.marketOf());
        return Health.collateralRatioWad(vault.collateral, vault.debt, s.debtValuePerTokenWad);
    }

    /// @inheritdoc IEvergammaLens
    function isVaultSafe(uint256 vaultId) external view returns (bool) {
        StoredVault memory vault = EngineStorage.vault(ENGINE, vaultId);
        if (vault.debt == 0) return true;
        Snapshot memory s = _snapshot(vaultId.marketOf());
        return Health.isHealthy(vault.collateral, vault.debt, s.debtValuePerTokenWad, s.config.params);
    }

    /// @inheritdoc IEvergammaLens
    function maxMintable(uint256 vaultId) external view returns (uint256) {
        return _maxMintable(_snapshot(vaultId.marketOf()), EngineStorage.vault(ENGINE, vaultId));
    }

    /// @notice The ETH price (WAD) at which a vault becomes unsafe with NF now; 0 without debt or for n = 1. For an
    ///         option market: found by bisection on S assuming the market price moves with the floor model
    ///         (`OptionViews`), type(uint256).max when the vault stays healthy at every price within 1024x of S.
    /// @param vaultId The vault id.
    /// @return The price (USD per ETH, WAD).
    function liquidationPrice(uint256 vaultId) external view returns (uint256) {
        return _liquidationPrice(_snapshot(vaultId.marketOf()), EngineStorage.vault(ENGINE, vaultId));
    }

    /// @inheritdoc IEvergammaLens
    function previewLiquidation(
        uint256 vaultId
    ) external view returns (bool liquidatable, uint256 maxDebt, uint256 collateralPaid) {
        return _previewLiquidation(_snapshot(vaultId.marketOf()), EngineStorage.vault(ENGINE, vaultId));
    }

    /* OPTION VIEWS */

    /// @inheritdoc IOptionLens
    function optionReport(uint32 marketId) external view returns (OptionReport memory) {
        return OptionViews.report(_optionSnapshot(marketId));
    }

    /// @inheritdoc IOptionLens
    function vaultGreeks(
        uint256 vaultId
    ) external view returns (int256 deltaWad, int256 gammaWad, int256 vegaWad) {
        Snapshot memory s = _optionSnapshot(vaultId.marketOf());
        return OptionViews.vaultGreeks(s, EngineStorage.vault(ENGINE, vaultId).debt);
    }

    /* BOOKKEEPING VIEWS */

    /// @inheritdoc IEvergammaLens
    function totalBadDebt(uint32 marketId) external view returns (uint256) {
        return EngineStorage.book(ENGINE, marketId).badDebt;
    }

    /// @inheritdoc IEvergammaLens
    function feeBps(uint32 marketId) external view returns (uint256) {
        return EngineStorage.book(ENGINE, marketId).feeBps;
    }

    /// @inheritdoc IEvergammaLens
    function feeRecipient(uint32 marketId) external view returns (address) {
        return EngineStorage.book(ENGINE, marketId).feeRecipient;
    }

    /// @inheritdoc IEvergammaLens
    function accruedFees(uint32 marketId) external view returns (uint256) {
        return EngineStorage.book(ENGINE, marketId).accruedFees;
    }

    /// @inheritdoc IEvergammaLens
    function isPaused(uint32 marketId) external view returns (bool) {
        return EngineStorage.marketState(ENGINE, marketId).status == Market.STATUS_PAUSED;
    }

    /// @inheritdoc IEvergammaLens
    function isShutDown(uint32 marketId) external view returns (bool) {
        return EngineStorage.marketState(ENGINE, marketId).status == Market.STATUS_SHUT_DOWN;
    }

    /// @inheritdoc IEvergammaLens
    function isSafeMode(uint32 marketId) external view returns (bool) {
        return EngineStorage.marketState(ENGINE, marketId).status == Market.STATUS_SAFE_MODE;
    }

    /// @inheritdoc IEvergammaLens
    function pausesLeft(uint32 marketId) external view returns (uint256) {
        return EngineStorage.book(ENGINE, marketId).pausesLeft;
    }

    /// @inheritdoc IEvergammaLens
    function liquidationsOpenAt(uint32 marketId) external view returns (uint256) {
        return EngineStorage.book(ENGINE, marketId).liquidationsOpenAt;
    }

    /// @inheritdoc IEvergammaLens
    function settlementEthPrice(uint32 marketId) external view returns (uint256) {
        return _settlement(marketId).ethPriceWad;
    }

    /// @inheritdoc IEvergammaLens
    function settledVaults(uint32 marketId) external view returns (uint256) {
        return _settlement(marketId).settledVaults;
    }

    /// @inheritdoc IEvergammaLens
    function longPayoutPool(uint32 marketId) external view returns (uint256) {
        return _settlement(marketId).longPayoutPool;
    }

    /// @inheritdoc IEvergammaLens
    function settlementShortfall(uint32 marketId) external view returns (uint256) {
        return _settlement(marketId).shortfall;
    }

    /* INTERNAL */

    /// @dev The vault NFT's holder, or zero for an id never minted (where `ownerOf` reverts).
    function _ownerOf(uint256 vaultId) private view returns (address) {
        try IERC721(address(ENGINE)).ownerOf(vaultId) returns (address owner) {
            return owner;
        } catch {
            return address(0);
        }
    }

    function _requireCreated(uint32 marketId) private view {
        if (EngineStorage.marketState(ENGINE, marketId).normalizationFactor == 0)
            revert MarketNotFound(marketId);
    }

    function _snapshot(uint32 marketId) private view returns (Snapshot memory) {
        return MarketSnapshot.load(ENGINE, marketId);
    }

    /// @dev An option market's snapshot; reverts `NotAnOptionMarket` for a power market.
    function _optionSnapshot(uint32 marketId) private view returns (Snapshot memory s) {
        s = _snapshot(marketId);
        if (!Product.isOption(s.config.params)) revert NotAnOptionMarket(marketId);
    }

    /// @dev The liquidation price of either kind (`Product` for a power market, `OptionViews` for an option).
    function _liquidationPrice(Snapshot memory s, StoredVault memory vault) private pure returns (uint256) {
        if (Product.isOption(s.config.params)) {
            return OptionViews.liquidationPriceWad(s, vault.collateral, vault.debt);
        }
        return
            Product.liquidationPriceWad(s.config.params, vault.collateral, vault.debt, s.normalizationFactor);
    }

    function _maxMintable(Snapshot memory s, StoredVault memory vault) private pure returns (uint256) {
        if (vault.collateral < s.config.params.minCollateralWei) return 0;
        uint256 maxDebt = VaultMath.maxDebt(
            vault.collateral,
            s.debtValuePerTokenWad,
            s.config.params.minCollateralRatioWad
        );
        return maxDebt > vault.debt ? maxDebt - vault.debt : 0;
    }

    /// @dev What the engine's `liquidate` would do with an unlimited offer.
    function _previewLiquidation(
        Snapshot memory s,
        StoredVault memory vault
    ) private pure returns (bool liquidatable, uint256 maxDebt, uint256 collateralPaid) {
        if (!MarketSnapshot.isLiquidatable(s, vault.collateral, vault.debt)) return (false, 0, 0);
        LiquidationResult memory result = MarketSnapshot.liquidation(
            s,
            vault.collateral,
            vault.debt,
            type(uint256).max
        );
        return (true, result.debtRepaid, result.collateralPaid);
    }

    function _settlement(uint32 marketId) private view returns (StoredSettlement memory) {
        return EngineStorage.settlement(ENGINE, marketId);
    }
}
