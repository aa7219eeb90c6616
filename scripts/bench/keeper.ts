/**
 * Keeper scale benchmark: starts a `hardhat node` on a free port, deploys the protocol with two markets (ETH² and
 * ETH¹) and a KeeperHelper over JSON-RPC, opens N vaults (default 10,000; `--vaults N`) spread evenly over the two
 * markets, of which 100 ETH² vaults (`--unsafe M`) sit just above the minimum collateral ratio, and measures
 *
 * - the keeper's first tick (every market read and scanned, nothing to liquidate),
 * - one full health scan of every vault of both markets at one block (median of 5 runs; also in deployless mode),
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
  ETH1_MARKET,
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

  // Even vaults go to ETH², odd ones to ETH¹. ETH² safe vaults: 1 ETH against 1 token (~330% at ETH = 3000);
  // risky ones: 1 ETH against 2 tokens (~167%), which fall below 150% at ETH = 3400, spread evenly over the
  // market's serials. ETH¹ vaults: 1 ETH against 0.5 tokens (~200%, whatever ETH does).
  const eth2Count = Math.ceil(vaultCount / 2);
  if (unsafeCount > eth2Count) throw new Error(`--unsafe cannot exceed the ${eth2Count} ETH² vaults`);
  const every = unsafeCount === 0 ? Infinity : Math.floor(eth2Count / unsafeCount);
  const specs: VaultSpec[] = Array.from({ length: vaultCount }, (_, i) => {
    if (i % 2 === 1) return { marketId: ETH1_MARKET, collateral: parseEther("1"), debt: parseEther("0.5") };
    const serial = i / 2;
    const risky = serial % every === 0 && Math.floor(serial / every) < unsafeCount;
    return { marketId: 0, collateral: parseEther("1"), debt: risky ? parseEther("2") : parseEther("1") };
  });
  let started = performance.now();
  const blocks = await openVaults(node.url, devnet.engine, specs, devnet.accounts.slice(10, 20));
  const openVaultsMs = elapsed(started);
  console.log(`opened ${vaultCount} vaults in ${openVaultsMs} ms (${blocks} blocks)`);

  const keeperAccount = privateKeyToAccount(DEV_KEEPER_PRIVATE_KEY).address;
  await mintKeeperTokens(devnet, keeperAccount, BigInt(unsafeCount + 10) * parseEther("1"));

  const logger = createMemoryLogger();
  // The node automines one block per transaction, each a second after the last while the chain's clock runs ahead
  // of the wall clock (the warm-up and the 600 s below): 100 liquidations span 100 s of block time, past the
  // default 60 s deadline. A 10-minute deadline keeps the benchmark about speed.
  const keeper = await createKeeper(
    { ...DEFAULT_OPTIONS, deploymentPath, rpcUrl: node.url, liquidationDeadlineMs: 600_000 },
    logger,
  );

  // First tick: reads every market and scans every vault (nothing to liquidate yet).
  started = performance.now();
  const firstTick = await runTick(keeper);
  const firstTickMs = elapsed(started);
  // Each market also holds the deployer's seed vault (and ETH² the keeper's own).
  if (firstTick.scanned < vaultCount) throw new Error(`scanned ${firstTick.scanned} vaults`);
  const markets = firstTick.markets.map((m) => ({ marketId: m.marketId, vaultCount: BigInt(m.vaults) }));

  const scanAt = async (reader = keeper.health) => {
    const blockNumber = await keeper.client.getBlockNumber();
    const times: number[] = [];
    let pages = 0;
    let scanned = 0;
    for (let run = 0; run < SCAN_RUNS; run++) {
      const scans = await scanHealth(reader, markets, keeper.options.pageSize, blockNumber);
      times.push(scans[0].durationMs);
      pages = scans.reduce((sum, s) => sum + s.pages, 0);
      scanned = scans.reduce((sum, s) => sum + s.scanned, 0);
    }
    return { medianMs: median(times), runsMs: times, pages, scanned };
  };
  const scan = await scanAt();
  const deploylessScan = await scanAt(deploylessHealthReader(keeper.client, keeper.engine));
  console.log(
    `full health scan of ${scan.scanned} vaults in ${markets.length} markets: ${scan.medianMs} ms median ` +
      `(${scan.pages} calls)`,
  );

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
      `expected ${unsafeCount} liquidations, got ${liquidations.confirmed}: ` +
        JSON.stringify(problems.slice(0, 3), (_key, value: unknown) =>
          typeof value === "bigint" ? value.toString() : value,
        ),
    );
  }

  const result = {
    scenario:
      `${vaultCount} vaults over two markets (ETH2 and ETH1, half each; ${unsafeCount} ETH2 vaults at ~167% made ` +
      `unsafe by ETH 3000 -> 3400), hardhat node over HTTP, KeeperHelper.getLiquidatableVaults(marketId, ` +
      `startSerial, count) pages of ${keeper.options.pageSize}`,
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      // Other jobs on the machine slow every figure down: the 1-minute load average at the end of the run.
      loadAverage: Number(loadavg()[0].toFixed(2)),
    },
    vaults: vaultCount,
    vaultsByMarket: Object.fromEntries(firstTick.markets.map((m) => [m.name, m.vaults])),
    unsafeVaults: unsafeCount,
    openVaultsMs,
    openVaultsBlocks: blocks,
    firstTickMs,
    fullScanMs: scan.medianMs,
    fullScanRunsMs: scan.runsMs,
    fullScanVaults: scan.scanned,
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
    "first tick (read + scan)": { ms: firstTickMs },
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
