/**
 * The deployment file shared by the devnet, the Hardhat tasks, the keeper and the TypeScript client:
 * `deployments/<network>.json`,
 *
 * ```json
 * {
 *   "chainId": 31337,
 *   "rpcUrl": "http://127.0.0.1:8545",
 *   "contracts": { "Evergamma": "0x...", "EvergammaLens": "0x...", "KeeperHelper": "0x...", ... },
 *   "markets": {
 *     "0": { "id": 0, "name": "ETH2", "token": "0x...", "pool": "0x...", "priceSource": "0x...",
 *            "params": { "power": 2, "indexScale": "10000", ... } },
 *     "1": { "id": 1, "name": "ETH1", ... }
 *   }
 * }
 * ```
 *
 * with the contract names of `deploymentRecord()` in `deploy/evergamma.ts` (Evergamma — also the vault NFT —,
 * EvergammaLens, WETH, USDC, UniswapV3Factory, SwapRouter, NonfungiblePositionManager, EthUsdcPool, plus
 * EverlastingOptionPricer and KeeperHelper when deployed) and one entry per market, keyed by market id. Market
 * parameters are written as JSON numbers (small ones) and decimal strings (WAD values).
 *
 * @module
 */
import { readFileSync } from "node:fs";

import type { DeployedMarket, HexAddress } from "../deploy/deploymentRecord.js";

export type { DeployedMarket, DeployedMarketParams, HexAddress } from "../deploy/deploymentRecord.js";

/** The contents of a deployment file. */
export interface Deployment {
  /** The chain id the contracts live on. */
  chainId: number;
  /** The JSON-RPC URL the deployment was made through (informational; tools take their own `--rpc`). */
  rpcUrl: string;
  /** Contract addresses by name. */
  contracts: Record<string, HexAddress>;
  /** Markets by id (as a decimal string key). */
  markets: Record<string, DeployedMarket>;
}

/** Contract names every deployment file must contain. */
export const REQUIRED_CONTRACTS = [
  "Evergamma",
  "EvergammaLens",
  "WETH",
  "USDC",
  "UniswapV3Factory",
  "SwapRouter",
  "NonfungiblePositionManager",
  "EthUsdcPool",
] as const;

const MARKET_ADDRESS_FIELDS = ["token", "pool", "priceSource"] as const;

/** A required contract name. */
export type RequiredContract = (typeof REQUIRED_CONTRACTS)[number];

/** Thrown (with a one-line message naming the file) when a deployment file is missing or malformed. */
export class DeploymentFileError extends Error {
  override name = "DeploymentFileError";
}

const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks that `value` has the shape of a deployment file and returns it typed.
 *
 * @param value The parsed JSON.
 * @param source Where it came from, for error messages.
 * @throws DeploymentFileError naming the first problem found.
 */
export function parseDeployment(value: unknown, source = "deployment"): Deployment {
  const fail = (problem: string): never => {
    throw new DeploymentFileError(`${source}: ${problem}`);
  };
  if (!isRecord(value)) return fail("expected a JSON object");
  const { chainId, rpcUrl, contracts } = value;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) {
    return fail('"chainId" must be a positive integer');
  }
  if (typeof rpcUrl !== "string") return fail('"rpcUrl" must be a string');
  if (!isRecord(contracts)) return fail('"contracts" must be an object of name to address');
  const addresses: Record<string, HexAddress> = {};
  for (const [name, address] of Object.entries(contracts)) {
    if (typeof address !== "string" || !ADDRESS_PATTERN.test(address)) {
      return fail(`contracts.${name} is not an address`);
    }
    addresses[name] = address as HexAddress;
  }
  const missing = REQUIRED_CONTRACTS.filter((name) => addresses[name] === undefined);
  if (missing.length > 0) return fail(`missing contracts: ${missing.join(", ")}`);
  return { chainId, rpcUrl, contracts: addresses, markets: parseMarkets(value.markets, fail) };
}

function parseMarkets(value: unknown, fail: (problem: string) => never): Record<string, DeployedMarket> {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    return fail('"markets" must be an object of market id to market, with at least one market');
  }
  const markets: Record<string, DeployedMarket> = {};
  for (const [key, market] of Object.entries(value)) {
    if (!isRecord(market)) return fail(`markets.${key} must be an object`);
    if (market.id !== Number(key)) return fail(`markets.${key}.id must be ${key}`);
    if (typeof market.name !== "string" || market.name === "")
      return fail(`markets.${key}.name must be a name`);
    for (const field of MARKET_ADDRESS_FIELDS) {
      const address = market[field];
      if (typeof address !== "string" || !ADDRESS_PATTERN.test(address)) {
        return fail(`markets.${key}.${field} is not an address`);
      }
    }
    if (!isRecord(market.params) || typeof market.params.power !== "number") {
      return fail(`markets.${key}.params must hold the market's terms`);
    }
    markets[key] = market as unknown as DeployedMarket;
  }
  return markets;
}

/**
 * The market `selector` names: a market id ("1") or a name ("ETH2", case-insensitive); the first market (lowest
 * id) when `selector` is undefined.
 *
 * @throws DeploymentFileError listing the markets when none matches.
 */
export function selectMarket(deployment: Deployment, selector?: string): DeployedMarket {
  const markets = Object.values(deployment.markets).sort((a, b) => a.id - b.id);
  if (selector === undefined) return markets[0];
  const wanted = selector.trim().toLowerCase();
  const found = markets.find((m) => String(m.id) === wanted || m.name.toLowerCase() === wanted);
  if (found === undefined) {
    const known = markets.map((m) => `${m.id} (${m.name})`).join(", ");
    throw new DeploymentFileError(`unknown market "${selector}"; this deployment has ${known}`);
  }
  return found;
}

/**
 * Reads and validates a deployment file.
 *
 * @param path The file path.
 * @throws DeploymentFileError with a one-line explanation when the file is missing, unreadable, not JSON or
 *   not a deployment.
 */
export function readDeploymentFile(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : `cannot read file (${code ?? String(error)})`;
    throw new DeploymentFileError(`deployment file ${path}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new DeploymentFileError(`deployment file ${path}: not valid JSON (${detail})`);
  }
  return parseDeployment(json, `deployment file ${path}`);
}
