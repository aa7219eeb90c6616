/**
 * `--simulate`: drives the ETH price along a seeded geometric Brownian motion by swapping the ETH/USDC
 * pool, lets one arbitrage bot per market trade that market's token pool to its fair price, advances chain time
 * and applies funding in every market, so the normalization factors can be watched doing their job. Ends with a
 * summary per market.
 *
 * One step of `dt` seconds:
 *  1. S ← S · exp(−σ²dt/2 + σ√dt · Z) (dt in years, Z standard normal from the seeded generator);
 *     the ETH/USDC pool is swapped to S;
 *  2. each market's arbitrage bot swaps its token pool to NF · Sⁿ · exp(n(n−1)σ*²T/2) / scale / S ETH per
 *     token (σ* the target implied volatility; no premium for n = 1);
 *  3. chain time advances by dt (every TWAP settles on the new prices);
 *  4. `applyFunding(marketId)` moves each market's NF; mark, index and NF are recorded.
 *
 * @module
 */
import { formatEther, parseEther, type Signer } from "ethers";

import {
  advanceTime,
  isOptionMarket,
  setEthPrice,
  type EvergammaDeployment,
  type MarketParameters,
} from "../../deploy/evergamma.js";
import { fixed, significant, usd } from "../../tasks/format.js";
import { arbitrageMarket, ArbitrageBot } from "./arbitrage.js";
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
  /** The arbitrage bots' account (one bot, with its own vault, per market). */
  arbitrageur: Signer;
  /** Accounts that open the near-the-edge vaults (in market 0) the keeper can liquidate. */
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

/** What the simulation measured in one market. */
export interface MarketSimulationSummary {
  marketId: number;
  name: string;
  /** "power 2", "call 3500", "put 2500". */
  product: string;
  /** ln(mark / fair mark): mean, root mean square and largest magnitude over the steps. */
  trackingErrorMean: number;
  trackingErrorRms: number;
  trackingErrorMax: number;
  nfStart: bigint;
  nfEnd: bigint;
  /**
   * NF change the target volatility implies over the elapsed time, as a fraction (negative: longs paid); null for
   * an option, whose funding follows payoff / mark along the path.
   */
  expectedNfChange: number | null;
}

/** What the simulation measured. */
export interface SimulationSummary {
  steps: number;
  /** One entry per market, in market-id order. */
  markets: MarketSimulationSummary[];
  /** Liquidations in every market during the simulation. */
  liquidations: number;
  ethStart: bigint;
  ethEnd: bigint;
  elapsedSeconds: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Opens vaults in market 0 at 155%, 165% and 180% of the minimum-ratio boundary's ETH value, for the keeper. */
async function openRiskyVaults(d: EvergammaDeployment, owners: Signer[]): Promise<bigint[]> {
  const ratios = ["1.55", "1.65", "1.8"];
  const market = d.markets[0];
  const perToken = await d.lens.debtValuePerToken(market.id);
  const ids: bigint[] = [];
  for (const [i, owner] of owners.slice(0, ratios.length).entries()) {
    const debt = parseEther("10");
    const collateral = (((debt * perToken) / 10n ** 18n) * parseEther(ratios[i])) / 10n ** 18n;
    const c = d.engine.connect(owner);
    const id = await c.mint.staticCall(market.newVaultId, debt, { value: collateral });
    await (await c.mint(market.newVaultId, debt, { value: collateral })).wait();
    ids.push(id);
  }
  return ids;
}

/** A market's product for people: "power 2", "call 3500", "put 2500". */
export function productText(p: MarketParameters): string {
  if (!isOptionMarket(p)) return `power ${p.power}`;
  return `${p.kind} ${formatEther(p.strikeWad ?? 0n).replace(/\.0$/, "")}`;
}

/** Runs the simulation and returns its summary (also printed by {@link formatSummary}). */
export async function runSimulation(o: SimulationOptions): Promise<SimulationSummary> {
  const log = o.log ?? ((line: string) => console.log(line));
  const d = o.deployment;
  const engine = d.engine.connect(o.arbitrageur);
  const markets = d.markets.map((m, i) => ({
    m,
    bot: new ArbitrageBot({
      deployment: arbitrageMarket(d, i),
      signer: o.arbitrageur,
      targetVolWad: parseEther(String(o.targetVol)),
    }),
    errors: [] as number[],
  }));
  const risky = await openRiskyVaults(d, o.riskyOwners);
  log(
    `Simulation: ${o.steps} steps of ${o.dt} s, ETH vol ${o.vol}, target implied vol ${o.targetVol}, seed ${o.seed}, ` +
      `markets ${d.markets.map((m) => `${m.id} (${m.name})`).join(", ")}`,
  );
  log(
    `  opened near-the-edge vaults ${risky.join(", ")} (155%, 165%, 180%) in market 0 (${d.markets[0].name}) ` +
      `for the keeper`,
  );

  const ethStart = await d.lens.ethPrice(d.markets[0].id);
  const nfStart = await Promise.all(d.markets.map((m) => d.lens.expectedNormalizationFactor(m.id)));
  await o.status.read();
  const liquidationsStart = o.status.liquidations;
  const path = gbmPath(Number(formatEther(ethStart)), o.vol, o.dt, o.steps, o.seed);
  let elapsed = 0;
  let steps = 0;

  for (const [i, price] of path.entries()) {
    if (o.stopped?.() === true) break;
    const spot = price.toPrecision(12);
    await setEthPrice(d, spot);
    const trades = [];
    for (const { bot } of markets) trades.push(await bot.trade(parseEther(spot)));
    await advanceTime(d, o.dt);
    elapsed += o.dt;
    for (const { m } of markets) await (await engine.applyFunding(m.id)).wait();
    const readings = await o.status.read();
    const parts: string[] = [];
    for (const [j, { m, errors }] of markets.entries()) {
      const [index, mark] = await Promise.all([d.lens.index(m.id), d.lens.mark(m.id)]);
      const fair = trades[j].fairMark;
      errors.push(Math.log(Number(formatEther(mark)) / Number(formatEther(fair))));
      parts.push(
        `${m.name}: index ${fixed(index)}  mark ${fixed(mark)}  fair ${fixed(fair)}` +
          `  NF ${significant(readings[j].normalizationFactor, 8)}`,
      );
    }
    steps++;
    const unsafe = readings.reduce((sum, r) => sum + r.unsafeVaults, 0);
    log(
      `  step ${String(i + 1).padStart(String(o.steps).length)}/${o.steps}  spot ${usd(parseEther(spot))}  ` +
        `${parts.join("  ")}  unsafe ${unsafe}  liquidations ${o.status.liquidations - liquidationsStart}`,
    );
    if (o.stepDelayMs > 0) await sleep(o.stepDelayMs);
  }

  const years = elapsed / SECONDS_PER_YEAR;
  const summaries: MarketSimulationSummary[] = [];
  for (const [j, { m, errors }] of markets.entries()) {
    const n = m.params.power;
    const count = Math.max(errors.length, 1);
    const option = isOptionMarket(m.params);
    summaries.push({
      marketId: m.id,
      name: m.name,
      product: productText(m.params),
      trackingErrorMean: errors.reduce((a, b) => a + b, 0) / count,
      trackingErrorRms: Math.sqrt(errors.reduce((a, b) => a + b * b, 0) / count),
      trackingErrorMax: errors.reduce((a, b) => Math.max(a, Math.abs(b)), 0),
      nfStart: nfStart[j],
      nfEnd: await d.lens.expectedNormalizationFactor(m.id),
      expectedNfChange: option ? null : Math.expm1(-((n * (n - 1) * o.targetVol * o.targetVol) / 2) * years),
    });
  }
  await o.status.read();
  return {
    steps,
    markets: summaries,
    liquidations: o.status.liquidations - liquidationsStart,
    ethStart,
    ethEnd: await d.lens.ethPrice(d.markets[0].id),
    elapsedSeconds: elapsed,
  };
}

/** The summary, one fact a line, then each market's tracking error and funding. */
export function formatSummary(s: SimulationSummary): string[] {
  const pct = (x: number, digits = 4) => `${(x * 100).toFixed(digits)}%`;
  const lines = [
    `Simulation summary (${s.steps} steps, ${(s.elapsedSeconds / 86_400).toFixed(2)} days of chain time)`,
    `  ETH price                 ${usd(s.ethStart)} -> ${usd(s.ethEnd)}`,
    `  liquidations              ${s.liquidations}`,
  ];
  for (const m of s.markets) {
    const nfChange = Number(formatEther(m.nfEnd)) / Number(formatEther(m.nfStart)) - 1;
    lines.push(
      `  market ${m.marketId} (${m.name}, ${m.product})`,
      `    mark/index tracking error mean ${pct(m.trackingErrorMean)}, rms ${pct(m.trackingErrorRms)}, max ${pct(m.trackingErrorMax)} (ln mark/index − ln fair/index)`,
      `    funding paid (NF change)  ${significant(m.nfStart, 10)} -> ${significant(m.nfEnd, 10)} = ${pct(nfChange)}` +
        (m.expectedNfChange === null
          ? " (option: funding follows payoff / mark)"
          : ` (target vol implies ${pct(m.expectedNfChange)})`),
    );
  }
  return lines;
}
