/**
 * The standalone simulation (`npm run simulate -- [flags]`): builds the contracts (without the Solidity tests),
 * deploys the devnet's four markets with `deployEvergamma` on an in-process Hardhat chain (no node, no keeper),
 * runs the same simulation as `./evergamma devnet --simulate` (`scripts/devnet/simulationRun.ts`), prints its
 * summary and, with `--report DIR`, writes the report. Exit codes: 0 done, 1 failed, 2 a bad flag.
 *
 * @module
 */
import { parseArgs } from "node:util";

import hre, { network } from "hardhat";
import { createPublicClient, custom, type EIP1193RequestFn } from "viem";

import { createEvergammaClient } from "../client/index.js";
import { deployEvergamma, deploymentRecord } from "../deploy/evergamma.js";
import { DEVNET_MARKETS } from "./devnet/markets.js";
import {
  parseSimulationFlags,
  SIMULATION_FLAGS,
  simulationUsage,
  type SimulationFlags,
} from "./devnet/simulationArgs.js";
import { simulateAndReport } from "./devnet/simulationRun.js";
import { StatusReader } from "./devnet/status.js";
import { joinNegativeValues } from "./lib/cliArgs.js";

export const USAGE = `Usage: npm run simulate -- [flags]   (or ./evergamma simulate [flags])

Deploys the devnet's markets (ETH2, ETH1, C3500, P2500) on an in-process Hardhat chain and runs the devnet's
simulation on them: a seeded ETH path in a volatility regime, a noise trader and an honest arbitrageur per
market; prints the summary and, with --report DIR, writes the CSV, the HTML report and PNG charts.

${simulationUsage(0)}  -h, --help           show this help
`;

/** A flag error: the message is shown above the usage, and the script exits with code 2. */
class SimulateArgsError extends Error {
  override name = "SimulateArgsError";
}

const FLAGS = { ...SIMULATION_FLAGS, help: { type: "boolean", short: "h" } } as const;

/** The flags, or the usage and exit code 2. */
function parse(argv: string[]): SimulationFlags & { help: boolean } {
  try {
    const valueFlags = new Set(Object.keys(SIMULATION_FLAGS).map((name) => `--${name}`));
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(argv, valueFlags),
      allowPositionals: true,
      strict: true,
      options: FLAGS,
    });
    if (positionals.length > 0) throw new SimulateArgsError(`unexpected argument "${positionals[0]}"`);
    const fail = (message: string) => new SimulateArgsError(message);
    return { ...parseSimulationFlags(values, fail, 0), help: values.help === true };
  } catch (error) {
    console.error(`Error: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}

async function main(o: SimulationFlags): Promise<void> {
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  const started = Date.now();
  const connection = await network.connect();
  console.log(
    "Deploying Evergamma with markets ETH2, ETH1, C3500 and P2500 on an in-process Hardhat chain...",
  );
  const deployment = await deployEvergamma(connection, { markets: DEVNET_MARKETS });
  const chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  const record = await deploymentRecord(deployment);
  const request = connection.provider.request.bind(connection.provider) as unknown as EIP1193RequestFn;
  const evergamma = createEvergammaClient({
    publicClient: createPublicClient({ transport: custom({ request }), cacheTime: 0 }),
    deployment: { chainId, rpcUrl: "in-process", ...record },
  });
  const status = new StatusReader(evergamma, deployment.markets);
  const signers = await connection.ethers.getSigners();
  await simulateAndReport(o, {
    deployment,
    signers,
    status,
    chain: "in-process Hardhat chain",
    liquidate: true,
  });
  console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  await connection.close();
}

const options = parse(process.argv.slice(2));
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
main(options).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(
      `Simulation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
