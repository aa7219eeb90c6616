// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IEvergamma} from "../interfaces/IEvergamma.sol";
import {IKeeperHelper, VaultHealth} from "../interfaces/IKeeperHelper.sol";
import {IPriceSource} from "../interfaces/IPriceSource.sol";
import {LiquidationResult} from "../libraries/LiquidationMath.sol";
import {Market} from "../libraries/Market.sol";
import {MarketConfigLib} from "../types/MarketConfig.sol";
import {VaultIdLib} from "../types/VaultId.sol";
import {EngineStorage, StoredVault} from "./EngineStorage.sol";
import {MarketSnapshot, Snapshot} from "./MarketSnapshot.sol";

/// @title KeeperHelper
/// @notice Upkeep for every market of one engine: paged health views for off-chain keepers, Chainlink Automation
///         and Gelato entry points, and a guarded liquidation for keepers that use their own tokens.
/// @dev Health is the engine's own rule, evaluated as the engine would in this block (`MarketSnapshot`); vault pages
///      are read with one `extsload` call each.
contract KeeperHelper is IKeeperHelper, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using VaultIdLib for uint256;

    /// @inheritdoc IKeeperHelper
    uint256 public constant MAX_PAGE_SIZE = 1000;
    /// @inheritdoc IKeeperHelper
    uint256 public constant CHECK_PAGE_SIZE = 500;
    /// @inheritdoc IKeeperHelper
    uint256 public constant MAX_LIQUIDATIONS_PER_UPKEEP = 20;
    uint256 private constant WAD = 1e18;

    IEvergamma private immutable ENGINE;

    /// @inheritdoc IKeeperHelper
    address public recipient;
    /// @inheritdoc IKeeperHelper
    uint256 public fundingInterval;

    /// @notice Deploys the helper of one engine.
    /// @param engine_ The engine.
    /// @param recipient_ The recipient of liquidation proceeds.
    /// @param fundingInterval_ How old a market's funding update must be before an upkeep applies it, in seconds.
    /// @param owner_ The owner (sets the recipient and interval, withdraws tokens).
    constructor(
        IEvergamma engine_,
        address recipient_,
        uint256 fundingInterval_,
        address owner_
    ) Ownable(owner_) {
        if (address(engine_) == address(0) || recipient_ == address(0)) revert ZeroAddress();
        if (fundingInterval_ == 0) revert InvalidFundingInterval();
        ENGINE = engine_;
        recipient = recipient_;
        fundingInterval = fundingInterval_;
        emit RecipientSet(recipient_);
        emit FundingIntervalSet(fundingInterval_);
    }

    /// @notice Accepts the ETH of liquidations (from the engine only).
    receive() external payable {
        if (msg.sender != address(ENGINE)) revert UnexpectedEthSender(msg.sender);
    }

    /* VIEWS FOR OFF-CHAIN KEEPERS */

    /// @inheritdoc IKeeperHelper
    function getVaultHealth(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) external view returns (VaultHealth[] memory page) {
        Snapshot memory s = MarketSnapshot.load(ENGINE, marketId);
        (uint256 first, StoredVault[] memory vaults) = _page(marketId, startSerial, count);
        page = new VaultHealth[](vaults.length);
        for (uint256 i; i < vaults.length; ++i) {
            StoredVault memory vault = vaults[i];
            page[i] = VaultHealth({
                vaultId: VaultIdLib.toVaultId(marketId, first + i),
                collateral: vault.collateral,
                debt: vault.debt,
                liquidatable: MarketSnapshot.isLiquidatable(s, vault.collateral, vault.debt)
            });
        }
    }

    /// @inheritdoc IKeeperHelper
    function getLiquidatableVaults(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) external view returns (uint256[] memory vaultIds, uint256 withDebt) {
        Snapshot memory s = MarketSnapshot.load(ENGINE, marketId);
        (uint256 first, StoredVault[] memory vaults) = _page(marketId, startSerial, count);
        vaultIds = new uint256[](vaults.length);
        uint256 found;
        for (uint256 i; i < vaults.length; ++i) {
            StoredVault memory vault = vaults[i];
            if (vault.debt == 0) continue;
            ++withDebt;
            if (MarketSnapshot.isLiquidatable(s, vault.collateral, vault.debt)) {
                vaultIds[found++] = VaultIdLib.toVaultId(marketId, first + i);
            }
        }
        _truncate(vaultIds, found);
    }

    /// @inheritdoc IKeeperHelper
    function fundingDue(uint32 marketId) public view returns (bool) {
        Market.State memory state = EngineStorage.marketState(ENGINE, marketId);
        return
            state.normalizationFactor != 0 &&
            Market.isLive(state.status) &&
            block.timestamp >= state.lastUpdate + fundingInterval;
    }

    /* CHAINLINK AUTOMATION */

    /// @inheritdoc IKeeperHelper
    function checkUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData) {
        (uint32 marketId, uint256 startSerial, uint256 count) = checkData.length == 0
            ? (uint32(0), uint256(1), CHECK_PAGE_SIZE)
            : abi.decode(checkData, (uint32, uint256, uint256));
        return _check(marketId, startSerial, count);
    }

    /// @inheritdoc IKeeperHelper
    function performUpkeep(bytes calldata performData) external nonReentrant {
        (uint32[] memory fundingMarketIds, uint256[] memory vaultIds) = abi.decode(
            performData,
            (uint32[], uint256[])
        );
        if (vaultIds.length > MAX_LIQUIDATIONS_PER_UPKEEP) {
            revert TooManyVaults(vaultIds.length, MAX_LIQUIDATIONS_PER_UPKEEP);
        }
        bool done;
        for (uint256 i; i < fundingMarketIds.length; ++i) {
            uint32 marketId = fundingMarketIds[i];
            if (!fundingDue(marketId)) continue;
            emit FundingApplied(marketId, ENGINE.applyFunding(marketId));
            done = true;
        }
        if (_liquidateAll(vaultIds)) done = true;
        if (!done) revert UpkeepNotNeeded();
        uint256 proceeds = address(this).balance;
        if (proceeds != 0) {
            address to = recipient;
            emit ProceedsSent(to, proceeds);
            (bool success, ) = to.call{value: proceeds}("");
            if (!success) revert EthTransferFailed(to, proceeds);
        }
    }

    /* GELATO */

    /// @inheritdoc IKeeperHelper
    function checker() external view returns (bool canExec, bytes memory execPayload) {
        return _gelato(0, 1, CHECK_PAGE_SIZE);
    }

    /// @inheritdoc IKeeperHelper
    function checkerPage(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) external view returns (bool canExec, bytes memory execPayload) {
        return _gelato(marketId, startSerial, count);
    }

    /* GUARDED LIQUIDATION FOR OFF-CHAIN KEEPERS */

    /// @inheritdoc IKeeperHelper
    function liquidateWithLimits(
        uint256 vaultId,
        uint256 maxDebtAmount,
        uint256 minCollateralOut,
        uint256 deadline
    ) external nonReentrant returns (uint256 debtRepaid, uint256 collateralPaid) {
        if (block.timestamp > deadline) revert LiquidationDeadlinePassed(deadline, block.timestamp);
        IERC20 token = _token(vaultId.marketOf());
        token.safeTransferFrom(msg.sender, address(this), maxDebtAmount);
        (debtRepaid, collateralPaid) = ENGINE.liquidate(vaultId, maxDebtAmount);
        if (collateralPaid < minCollateralOut) {
            revert InsufficientCollateralOut(vaultId, collateralPaid, minCollateralOut);
        }
        emit LiquidatedWithLimits(vaultId, msg.sender, debtRepaid, collateralPaid);
        uint256 unusedTokens = maxDebtAmount - debtRepaid;
        if (unusedTokens != 0) token.safeTransfer(msg.sender, unusedTokens);
        if (collateralPaid != 0) {
            (bool success, ) = msg.sender.call{value: collateralPaid}("");
            if (!success) revert EthTransferFailed(msg.sender, collateralPaid);
        }
    }

    /* INTERNAL ENTRY POINT */

    /// @inheritdoc IKeeperHelper
    function liquidateChecked(
        uint256 vaultId,
        uint256 maxDebtAmount,
        uint256 tokenPriceWad
    ) external returns (uint256 debtRepaid, uint256 collateralPaid) {
        if (msg.sender != address(this)) revert OnlySelf(msg.sender);
        (debtRepaid, collateralPaid) = ENGINE.liquidate(vaultId, maxDebtAmount);
        if (collateralPaid < FPML.fullMulDivUp(debtRepaid, tokenPriceWad, WAD)) {
            revert UnprofitableLiquidation(vaultId, debtRepaid, collateralPaid);
        }
    }

    /* ADMIN */

    /// @inheritdoc IKeeperHelper
    function setRecipient(address recipient_) external onlyOwner {
        if (recipient_ == address(0)) revert ZeroAddress();
        recipient = recipient_;
        emit RecipientSet(recipient_);
    }

    /// @inheritdoc IKeeperHelper
    function setFundingInterval(uint256 fundingInterval_) external onlyOwner {
        if (fundingInterval_ == 0) revert InvalidFundingInterval();
        fundingInterval = fundingInterval_;
        emit FundingIntervalSet(fundingInterval_);
    }

    /// @inheritdoc IKeeperHelper
    function withdrawTokens(address token, address to, uint256 amount) external onlyOwner nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        emit TokensWithdrawn(token, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    /* CONFIGURATION */

    /// @inheritdoc IKeeperHelper
    function engine() external view returns (address) {
        return address(ENGINE);
    }

    /* INTERNAL */

    /// @dev Liquidates each listed vault that is still liquidatable, with the helper's tokens of its market; the
    ///      token price of each market is read once.
    function _liquidateAll(uint256[] memory vaultIds) private returns (bool any) {
        for (uint256 i; i < vaultIds.length; ++i) {
            uint256 vaultId = vaultIds[i];
            uint32 marketId = vaultId.marketOf();
            if (!Market.isLive(EngineStorage.marketState(ENGINE, marketId).status)) continue;
            IERC20 token = _token(marketId);
            uint256 balance = token.balanceOf(address(this));
            if (balance == 0) {
                emit LiquidationSkipped(vaultId, "");
                continue;
            }
            uint256 debt = EngineStorage.vault(ENGINE, vaultId).debt;
            uint256 amount = debt < balance ? debt : balance;
            try this.liquidateChecked(vaultId, amount, _tokenPrice(marketId)) returns (
                uint256 debtRepaid,
                uint256 collateralPaid
            ) {
                emit VaultLiquidated(vaultId, debtRepaid, collateralPaid);
                any = true;
            } catch (bytes memory reason) {
                emit LiquidationSkipped(vaultId, reason);
            }
        }
    }

    /// @dev Every market whose funding is due, and the vaults of one page the helper can liquidate at a profit.
    function _check(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) private view returns (bool needed, bytes memory performData) {
        uint32[] memory fundingMarketIds = _marketsDue();
        uint256[] memory vaultIds = _profitableLiquidations(marketId, startSerial, count);
        needed = fundingMarketIds.length != 0 || vaultIds.length != 0;
        performData = abi.encode(fundingMarketIds, vaultIds);
    }

    function _marketsDue() private view returns (uint32[] memory marketIds) {
        uint32 marketCount = ENGINE.marketCount();
        marketIds = new uint32[](marketCount);
        uint256 found;
        for (uint32 marketId; marketId < marketCount; ++marketId) {
            if (fundingDue(marketId)) marketIds[found++] = marketId;
        }
        assembly ("memory-safe") {
            mstore(marketIds, found)
        }
    }

    function _profitableLiquidations(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) private view returns (uint256[] memory vaultIds) {
        vaultIds = new uint256[](MAX_LIQUIDATIONS_PER_UPKEEP);
        if (marketId >= ENGINE.marketCount()) {
            _truncate(vaultIds, 0);
            return vaultIds;
        }
        Snapshot memory s = MarketSnapshot.load(ENGINE, marketId);
        uint256 balance = s.liquidationsOpen ? IERC20(s.config.token).balanceOf(address(this)) : 0;
        (uint256 first, StoredVault[] memory vaults) = _page(marketId, startSerial, count);
        uint256 found;
        for (uint256 i; i < vaults.length && balance != 0; ++i) {
            StoredVault memory vault = vaults[i];
            if (!MarketSnapshot.isLiquidatable(s, vault.collateral, vault.debt)) continue;
            LiquidationResult memory result = MarketSnapshot.liquidation(
                s,
                vault.collateral,
                vault.debt,
                vault.debt < balance ? vault.debt : balance
            );
            if (result.leavesDust || result.debtRepaid == 0) continue;
            if (result.collateralPaid < FPML.fullMulDivUp(result.debtRepaid, s.tokenPriceWad, WAD)) continue;
            vaultIds[found++] = VaultIdLib.toVaultId(marketId, first + i);
            balance -= result.debtRepaid;
            if (found == MAX_LIQUIDATIONS_PER_UPKEEP) break;
        }
        _truncate(vaultIds, found);
    }

    /// @dev Gelato's answer for a page: the check, with the perform data wrapped in a `performUpkeep` call.
    function _gelato(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) private view returns (bool canExec, bytes memory payload) {
        bytes memory performData;
        (canExec, performData) = _check(marketId, startSerial, count);
        payload = abi.encodeCall(IKeeperHelper.performUpkeep, (performData));
    }

    /// @dev The first serial of a page and its vaults, clipped to the market's opened vaults.
    function _page(
        uint32 marketId,
        uint256 startSerial,
        uint256 count
    ) private view returns (uint256 first, StoredVault[] memory vaults) {
        if (count > MAX_PAGE_SIZE) revert PageTooLarge(count, MAX_PAGE_SIZE);
        first = startSerial == 0 ? 1 : startSerial;
        uint256 limit = EngineStorage.book(ENGINE, marketId).vaultCount + 1;
        if (first > limit) first = limit;
        uint256 end = limit - first > count ? first + count : limit;
        vaults = EngineStorage.vaultRange(ENGINE, marketId, first, end - first);
    }

    function _token(uint32 marketId) private view returns (IERC20) {
        return IERC20(MarketConfigLib.read(address(ENGINE), marketId).token);
    }

    function _tokenPrice(uint32 marketId) private view returns (uint256 tokenPriceWad) {
        (, tokenPriceWad) = IPriceSource(MarketConfigLib.read(address(ENGINE), marketId).priceSource)
            .prices();
    }

    /// @dev Shortens a memory array in place to its first `length` entries.
    function _truncate(uint256[] memory array, uint256 length) private pure {
        assembly ("memory-safe") {
            mstore(array, length)
        }
    }
}
