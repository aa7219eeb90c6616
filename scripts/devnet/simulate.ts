/**
 * `--simulate`: drives the ETH price along a seeded geometric Brownian motion by swapping the ETH/USDC
 * pool, lets the arbitrage bot trade the power pool to its fair price, advances chain time and applies
 * funding, so the normalization factor can be watched doing its job. Ends with a summary.
 *
 * One step of `dt` seconds:
 *  1. S ← S · exp(−σ²dt/2 + σ√dt · Z) (dt in years, Z standard normal from the seeded generator);
 *     the ETH/USDC pool is swapped to S;
 *  2. the arbitrage bot swaps the power pool to NF · Sⁿ · exp(n(n−1)σ*²T/2) / scale / S ETH per token
 *     (σ* the target implied volatility);
 *  3. chain time advances by dt (both TWAPs settle on the new prices);
 *  4. `applyFunding()` moves NF; mark, index and NF are recorded.
 *
 * @module
 */
import { formatEther, parseEther, type Signer } from "ethers";

import { advanceTime, setEthPrice, type EvergammaDeployment } from "../../deploy/evergamma.js";
import { fixed, significant, usd } from "../../tasks/format.js";
import { ArbitrageBot } from "./arbitrage.js";
import type { StatusReader } from "./status.js";

const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** mulberry32: a small, fast, seeded 32-bit generator with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal generator (Box–Muller) over a uniform one. */
export function normals(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * A geometric Brownian motion path without drift: `steps` prices after `s0`, each `dtSeconds` apart.
 *
 * @param seed Same seed, same path.
 */
export function gbmPath(s0: number, vol: number, dtSeconds: number, steps: number, seed: number): number[] {
  const z = normals(mulberry32(seed));
  const dt = dtSeconds / SECONDS_PER_YEAR;
  const path: number[] = [];
  let s = s0;
  for (let i = 0; i < steps; i++) {
    s *= Math.exp(-0.5 * vol * vol * dt + vol * Math.sqrt(dt) * z());
    path.push(s);
  }
  return path;
}

/** Options of {@link runSimulation}. */
export interface SimulationOptions {
  deployment: EvergammaDeployment;
  /** The arbitrage bot's account. */
  arbitrageur: Signer;
  /** Accounts that open the near-the-edge vaults the keeper can liquidate. */
  riskyOwners: Signer[];
  status: StatusReader;
  seed: number;
  steps: number;
  vol: number;
  dt: number;
  targetVol: number;
  stepDelayMs: number;
  /** Called with each step's line (default: console.log). */
  log?: (line: string) => void;
  /** Returns true when the simulation must stop early (Ctrl-C). */
  stopped?: () => boolean;
}

/** What the simulation measured. */
export interface SimulationSummary {
  steps: number;
  /** ln(mark/index) − ln(fair mark/index): mean, root mean square and largest magnitude over the steps. */
  trackingErrorMean: number;
  trackingErrorRms: number;
  trackingErrorMax: number;
  nfStart: bigint;
  nfEnd: bigint;
  /** NF change the target volatility implies over the elapsed time, as a fraction (negative: longs paid). */
  expectedNfChange: number;
  liquidations: number;
  ethStart: bigint;
  ethEnd: bigint;
  elapsedSeconds: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Opens vaults at 155%, 165% and 180% of the minimum-ratio boundary's ETH value, for the keeper to watch. */
async function openRiskyVaults(d: EvergammaDeployment, owners: Signer[]): Promise<bigint[]> {
  const ratios = ["1.55", "1.65", "1.8"];
  const perToken = await d.controller.debtValuePerToken();
  const ids: bigint[] = [];
  for (const [i, owner] of owners.slice(0, ratios.length).entries()) {
    const debt = parseEther("10");
    const collateral = (((debt * perToken) / 10n ** 18n) * parseEther(ratios[i])) / 10n ** 18n;
    const c = d.controller.connect(owner);
    const id = await c.mint.staticCall(0n, debt, { value: collateral });
    await (await c.mint(0n, debt, { value: collateral })).wait();
    ids.push(id);
  }
  return ids;
}

/** Runs the simulation and returns its summary (also printed by {@link formatSummary}). */
export async function runSimulation(o: SimulationOptions): Promise<SimulationSummary> {
  const log = o.log ?? ((line: string) => console.log(line));
  const d = o.deployment;
  const c = d.controller.connect(o.arbitrageur);
  const bot = new ArbitrageBot({
    deployment: d,
    signer: o.arbitrageur,
    targetVolWad: parseEther(String(o.targetVol)),
  });
  const risky = await openRiskyVaults(d, o.riskyOwners);
  log(
    `Simulation: ${o.steps} steps of ${o.dt} s, ETH vol ${o.vol}, target implied vol ${o.targetVol}, seed ${o.seed}`,
  );
  log(`  opened near-the-edge vaults ${risky.join(", ")} (155%, 165%, 180%) for the keeper`);

  const ethStart = await d.controller.ethPrice();
  const nfStart = await d.controller.expectedNormalizationFactor();
  const liquidationsStart = (await o.status.read()).liquidations;
  const path = gbmPath(Number(formatEther(ethStart)), o.vol, o.dt, o.steps, o.seed);
  const errors: number[] = [];
  let elapsed = 0;

  for (const [i, price] of path.entries()) {
    if (o.stopped?.() === true) break;
    const spot = price.toPrecision(12);
    await setEthPrice(d, spot);
    const trade = await bot.trade(parseEther(spot));
    await advanceTime(d, o.dt);
    elapsed += o.dt;
    await (await c.applyFunding()).wait();
    const [index, mark] = await Promise.all([d.controller.index(), d.controller.mark()]);
    const fairRatio = Number(formatEther(trade.fairMark)) / Number(formatEther(index));
    const error = Math.log(Number(formatEther(mark)) / Number(formatEther(index))) - Math.log(fairRatio);
    errors.push(error);
    const s = await o.status.read();
    log(
      `  step ${String(i + 1).padStart(String(o.steps).length)}/${o.steps}  spot ${usd(parseEther(spot))}` +
        `  index ${fixed(index)}  mark ${fixed(mark)}  fair ${fixed((index * parseEther(fairRatio.toFixed(12))) / 10n ** 18n)}` +
        `  NF ${significant(s.normalizationFactor, 8)}  unsafe ${s.unsafeVaults}  liquidations ${s.liquidations - liquidationsStart}`,
    );
    if (o.stepDelayMs > 0) await sleep(o.stepDelayMs);
  }

  const nfEnd = await d.controller.expectedNormalizationFactor();
  const n = d.market.power;
  const years = elapsed / SECONDS_PER_YEAR;
  const mean = errors.reduce((a, b) => a + b, 0) / Math.max(errors.length, 1);
  const rms = Math.sqrt(errors.reduce((a, b) => a + b * b, 0) / Math.max(errors.length, 1));
  return {
    steps: errors.length,
    trackingErrorMean: mean,
    trackingErrorRms: rms,
    trackingErrorMax: errors.reduce((a, b) => Math.max(a, Math.abs(b)), 0),
    nfStart,
    nfEnd,
    expectedNfChange: Math.expm1(-((n * (n - 1) * o.targetVol * o.targetVol) / 2) * years),
    liquidations: (await o.status.read()).liquidations - liquidationsStart,
    ethStart,
    ethEnd: await d.controller.ethPrice(),
    elapsedSeconds: elapsed,
  };
}

/** The summary, one fact a line. */
export function formatSummary(s: SimulationSummary): string[] {
  const nfChange = Number(formatEther(s.nfEnd)) / Number(formatEther(s.nfStart)) - 1;
  const pct = (x: number, digits = 4) => `${(x * 100).toFixed(digits)}%`;
  return [
    `Simulation summary (${s.steps} steps, ${(s.elapsedSeconds / 86_400).toFixed(2)} days of chain time)`,
    `  ETH price                 ${usd(s.ethStart)} -> ${usd(s.ethEnd)}`,
    `  mark/index tracking error mean ${pct(s.trackingErrorMean)}, rms ${pct(s.trackingErrorRms)}, max ${pct(s.trackingErrorMax)} (ln mark/index − ln fair/index)`,
    `  funding paid (NF change)  ${significant(s.nfStart, 10)} -> ${significant(s.nfEnd, 10)} = ${pct(nfChange)}` +
      ` (target vol implies ${pct(s.expectedNfChange)})`,
    `  liquidations              ${s.liquidations}`,
  ];
}
