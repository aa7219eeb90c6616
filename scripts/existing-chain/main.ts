/**
 * An "existing chain" for rehearsing a real deployment (`node --import tsx scripts/existing-chain/main.ts`): starts a
 * `hardhat node` and, knowing nothing of Evergamma, plays a network that already has what Evergamma builds on —
 * WETH9, a 6-decimal USDC, Uniswap v3 (from the npm artifacts), an ETH/USDC pool with an hour of trading history
 * whose observation cardinality starts low and is raised half-way, and Chainlink's `MockV3Aggregator` from
 * `@chainlink/contracts` as the ETH/USD feed. Then, as an operator filling in a template would, it writes the
 * deployment parameters file (default `ignition/parameters/localhost.json`; the addresses are the same on every
 * fresh node) and keeps the node running until Ctrl-C or SIGTERM.
 *
 * ```sh
 * node --import tsx scripts/existing-chain/main.ts --port 8545
 * npx hardhat evergamma:deploy --network localhost --parameters ignition/parameters/localhost.json
 * ```
 *
 * Flags: `--port N` (default: a free port), `--out FILE`. Exit codes: 0 stopped by a signal, 1 failed, 2 usage.
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { parseEther } from "ethers";
import { network } from "hardhat";

import {
  advanceTime,
  createPoolWithLiquidity,
  deployUniswapV3,
  getPoolContract,
  growObservations,
  movePoolPrice,
} from "../../deploy/uniswap.js";
import { startHardhatNode, type HardhatNode } from "../lib/hardhatNode.js";

const projectRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The ETH price the pool trades at, every five minutes for an hour (it ends at 3000 USDC). */
const PRICE_PATH = [3010, 2990, 3020, 2985, 3005, 2995, 3012, 2992, 3008, 2997, 3003, 3000];
const STEP_SECONDS = 300;
/** The observation capacity the pool gets half-way (a 420 s TWAP window needs 421). */
const RAISED_CARDINALITY = 480;
/** The account that plays the chain's other users (Evergamma's deployer is account #0). */
const WORLD_ACCOUNT = 10;

const USAGE = "Usage: node --import tsx scripts/existing-chain/main.ts [--port N] [--out FILE]";

function parseCli(argv: string[]): { port?: number; out: string } {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: "string" }, out: { type: "string" } },
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port <= 0 || port > 65535))
    throw new Error(`--port must be a port number, got "${values.port}"`);
  return {
    port,
    out: path.resolve(values.out ?? path.join(projectRoot, "ignition/parameters/localhost.json")),
  };
}

/** Deploys the world and gives its pool an hour of history; returns the parameters file's contents. */
async function buildWorld(url: string) {
  const connection = await network.create({ network: "localhost", override: { url } });
  const { ethers } = connection;
  const signer = (await ethers.getSigners())[WORLD_ACCOUNT];
  const weth = await ethers.deployContract("WETH9", [], signer);
  const usdc = await ethers.deployContract("TestUSDC", [], signer);
  const uniswap = await deployUniswapV3(signer, weth);
  const poolAddress = await createPoolWithLiquidity({
    ...{ uniswap, signer, tokenA: weth, tokenB: usdc },
    ...{ priceAInB: PRICE_PATH[PRICE_PATH.length - 1], amountA: parseEther("200"), cardinality: 1 },
  });
  for (const [i, price] of PRICE_PATH.entries()) {
    await advanceTime(ethers.provider, STEP_SECONDS);
    if (i === PRICE_PATH.length / 2)
      await growObservations(getPoolContract(poolAddress, signer), RAISED_CARDINALITY);
    const swap = {
      uniswap,
      pool: poolAddress,
      signer,
      baseToken: weth,
      quoteToken: usdc,
      targetPrice: price,
    };
    await movePoolPrice(swap);
  }
  const lastPrice = BigInt(PRICE_PATH[PRICE_PATH.length - 1]) * 10n ** 8n;
  const feed = await ethers.deployContract("MockV3Aggregator", [8, lastPrice], signer);
  const [owner] = (await ethers.getSigners()).slice(1);
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const address = (c: { getAddress(): Promise<string> }) => c.getAddress();
  const world = {
    weth: await address(weth),
    usdc: await address(usdc),
    uniswapV3Factory: await address(uniswap.factory),
    nonfungiblePositionManager: await address(uniswap.positionManager),
    swapRouter: await address(uniswap.router),
    ethUsdcPool: poolAddress,
  };
  await connection.close();
  return {
    chainId,
    owner: owner.address,
    world,
    chainlink: { ethUsdFeed: await address(feed), feedDecimals: 8, heartbeatSeconds: 3600 },
    markets: [
      { name: "ETH2", priceSource: "chainlink", tokenName: "Evergamma Squared ETH", tokenSymbol: "eSQTH" },
      { name: "ETH1", priceSource: "twap", power: 1, indexScale: "1", seedTokens: "10" },
    ],
  };
}

let node: HardhatNode | undefined;

async function main(): Promise<void> {
  let cli: { port?: number; out: string };
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`Error: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  node = await startHardhatNode(cli.port === undefined ? {} : { port: cli.port });
  console.log(`Existing chain: hardhat node ${node.url} (pid ${node.pid})`);
  const parameters = await buildWorld(node.url);
  await mkdir(path.dirname(cli.out), { recursive: true });
  await writeFile(cli.out, JSON.stringify(parameters, null, 2) + "\n");
  console.log(
    `World ready (WETH, USDC, Uniswap v3, an hour of ETH/USDC history, MockV3Aggregator); wrote ${cli.out}`,
  );
  console.log(`Ready at ${node.url}`);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => void node?.stop().finally(() => process.exit(0)));
}

main().catch(async (error: unknown) => {
  console.error(`Existing chain failed: ${error instanceof Error ? error.message : String(error)}`);
  await node?.stop();
  process.exit(1);
});
