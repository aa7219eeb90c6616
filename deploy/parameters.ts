/**
 * The parameters file of a deployment onto an existing chain (`ignition/parameters/<network>.json`): the chain's
 * WETH, USDC, Uniswap v3 contracts and ETH/USDC pool, the Chainlink ETH/USD feed (and an L2's sequencer-uptime feed),
 * and the markets to create. `parseDeployParameters` checks its shape (one-line errors naming the field); the chain
 * itself is checked by `checkDeployParameters` (deploy/check.ts) before anything is sent.
 *
 * ```json
 * {
 *   "chainId": 1,
 *   "world": { "weth": "0x…", "usdc": "0x…", "uniswapV3Factory": "0x…", "nonfungiblePositionManager": "0x…",
 *              "swapRouter": "0x…", "ethUsdcPool": "0x…" },
 *   "chainlink": { "ethUsdFeed": "0x…", "feedDecimals": 8, "heartbeatSeconds": 3600 },
 *   "owner": "0x… (optional: a multisig that accepts ownership after the deployment)",
 *   "markets": [{ "name": "ETH2", "priceSource": "chainlink", "power": 2, "indexScale": "10000", "seedTokens": "10" }]
 * }
 * ```
 *
 * Market fields default to Squeeth's values (`DEFAULT_MARKET_PARAMETERS`), or to `optionMarketParameters` for
 * `"kind": "call"`/`"put"` with `strikeUsd`; WAD and wei values are integer strings, token amounts decimal strings.
 *
 * @module
 */
import { readFileSync } from "node:fs";

import { getAddress, isAddress, parseEther, ZeroAddress } from "ethers";

import {
  DEFAULT_MARKET_PARAMETERS,
  optionMarketParameters,
  type MarketParameters,
  type ProductKindName,
} from "./evergamma.js";

/** Thrown with a one-line message naming the file and the field when a parameters file is malformed. */
export class DeployParametersError extends Error {
  override name = "DeployParametersError";
}

/** The chain's existing contracts Evergamma builds on. */
export interface WorldParameters {
  weth: string;
  usdc: string;
  uniswapV3Factory: string;
  nonfungiblePositionManager: string;
  swapRouter: string;
  ethUsdcPool: string;
}

/** The Chainlink side shared by every Chainlink+TWAP market. */
export interface ChainlinkParameters {
  ethUsdFeed: string;
  /** The decimals the feed must answer with (8 for Chainlink's USD feeds). */
  feedDecimals: number;
  heartbeatSeconds: number;
  /** L2s: the sequencer-uptime feed (none on L1). */
  sequencerUptimeFeed?: string;
  gracePeriodSeconds: number;
  deviationBoundWad: bigint;
}

/** One market to create. */
export interface MarketSpec {
  name: string;
  priceSource: "twap" | "chainlink";
  params: MarketParameters;
  tokenName?: string;
  tokenSymbol?: string;
  /** Tokens the owner's seed vault mints (half seed the pool). */
  seedTokens: bigint;
  seedImpliedVolatility: number;
}

/** A checked parameters file. */
export interface DeployParameters {
  chainId: number;
  world: WorldParameters;
  chainlink?: ChainlinkParameters;
  /** Who finally owns the engine and keeper helper (ownership offered after the deployment). */
  owner?: string;
  /** The keeper helper's proceeds recipient (default: the deployer). */
  keeperRecipient?: string;
  markets: MarketSpec[];
}

type Json = Record<string, unknown>;
type Fail = (field: string, problem: string) => never;

const WORLD_FIELDS = [
  "weth",
  "usdc",
  "uniswapV3Factory",
  "nonfungiblePositionManager",
  "swapRouter",
  "ethUsdcPool",
] as const;
const WAD_FIELDS = [
  "indexScale",
  "minCollateralRatioWad",
  "minCollateralWei",
  "markRatioFloorWad",
  "markRatioCapWad",
  "liquidationBonusWad",
  "strikeWad",
  "floorVolatilityWad",
] as const;
const NUMBER_FIELDS = ["power", "twapPeriodSeconds", "fundingPeriodSeconds"] as const;

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A non-zero checksummed address. */
function address(value: unknown, field: string, fail: Fail): string {
  if (typeof value !== "string" || !isAddress(value))
    return fail(field, "must be an address (0x + 40 hex digits)");
  if (value === ZeroAddress) return fail(field, "is the zero address");
  return getAddress(value);
}

function integer(value: unknown, field: string, fail: Fail, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min)
    return fail(field, `must be an integer ≥ ${min}`);
  return value;
}

function bigintOf(value: unknown, field: string, fail: Fail): bigint {
  if ((typeof value !== "string" && typeof value !== "number") || !/^\d+$/.test(String(value)))
    return fail(field, "must be a non-negative integer string");
  return BigInt(value);
}

function tokens(value: unknown, field: string, fail: Fail): bigint {
  if (typeof value !== "string" || !/^\d+(\.\d+)?$/.test(value))
    return fail(field, 'must be a decimal string ("10")');
  return parseEther(value);
}

function parseWorld(value: unknown, fail: Fail): WorldParameters {
  if (!isRecord(value)) return fail("world", "must be an object of the chain's contract addresses");
  const world = {} as Record<(typeof WORLD_FIELDS)[number], string>;
  for (const f of WORLD_FIELDS) world[f] = address(value[f], `world.${f}`, fail);
  return world;
}

function parseChainlink(value: unknown, fail: Fail): ChainlinkParameters | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return fail("chainlink", "must be an object");
  const sequencer = value.sequencerUptimeFeed;
  const sequencerUptimeFeed =
    sequencer === undefined ? undefined : address(sequencer, "chainlink.sequencerUptimeFeed", fail);
  const grace = value.gracePeriodSeconds ?? (sequencerUptimeFeed === undefined ? 0 : 3600);
  const parsed: ChainlinkParameters = {
    ethUsdFeed: address(value.ethUsdFeed, "chainlink.ethUsdFeed", fail),
    feedDecimals: integer(value.feedDecimals ?? 8, "chainlink.feedDecimals", fail),
    heartbeatSeconds: integer(value.heartbeatSeconds ?? 3600, "chainlink.heartbeatSeconds", fail, 1),
    ...(sequencerUptimeFeed === undefined ? {} : { sequencerUptimeFeed }),
    gracePeriodSeconds: integer(grace, "chainlink.gracePeriodSeconds", fail),
    deviationBoundWad: bigintOf(
      value.deviationBoundWad ?? "50000000000000000",
      "chainlink.deviationBoundWad",
      fail,
    ),
  };
  checkGuards(parsed, fail);
  return parsed;
}

/** The bounds `ChainlinkTwapPrices` enforces, reported before its constructor would revert. */
function checkGuards(cl: ChainlinkParameters, fail: Fail): void {
  if (cl.feedDecimals > 18) fail("chainlink.feedDecimals", "must be at most 18");
  if (cl.heartbeatSeconds > 2 * 86400) fail("chainlink.heartbeatSeconds", "must be at most 172800 (2 days)");
  const onL2 = cl.sequencerUptimeFeed !== undefined;
  if (onL2 && (cl.gracePeriodSeconds === 0 || cl.gracePeriodSeconds > 86400))
    fail("chainlink.gracePeriodSeconds", "must be 1 to 86400 with a sequencer-uptime feed");
  if (!onL2 && cl.gracePeriodSeconds !== 0)
    fail("chainlink.gracePeriodSeconds", "must be 0 without a sequencer-uptime feed (L1)");
  if (cl.deviationBoundWad < 10n ** 15n || cl.deviationBoundWad > 5n * 10n ** 17n)
    fail("chainlink.deviationBoundWad", "must be 0.1% to 50% (1e15 to 5e17)");
}

/** A market's terms: the defaults of its kind with the file's fields over them. */
function marketTerms(m: Json, at: string, fail: Fail): MarketParameters {
  const kind = (m.kind ?? "power") as ProductKindName;
  if (!["power", "call", "put"].includes(kind)) return fail(`${at}.kind`, 'must be "power", "call" or "put"');
  const strike = m.strikeUsd === undefined ? undefined : integer(m.strikeUsd, `${at}.strikeUsd`, fail, 1);
  if (kind !== "power" && strike === undefined) return fail(`${at}.strikeUsd`, "is required for an option");
  const base = kind === "power" ? DEFAULT_MARKET_PARAMETERS : optionMarketParameters(kind, strike ?? 0);
  const terms: MarketParameters = { ...base, kind };
  for (const f of NUMBER_FIELDS) if (m[f] !== undefined) terms[f] = integer(m[f], `${at}.${f}`, fail);
  for (const f of WAD_FIELDS) if (m[f] !== undefined) terms[f] = bigintOf(m[f], `${at}.${f}`, fail);
  if (kind === "power" && (terms.power < 1 || terms.power > 4)) return fail(`${at}.power`, "must be 1 to 4");
  if (terms.twapPeriodSeconds < 1 || terms.twapPeriodSeconds > 3600)
    return fail(`${at}.twapPeriodSeconds`, "must be 1 to 3600");
  return terms;
}

function parseMarket(m: unknown, i: number, hasChainlink: boolean, fail: Fail): MarketSpec {
  const at = `markets[${i}]`;
  if (!isRecord(m)) return fail(at, "must be an object");
  if (typeof m.name !== "string" || !/^[A-Za-z0-9_]{1,32}$/.test(m.name))
    return fail(`${at}.name`, "must be 1 to 32 letters, digits or underscores");
  const priceSource = m.priceSource ?? "twap";
  if (priceSource !== "twap" && priceSource !== "chainlink")
    return fail(`${at}.priceSource`, 'must be "twap" or "chainlink"');
  if (priceSource === "chainlink" && !hasChainlink)
    return fail(`${at}.priceSource`, 'is "chainlink" but the file has no "chainlink" section');
  const params = marketTerms(m, at, fail);
  const strings = (f: "tokenName" | "tokenSymbol") =>
    typeof m[f] === "string"
      ? { [f]: m[f] as string }
      : m[f] === undefined
        ? {}
        : fail(`${at}.${f}`, "must be a string");
  return {
    name: m.name,
    priceSource,
    params,
    ...strings("tokenName"),
    ...strings("tokenSymbol"),
    seedTokens: tokens(m.seedTokens ?? "100", `${at}.seedTokens`, fail),
    seedImpliedVolatility: Number(m.seedImpliedVolatility ?? 0.8),
  };
}

/**
 * Checks the shape of a parameters file's JSON and returns it typed.
 *
 * @throws DeployParametersError naming `source` and the first bad field.
 */
export function parseDeployParameters(value: unknown, source = "parameters"): DeployParameters {
  const fail: Fail = (field, problem) => {
    throw new DeployParametersError(`${source}: ${field} ${problem}`);
  };
  if (!isRecord(value)) return fail("the file", "must hold a JSON object");
  const chainlink = parseChainlink(value.chainlink, fail);
  if (!Array.isArray(value.markets) || value.markets.length === 0)
    return fail("markets", "must list at least one market");
  const markets = value.markets.map((m, i) => parseMarket(m, i, chainlink !== undefined, fail));
  const names = new Set<string>();
  for (const [i, m] of markets.entries()) {
    if (names.has(m.name)) fail(`markets[${i}].name`, `repeats "${m.name}"`);
    names.add(m.name);
  }
  const optional = (f: "owner" | "keeperRecipient") =>
    value[f] === undefined ? {} : { [f]: address(value[f], f, fail) };
  return {
    chainId: integer(value.chainId, "chainId", fail, 1),
    world: parseWorld(value.world, fail),
    ...(chainlink === undefined ? {} : { chainlink }),
    ...optional("owner"),
    ...optional("keeperRecipient"),
    markets,
  };
}

/** Reads and checks a parameters file. */
export function readDeployParameters(path: string): DeployParameters {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : (error as Error).message.split("\n")[0];
    throw new DeployParametersError(`parameters file ${path}: ${reason}`);
  }
  return parseDeployParameters(json, `parameters file ${path}`);
}
