/**
 * The simulation as a command, shared by the devnet (`--simulate`) and the standalone run (`npm run simulate`):
 * runs {@link runSimulation} with the parsed flags, prints the summary and, with `--report DIR`, writes the
 * report (`scripts/report/`) and prints what it wrote. One code path for both chains.
 *
 * @module
 */
import path from "node:path";

import type { Signer } from "ethers";

import type { EvergammaDeployment } from "../../deploy/evergamma.js";
import { ChromiumNotFoundError } from "../lib/browser.js";
import { writeReport } from "../report/index.js";
import { formatSummary, productText, runSimulation, type SimulationResult } from "./simulate.js";
import type { SimulationFlags } from "./simulationArgs.js";
import type { StatusReader } from "./status.js";

/** What the command runs on. */
export interface SimulationContext {
  deployment: EvergammaDeployment;
  /** Account #2 trades; #3 to #5 open the near-the-edge vaults. */
  signers: Signer[];
  status: StatusReader;
  /** For the report: "in-process Hardhat chain" or the node's URL. */
  chain: string;
  /** Whether the simulation liquidates unsafe vaults itself (no keeper runs). */
  liquidate: boolean;
  stopped?: () => boolean;
}

/** A path relative to the working directory when it lies below it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** Runs the simulation, prints the summary, writes the report when asked; resolves with the result. */
export async function simulateAndReport(o: SimulationFlags, c: SimulationContext): Promise<SimulationResult> {
  const result = await runSimulation({
    deployment: c.deployment,
    arbitrageur: c.signers[2],
    riskyOwners: c.signers.slice(3, 6),
    status: c.status,
    seed: o.seed,
    steps: o.steps,
    regime: o.regime,
    vol: o.volGiven ? o.vol : undefined,
    dt: o.dt,
    targetVol: o.targetVol,
    arbCostRate: o.arbCostRate,
    arbMaxTradeEth: o.arbCapitalEth,
    stepDelayMs: o.stepDelayMs,
    liquidate: c.liquidate,
    stopped: c.stopped,
  });
  if (c.stopped?.() === true) return result;
  console.log(formatSummary(result.summary).join("\n"));
  if (o.report !== undefined) await report(o, c, result);
  return result;
}

/** Writes the report; without Chromium, everything but the PNGs (with a warning). */
async function report(o: SimulationFlags, c: SimulationContext, result: SimulationResult): Promise<void> {
  const meta = {
    chain: c.chain,
    dt: o.dt,
    targetVol: o.targetVol,
    arbCostRate: o.arbCostRate,
    arbCapitalEth: o.arbCapitalEth,
  };
  const products = new Map(c.deployment.markets.map((m) => [m.id, productText(m.params)]));
  const dir = o.report as string;
  let written;
  try {
    written = await writeReport(dir, result, meta, products);
  } catch (error) {
    if (!(error instanceof ChromiumNotFoundError)) throw error;
    console.warn(`Warning: ${error.message}; the report has no PNG images`);
    written = await writeReport(dir, result, meta, products, false);
  }
  console.log(
    `Report: ${shown(written.html)}, ${shown(written.csv)} (${result.rows.length} rows), ${shown(written.summary)}, ` +
      `${written.pngs.length} PNG charts in ${shown(path.join(dir, "charts"))}`,
  );
  for (const e of written.pageErrors) console.warn(`Warning: the report page logged an error: ${e}`);
}
