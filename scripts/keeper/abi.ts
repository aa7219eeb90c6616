/**
 * The contract surface the keeper uses, as human-readable ABIs (typed by viem). A test checks them against the
 * compiled artifacts.
 *
 * @module
 */
import { parseAbi, parseAbiItem } from "viem";

/** Errors a liquidation or a funding update can revert with (Controller, TWAP library, power token). */
const CONTROLLER_ERRORS = [
  "error VaultNotFound(uint256 vaultId)",
  "error ZeroAmount()",
  "error VaultSafe(uint256 vaultId, uint256 collateralRatioWad)",
  "error LiquidationLeavesDust(uint256 vaultId, uint256 debtRequired)",
  "error ProtocolPaused()",
  "error ProtocolShutDown()",
  "error EthTransferFailed(address to, uint256 amount)",
  "error AmountOverflow(uint256 value)",
  "error OracleHistoryUnavailable(address pool)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
] as const;

/** The Controller functions, events and errors the keeper uses. */
export const controllerAbi = parseAbi([
  "function liquidate(uint256 vaultId, uint256 maxDebtAmount) returns (uint256 debtRepaid, uint256 collateralPaid)",
  "function previewLiquidation(uint256 vaultId) view returns (bool liquidatable, uint256 maxDebt, uint256 collateralPaid)",
  "function applyFunding() returns (uint256 normalizationFactor)",
  "function lastFundingUpdate() view returns (uint256)",
  "function normalizationFactor() view returns (uint256)",
  "function isPaused() view returns (bool)",
  "function isShutDown() view returns (bool)",
  "function powerTokenPrice() view returns (uint256)",
  "function vaultCount() view returns (uint256)",
  "function getVault(uint256 vaultId) view returns (address owner, address operator, uint256 collateral, uint256 debt)",
  "event VaultOpened(uint256 indexed vaultId, address indexed owner)",
  "event Liquidated(uint256 indexed vaultId, address indexed liquidator, uint256 debtRepaid, uint256 collateralPaid)",
  "event NormalizationFactorUpdated(uint256 oldFactor, uint256 newFactor, uint256 lastUpdate, uint256 now_)",
  ...CONTROLLER_ERRORS,
]);

/** `VaultOpened`, for `eth_getLogs`. */
export const vaultOpenedEvent = parseAbiItem(
  "event VaultOpened(uint256 indexed vaultId, address indexed owner)",
);

/** The ERC-20 reads the keeper makes on the power token. */
export const erc20Abi = parseAbi([
  "function balanceOf(address account) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
]);

/** The KeeperHelper functions, events and errors the keeper uses (see contracts/interfaces/IKeeperHelper.sol). */
export const keeperHelperAbi = parseAbi([
  "constructor(address controller_, address recipient_, uint256 fundingInterval_, address owner_)",
  "function getLiquidatableVaults(uint256 startId, uint256 count) view returns (uint256[] vaultIds, uint256 withDebt)",
  "function MAX_PAGE_SIZE() view returns (uint256)",
  "function liquidateWithLimits(uint256 vaultId, uint256 maxDebtAmount, uint256 minCollateralOut, uint256 deadline) returns (uint256 debtRepaid, uint256 collateralPaid)",
  "event LiquidatedWithLimits(uint256 indexed vaultId, address indexed liquidator, uint256 debtRepaid, uint256 collateralPaid)",
  "error PageTooLarge(uint256 count, uint256 maxCount)",
  "error LiquidationDeadlinePassed(uint256 deadline, uint256 timestamp)",
  "error InsufficientCollateralOut(uint256 vaultId, uint256 collateralPaid, uint256 minCollateralOut)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  ...CONTROLLER_ERRORS,
]);
