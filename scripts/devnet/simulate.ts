/**
 * `--simulate` (and `npm run simulate`): drives the ETH price along a seeded path in one of a few volatility
 * regimes (`regimes.ts`) by swapping the ETH/USDC pool, lets a noise trader shock every market's token pool and an
 * honest arbitrageur per market trade it back towards its fair price, advances chain time and applies funding in
 * every market, recording each market's readings after each step. Ends with a summary per market.
 *
 * One step of `dt` seconds:
 *  1. S ← S · exp(−σ²dt/2 + σ√dt·Z + jumps) (the regime's σ and jumps); the ETH/USDC pool is swapped to S;
 *  2. the noise trader (the deployer) moves each token pool by exp(noise·Z);
 *  3. each market's arbitrage bot trades its pool towards the fair price, NF · fair(S) / S ETH per token (fair:
 *     Sⁿ·exp(n(n−1)σ*²T/2)/scale for a power, the everlasting value at σ* for an option), when the mispricing pays
 *     the pool fee and its cost, with at most its capital per trade (`arbitrage.ts`, `planTrade`);
 *  4. chain time advances by dt (every TWAP settles on the new prices);
 *  5. `applyFunding(marketId)` moves each market's NF; without a keeper, the arbitrageur liquidates unsafe vaults
 *     (`liquidator.ts`); every market's lens `marketReport` is read at one block and
 *     recorded as a {@link SimulationRow} with the fair mark at the report's ETH price.
 *
 * The summary per market (`metrics.ts`): mark vs fair value tracking error, funding paid against what a mark at
 * fair value pays (Squeeth's n(n−1)σ*²/2 for a power, W/T for an option), trades, liquidations and bad debt.
 *
 * @module
 */
import { formatEther, parseEther, type Signer } from "ethers";

import {
  advanceTime,
  isOptionMarket,
  setEthPrice,
  setTokenPrice,
  type EvergammaDeployment,
  type MarketDeployment,
  type MarketParameters,
} from "../../deploy/evergamma.js";
import { readPoolPrice } from "../../deploy/uniswap.js";
import { fixed, significant, usd } from "../../tasks/format.js";
import { arbitrageMarket, ArbitrageBot, type TradePlan } from "./arbitrage.js";
import { liquidateUnsafe } from "./liquidator.js";
import {
  fundingTotals,
  optionFundingStep,
  powerFundingStep,
  premiumIndexFundingStep,
  type PremiumIndexTerms,
  trackingError,
  type FundingStep,
  type TrackingError,
} from "./metrics.js";
import { regimePath, regimeSchedule, type RegimeName } from "./regimes.js";
import type { StatusReader } from "./status.js";

export { gbmPath, mulberry32, normals } from "./regimes.js";

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
  /** The volatility regime (default "normal"). */
  regime?: RegimeName;
  /** Overrides the regime's diffusion volatility (not for "mixed"). */
  vol?: number;
  dt: number;
  targetVol: number;
  /** The arbitrageur's cost per trade beyond the pool fee, relative (default 0.002). */
  arbCostRate?: number;
  /** The arbitrageur's capital per trade and market, ETH (default 0.05). */
  arbMaxTradeEth?: number;
  stepDelayMs: number;
  /** Liquidate unsafe vaults after each step with the arbitrageur's tokens (when no keeper runs). */
  liquidate?: boolean;
  /** Called with each step's line (default: console.log). */
  log?: (line: string) => void;
  /** Returns true when the simulation must stop early (Ctrl-C). */
  stopped?: () => boolean;
}

/** One market's readings after one step (step 0: before the first), all from one block. */
export interface SimulationRow {
  step: number;
  block: number;
  /** The block's timestamp, seconds. */
  timestamp: number;
  regime: string;
  marketId: number;
  market: string;
  /** The lens's `marketReport`: ETH TWAP (USD), index (an option's payoff), mark, NF, funding/day, implied vol. */
  ethPrice: bigint;
  index: bigint;
  mark: bigint;
  normalizationFactor: bigint;
  fundingRatePerDay: bigint;
  impliedVolatility: bigint;
  totalBadDebt: bigint;
  /** The fair mark at the report's ETH price and the target volatility (index units; USD per claim for options). */
  fair: bigint;
  /** The token pool's spot price after the step's trades, and the fair one, ETH per token. */
  poolPrice: number;
  fairEthPerToken: bigint;
  /** The arbitrageur's trade this step. */
  trade: TradePlan["side"];
  tradeEth: number;
  capitalLimited: boolean;
  /** Vaults of the market unsafe at the reading, and its liquidations so far. */
  unsafeVaults: number;
  liquidations: number;
}

/** What the simulation measured in one market. */
export interface MarketSimulationSummary {
  marketId: number;
  name: string;
  /** "power 2", "call 3500", "put 2500". */
  product: string;
  option: boolean;
  /** Whether a power market runs the exchanges' funding rule (its expected funding is F at the fair premium). */
  premiumIndex: boolean;
  /** mark / fair − 1 over the steps after the first trade. */
  trackingError: TrackingError;
  nfStart: bigint;
  nfEnd: bigint;
  /**
   * Funding paid and what a mark at fair value would have paid: ln NF for a power (expected n(n−1)σ*²/2 per year,
   * or the exchanges' F at the fair premium per period),
   * USD per unit of claim for an option (expected W/T); ratio paid / expected (null when nothing is expected).
   */
  funding: { paid: number; expected: number; ratio: number | null; unit: "ln NF" | "USD per claim" };
  trades: number;
  capitalLimitedTrades: number;
  tradedEth: number;
  liquidations: number;
  /** Bad debt at the end, token units. */
  badDebt: bigint;
}

/** What the simulation measured. */
export interface SimulationSummary {
  steps: number;
  seed: number;
  regime: RegimeName;
  /** One entry per market, in market-id order. */
  markets: MarketSimulationSummary[];
  /** Liquidations in every market during the simulation. */
  liquidations: number;
  ethStart: bigint;
  ethEnd: bigint;
  elapsedSeconds: number;
}

/** A finished simulation: the summary and every recorded reading. */
export interface SimulationResult {
  summary: SimulationSummary;
  rows: SimulationRow[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const num = (wad: bigint) => Number(formatEther(wad));

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

/** A market with its arbitrage bot. */
interface SimMarket {
  m: MarketDeployment;
  bot: ArbitrageBot;
}

/** The trade of each market in one step (none at step 0). */
type StepTrades = (TradePlan | undefined)[];

/** Reads every market at the latest block into rows. */
async function record(
  d: EvergammaDeployment,
  markets: SimMarket[],
  status: StatusReader,
  step: number,
  regime: string,
  trades: StepTrades,
): Promise<SimulationRow[]> {
  const provider = d.connection.ethers.provider;
  const block = await provider.getBlockNumber();
  const [header, readings] = await Promise.all([provider.getBlock(block), status.read()]);
  const rows: SimulationRow[] = [];
  for (const [j, { m, bot }] of markets.entries()) {
    const r = await d.lens.marketReport(m.id, { blockTag: block });
    const fair = await bot.fairPrice(r.ethPriceWad, r.normalizationFactor);
    const plan = trades[j];
    rows.push({
      step,
      block,
      timestamp: header?.timestamp ?? 0,
      regime,
      marketId: m.id,
      market: m.name,
      ethPrice: r.ethPriceWad,
      index: r.indexWad,
      mark: r.markWad,
      normalizationFactor: r.normalizationFactor,
      fundingRatePerDay: r.fundingRatePerDayWad,
      impliedVolatility: r.impliedVolatilityWad,
      totalBadDebt: r.totalBadDebt,
      fair: fair.mark,
      poolPrice: await readPoolPrice(m.pool, await m.token.getAddress()),
      fairEthPerToken: fair.ethPerToken,
      trade: plan?.side ?? "none",
      tradeEth: plan?.ethValue ?? 0,
      capitalLimited: plan?.capitalLimited ?? false,
      unsafeVaults: readings[j].unsafeVaults,
      liquidations: readings[j].liquidations,
    });
  }
  return rows;
}

/** The noise trader (the deployer) moves each token pool by exp(shock); a move it cannot pay for is skipped. */
async function shockPools(d: EvergammaDeployment, shocks: readonly number[]): Promise<void> {
  for (const [j, m] of d.markets.entries()) {
    const price = await readPoolPrice(m.pool, await m.token.getAddress());
    await setTokenPrice(d, m, (price * Math.exp(shocks[j])).toPrecision(15)).catch(() => undefined);
  }
}

/** A step's line: spot, then per market index, mark, fair mark and NF, then unsafe vaults and liquidations. */
function stepLine(
  step: number,
  steps: number,
  spot: bigint,
  rows: SimulationRow[],
  liquidations: number,
): string {
  const parts = rows.map(
    (r) =>
      `${r.market}: index ${fixed(r.index)}  mark ${fixed(r.mark)}  fair ${fixed(r.fair)}` +
      `  NF ${significant(r.normalizationFactor, 8)}${r.trade === "none" ? "" : ` ${r.trade}`}`,
  );
  const unsafe = rows.reduce((sum, r) => sum + r.unsafeVaults, 0);
  return (
    `  step ${String(step).padStart(String(steps).length)}/${steps}  spot ${usd(spot)}  ` +
    `${parts.join("  ")}  unsafe ${unsafe}  liquidations ${liquidations}`
  );
}

/** Runs the simulation and returns its summary (also printed by {@link formatSummary}) and readings. */
export async function runSimulation(o: SimulationOptions): Promise<SimulationResult> {
  const log = o.log ?? ((line: string) => console.log(line));
  const d = o.deployment;
  const regime = o.regime ?? "normal";
  const engine = d.engine.connect(o.arbitrageur);
  const markets: SimMarket[] = d.markets.map((m, i) => ({
    m,
    bot: new ArbitrageBot({
      deployment: arbitrageMarket(d, i),
      signer: o.arbitrageur,
      targetVolWad: parseEther(String(o.targetVol)),
      costRate: o.arbCostRate ?? 0.002,
      maxTradeEth: o.arbMaxTradeEth ?? 0.25,
    }),
  }));
  const risky = await openRiskyVaults(d, o.riskyOwners);
  const schedule = regimeSchedule(regime, o.steps, o.vol);
  log(
    `Simulation: ${o.steps} steps of ${o.dt} s, ETH vol ${regime === "mixed" ? "0.4/0.8/1.5" : schedule[0].vol}, target implied vol ${o.targetVol}, seed ${o.seed}, ` +
      `markets ${d.markets.map((m) => `${m.id} (${m.name})`).join(", ")}, regime ${regime}`,
  );
  log(
    `  arbitrageur: cost ${((o.arbCostRate ?? 0.002) * 100).toFixed(2)}% per trade beyond the pool fee, ` +
      `capital ${o.arbMaxTradeEth ?? 0.25} ETH per trade and market`,
  );
  log(
    `  opened near-the-edge vaults ${risky.join(", ")} (155%, 165%, 180%) in market 0 (${d.markets[0].name}) ` +
      `for the keeper`,
  );

  for (const { m } of markets) await (await engine.applyFunding(m.id)).wait();
  const rows = await record(d, markets, o.status, 0, schedule[0].name, []);
  const liquidationsStart = o.status.liquidations;
  const ethStart = rows[0].ethPrice;
  const path = regimePath(num(ethStart), schedule, o.dt, d.markets.length, o.seed);
  let steps = 0;

  for (const [i, point] of path.entries()) {
    if (o.stopped?.() === true) break;
    const spot = parseEther(point.price.toPrecision(12));
    await setEthPrice(d, formatEther(spot));
    await shockPools(d, point.shocks);
    const trades: StepTrades = [];
    for (const { bot } of markets) trades.push((await bot.trade(spot)).plan);
    await advanceTime(d, o.dt);
    for (const { m } of markets) await (await engine.applyFunding(m.id)).wait();
    if (o.liquidate === true) await liquidateUnsafe(d, o.arbitrageur);
    const stepRows = await record(d, markets, o.status, i + 1, point.regime.name, trades);
    rows.push(...stepRows);
    steps++;
    log(stepLine(i + 1, o.steps, spot, stepRows, o.status.liquidations - liquidationsStart));
    if (o.stepDelayMs > 0) await sleep(o.stepDelayMs);
  }

  await o.status.read();
  const last = rows.slice(-markets.length);
  const summary: SimulationSummary = {
    steps,
    seed: o.seed,
    regime,
    markets: markets.map(({ m }) => summarizeMarket(m, rows, o.targetVol)),
    liquidations: o.status.liquidations - liquidationsStart,
    ethStart,
    ethEnd: last[0].ethPrice,
    elapsedSeconds: last[0].timestamp - rows[0].timestamp,
  };
  return { summary, rows };
}

/** The terms {@link summarizeMarket} needs of a market. */
export type SummaryMarket = Pick<MarketDeployment, "id" | "name"> & {
  params: Pick<MarketParameters, "kind" | "power" | "strikeWad" | "fundingPeriodSeconds"> &
    PremiumIndexFields;
};

/** The terms of the exchanges' funding rule a summary reads (a market without them runs its kind's own rule). */
type PremiumIndexFields = Pick<
  MarketParameters,
  "fundingRule" | "interestRatePerPeriodWad" | "premiumClampWad"
> &
  Partial<Pick<MarketParameters, "markRatioFloorWad" | "markRatioCapWad">>;

/** One market's summary from the recorded rows (every market's, in step order). */
export function summarizeMarket(
  m: SummaryMarket,
  allRows: readonly SimulationRow[],
  targetVol: number,
): MarketSimulationSummary {
  const rows = allRows.filter((r) => r.marketId === m.id);
  const option = m.params.kind === "call" || m.params.kind === "put";
  const after = rows.slice(1);
  const funding: FundingStep[] = after.map((r, i) => {
    const prev = rows[i];
    const [nfPrev, nf, dt] = [
      num(prev.normalizationFactor),
      num(r.normalizationFactor),
      r.timestamp - prev.timestamp,
    ];
    return option
      ? optionFundingStep(
          nfPrev,
          nf,
          num(r.mark),
          num(r.fair),
          num(r.index),
          dt,
          m.params.fundingPeriodSeconds,
        )
      : m.params.fundingRule === "premiumIndex"
        ? premiumIndexFundingStep(
            nfPrev,
            nf,
            m.params.power,
            targetVol,
            premiumIndexTerms(m.params),
            dt,
            m.params.fundingPeriodSeconds,
          )
        : powerFundingStep(nfPrev, nf, m.params.power, targetVol, dt);
  });
  const traded = after.filter((r) => r.trade !== "none");
  return {
    marketId: m.id,
    name: m.name,
    product: productText(m.params as MarketParameters),
    option,
    premiumIndex: m.params.fundingRule === "premiumIndex",
    trackingError: trackingError(
      after.map((r) => num(r.mark)),
      after.map((r) => num(r.fair)),
    ),
    nfStart: rows[0].normalizationFactor,
    nfEnd: rows[rows.length - 1].normalizationFactor,
    funding: { ...fundingTotals(funding), unit: option ? "USD per claim" : "ln NF" },
    trades: traded.length,
    capitalLimitedTrades: traded.filter((r) => r.capitalLimited).length,
    tradedEth: traded.reduce((a, r) => a + r.tradeEth, 0),
    liquidations: rows[rows.length - 1].liquidations - rows[0].liquidations,
    badDebt: rows[rows.length - 1].totalBadDebt,
  };
}

const pct = (x: number, digits = 4) => `${(x * 100).toFixed(digits)}%`;

/** The funding line of a market: paid against expected, with the ratio. */
function fundingText(m: MarketSimulationSummary): string {
  const f = m.funding;
  const ratio = f.ratio === null ? "" : `, ratio ${f.ratio.toFixed(3)}`;
  if (m.option) {
    return `$${f.paid.toFixed(4)} per unit of claim vs W/T $${f.expected.toFixed(4)}${ratio}`;
  }
  const rule = m.premiumIndex ? "the exchanges' F · t/T" : "n(n−1)σ*²/2 · t";
  return `${pct(f.paid)} of NF vs ${pct(f.expected)} at the fair mark (${rule})${ratio}`;
}

/** The summary, one fact a line, then each market's tracking error, funding, trades and liquidations. */
export function formatSummary(s: SimulationSummary): string[] {
  const lines = [
    `Simulation summary (${s.steps} steps, ${(s.elapsedSeconds / 86_400).toFixed(2)} days of chain time, ` +
      `regime ${s.regime}, seed ${s.seed})`,
    `  ETH price                 ${usd(s.ethStart)} -> ${usd(s.ethEnd)}`,
    `  liquidations              ${s.liquidations}`,
  ];
  for (const m of s.markets) {
    const nfChange = num(m.nfEnd) / num(m.nfStart) - 1;
    const t = m.trackingError;
    lines.push(
      `  market ${m.marketId} (${m.name}, ${m.product})`,
      `    tracking error            rms ${pct(t.rms)}, max ${pct(t.max)}, mean ${pct(t.mean)} (mark / fair − 1)`,
      `    NF                        ${significant(m.nfStart, 10)} -> ${significant(m.nfEnd, 10)} = ${pct(nfChange)}`,
      `    funding paid              ${fundingText(m)}`,
      `    arbitrage                 ${m.trades} trades, ${m.tradedEth.toFixed(4)} ETH, ` +
        `${m.capitalLimitedTrades} capital-limited`,
      `    liquidations, bad debt    ${m.liquidations}, ${fixed(m.badDebt)} tokens`,
    );
  }
  return lines;
}

/** A market's exchanges'-rule terms as fractions per period. */
function premiumIndexTerms(p: PremiumIndexFields): PremiumIndexTerms {
  const fraction = (wad: bigint | undefined) => Number(wad ?? 0n) / 1e18;
  return {
    interest: fraction(p.interestRatePerPeriodWad),
    clamp: fraction(p.premiumClampWad),
    rateFloor: fraction(p.markRatioFloorWad) - 1,
    rateCap: fraction(p.markRatioCapWad) - 1,
  };
}
