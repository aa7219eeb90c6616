// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IController, MarketParams} from "../interfaces/IController.sol";
import {IKeeperHelper, VaultHealth} from "../interfaces/IKeeperHelper.sol";
import {LiquidationInput, LiquidationMath, LiquidationResult} from "../libraries/LiquidationMath.sol";
import {VaultMath} from "../libraries/VaultMath.sol";

/// @title KeeperHelper
/// @notice Keeps an Evergamma Controller: paged vault-health views for off-chain keepers, and an upkeep for Chainlink
///         Automation and Gelato that applies stale funding and liquidates unsafe vaults with the helper's own power
///         tokens, forwarding the ETH proceeds to a configured recipient.
/// @dev Health uses the Controller's own rule (`liquidate` accepts a vault with debt whose collateral is below the
///      dust floor or whose ratio is below the minimum) with the Controller's `debtValuePerToken()` read once per
///      page, so a page costs one `getVault` call per vault. Fund the upkeep by transferring power tokens to this
///      contract; the owner can withdraw them with `withdrawTokens`.
contract KeeperHelper is IKeeperHelper, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IKeeperHelper
    uint256 public constant MAX_PAGE_SIZE = 1000;
    /// @inheritdoc IKeeperHelper
    uint256 public constant CHECK_PAGE_SIZE = 500;
    /// @inheritdoc IKeeperHelper
    uint256 public constant MAX_LIQUIDATIONS_PER_UPKEEP = 20;

    uint256 private constant WAD = 1e18;

    IController private immutable CONTROLLER;
    IERC20 private immutable POWER_TOKEN;
    uint256 private immutable MIN_COLLATERAL_RATIO_WAD;
    uint256 private immutable MIN_COLLATERAL_WEI;
    uint256 private immutable LIQUIDATION_BONUS_WAD;

    /// @inheritdoc IKeeperHelper
    address public recipient;
    /// @inheritdoc IKeeperHelper
    uint256 public fundingInterval;

    /// @dev What a page scan needs to know once: whether the protocol is active, whether liquidations are open
    ///      (active and past the grace period after an unpause) and one token's debt value.
    struct Market {
        bool active;
        bool liquidationsOpen;
        uint256 debtValuePerTokenWad;
    }

    /// @notice Deploys a keeper helper for one Controller.
    /// @param controller_ The Controller to keep.
    /// @param recipient_ The recipient of liquidation proceeds.
    /// @param fundingInterval_ How old the last funding update must be before an upkeep applies funding, in seconds.
    /// @param owner_ The owner (sets the recipient and the interval, withdraws tokens).
    constructor(
        IController controller_,
        address recipient_,
        uint256 fundingInterval_,
        address owner_
    ) Ownable(owner_) {
        if (address(controller_) == address(0) || recipient_ == address(0)) revert ZeroAddress();
        if (fundingInterval_ == 0) revert InvalidFundingInterval();
        CONTROLLER = controller_;
        POWER_TOKEN = IERC20(controller_.marketContracts().powerToken);
        MarketParams memory params = controller_.marketParams();
        MIN_COLLATERAL_RATIO_WAD = params.minCollateralRatioWad;
        MIN_COLLATERAL_WEI = params.minCollateralWei;
        LIQUIDATION_BONUS_WAD = params.liquidationBonusWad;
        recipient = recipient_;
        fundingInterval = fundingInterval_;
        emit RecipientSet(recipient_);
        emit FundingIntervalSet(fundingInterval_);
    }

    /// @notice Accepts liquidation proceeds from the Controller only.
    receive() external payable {
        if (msg.sender != address(CONTROLLER)) revert UnexpectedEthSender(msg.sender);
    }

    /* VIEWS FOR OFF-CHAIN KEEPERS */

    /// @inheritdoc IKeeperHelper
    function getVaultHealth(
        uint256 startId,
        uint256 count
    ) external view returns (VaultHealth[] memory page) {
        (uint256 first, uint256 end) = _range(startId, count);
        Market memory market = _market();
        page = new VaultHealth[](end - first);
        for (uint256 vaultId = first; vaultId < end; ++vaultId) {
            (uint256 collateral, uint256 debt) = _vault(vaultId);
            page[vaultId - first] = VaultHealth({
                vaultId: vaultId,
                collateral: collateral,
                debt: debt,
                liquidatable: _isLiquidatable(market, collateral, debt)
            });
        }
    }

    /// @inheritdoc IKeeperHelper
    function getLiquidatableVaults(
        uint256 startId,
        uint256 count
    ) external view returns (uint256[] memory vaultIds, uint256 withDebt) {
        (uint256 first, uint256 end) = _range(startId, count);
        Market memory market = _market();
        vaultIds = new uint256[](end - first);
        uint256 found;
        for (uint256 vaultId = first; vaultId < end; ++vaultId) {
            (uint256 collateral, uint256 debt) = _vault(vaultId);
            if (debt == 0) continue;
            ++withDebt;
            if (_isLiquidatable(market, collateral, debt)) vaultIds[found++] = vaultId;
        }
        _truncate(vaultIds, found);
    }

    /// @inheritdoc IKeeperHelper
    function fundingDue() public view returns (bool) {
        return _isActive() && _fundingStale();
    }

    /* CHAINLINK AUTOMATION */

    /// @inheritdoc IKeeperHelper
    function checkUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData) {
        (uint256 startId, uint256 count) = checkData.length == 0
            ? (1, CHECK_PAGE_SIZE)
            : abi.decode(checkData, (uint256, uint256));
        return _check(startId, count);
    }

    /// @inheritdoc IKeeperHelper
    function performUpkeep(bytes calldata performData) external nonReentrant {
        (bool applyFunding, uint256[] memory vaultIds) = abi.decode(performData, (bool, uint256[]));
        if (vaultIds.length > MAX_LIQUIDATIONS_PER_UPKEEP) {
            revert TooManyVaults(vaultIds.length, MAX_LIQUIDATIONS_PER_UPKEEP);
        }
        bool done;
        if (applyFunding && fundingDue()) {
            emit FundingApplied(CONTROLLER.applyFunding());
            done = true;
        }
        if (vaultIds.length != 0 && _isActive()) {
            if (_liquidateAll(vaultIds)) done = true;
        }
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
        return _gelato(1, CHECK_PAGE_SIZE);
    }

    /// @inheritdoc IKeeperHelper
    function checkerPage(
        uint256 startId,
        uint256 count
    ) external view returns (bool canExec, bytes memory execPayload) {
        return _gelato(startId, count);
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
        POWER_TOKEN.safeTransferFrom(msg.sender, address(this), maxDebtAmount);
        (debtRepaid, collateralPaid) = CONTROLLER.liquidate(vaultId, maxDebtAmount);
        if (collateralPaid < minCollateralOut) {
            revert InsufficientCollateralOut(vaultId, collateralPaid, minCollateralOut);
        }
        emit LiquidatedWithLimits(vaultId, msg.sender, debtRepaid, collateralPaid);
        uint256 unusedTokens = maxDebtAmount - debtRepaid;
        if (unusedTokens != 0) POWER_TOKEN.safeTransfer(msg.sender, unusedTokens);
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
        uint256 powerPriceWad
    ) external returns (uint256 debtRepaid, uint256 collateralPaid) {
        if (msg.sender != address(this)) revert OnlySelf(msg.sender);
        (debtRepaid, collateralPaid) = CONTROLLER.liquidate(vaultId, maxDebtAmount);
        if (collateralPaid < FPML.fullMulDivUp(debtRepaid, powerPriceWad, WAD)) {
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
    function controller() external view returns (address) {
        return address(CONTROLLER);
    }

    /// @inheritdoc IKeeperHelper
    function powerToken() external view returns (address) {
        return address(POWER_TOKEN);
    }

    /* INTERNAL */

    /// @dev Liquidates every listed vault it can with the helper's balance; returns whether any succeeded.
    function _liquidateAll(uint256[] memory vaultIds) private returns (bool any) {
        uint256 powerPriceWad = CONTROLLER.powerTokenPrice();
        uint256 length = vaultIds.length;
        for (uint256 i; i < length; ++i) {
            uint256 vaultId = vaultIds[i];
            uint256 balance = POWER_TOKEN.balanceOf(address(this));
            if (balance == 0) {
                emit LiquidationSkipped(vaultId, "");
                continue;
            }
            (, uint256 debt) = _vault(vaultId);
            uint256 amount = debt < balance ? debt : balance;
            try this.liquidateChecked(vaultId, amount, powerPriceWad) returns (
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

    /// @dev The perform data for a page: funding if due, and the vaults the helper's tokens can liquidate without a
    ///      loss at the power token's market TWAP (exactly as the Controller would compute the liquidation).
    function _check(
        uint256 startId,
        uint256 count
    ) private view returns (bool needed, bytes memory performData) {
        (uint256 first, uint256 end) = _range(startId, count);
        Market memory market = _market();
        bool applyFunding = market.active && _fundingStale();
        uint256[] memory vaultIds = new uint256[](MAX_LIQUIDATIONS_PER_UPKEEP);
        uint256 found;
        uint256 balance = market.active ? POWER_TOKEN.balanceOf(address(this)) : 0;
        uint256 powerPriceWad;
        for (uint256 vaultId = first; vaultId < end && balance != 0; ++vaultId) {
            (uint256 collateral, uint256 debt) = _vault(vaultId);
            if (!_isLiquidatable(market, collateral, debt)) continue;
            if (powerPriceWad == 0) powerPriceWad = CONTROLLER.powerTokenPrice();
            LiquidationResult memory result = LiquidationMath.compute(
                LiquidationInput(
                    collateral,
                    debt,
                    debt < balance ? debt : balance,
                    _isInsolvent(market, collateral, debt)
                ),
                powerPriceWad,
                LIQUIDATION_BONUS_WAD,
                MIN_COLLATERAL_WEI
            );
            if (result.leavesDust || result.debtRepaid == 0) continue;
            if (result.collateralPaid < FPML.fullMulDivUp(result.debtRepaid, powerPriceWad, WAD)) continue;
            vaultIds[found++] = vaultId;
            balance -= result.debtRepaid;
            if (found == MAX_LIQUIDATIONS_PER_UPKEEP) break;
        }
        _truncate(vaultIds, found);
        needed = applyFunding || found != 0;
        performData = abi.encode(applyFunding, vaultIds);
    }

    /// @dev Gelato's answer for a page: the check, with the perform data wrapped in a `performUpkeep` call.
    function _gelato(
        uint256 startId,
        uint256 count
    ) private view returns (bool canExec, bytes memory payload) {
        bytes memory performData;
        (canExec, performData) = _check(startId, count);
        payload = abi.encodeCall(IKeeperHelper.performUpkeep, (performData));
    }

    /// @dev The ids [first, end) of a page, clipped to the opened vaults.
    function _range(uint256 startId, uint256 count) private view returns (uint256 first, uint256 end) {
        if (count > MAX_PAGE_SIZE) revert PageTooLarge(count, MAX_PAGE_SIZE);
        first = startId == 0 ? 1 : startId;
        uint256 limit = CONTROLLER.vaultCount() + 1;
        if (first > limit) first = limit;
        end = limit - first > count ? first + count : limit;
    }

    /// @dev Read once per page: whether the protocol is active and, if so, one token's debt value now.
    function _market() private view returns (Market memory market) {
        market.active = _isActive();
        if (market.active) market.debtValuePerTokenWad = CONTROLLER.debtValuePerToken();
        market.liquidationsOpen = market.active && block.timestamp >= CONTROLLER.liquidationsOpenAt();
    }

    /// @dev Neither paused nor shut down (otherwise the Controller rejects funding and liquidations).
    function _isActive() private view returns (bool) {
        return !CONTROLLER.isPaused() && !CONTROLLER.isShutDown();
    }

    /// @dev The last funding update is at least `fundingInterval` seconds old.
    function _fundingStale() private view returns (bool) {
        return block.timestamp >= CONTROLLER.lastFundingUpdate() + fundingInterval;
    }

    /// @dev A vault's collateral and debt (zero for ids never opened).
    function _vault(uint256 vaultId) private view returns (uint256 collateral, uint256 debt) {
        (, , collateral, debt) = CONTROLLER.getVault(vaultId);
    }

    /// @dev The Controller's `liquidate` rule: liquidations open (active, past the grace period after an unpause),
    ///      with debt, and below the dust floor or the minimum ratio.
    function _isLiquidatable(
        Market memory market,
        uint256 collateral,
        uint256 debt
    ) private view returns (bool) {
        if (!market.liquidationsOpen || debt == 0) return false;
        if (collateral < MIN_COLLATERAL_WEI) return true;
        uint256 debtValueWei = VaultMath.debtValue(debt, market.debtValuePerTokenWad);
        return VaultMath.collateralRatioWad(collateral, debtValueWei) < MIN_COLLATERAL_RATIO_WAD;
    }

    /// @dev Whether the collateral is below the debt's value at index (the Controller's test for bad debt).
    function _isInsolvent(
        Market memory market,
        uint256 collateral,
        uint256 debt
    ) private pure returns (bool) {
        return collateral < VaultMath.debtValue(debt, market.debtValuePerTokenWad);
    }

    /// @dev Shortens a memory array in place to its first `length` entries.
    function _truncate(uint256[] memory array, uint256 length) private pure {
        assembly ("memory-safe") {
            mstore(array, length)
        }
    }
}
