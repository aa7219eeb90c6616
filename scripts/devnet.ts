/**
 * The devnet (`./evergamma devnet [flags]`, `npm run devnet -- [flags]`): builds the contracts (without the
 * Solidity tests), starts a Hardhat node on 127.0.0.1:8545, deploys the Evergamma engine with four markets side
 * by side over JSON-RPC — ETH² with Squeeth's parameters (market 0), ETH¹ (market 1: power 1, index scale 1, a
 * perpetual future funded through the normalization factor), an everlasting 3500 call (market 2) and a 2500 put
 * (market 3), each with its real Uniswap v3 pool —, opens a
 * demo vault, writes `deployments/localhost.json`, starts the keeper and prints a status line per market whenever
 * that market changes (and a heartbeat every minute). `--simulate` drives the ETH price along a seeded random path
 * with an arbitrage bot on every market's pool (see `docs/devnet.md`). Ctrl-C or SIGTERM to this
 * process stops the keeper and the node and exits; both commands run it as the started process itself (exec).
 *
 * @module
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { computeAddress, parseEther } from "ethers";
import hre, { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { createPublicClient, http } from "viem";

import { createEvergammaClient } from "../client/index.js";
import {
  deployEvergamma,
  deploymentRecord,
  isOptionMarket,
  type EvergammaDeployment,
} from "../deploy/evergamma.js";
import { exact, percent, usd } from "../tasks/format.js";
import { DevnetArgsError, parseDevnetArgs, USAGE, type DevnetOptions } from "./devnet/args.js";
import {
  buildDashboard,
  DashboardPortInUseError,
  DEFAULT_DASHBOARD_PORT,
  startDashboardServer,
  type DashboardBuild,
  type DashboardServer,
} from "./devnet/dashboard.js";
import { keeperEntry, startKeeper, type KeeperProcess } from "./devnet/keeper.js";
import { PortInUseError, startDevnetNode } from "./devnet/node.js";
import { DEVNET_MARKETS } from "./devnet/markets.js";
import { productText } from "./devnet/simulate.js";
import { simulateAndReport } from "./devnet/simulationRun.js";
import { clock, formatStatus, StatusLog, StatusReader } from "./devnet/status.js";
import type { HardhatNode } from "./lib/hardhatNode.js";
import { DEV_KEEPER_PRIVATE_KEY, parsePrivateKey } from "./keeper/config.js";
import { writeDeploymentFile } from "./lib/deploymentFile.js";

const projectRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A path relative to the working directory when it lies below it, absolute otherwise. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

let options: DevnetOptions;
try {
  options = parseDevnetArgs(process.argv.slice(2), projectRoot);
} catch (error) {
  if (!(error instanceof DevnetArgsError)) throw error;
  console.error(`Error: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------
// Resources and shutdown
// ---------------------------------------------------------------------------------------------------------

let node: HardhatNode | undefined;
let keeper: KeeperProcess | undefined;
let connection: NetworkConnection | undefined;
let dashboard: DashboardServer | undefined;
let statusTimer: NodeJS.Timeout | undefined;
let stopping = false;
let shutdownPromise: Promise<never> | undefined;

/** Stops the status loop, the keeper and the node (in that order), then exits with `code`. Idempotent. */
function shutdown(code: number): Promise<never> {
  shutdownPromise ??= (async () => {
    stopping = true;
    if (statusTimer !== undefined) clearTimeout(statusTimer);
    await keeper?.stop().catch(() => undefined);
    await dashboard?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await node?.stop().catch(() => undefined);
    console.log("Devnet stopped.");
    process.exit(code);
  })();
  return shutdownPromise;
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) {
      console.log(`\n${signal} again: exiting now`);
      process.exit(130);
    }
    console.log(`\n${signal}: stopping the devnet...`);
    void shutdown(0);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------

/** Tokens of every market the keeper account receives, to repay debt in liquidations. */
const KEEPER_TOKENS = parseEther("100");

/**
 * Gives the keeper's account (KEEPER_PRIVATE_KEY, or the keeper's default development account #9) power
 * tokens of market 0 to liquidate with: the deployer mints them from a vault of its own at ~1000% and sends them
 * over.
 */
async function stockKeeper(
  d: EvergammaDeployment,
): Promise<{ address: string; tokens: bigint; vaultIds: bigint[] }> {
  const key = parsePrivateKey(process.env.KEEPER_PRIVATE_KEY) ?? DEV_KEEPER_PRIVATE_KEY;
  const address = computeAddress(key);
  const c = d.engine.connect(d.deployer);
  const collateral = parseEther("1000");
  const vaultIds: bigint[] = [];
  // The keeper liquidates with each market's own token: it gets KEEPER_TOKENS of every market.
  for (const market of d.markets) {
    const vaultId = await c.mint.staticCall(market.newVaultId, KEEPER_TOKENS, { value: collateral });
    await (await c.mint(market.newVaultId, KEEPER_TOKENS, { value: collateral })).wait();
    await (await market.token.connect(d.deployer).transfer(address, KEEPER_TOKENS)).wait();
    vaultIds.push(vaultId);
  }
  return { address, tokens: KEEPER_TOKENS, vaultIds };
}
// ---------------------------------------------------------------------------------------------------------

async function main(o: DevnetOptions): Promise<void> {
  // The dashboard's bundle (esbuild, when a source changed) builds while the contracts do.
  const bundle: Promise<DashboardBuild> | undefined = o.dashboard ? buildDashboard(projectRoot) : undefined;
  bundle?.catch(() => undefined);
  if (o.dashboard) {
    const port = o.dashboardPort ?? DEFAULT_DASHBOARD_PORT;
    dashboard = await startDashboardServer({
      projectRoot,
      port,
      fallbackToFreePort: o.dashboardPort === undefined,
    });
  }
  // The contracts only: the Solidity fuzz and invariant suites are not needed to deploy.
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  if (stopping) return;
  console.log(`Starting a Hardhat node on ${o.hostname}:${o.port}...`);
  node = await startDevnetNode(o.port, o.hostname);
  console.log(`  node ${node.url} (pid ${node.pid}); devnet pid ${process.pid}`);

  connection = await network.create({ network: "localhost", override: { url: node.url } });
  const { ethers } = connection;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  console.log(
    "Deploying Evergamma (WETH, USDC, Uniswap v3, the engine, its lens, markets ETH2, ETH1, C3500 and P2500 with " +
      "their tokens, pools and price sources, pricer, keeper helper)...",
  );
  const deployment = await deployEvergamma(connection, { markets: DEVNET_MARKETS });
  const signers = await ethers.getSigners();
  const demoOwner = signers[1];
  const engine = deployment.engine.connect(demoOwner);
  const demoCollateral = parseEther("10");
  const demoDebt = parseEther("15");
  const open = deployment.markets[0].newVaultId;
  const demoVaultId = await engine.mint.staticCall(open, demoDebt, { value: demoCollateral });
  await (await engine.mint(open, demoDebt, { value: demoCollateral })).wait();
  const keeperAccount = await stockKeeper(deployment);

  const record = await deploymentRecord(deployment);
  await writeDeploymentFile(o.deploymentFile, { chainId: Number(chainId), rpcUrl: node.url, ...record });

  console.log(`Deployed on chain ${chainId}; wrote ${displayPath(o.deploymentFile)}`);
  for (const [name, address] of Object.entries(record.contracts))
    console.log(`  ${name.padEnd(28)} ${address}`);
  for (const m of deployment.markets) {
    console.log(
      `  market ${m.id} ${m.name.padEnd(5)} ${isOptionMarket(m.params) ? `${productText(m.params)}, floor volatility ${percent(m.params.floorVolatilityWad ?? 0n, 0)}` : `power ${m.params.power}, index scale ${m.params.indexScale}`}: ` +
        `token ${await m.token.symbol()} ${record.markets[String(m.id)].token}, pool ${record.markets[String(m.id)].pool}`,
    );
  }
  if (dashboard !== undefined && bundle !== undefined) {
    dashboard.setDeployment({ chainId: Number(chainId), rpcUrl: node.url, ...record }, node.url);
    try {
      const b = await bundle;
      const how = b.built ? `built in ${b.ms} ms` : "up to date";
      console.log(`Dashboard: ${dashboard.url} (bundle ${Math.round(b.bytes / 1024)} KB, ${how})`);
    } catch (error) {
      // The devnet goes on without its dashboard: the status lines do not need it.
      console.log(`Dashboard: not served (${error instanceof Error ? error.message : String(error)})`);
      await dashboard.close();
      dashboard = undefined;
    }
  }
  const report = await deployment.lens.vaultReport(demoVaultId);
  const [ratio, liquidationPrice] = [report.collateralRatioWad, report.liquidationPriceWad];
  const symbol = await deployment.powerToken.symbol();
  console.log(
    `Demo vault ${demoVaultId} (account #1 ${demoOwner.address}): ${exact(demoCollateral)} ETH, ` +
      `${exact(demoDebt)} ${symbol}, ratio ${percent(ratio)}, liquidation price ${usd(liquidationPrice)}`,
  );

  if (!o.keeper) {
    console.log("Keeper: not started (--no-keeper)");
  } else if (keeperEntry(projectRoot) === undefined) {
    console.log("Keeper: scripts/keeper/main.ts is not in this checkout, running without a keeper");
  } else {
    keeper = startKeeper({ projectRoot, rpcUrl: node.url, deploymentFile: o.deploymentFile });
    console.log(`Keeper: started (pid ${keeper.pid})`);
    void keeper.exited.then((code) => {
      if (!stopping) console.log(`[devnet] the keeper exited (${code}); the devnet goes on without it`);
    });
  }
  const symbols = await Promise.all(deployment.markets.map((m) => m.token.symbol()));
  console.log(
    `Keeper account ${keeperAccount.address}: holds ${symbols.map((symbol) => `${exact(keeperAccount.tokens)} ${symbol}`).join(", ")} ` +
      `to liquidate with (minted from the deployer's vaults ${keeperAccount.vaultIds.join(", ")})`,
  );
  console.log(
    `Ready. Try: ./evergamma hardhat vault:status --id ${demoVaultId} --network localhost   (Ctrl-C to stop)`,
  );

  const evergamma = createEvergammaClient({
    publicClient: createPublicClient({ transport: http(node.url, { batch: true }), cacheTime: 0 }),
    deployment: { chainId: Number(chainId), rpcUrl: node.url, ...record },
  });
  const status = new StatusReader(evergamma, deployment.markets);
  if (o.simulate) {
    const context = { deployment, signers, status, chain: node.url, liquidate: !o.keeper };
    await simulateAndReport(o, { ...context, stopped: () => stopping });
    if (stopping) return;
    if (!o.keepRunning) {
      await shutdown(0);
      return;
    }
  }

  let failures = 0;
  const log = new StatusLog(o.heartbeat * 1000);
  const tick = async () => {
    if (stopping) return;
    try {
      const now = Date.now();
      for (const reading of await status.read()) {
        if (log.shouldPrint(reading, now)) console.log(`[${clock()}] ${formatStatus(reading)}`);
      }
      failures = 0;
    } catch (error) {
      if (stopping) return;
      failures++;
      console.log(
        `[${clock()}] status unavailable: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (failures >= 3) {
        console.error("The node stopped answering: shutting down.");
        await shutdown(1);
      }
    }
    if (!stopping) statusTimer = setTimeout(() => void tick(), o.interval * 1000);
  };
  await tick();
}

main(options).catch(async (error: unknown) => {
  if (stopping) return;
  if (error instanceof PortInUseError || error instanceof DashboardPortInUseError) {
    console.error(`Error: ${error.message}`);
  } else if (error instanceof Error && error.name === "HardhatError") {
    console.error(`Devnet failed: ${error.message}`); // e.g. the build failed (the compiler's errors are above)
  } else {
    console.error(
      `Devnet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  await shutdown(1);
});
