/**
 * Dashboard benchmark (not a timed test): starts the devnet (`scripts/devnet.ts`, no keeper) on free ports, opens
 * 1,000 vaults over its four markets (`--vaults N`; JSON-RPC batches, automine off) and makes a day of history (24
 * one-hour steps: time advanced, funding applied in every market; `--hours H`), then opens the dashboard in
 * headless Chromium (`CHROMIUM_PATH` or the system's) `--runs` times (default 3) and measures with the page's
 * performance API the first contentful paint and the time until everything is painted (the `dashboard-ready` mark:
 * cards, 1,000-row vault table, feed, charts rebuilt from history). Prints the figures and writes
 * bench/dashboard.json. Target: under 2 s. Run with `npm run bench:dashboard [-- --vaults N --hours H --runs R]`; a
 * bad flag prints one line and exits with code 2.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { Interface, parseEther, toQuantity } from "ethers";

import { createPublicClient, http } from "viem";

import { evergammaLensAbi, parseDeployment, type HexAddress } from "../../client/index.js";
import { openVaults, rpc, rpcBatch, type VaultSpec } from "../keeper/fixture.js";
import { launchBrowser } from "../lib/browser.js";

const PROJECT_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const TARGET_MS = 2000;

const { values } = parseArgs({
  options: {
    vaults: { type: "string", default: "1000" },
    hours: { type: "string", default: "24" },
    runs: { type: "string", default: "3" },
  },
});
const [vaultCount, hours, runs] = [Number(values.vaults), Number(values.hours), Number(values.runs)];
for (const [name, n] of [
  ["vaults", vaultCount],
  ["hours", hours],
  ["runs", runs],
] as const) {
  if (!Number.isSafeInteger(n) || n < 1 || n > 100_000) {
    console.error(`Error: --${name} must be a whole number from 1 to 100000, got "${values[name]}"`);
    process.exit(2);
  }
}

/** A port that is free right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** The devnet child (no keeper, quiet status): its output so far, and a way to wait for a line. */
async function startDevnet(dir: string) {
  const ports = ["--port", String(await freePort()), "--dashboard-port", String(await freePort())];
  const quiet = ["--no-keeper", "--interval", "3600", "--heartbeat", "3600"];
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/devnet.ts", ...ports, ...quiet], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, EVERGAMMA_DEPLOYMENTS_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const waitFor = async (pattern: RegExp, timeoutMs = 300_000): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(output);
      if (match !== null) return match;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`devnet: no ${pattern}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, waitFor };
}

/**
 * The vaults: 70% ETH², 20% ETH¹, 5% each option; collateral 1 to 3 ETH at 160% to 400% of each market's debt
 * value per token (`debtValues`, WAD ETH, from the lens).
 */
function vaultSpecs(count: number, debtValues: readonly bigint[]): VaultSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const marketId = i % 20 < 14 ? 0 : i % 20 < 18 ? 1 : i % 2 === 0 ? 2 : 3;
    const collateral = parseEther(String(1 + (i % 3)));
    const ratioPercent = 160n + BigInt((i * 37) % 240);
    const debt = (collateral * 100n * parseEther("1")) / (ratioPercent * debtValues[marketId]);
    return { marketId, collateral, debt };
  });
}

const engineInterface = new Interface(["function applyFunding(uint32 marketId) returns (uint256)"]);

/** `hours` one-hour steps: advance time, then apply funding in every market (one block a step). */
async function makeHistory(
  url: string,
  engine: HexAddress,
  from: HexAddress,
  markets: number[],
): Promise<void> {
  await rpc(url, "evm_setAutomine", [false]);
  try {
    for (let h = 0; h < hours; h++) {
      await rpc(url, "evm_increaseTime", [3600]);
      await rpcBatch(
        url,
        markets.map((m) => ({
          method: "eth_sendTransaction",
          params: [
            {
              from,
              to: engine,
              data: engineInterface.encodeFunctionData("applyFunding", [m]),
              gas: toQuantity(500_000),
            },
          ],
        })),
      );
      await rpc(url, "evm_mine");
    }
  } finally {
    await rpc(url, "evm_setAutomine", [true]);
  }
}

/** What one page load measured (milliseconds since navigation). */
interface PageTiming {
  firstContentfulPaint: number;
  ready: number;
  /** The market cards painted. */
  cards: number;
  /** The vault table painted. */
  vaultTable: number;
  /** The option vaults' liquidation prices painted (after the first paint). */
  liquidationPrices: number;
  rows: number;
  chartPoints: number;
}

/** One page load: first contentful paint and the `dashboard-ready` mark (ms since navigation), vault rows shown. */
async function measure(url: string): Promise<PageTiming> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    const errors: string[] = [];
    page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : undefined));
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 120_000 });
    await page.waitForSelector("body[data-liquidation-prices=true]", { timeout: 120_000 });
    // Evaluated in the page (a string: this file is type-checked without the DOM library).
    const timing = await page.evaluate<PageTiming>(`({
      firstContentfulPaint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1,
      ready: performance.getEntriesByName("dashboard-ready")[0]?.startTime ?? -1,
      cards: performance.getEntriesByName("dashboard-cards")[0]?.startTime ?? -1,
      vaultTable: performance.getEntriesByName("dashboard-vaults")[0]?.startTime ?? -1,
      liquidationPrices: performance.getEntriesByName("dashboard-liquidation-prices")[0]?.startTime ?? -1,
      rows: document.querySelectorAll("table.vaults tbody tr").length,
      chartPoints: Number(document.querySelector(".chart")?.getAttribute("data-points")),
    })`);
    if (errors.length > 0) throw new Error(`console errors: ${errors.join("; ")}`);
    const ms = (x: number) => Math.round(x);
    return {
      ...timing,
      firstContentfulPaint: ms(timing.firstContentfulPaint),
      ready: ms(timing.ready),
      cards: ms(timing.cards),
      vaultTable: ms(timing.vaultTable),
      liquidationPrices: ms(timing.liquidationPrices),
    };
  } finally {
    await browser.close();
  }
}

const dir = await mkdtemp(path.join(tmpdir(), "evergamma-bench-dashboard-"));
const devnet = await startDevnet(dir);
try {
  const started = Date.now();
  const [, rpcUrl] = await devnet.waitFor(/^ {2}node (http:\/\/\S+) \(pid/m);
  const [, dashboardUrl, bundleKb] = await devnet.waitFor(/^Dashboard: (http:\/\/\S+) \(bundle (\d+) KB/m);
  await devnet.waitFor(/^Ready\./m);
  const devnetStartMs = Date.now() - started;
  const file = path.join(dir, "localhost.json");
  const deployment = parseDeployment(JSON.parse(await readFile(file, "utf8")), file);
  const engine = deployment.contracts.Evergamma;
  const accounts = (await rpc(rpcUrl, "eth_accounts")) as HexAddress[];
  const chain = createPublicClient({ transport: http(rpcUrl, { batch: true }) });
  const reports = await Promise.all(
    [0, 1, 2, 3].map((id) =>
      chain.readContract({
        address: deployment.contracts.EvergammaLens,
        abi: evergammaLensAbi,
        functionName: "marketReport",
        args: [id],
      }),
    ),
  );
  const debtValues = reports.map((r) => r.debtValuePerTokenWad);
  let t = Date.now();
  const blocks = await openVaults(rpcUrl, engine, vaultSpecs(vaultCount, debtValues), accounts.slice(10, 20));
  console.log(`opened ${vaultCount} vaults in ${blocks} blocks (${Date.now() - t} ms)`);
  t = Date.now();
  await makeHistory(
    rpcUrl,
    engine,
    accounts[0],
    Object.values(deployment.markets).map((m) => m.id),
  );
  console.log(`${hours} hours of history: time advanced, funding applied (${Date.now() - t} ms)`);
  const measured = [];
  for (let run = 0; run < runs; run++) {
    const m = await measure(dashboardUrl);
    console.log(
      `run ${run + 1}: first contentful paint ${m.firstContentfulPaint} ms, cards ${m.cards} ms, vault table ${m.vaultTable} ms, everything painted ${m.ready} ms, option liquidation prices ${m.liquidationPrices} ms (${m.rows} vault rows, ${m.chartPoints} chart points)`,
    );
    measured.push(m);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const readyMs = median(measured.map((m) => m.ready));
  const result = {
    vaults: measured[0].rows,
    historyHours: hours,
    bundleKb: Number(bundleKb),
    devnetStartMs,
    firstContentfulPaintMs: median(measured.map((m) => m.firstContentfulPaint)),
    firstPaintAllMs: readyMs,
    targetMs: TARGET_MS,
    withinTarget: readyMs < TARGET_MS,
    runs: measured,
    machine: {
      cpus: availableParallelism(),
      model: cpus()[0]?.model ?? "unknown",
      loadavg: loadavg().map((l) => Number(l.toFixed(2))),
    },
  };
  console.log(
    `first paint with ${result.vaults} vaults and ${hours} h of history: ${readyMs} ms (median of ${runs}; target < ${TARGET_MS} ms)`,
  );
  await writeFile(path.join(PROJECT_ROOT, "bench", "dashboard.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log("wrote bench/dashboard.json");
} finally {
  devnet.child.kill("SIGTERM");
  await new Promise((resolve) => devnet.child.once("exit", resolve));
  await rm(dir, { recursive: true, force: true });
}
