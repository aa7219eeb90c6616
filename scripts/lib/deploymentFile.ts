/**
 * The deployment file shared by the devnet, the Hardhat tasks and the keeper: `deployments/<network>.json`,
 *
 * ```json
 * { "chainId": 31337, "rpcUrl": "http://127.0.0.1:8545", "contracts": { "Controller": "0x...", ... } }
 * ```
 *
 * with the names of `deploymentAddresses()` in `deploy/evergamma.ts` (Controller, PowerToken, VaultNFT, WETH,
 * USDC, UniswapV3Factory, SwapRouter, NonfungiblePositionManager, EthUsdcPool, PowerWethPool)
 * plus "EverlastingOptionPricer" and "KeeperHelper" when deployed.
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";

/** A `0x`-prefixed 20-byte hex address. */
export type HexAddress = `0x${string}`;

/** The contents of a deployment file. */
export interface Deployment {
  /** The chain id the contracts live on. */
  chainId: number;
  /** The JSON-RPC URL the deployment was made through (informational; tools take their own `--rpc`). */
  rpcUrl: string;
  /** Contract addresses by name. */
  contracts: Record<string, HexAddress>;
}

/** Contract names every deployment file must contain. */
export const REQUIRED_CONTRACTS = [
  "Controller",
  "PowerToken",
  "VaultNFT",
  "WETH",
  "USDC",
  "UniswapV3Factory",
  "SwapRouter",
  "NonfungiblePositionManager",
  "EthUsdcPool",
  "PowerWethPool",
] as const;

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
  return { chainId, rpcUrl, contracts: addresses };
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

/**
 * Validates and writes a deployment file (creating its directory), formatted with two-space indentation.
 *
 * @param path The file path.
 * @param deployment The deployment to write.
 */
export async function writeDeploymentFile(path: string, deployment: Deployment): Promise<void> {
  const checked = parseDeployment(deployment, `deployment for ${path}`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(checked, null, 2) + "\n");
}
