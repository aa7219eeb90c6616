/**
 * Fast checks of the simulation's pure parts: the honest arbitrageur's decision (`planTrade`: trades only beyond
 * fee + cost, to the fee band's edge, within its capital), the tracking and funding math (`metrics.ts`: with the
 * mark held at fair value an option's funding equals W/T), the seeded regimes, the summary, the CSV and the flags.
 */
import { expect } from "chai";
import { parseEther } from "ethers";

import { planTrade, type TradePlanInput } from "../../scripts/devnet/arbitrage.js";
import {
  fundingTotals,
  optionFundingStep,
  powerFairFundingRate,
  powerFundingStep,
  premiumIndexFundingStep,
  premiumIndexRate,
  trackingError,
} from "../../scripts/devnet/metrics.js";
import { REGIMES, regimePath, regimeSchedule } from "../../scripts/devnet/regimes.js";
import { summarizeMarket, type SimulationRow } from "../../scripts/devnet/simulate.js";
import { parseSimulationFlags, type SimulationValues } from "../../scripts/devnet/simulationArgs.js";
import { parseSeriesCsv, seriesCsv, CSV_COLUMNS } from "../../scripts/report/csv.js";
import { expectNear } from "../utils/near.js";

const YEAR = 365 * 24 * 3600;

const base: TradePlanInput = {
  poolPrice: 1,
  fairPrice: 1,
  liquidity: 100,
  feeRate: 0.003,
  costRate: 0.002,
  maxTradeEth: Infinity,
};

/** WETH needed (with fee) to move a full-range pool of liquidity L from p0 up to p1. */
const buyCost = (l: number, p0: number, p1: number, fee: number) =>
  (l * (Math.sqrt(p1) - Math.sqrt(p0))) / (1 - fee);

describe("simulation: the honest arbitrageur's decision", function () {
  it("does not trade while the mispricing is within the pool fee plus its cost", function () {
    for (const fair of [1.004, 0.996, 1.0049, 1 / 1.0049]) {
      expect(planTrade({ ...base, fairPrice: fair }).side, String(fair)).to.equal("none");
    }
  });

  it("trades beyond fee + cost, to where the next token no longer pays the fee", function () {
    const buy = planTrade({ ...base, fairPrice: 1.02 });
    expect(buy.side).to.equal("buy");
    expectNear(buy.target, 1.02 * 0.997, 1e-12);
    expect(buy.capitalLimited).to.equal(false);
    expectNear(buy.ethValue, buyCost(100, 1, buy.target, 0.003), 1e-12);
    const sell = planTrade({ ...base, fairPrice: 0.98 });
    expect(sell.side).to.equal("sell");
    expectNear(sell.target, 0.98 / 0.997, 1e-12);
    // Tokens sold (with fee) L·(1/√p1 − 1/√p0)/(1 − fee), valued at the pool price.
    const tokens = (100 * (1 / Math.sqrt(sell.target) - 1)) / 0.997;
    expectNear(sell.ethValue, tokens, 1e-12);
  });

  it("spends at most its capital per trade, stopping short of the target", function () {
    const unlimited = planTrade({ ...base, fairPrice: 1.1 });
    const limited = planTrade({ ...base, fairPrice: 1.1, maxTradeEth: unlimited.ethValue / 4 });
    expect(limited.capitalLimited).to.equal(true);
    expect(limited.ethValue).to.equal(unlimited.ethValue / 4);
    expect(limited.target).to.be.greaterThan(1).and.lessThan(unlimited.target);
    // The capital moves the price exactly as far as it pays for.
    expectNear(buyCost(100, 1, limited.target, 0.003), limited.ethValue, 1e-12);
    const sell = planTrade({ ...base, fairPrice: 0.8, maxTradeEth: 0.5 });
    expect(sell.capitalLimited).to.equal(true);
    expect(sell.ethValue).to.equal(0.5);
    expectNear((100 * (1 / Math.sqrt(sell.target) - 1)) / 0.997, 0.5, 1e-12);
  });

  it("without cost and capital limits trades exactly to fair (the price:set --arb task)", function () {
    const plan = planTrade({ ...base, fairPrice: 1.001, costRate: null });
    expect(plan.side).to.equal("buy");
    expect(plan.target).to.equal(1.001);
  });
});

describe("simulation: tracking and funding math", function () {
  it("measures mark / fair − 1", function () {
    const t = trackingError([101, 99, 100], [100, 100, 100]);
    expectNear(t.mean, 0, 1e-15);
    expectNear(t.rms, Math.sqrt(2 / 3) / 100, 1e-15);
    expectNear(t.max, 0.01, 1e-15);
    expect(trackingError([], [])).to.deep.equal({ mean: 0, rms: 0, max: 0 });
  });

  it("a power market at the fair mark pays n(n−1)σ²/2 per year", function () {
    expectNear(powerFairFundingRate(2, 0.8), 0.64, 1e-15);
    const day = 86_400;
    const nf = Math.exp(-0.64 * (day / YEAR));
    const step = powerFundingStep(1, nf, 2, 0.8, day);
    expectNear(step.paid, step.expected, 1e-15);
    expect(powerFundingStep(1, 1, 1, 0.8, day)).to.deep.equal({ paid: 0, expected: 0 });
  });

  it("an option with its mark held at fair value pays W/T (Paradigm's rule integrated over a step)", function () {
    // A call in the money: payoff 200, fair value 260 per unit of claim, T = 7 days, a one-hour step. The pool
    // prices stay fixed, so a token is worth V = NF·m; integrate d ln NF/dt = −(1 − payoff/m)/T finely.
    const [payoff, fair, period, dt] = [200, 260, 7 * 86_400, 3600];
    const v = fair; // NF = 1 at the start: m = fair
    let lnNf = 0;
    let paidExact = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const nf = Math.exp(lnNf);
      const m = v / nf;
      paidExact += (nf * (m - payoff) * (dt / n)) / period; // per token = per unit of claim at NF = 1
      lnNf -= ((1 - payoff / m) * (dt / n)) / period;
    }
    const nfEnd = Math.exp(lnNf);
    const step = optionFundingStep(1, nfEnd, v / nfEnd, fair, payoff, dt, period);
    // V·ln(NF_prev/NF) is the exact funding paid with the prices fixed...
    expectNear(step.paid, paidExact, 1e-6 * paidExact);
    // ...and, with the mark at fair value, W/T·dt to first order in dt/T.
    expect(step.expected).to.equal(((fair - payoff) * dt) / period);
    expect(step.paid / step.expected - 1).to.be.lessThan(dt / period);
    // Out of the money: ln NF falls by dt/T whatever the mark; paid = m·dt/T.
    const otm = optionFundingStep(1, Math.exp(-dt / period), 20 * Math.exp(dt / period), 20, 0, dt, period);
    expectNear(otm.paid, otm.expected, 1e-12);
  });

  it("sums steps and gives paid / expected (none when nothing is expected)", function () {
    expect(
      fundingTotals([
        { paid: 1, expected: 2 },
        { paid: 2, expected: 2 },
      ]),
    ).to.deep.equal({
      paid: 3,
      expected: 4,
      ratio: 0.75,
    });
    expect(fundingTotals([{ paid: 0.1, expected: 0 }]).ratio).to.equal(null);
  });

  it("expects the exchanges' rule at the fair premium: I per period for ETH¹, the premium less c beyond the band", function () {
    const binance = { interest: 0.0001, clamp: 0.0005, rateFloor: -0.0075, rateCap: 0.0075 };
    // Resting rate inside |P − I| <= c; P − c above it, P + c below it; the caps beyond.
    expect(premiumIndexRate(0, binance)).to.equal(0.0001);
    expect(Math.abs(premiumIndexRate(0.003, binance) - 0.0025)).to.be.lessThan(1e-15);
    expect(Math.abs(premiumIndexRate(-0.003, binance) + 0.0025)).to.be.lessThan(1e-15);
    expect(premiumIndexRate(0.05, binance)).to.equal(0.0075);
    // ETH¹ (n = 1, no convexity premium) over one 8-hour period at the resting rate: NF e^-0.0001.
    const eth1 = premiumIndexFundingStep(1, Math.exp(-0.0001), 1, 0.8, binance, 8 * 3600, 8 * 3600);
    expect(Math.abs(eth1.expected - 0.0001)).to.be.lessThan(1e-18);
    expect(Math.abs(eth1.paid - 0.0001)).to.be.lessThan(1e-15);
    // ETH² at 80%: a fair premium of exp(σ²T) − 1 ≈ 0.058% per 8 hours is inside the band: still I.
    const eth2 = premiumIndexFundingStep(1, 1, 2, 0.8, binance, 3600, 8 * 3600);
    expect(Math.abs(eth2.expected - 0.0001 / 8)).to.be.lessThan(1e-18);
  });
});

/** A recorded row with defaults. */
function row(step: number, over: Partial<SimulationRow>): SimulationRow {
  return {
    step,
    block: 10 + step,
    timestamp: 1000 + 3600 * step,
    regime: "normal",
    marketId: 2,
    market: "C3500",
    ethPrice: parseEther("3000"),
    index: 0n,
    mark: parseEther("20"),
    normalizationFactor: parseEther("1"),
    fundingRatePerDay: parseEther("0.142857142857142857"),
    impliedVolatility: parseEther("0.8"),
    totalBadDebt: 0n,
    fair: parseEther("20"),
    poolPrice: 0.0066,
    fairEthPerToken: parseEther("0.0066"),
    trade: "none",
    tradeEth: 0,
    capitalLimited: false,
    unsafeVaults: 0,
    liquidations: 0,
    ...over,
  };
}

describe("simulation: regimes, summary, CSV and flags", function () {
  it("draws the same regime path for the same seed; mixed runs calm, normal, stressed in thirds", function () {
    const schedule = regimeSchedule("stressed", 50);
    expect(regimePath(3000, schedule, 3600, 4, 7)).to.deep.equal(regimePath(3000, schedule, 3600, 4, 7));
    expect(regimePath(3000, schedule, 3600, 4, 7)).to.not.deep.equal(regimePath(3000, schedule, 3600, 4, 8));
    expect(regimeSchedule("mixed", 9).map((r) => r.name)).to.deep.equal([
      ...Array<string>(3).fill("calm"),
      ...Array<string>(3).fill("normal"),
      ...Array<string>(3).fill("stressed"),
    ]);
    expect(regimeSchedule("normal", 1, 1.2)[0].vol).to.equal(1.2);
    // Stressed: about 2 jumps a day.
    const long = regimePath(3000, regimeSchedule("stressed", 24 * 200), 3600, 1, 3);
    const jumps = long.filter((p) => p.jump !== 0).length;
    expect(jumps).to.be.within(300, 500);
    expect(long[0].shocks).to.have.length(1);
    expect(REGIMES.calm.vol).to.be.lessThan(REGIMES.normal.vol);
  });

  it("summarizes a market from its rows", function () {
    const period = 7 * 86_400;
    const nf1 = Math.exp(-3600 / period);
    const rows = [
      row(0, {}),
      row(1, {
        normalizationFactor: parseEther(nf1.toFixed(18)),
        mark: parseEther((20 / nf1).toFixed(18)),
        fair: parseEther("20"),
        trade: "buy",
        tradeEth: 0.01,
        capitalLimited: true,
      }),
    ];
    const market = {
      id: 2,
      name: "C3500",
      params: { kind: "call" as const, power: 0, fundingPeriodSeconds: period },
    };
    const s = summarizeMarket(
      { ...market, params: { ...market.params, strikeWad: parseEther("3500") } },
      rows,
      0.8,
    );
    expect(s.product).to.equal("call 3500");
    expectNear(s.trackingError.max, 1 / nf1 - 1, 1e-12);
    expect(s.funding.unit).to.equal("USD per claim");
    expectNear(s.funding.ratio ?? Number.NaN, 1, 1e-9);
    expect([s.trades, s.capitalLimitedTrades, s.tradedEth]).to.deep.equal([1, 1, 0.01]);
  });

  it("writes every reading to CSV exactly", function () {
    const rows = [row(0, { fundingRatePerDay: -123n, mark: 123456789012345678901n })];
    const parsed = parseSeriesCsv(seriesCsv(rows));
    expect(Object.keys(parsed[0])).to.deep.equal([...CSV_COLUMNS]);
    expect(parseEther(parsed[0].mark)).to.equal(123456789012345678901n);
    expect(parseEther(parsed[0].funding_rate_per_day)).to.equal(-123n);
  });

  it("parses the simulation flags with one-line messages", function () {
    const fail = (m: string) => new Error(m);
    const parse = (v: SimulationValues) => parseSimulationFlags(v, fail, 0);
    expect(parse({})).to.include({ regime: "normal", vol: 0.8, arbCostRate: 0.002, arbCapitalEth: 0.25 });
    expect(parse({ regime: "stressed" })).to.include({ vol: 1.5, volGiven: false });
    expect(parse({ "arb-cost": "35", report: "out" }).arbCostRate).to.equal(0.0035);
    expect(() => parse({ regime: "wild" })).to.throw(
      /^--regime must be one of calm, normal, stressed, mixed/,
    );
    expect(() => parse({ regime: "mixed", vol: "1" })).to.throw(/--vol does not apply to --regime mixed/);
    expect(() => parse({ "arb-capital": "0" })).to.throw(/^--arb-capital must be an amount of ETH > 0/);
    expect(() => parse({ report: " " })).to.throw(/--report must name a folder/);
  });
});
