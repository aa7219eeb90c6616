/**
 * Command-line flags of the devnet (`./evergamma devnet [flags]`, `npm run devnet -- [flags]`).
 *
 * @module
 */
import path from "node:path";
import { parseArgs } from "node:util";

import { DEPLOYMENTS_DIR_ENV } from "../../tasks/context.js";
import { joinNegativeValues } from "../lib/cliArgs.js";
import {
  integer,
  numberFlag,
  parseSimulationFlags,
  SIMULATION_FLAGS,
  simulationUsage,
  type SimulationFlags,
} from "./simulationArgs.js";

/** Everything the devnet can be told, with defaults applied. */
export interface DevnetOptions extends SimulationFlags {
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
  /** Drive the ETH price along a seeded path with an arbitrage bot per market (settings: `SimulationFlags`). */
  simulate: boolean;
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
  --simulate           drive ETH along a seeded path, arbitrage every market's pool towards its fair
                       price and advance chain time; ends with a summary (and --report) and exits
${simulationUsage(200)}  --keep-running       after --simulate, keep the devnet running (status lines) until Ctrl-C
  --dashboard-port N   port of the dashboard on 127.0.0.1 (default 8550, or a free port when taken)
  --no-dashboard       do not serve the dashboard
  -h, --help           show this help
`;

/** A flag error: the message is shown above the usage, and the devnet exits with code 2. */
export class DevnetArgsError extends Error {
  override name = "DevnetArgsError";
}

const number = (
  name: string,
  text: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
) => numberFlag((m) => new DevnetArgsError(m), name, text, fallback, check, what);

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
    ...parseSimulationFlags(v, (m) => new DevnetArgsError(m), 200),
    keepRunning: v["keep-running"] === true,
    dashboard: v["no-dashboard"] !== true,
    dashboardPort:
      v["dashboard-port"] === undefined
        ? undefined
        : number("dashboard-port", v["dashboard-port"], 0, integer(1, 65535), "a port number (1 to 65535)"),
    help: v.help === true,
  };
  if (options.report !== undefined && !options.simulate) {
    throw new DevnetArgsError("--report only applies to --simulate");
  }
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
  ...SIMULATION_FLAGS,
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
