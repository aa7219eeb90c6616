/**
 * Deployment onto an existing chain: `evergamma:check` checks a parameters file against the network (reads only) and
 * `evergamma:deploy` checks it, deploys through the Ignition modules (journal `ignition/deployments/<id>`, so a rerun
 * resumes), seeds the markets' pools and writes the deployment file the tasks and the keeper read
 * (`deployments/<network>.json`, or `--deployment-file`).
 *
 * ```sh
 * npx hardhat evergamma:check --network sepolia --parameters ignition/parameters/sepolia.json
 * npx hardhat evergamma:deploy --network sepolia --parameters ignition/parameters/sepolia.json
 * ```
 *
 * A bad parameter prints one `Error: ...` line per problem on stderr, sends nothing and exits with code 1.
 *
 * @module
 */
import { rm } from "node:fs/promises";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";

import { DeployCheckError, checkDeployParameters } from "../deploy/check.js";
import { deployFromParameters } from "../deploy/network.js";
import { DeployParametersError, readDeployParameters, type DeployParameters } from "../deploy/parameters.js";
import { writeDeploymentFile } from "../scripts/lib/deploymentFile.js";
import { action, deploymentFilePath, TaskInputError } from "./context.js";

/** Arguments of `evergamma:check`. */
export interface CheckArgs {
  parameters: string;
  rpc: string;
}

/** Arguments of `evergamma:deploy`. */
export interface DeployArgs extends CheckArgs {
  deploymentFile: string;
  deploymentId: string;
}

/** Chain ids of local development chains: their Ignition journal starts afresh (each node is a new chain). */
const DEV_CHAIN_IDS = [31337, 1337];

/** The parameters file, with its problems as task input errors. */
function loadParameters(file: string): DeployParameters {
  if (file === "")
    throw new TaskInputError("--parameters is required (for example ignition/parameters/sepolia.json)");
  try {
    return readDeployParameters(path.resolve(file));
  } catch (error) {
    if (error instanceof DeployParametersError) throw new TaskInputError(error.message);
    throw error;
  }
}

/** The network connection, at `--rpc` when given. */
async function connect(hre: HardhatRuntimeEnvironment, rpc: string): Promise<NetworkConnection> {
  const network = hre.globalOptions.network || "default";
  const config = hre.config.networks[network];
  if (rpc === "") return hre.network.create();
  if (config?.type !== "http")
    throw new TaskInputError(`--rpc needs an http network, "${network}" is not one`);
  return hre.network.create({ network, override: { url: rpc } });
}

/** Runs the on-chain checks; their problems become one `Error:` line each. */
async function check(p: DeployParameters, connection: NetworkConnection): Promise<void> {
  try {
    await checkDeployParameters(p, connection.ethers.provider);
  } catch (error) {
    if (!(error instanceof DeployCheckError)) throw error;
    for (const problem of error.problems.slice(0, -1)) console.error(`Error: ${problem}`);
    throw new TaskInputError(error.problems[error.problems.length - 1]);
  }
}

export const checkParameters = action<CheckArgs>(async (args, hre) => {
  const p = loadParameters(args.parameters);
  const connection = await connect(hre, args.rpc);
  await check(p, connection);
  console.log(`${args.parameters}: every parameter fits chain ${p.chainId} (${p.markets.length} market(s))`);
});

export const deployNetwork = action<DeployArgs>(async (args, hre) => {
  const p = loadParameters(args.parameters);
  const connection = await connect(hre, args.rpc);
  await check(p, connection);
  const id = args.deploymentId === "" ? `evergamma-${p.chainId}` : args.deploymentId;
  const deploymentDir = path.join(hre.config.paths.ignition, "deployments", id);
  if (DEV_CHAIN_IDS.includes(p.chainId)) await rm(deploymentDir, { recursive: true, force: true });
  const helpers = await import("@nomicfoundation/hardhat-ignition/helpers");
  const [deployer] = await connection.ethers.getSigners();
  const rpcUrl =
    args.rpc !== ""
      ? args.rpc
      : "url" in connection.networkConfig
        ? String(await connection.networkConfig.url.get())
        : "";
  const deployment = await deployFromParameters(connection, p, {
    deployer,
    rpcUrl,
    run: { deploymentDir, listener: new helpers.PrettyEventHandler(hre.interruptions) },
    log: (line) => console.log(line),
  });
  const network = hre.globalOptions.network || "default";
  const file =
    args.deploymentFile !== ""
      ? path.resolve(args.deploymentFile)
      : deploymentFilePath(network, hre.config.paths.root);
  await writeDeploymentFile(file, deployment);
  for (const m of Object.values(deployment.markets))
    console.log(`market ${m.id} ${m.name}: token ${m.token}, pool ${m.pool}, price source ${m.priceSource}`);
  console.log(
    `Wrote ${path.relative(process.cwd(), file) || file} (Ignition journal ignition/deployments/${id})`,
  );
});
