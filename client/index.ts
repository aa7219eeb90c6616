/**
 * Evergamma's TypeScript client (viem): typed ABIs, `createEvergammaClient`, vault id helpers, error decoding and
 * the deployment file. `import { createEvergammaClient } from "evergamma/client"`.
 *
 * @module
 */
export { evergammaAbi } from "./abi/evergamma.js";
export { evergammaLensAbi } from "./abi/evergammaLens.js";
export { keeperHelperAbi } from "./abi/keeperHelper.js";
export { marketTokenAbi } from "./abi/marketToken.js";
export { evergammaErrorsAbi } from "./abi/errors.js";
export {
  createEvergammaClient,
  engineCalls,
  type BlockRange,
  type EngineEvent,
  type EngineEventFilter,
  type EngineEventName,
  type EvergammaAddresses,
  type EvergammaCall,
  type EvergammaCalls,
  type EvergammaClient,
  type EvergammaClientOptions,
  type LiquidationResult,
  type MarketConfig,
  type MarketInfo,
  type MarketReport,
  type OptionReport,
  type ReadAt,
  type VaultPage,
  type VaultGreeks,
  type VaultReport,
  type VaultState,
  type WriteOptions,
  type WriteResult,
} from "./client.js";
export {
  decodeRevert,
  decodeRevertData,
  EvergammaError,
  formatRevert,
  toEvergammaError,
  type DecodedRevert,
} from "./errors.js";
export {
  DeploymentFileError,
  parseDeployment,
  readDeploymentFile,
  REQUIRED_CONTRACTS,
  selectMarket,
  type DeployedMarket,
  type DeployedMarketParams,
  type Deployment,
  type HexAddress,
} from "./deployment.js";
export { MARKET_STATUSES, marketStatusName, type MarketStatusName } from "./marketStatus.js";
export { marketOfVault, newVaultId, serialOfVault, VAULT_SERIAL_BITS, vaultIdOf } from "./vaultId.js";
