/**
 * Keeper scale benchmark: starts a `hardhat node` on a free port, deploys the protocol and a KeeperHelper over
 * JSON-RPC, opens N vaults (default 10,000; `--vaults N`) of which 100 (`--unsafe M`) sit just above the minimum
 * collateral ratio, and measures
 *
 * - the discovery of every vault from `VaultOpened` events (the keeper's first tick),
 * - one full health scan of all vaults at one block (median of 5 runs; also in deployless mode),
 * - one tick after a price move made the M vaults unsafe (funding not due): scan, simulate, send and confirm M
 *   liquidations.
 *
 * Prints the figures and writes bench/keeper.json. Run with `npm run bench:keeper [-- --vaults N --unsafe M]`.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { parseEther } from "ethers";
import { privateKeyToAccount } from "viem/accounts";

import { advanceTime, setEthPrice } from "../../deploy/evergamma.js";
import { DEFAULT_OPTIONS, DEV_KEEPER_PRIVATE_KEY } from "../keeper/config.js";
import {
  deployKeeperDevnet,
  mintKeeperTokens,
  openVaults,
  writeDevnetDeployment,
  type VaultSpec,
} from "../keeper/fixture.js";
import { deploylessHealthReader, scanHealth } from "../keeper/health.js";
import { createKeeper } from "../keeper/keeper.js";
import { createMemoryLogger } from "../keeper/logging.js";
import { runTick } from "../keeper/tick.js";
import { startHardhatNode } from "../lib/hardhatNode.js";

const { values } = parseArgs({
  options: { vaults: { type: "string", default: "10000" }, unsafe: { type: "string", default: "100" } },
});
const vaultCount = Number(values.vaults);
const unsafeCount = Number(values.unsafe);
if (
  !Number.isSafeInteger(vaultCount) ||
  vaultCount < 1 ||
  !Number.isSafeInteger(unsafeCount) ||
  unsafeCount < 0
) {
  throw new Error("--vaults and --unsafe must be non-negative integers (vaults >= 1)");
}
if (unsafeCount > vaultCount) throw new Error("--unsafe cannot exceed --vaults");

const SCAN_RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const elapsed = (start: number) => Math.round(performance.now() - start);

const node = await startHardhatNode();
const dir = await mkdtemp(join(tmpdir(), "evergamma-bench-keeper-"));
try {
  console.log(`hardhat node on ${node.url}; deploying`);
  const devnet = await deployKeeperDevnet(node.url);
  const deploymentPath = join(dir, "localhost.json");
  await writeDevnetDeployment(devnet, deploymentPath);

  // Safe vaults: 1 ETH against 1 token (~330% at ETH = 3000). Risky ones: 1 ETH against 2 tokens (~167%), which
  // fall below 150% at ETH = 3400. The risky ones are spread evenly over the ids.
  const every = unsafeCount === 0 ? Infinity : Math.floor(vaultCount / unsafeCount);
  const specs: VaultSpec[] = Array.from({ length: vaultCount }, (_, i) => ({
    collateral: parseEther("1"),
    debt: i % every === 0 && Math.floor(i / every) < unsafeCount ? parseEther("2") : parseEther("1"),
  }));
  let started = performance.now();
  const blocks = await openVaults(node.url, devnet.controller, specs, devnet.accounts.slice(10, 20));
  const openVaultsMs = elapsed(started);
  console.log(`opened ${vaultCount} vaults in ${openVaultsMs} ms (${blocks} blocks)`);

  const keeperAccount = privateKeyToAccount(DEV_KEEPER_PRIVATE_KEY).address;
  await mintKeeperTokens(devnet, keeperAccount, BigInt(unsafeCount + 10) * parseEther("1"));

  const logger = createMemoryLogger();
  const keeper = await createKeeper({ ...DEFAULT_OPTIONS, deploymentPath, rpcUrl: node.url }, logger);

  // First tick: discovers every vault from events and scans them (nothing to liquidate yet).
  started = performance.now();
  const firstTick = await runTick(keeper);
  const firstTickMs = elapsed(started);
  if (firstTick.vaultsKnown < vaultCount) throw new Error(`discovered ${firstTick.vaultsKnown} vaults`);

  const ids = keeper.discovery.vaultIds();
  const scanAt = async (reader = keeper.health) => {
    const blockNumber = await keeper.client.getBlockNumber();
    const times: number[] = [];
    let pages = 0;
    for (let run = 0; run < SCAN_RUNS; run++) {
      const scan = await scanHealth(reader, ids, keeper.options.pageSize, blockNumber);
      times.push(scan.durationMs);
      pages = scan.pages;
    }
    return { medianMs: median(times), runsMs: times, pages };
  };
  const scan = await scanAt();
  const deploylessScan = await scanAt(deploylessHealthReader(keeper.client, keeper.controller));
  console.log(`full health scan of ${ids.length} vaults: ${scan.medianMs} ms median (${scan.pages} calls)`);

  // Make the risky vaults unsafe; 600 s lets the TWAP follow without making funding due.
  await setEthPrice(devnet.evergamma, 3400);
  await advanceTime(devnet.evergamma, 600);
  started = performance.now();
  const unsafeTick = await runTick(keeper);
  const unsafeTickMs = elapsed(started);
  const liquidations = unsafeTick.liquidations;
  console.log(
    `tick with ${unsafeTick.liquidatable.length} unsafe vaults: ${unsafeTickMs} ms ` +
      `(${liquidations.confirmed} liquidations confirmed, scan ${unsafeTick.scanMs} ms)`,
  );
  if (liquidations.confirmed !== unsafeCount) {
    const problems = logger.entries.filter((e) => e.event === "liquidation" && e.status !== "confirmed");
    throw new Error(
      `expected ${unsafeCount} liquidations, got ${liquidations.confirmed}: ${JSON.stringify(problems[0])}`,
    );
  }

  const result = {
    scenario:
      `${vaultCount} vaults (${unsafeCount} at ~167% made unsafe by ETH 3000 -> 3400), hardhat node over HTTP, ` +
      `KeeperHelper.getLiquidatableVaults pages of ${keeper.options.pageSize}`,
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      // Other jobs on the machine slow every figure down: the 1-minute load average at the end of the run.
      loadAverage: Number(loadavg()[0].toFixed(2)),
    },
    vaults: vaultCount,
    unsafeVaults: unsafeCount,
    openVaultsMs,
    openVaultsBlocks: blocks,
    firstTickMs,
    fullScanMs: scan.medianMs,
    fullScanRunsMs: scan.runsMs,
    fullScanCalls: scan.pages,
    fullScanDeploylessMs: deploylessScan.medianMs,
    tickWithUnsafeMs: unsafeTickMs,
    tickWithUnsafe: {
      scanMs: unsafeTick.scanMs,
      liquidatable: unsafeTick.liquidatable.length,
      confirmed: liquidations.confirmed,
      skipped: liquidations.skipped,
      failed: liquidations.failed + liquidations.reverted,
    },
  };
  console.table({
    "open vaults": { ms: openVaultsMs },
    "first tick (discovery + scan)": { ms: firstTickMs },
    "full health scan": { ms: scan.medianMs },
    "full health scan (deployless)": { ms: deploylessScan.medianMs },
    [`tick with ${unsafeCount} unsafe`]: { ms: unsafeTickMs },
  });
  await mkdir("bench", { recursive: true });
  await writeFile("bench/keeper.json", JSON.stringify(result, null, 2) + "\n");
  console.log("wrote bench/keeper.json");
} finally {
  await node.stop();
  await rm(dir, { recursive: true, force: true });
}
