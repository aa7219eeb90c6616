/**
 * The contract surface the keeper uses: the TypeScript client's ABIs (`client/abi/`, generated from the compiled
 * artifacts and checked against them by a test), each with every custom error of the protocol, so that a revert
 * inside a nested call (the engine under KeeperHelper, a market token under the engine) decodes to its name.
 *
 * @module
 */
import {
  evergammaAbi,
  evergammaErrorsAbi,
  evergammaLensAbi,
  keeperHelperAbi as helperAbi,
  marketTokenAbi,
} from "../../client/index.js";

/** The engine: liquidations, funding, events and errors. */
export const engineAbi = [...evergammaAbi, ...evergammaErrorsAbi] as const;

/** The lens: every market and vault view (each market view takes the market id). */
export const lensAbi = [...evergammaLensAbi, ...evergammaErrorsAbi] as const;

/** A market token (ERC-20). */
export const erc20Abi = marketTokenAbi;

/** KeeperHelper (see contracts/interfaces/IKeeperHelper.sol): paged health views and guarded liquidations. */
export const keeperHelperAbi = [...helperAbi, ...evergammaErrorsAbi] as const;
