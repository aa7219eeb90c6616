/**
 * Command-line flags of the devnet (`./evergamma devnet [flags]`, `npm run devnet -- [flags]`).
 *
 * @module
 */
import path from "node:path";
import { parseArgs } from "node:util";

import { DEPLOYMENTS_DIR_ENV } from "../../tasks/context.js";
import { joinNegativeValues } from "../lib/cliArgs.js";

/** Everything the devnet can be told, with defaults applied. */
export interface DevnetOptions {
  /** JSON-RPC port (default 8545). */
  port: number;
  /** Interface to bind (default 127.0.0.1). */
  hostname: string;
  /** Where the deployment file is written (default `deployments/localhost.json`). */
  deploymentFile: string;
  /** Seconds between two readings of the markets (default 5); a line is printed when a market's status changes. */
  interval: number;
  /** Seconds after which an unchanged status is printed again (default 60). */
  heartbeat: number;
  /** Whether to start the keeper (default true; `--no-keeper`). */
  keeper: boolean;
  /** Drive the ETH price along a geometric Brownian motion with an arbitrage bot. */
  simulate: boolean;
  /** Seed of the simulated price path. */
  seed: number;
  /** Number of simulated steps. */
  steps: number;
  /** Annualised volatility of the simulated ETH price. */
  vol: number;
  /** Chain seconds per simulated step. */
  dt: number;
  /** Implied volatility the arbitrage bots price every market's token at. */
  targetVol: number;
  /** Wall-clock milliseconds to wait after each step (gives the keeper time to act). */
  stepDelayMs: number;
  /** After `--simulate`, keep the devnet running instead of exiting. */
  keepRunning: boolean;
  /** Whether to serve the dashboard (default true; `--no-dashboard`). */
  dashboard: boolean;
  /** The dashboard's port (`--dashboard-port`); undefined: 8550, or any free port when 8550 is taken. */
  dashboardPort?: number;
  help: boolean;
}

export const USAGE = `Usage: ./evergamma devnet [flags]   (or npm run devnet -- [flags])

Starts a Hardhat node, deploys the Evergamma engine with two markets side by side (ETH2: ETH squared,
market 0; ETH1: power 1, market 1), each with its real Uniswap v3 pool, opens a demo vault, writes the
deployment file, starts the keeper and prints a status line per market whenever that market changes (and
every minute when it does not). Ctrl-C or SIGTERM stops everything.

  --port N             JSON-RPC port on 127.0.0.1 (default 8545)
  --hostname HOST      interface to bind (default 127.0.0.1)
  --deployment FILE    deployment file to write (default deployments/localhost.json,
                       or $${DEPLOYMENTS_DIR_ENV}/localhost.json)
  --interval SECONDS   seconds between two readings of the markets (default 5); a market's status
                       line is printed when something changed
  --heartbeat SECONDS  print a status line again after this long without a change (default 60)
  --no-keeper          do not start the keeper
  --simulate           drive ETH along a seeded geometric Brownian motion, arbitrage every market's
                       pool towards its fair price and advance chain time; ends with a summary and exits
  --seed N             seed of the price path (default 1)
  --steps N            simulated steps (default 48)
  --vol X              annualised ETH volatility of the path (default 0.8)
  --dt SECONDS         chain time per step (default 3600)
  --target-vol X       implied volatility the arbitrage bots target (default 0.8)
  --step-delay MS      wall-clock pause after each step, for the keeper (default 200)
  --keep-running       after --simulate, keep the devnet running (status lines) until Ctrl-C
  --dashboard-port N   port of the dashboard on 127.0.0.1 (default 8550, or a free port when taken)
  --no-dashboard       do not serve the dashboard
  -h, --help           show this help
`;

/** A flag error: the message is shown above the usage, and the devnet exits with code 2. */
export class DevnetArgsError extends Error {
  override name = "DevnetArgsError";
}

function number(
  name: string,
  text: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || !check(value)) {
    throw new DevnetArgsError(`--${name} must be ${what}, got "${text}"`);
  }
  return value;
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (n: number) =>
    Number.isInteger(n) && n >= min && n <= max;
const positive = (n: number) => n > 0;

/**
 * Parses the devnet's flags.
 *
 * @param argv The arguments after the script name.
 * @param projectRoot Where `deployments/` lives.
 * @throws DevnetArgsError on an unknown flag or a bad value.
 */
export function parseDevnetArgs(argv: string[], projectRoot: string): DevnetOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new DevnetArgsError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (parsed.positionals.length > 0) {
    throw new DevnetArgsError(`unexpected argument "${parsed.positionals[0]}"`);
  }
  const dir = process.env[DEPLOYMENTS_DIR_ENV];
  const defaultFile = path.join(
    dir !== undefined && dir !== "" ? path.resolve(dir) : path.join(projectRoot, "deployments"),
    "localhost.json",
  );
  const options: DevnetOptions = {
    port: number("port", v.port, 8545, integer(1, 65535), "a port number (1 to 65535)"),
    hostname: v.hostname ?? "127.0.0.1",
    deploymentFile: v.deployment === undefined ? defaultFile : path.resolve(v.deployment),
    interval: number("interval", v.interval, 5, positive, "a number of seconds > 0"),
    heartbeat: number("heartbeat", v.heartbeat, 60, positive, "a number of seconds > 0"),
    keeper: v["no-keeper"] !== true,
    simulate: v.simulate === true,
    seed: number("seed", v.seed, 1, integer(0, 2 ** 32 - 1), "an integer ≥ 0 (at most 2^32 - 1)"),
    steps: number("steps", v.steps, 48, integer(1, 100_000), "a whole number of steps ≥ 1 (at most 100000)"),
    vol: number("vol", v.vol, 0.8, (n) => n > 0 && n <= 5, "a volatility > 0 (at most 5)"),
    dt: number("dt", v.dt, 3600, integer(1, 365 * 86_400), "a whole number of seconds ≥ 1 (at most a year)"),
    targetVol: number(
      "target-vol",
      v["target-vol"],
      0.8,
      (n) => n >= 0.05 && n <= 5,
      "a volatility ≥ 0.05 (at most 5)",
    ),
    stepDelayMs: number(
      "step-delay",
      v["step-delay"],
      200,
      integer(0, 60_000),
      "milliseconds ≥ 0 (at most 60000)",
    ),
    keepRunning: v["keep-running"] === true,
    dashboard: v["no-dashboard"] !== true,
    dashboardPort:
      v["dashboard-port"] === undefined
        ? undefined
        : number("dashboard-port", v["dashboard-port"], 0, integer(1, 65535), "a port number (1 to 65535)"),
    help: v.help === true,
  };
  if (options.keepRunning && !options.simulate) {
    throw new DevnetArgsError(
      "--keep-running only applies to --simulate (without it the devnet always keeps running)",
    );
  }
  if (options.hostname.trim() === "") throw new DevnetArgsError("--hostname must not be empty");
  return options;
}

const FLAGS = {
  port: { type: "string" },
  hostname: { type: "string" },
  deployment: { type: "string" },
  interval: { type: "string" },
  heartbeat: { type: "string" },
  "no-keeper": { type: "boolean" },
  simulate: { type: "boolean" },
  seed: { type: "string" },
  steps: { type: "string" },
  vol: { type: "string" },
  dt: { type: "string" },
  "target-vol": { type: "string" },
  "step-delay": { type: "string" },
  "keep-running": { type: "boolean" },
  "dashboard-port": { type: "string" },
  "no-dashboard": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The flags that take a value, as written on the command line (`--steps`). */
const VALUE_FLAGS = new Set(
  Object.entries(FLAGS)
    .filter(([, flag]) => flag.type === "string")
    .map(([name]) => `--${name}`),
);

function parse(argv: string[]) {
  return parseArgs({
    args: joinNegativeValues(argv, VALUE_FLAGS),
    allowPositionals: true,
    strict: true,
    options: FLAGS,
  });
}
