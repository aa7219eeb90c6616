/**
 * Keeper configuration: command-line flags, their defaults, and the keeper key.
 *
 * @module
 */
import { parseArgs } from "node:util";

import type { Hex } from "viem";

import { ExitCode, KeeperError, type ExitCodeValue } from "./errors.js";
import { redactText, redactUrl } from "./redact.js";
import { joinNegativeValues } from "../lib/cliArgs.js";

/** Everything the keeper is configured with. */
export interface KeeperOptions {
  /** JSON-RPC URL. Default: the deployment file's `rpcUrl`. */
  rpcUrl?: string;
  /** Path of the deployment file. */
  deploymentPath: string;
  /** Run one tick and exit. */
  once: boolean;
  /** Simulate and log, send nothing. */
  dryRun: boolean;
  /** Time between ticks in the loop, in milliseconds. */
  pollIntervalMs: number;
  /** Funding is applied when the last update is at least this old, in seconds. */
  fundingIntervalSeconds: number;
  /** A liquidation is sent only if its expected bonus is at least this many times its gas cost. */
  minProfitFactor: number;
  /** Vaults per health-check call (at most the helper's `MAX_PAGE_SIZE`, 1000). */
  pageSize: number;
  /** The most liquidations one tick sends. */
  maxLiquidationsPerTick: number;
  /** Retries of a failed RPC request (exponential backoff from 150 ms). */
  rpcRetries: number;
  /** Timeout of one RPC request, in milliseconds. */
  rpcTimeoutMs: number;
  /** Longest wait between failed ticks in the loop, in milliseconds. */
  maxBackoffMs: number;
  /** How long to wait for a transaction receipt, in milliseconds. */
  receiptTimeoutMs: number;
  /** A transaction still pending after this long is replaced (same nonce, fees bumped), in milliseconds. */
  replaceAfterMs: number;
  /** How far below its simulated ETH payout a liquidation may pay before it reverts, in basis points. */
  maxSlippageBps: number;
  /** How long after the pinned block's timestamp a liquidation may still be mined, in milliseconds. */
  liquidationDeadlineMs: number;
  /** Log format: human-readable lines, JSON lines, or "auto" (pretty when stdout is a terminal). */
  output: OutputMode;
  /** The keeper key (default: `KEEPER_PRIVATE_KEY`, or a development account on chain 31337). */
  privateKey?: Hex;
}

/** How the keeper writes its log lines. */
export type OutputMode = "pretty" | "json" | "auto";

/** The defaults of every option but the paths and the key. */
export const DEFAULT_OPTIONS: KeeperOptions = {
  deploymentPath: "deployments/localhost.json",
  once: false,
  dryRun: false,
  pollIntervalMs: 12_000,
  fundingIntervalSeconds: 3600,
  minProfitFactor: 2,
  pageSize: 1000,
  maxLiquidationsPerTick: 100,
  rpcRetries: 3,
  rpcTimeoutMs: 10_000,
  maxBackoffMs: 60_000,
  receiptTimeoutMs: 120_000,
  replaceAfterMs: 60_000,
  maxSlippageBps: 100,
  liquidationDeadlineMs: 60_000,
  output: "auto",
};

/** Hardhat's development chain id, the only chain on which the keeper has a default key. */
export const DEV_CHAIN_ID = 31337;

/**
 * Hardhat development account #9 (0xa0Ee7A142d267C1f36714E4a8F75612F20a79720), the keeper's default key on chain
 * 31337: not the deployer (#0) nor a test user (#1 to #4). Its key is public: never use it elsewhere.
 */
export const DEV_KEEPER_PRIVATE_KEY: Hex =
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";

export const USAGE = `Usage: npm run keeper -- [--rpc URL] [--deployment FILE] [flags]

Evergamma keeper: applies funding and liquidates unsafe vaults in every market of the deployment file. One line
per action on stdout.

  --rpc URL                 JSON-RPC endpoint (default: the deployment file's rpcUrl)
  --deployment FILE         deployment file (default: deployments/localhost.json)
  --once                    run one tick and exit (0 on success)
  --dry-run                 simulate and log, send no transaction
  --interval DURATION       time between ticks (default 12s)
  --funding-interval DUR    apply funding when the last update is older (default 1h)
  --min-profit-factor N     liquidate only if bonus >= N x gas cost (default 2)
  --page-size N             vaults per health-check call, at most 1000 (default 1000)
  --max-liquidations N      liquidations per tick (default 100)
  --rpc-retries N           retries of a failed RPC request (default 3)
  --rpc-timeout DURATION    timeout of one RPC request (default 10s)
  --max-backoff DURATION    longest wait after failed ticks (default 60s)
  --receipt-timeout DUR     how long to wait for a receipt (default 120s)
  --replace-after DUR       replace a transaction still pending after this long, fees x1.25 (default 60s)
  --max-slippage PCT        a liquidation reverts if it pays less than simulated minus PCT % (default 1)
  --deadline DUR            a liquidation reverts if mined later than this after its block (default 60s)
  --pretty                  human-readable lines (the default when stdout is a terminal)
  --json                    one JSON object per line (the default otherwise)
  --help                    print this help

Durations: a number of seconds or a number with ms, s, m, h or d (500ms, 30s, 1h), from 1 ms to 2147483647 ms.
Key: KEEPER_PRIVATE_KEY (on chain 31337 only, defaults to Hardhat development account #9).
Exit codes: 0 ok, 1 tick failed, 2 usage, 3 deployment file, 4 RPC unreachable, 5 key without funds.`;

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest duration the keeper accepts: Node's timers turn anything longer into 1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const NUMBER_PATTERN = /^-?\d+(?:\.\d+)?$/;

/**
 * Parses `90`, `500ms`, `30s`, `5m`, `1h` or `1d` into milliseconds.
 *
 * @throws KeeperError (exit 2) unless the result is between 1 ms and {@link MAX_DURATION_MS}.
 */
export function parseDurationMs(text: string, flag: string): number {
  const match = /^(-?\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null) throw new KeeperError(ExitCode.Usage, `${flag}: not a duration: ${text}`);
  const ms = Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2] ?? "s"]);
  if (ms < 1) throw new KeeperError(ExitCode.Usage, `${flag}: must be > 0, got ${text}`);
  if (ms > MAX_DURATION_MS) {
    throw new KeeperError(
      ExitCode.Usage,
      `${flag}: must be at most ${MAX_DURATION_MS} ms (24.8 days), got ${text}`,
    );
  }
  return ms;
}

function parseCount(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new KeeperError(ExitCode.Usage, `${flag}: not an integer: ${text}`);
  const value = Number(trimmed);
  if (value < min) throw new KeeperError(ExitCode.Usage, `${flag}: must be ${minimum(min)}, got ${text}`);
  if (value > max) {
    throw new KeeperError(ExitCode.Usage, `${flag}: must be between ${min} and ${max}, got ${text}`);
  }
  return value;
}

/** "≥ 0", "> 0" or "≥ n", the way every check words its lower bound. */
const minimum = (min: number) => (min === 1 ? "> 0" : `≥ ${min}`);

function parseFactor(text: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!NUMBER_PATTERN.test(text.trim()))
    throw new KeeperError(ExitCode.Usage, `${flag}: not a number: ${text}`);
  const value = Number(text);
  if (value < 0) throw new KeeperError(ExitCode.Usage, `${flag}: must be ≥ 0, got ${text}`);
  if (value > max) throw new KeeperError(ExitCode.Usage, `${flag}: must be at most ${max}, got ${text}`);
  return value;
}

/** Flags that take a value. */
const VALUE_FLAGS = [
  "rpc",
  "deployment",
  "interval",
  "funding-interval",
  "min-profit-factor",
  "page-size",
  "max-liquidations",
  "rpc-retries",
  "rpc-timeout",
  "max-backoff",
  "receipt-timeout",
  "replace-after",
  "max-slippage",
  "deadline",
] as const;

/** The flags that take a value, as written on the command line (`--interval`). */
const VALUE_FLAG_ARGS: ReadonlySet<string> = new Set(VALUE_FLAGS.map((flag) => `--${flag}`));

/** The result of {@link parseCommandLine}: options, or a request for help. */
export type CommandLine = { help: true } | { help: false; options: KeeperOptions };

/**
 * Parses the keeper's command line.
 *
 * @param argv The arguments after the script name.
 * @param env The environment (for `KEEPER_PRIVATE_KEY`).
 * @throws KeeperError with exit code 2 on an unknown flag or a bad value.
 */
export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv = process.env): CommandLine {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv, VALUE_FLAG_ARGS),
      strict: true,
      allowPositionals: false,
      options: {
        ...(Object.fromEntries(VALUE_FLAGS.map((flag) => [flag, { type: "string" }])) as Record<
          (typeof VALUE_FLAGS)[number],
          { type: "string" }
        >),
        once: { type: "boolean" },
        "dry-run": { type: "boolean" },
        pretty: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new KeeperError(
      ExitCode.Usage,
      (error instanceof Error ? error.message : String(error)).split("\n")[0],
    );
  }
  if (values.help === true) return { help: true };
  if (values.pretty === true && values.json === true) {
    throw new KeeperError(ExitCode.Usage, "--pretty and --json exclude each other");
  }

  const d = DEFAULT_OPTIONS;
  const ms = (flag: string, text: string | undefined, fallback: number) =>
    text === undefined ? fallback : parseDurationMs(text, flag);
  const count = (flag: string, text: string | undefined, fallback: number, min: number, max?: number) =>
    text === undefined ? fallback : parseCount(text, flag, min, max);

  const fundingIntervalMs = ms(
    "--funding-interval",
    values["funding-interval"],
    d.fundingIntervalSeconds * 1000,
  );
  const options: KeeperOptions = {
    rpcUrl: values.rpc,
    deploymentPath: values.deployment ?? d.deploymentPath,
    once: values.once === true,
    dryRun: values["dry-run"] === true,
    pollIntervalMs: ms("--interval", values.interval, d.pollIntervalMs),
    fundingIntervalSeconds: Math.max(1, Math.round(fundingIntervalMs / 1000)),
    minProfitFactor:
      values["min-profit-factor"] === undefined
        ? d.minProfitFactor
        : parseFactor(values["min-profit-factor"], "--min-profit-factor"),
    pageSize: count("--page-size", values["page-size"], d.pageSize, 1, 1000),
    maxLiquidationsPerTick: count(
      "--max-liquidations",
      values["max-liquidations"],
      d.maxLiquidationsPerTick,
      0,
    ),
    rpcRetries: count("--rpc-retries", values["rpc-retries"], d.rpcRetries, 0, 20),
    rpcTimeoutMs: ms("--rpc-timeout", values["rpc-timeout"], d.rpcTimeoutMs),
    maxBackoffMs: ms("--max-backoff", values["max-backoff"], d.maxBackoffMs),
    receiptTimeoutMs: ms("--receipt-timeout", values["receipt-timeout"], d.receiptTimeoutMs),
    replaceAfterMs: ms("--replace-after", values["replace-after"], d.replaceAfterMs),
    maxSlippageBps:
      values["max-slippage"] === undefined
        ? d.maxSlippageBps
        : Math.round(parseFactor(values["max-slippage"], "--max-slippage", 100) * 100),
    liquidationDeadlineMs: ms("--deadline", values.deadline, d.liquidationDeadlineMs),
    output: values.pretty === true ? "pretty" : values.json === true ? "json" : d.output,
    privateKey: parsePrivateKey(env.KEEPER_PRIVATE_KEY),
  };
  if (options.rpcUrl !== undefined) checkRpcUrl(options.rpcUrl, "--rpc", ExitCode.Usage);
  return { help: false, options };
}

/**
 * Rejects anything but an http(s) URL (the message shows it redacted).
 *
 * @param url The URL.
 * @param source Where it came from, for the message (`--rpc`, or the deployment file's `rpcUrl`).
 * @param exitCode 2 for a flag, 3 for the deployment file.
 */
export function checkRpcUrl(url: string, source: string, exitCode: ExitCodeValue): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KeeperError(exitCode, `${source}: not a URL: ${redactText(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new KeeperError(exitCode, `${source}: only http(s) URLs are supported, got ${redactUrl(url)}`);
  }
}

/** The order n of secp256k1's base point: a private key k must satisfy 1 ≤ k < n. */
export const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Validates `KEEPER_PRIVATE_KEY`: 32 bytes of hex (`0x` optional) and a valid secp256k1 key (1 ≤ k < the curve
 * order); undefined when unset or empty.
 */
export function parsePrivateKey(text: string | undefined): Hex | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const key = text.trim().startsWith("0x") ? text.trim() : `0x${text.trim()}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new KeeperError(ExitCode.Usage, "KEEPER_PRIVATE_KEY is not a 32-byte hex private key");
  }
  const scalar = BigInt(key);
  if (scalar === 0n || scalar >= SECP256K1_ORDER) {
    throw new KeeperError(
      ExitCode.Usage,
      "KEEPER_PRIVATE_KEY is not a valid secp256k1 private key (it must be between 1 and the curve order - 1)",
    );
  }
  return key as Hex;
}

/**
 * The key to use on `chainId`: the configured one, or the development key on chain 31337.
 *
 * @throws KeeperError with exit code 2 when no key is configured on another chain.
 */
export function resolvePrivateKey(configured: Hex | undefined, chainId: number): Hex {
  if (configured !== undefined) return configured;
  if (chainId === DEV_CHAIN_ID) return DEV_KEEPER_PRIVATE_KEY;
  throw new KeeperError(ExitCode.Usage, `KEEPER_PRIVATE_KEY is required on chain ${chainId}`);
}
