/**
 * The contract surface the keeper uses, as human-readable ABIs (typed by viem). A test checks them against the
 * compiled artifacts.
 *
 * @module
 */
import { parseAbi } from "viem";

/** Errors a liquidation or a funding update can revert with (engine, price source, market token). */
const ENGINE_ERRORS = [
  "error VaultNotFound(uint256 vaultId)",
  "error ZeroAmount()",
  "error VaultSafe(uint256 vaultId, uint256 collateralRatioWad)",
  "error LiquidationLeavesDust(uint256 vaultId, uint256 debtRequired)",
  "error LiquidationGracePeriod(uint256 liquidationsOpenAt)",
  "error MarketNotFound(uint32 marketId)",
  "error MarketPaused(uint32 marketId)",
  "error MarketShutDown(uint32 marketId)",
  "error EthTransferFailed(address to, uint256 amount)",
  "error AmountOverflow(uint256 value)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
] as const;

/** The engine functions, events and errors the keeper uses. */
export const engineAbi = parseAbi([
  "function liquidate(uint256 vaultId, uint256 maxDebtAmount) returns (uint256 debtRepaid, uint256 collateralPaid)",
  "function applyFunding(uint32 marketId) returns (uint256 normalizationFactor)",
  "function marketCount() view returns (uint32)",
  "event Liquidated(uint32 indexed marketId, uint256 indexed vaultId, address indexed liquidator, uint256 debtRepaid, uint256 collateralPaid)",
  "event NormalizationFactorUpdated(uint32 indexed marketId, uint256 normalizationFactor)",
  ...ENGINE_ERRORS,
]);

/** The lens views the keeper reads (every market view takes the market id). */
export const lensAbi = parseAbi([
  "function lastFundingUpdate(uint32 marketId) view returns (uint256)",
  "function normalizationFactor(uint32 marketId) view returns (uint256)",
  "function isPaused(uint32 marketId) view returns (bool)",
  "function isShutDown(uint32 marketId) view returns (bool)",
  "function tokenPrice(uint32 marketId) view returns (uint256)",
  "function vaultCount(uint32 marketId) view returns (uint256)",
  "function getVault(uint256 vaultId) view returns (address owner, address operator, uint256 collateral, uint256 debt)",
  "function previewLiquidation(uint256 vaultId) view returns (bool liquidatable, uint256 maxDebt, uint256 collateralPaid)",
  "error MarketNotFound(uint32 marketId)",
]);

/** The ERC-20 reads the keeper makes on the market tokens. */
export const erc20Abi = parseAbi([
  "function balanceOf(address account) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
]);

/** The KeeperHelper functions, events and errors the keeper uses (see contracts/interfaces/IKeeperHelper.sol). */
export const keeperHelperAbi = parseAbi([
  "constructor(address engine_, address recipient_, uint256 fundingInterval_, address owner_)",
  "function getLiquidatableVaults(uint32 marketId, uint256 startSerial, uint256 count) view returns (uint256[] vaultIds, uint256 withDebt)",
  "function MAX_PAGE_SIZE() view returns (uint256)",
  "function liquidateWithLimits(uint256 vaultId, uint256 maxDebtAmount, uint256 minCollateralOut, uint256 deadline) returns (uint256 debtRepaid, uint256 collateralPaid)",
  "event LiquidatedWithLimits(uint256 indexed vaultId, address indexed liquidator, uint256 debtRepaid, uint256 collateralPaid)",
  "error PageTooLarge(uint256 count, uint256 maxCount)",
  "error LiquidationDeadlinePassed(uint256 deadline, uint256 timestamp)",
  "error InsufficientCollateralOut(uint256 vaultId, uint256 collateralPaid, uint256 minCollateralOut)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  ...ENGINE_ERRORS,
]);
