/**
 * Paradigm's no-arbitrage check of the everlasting option's funding (issue 12): with the mark held at the pricer's
 * fair value, longs pay (mark − payoff) / T per unit of claim and time, which is W / T, the time value over the
 * funding period — the gamma rent. The engine's funding rate (`optionFundingRatePerDay`, the rate the engine's
 * exact flow starts from) times the mark, against the pricer's `timeValue`, to 1e-9 relative, on fast-check inputs
 * across moneyness, volatility, funding period and NF (the same on a live market through the lens: test/options/views.ts).
 */
import { expect } from "chai";
import fc from "fast-check";

import { ethers } from "../fixtures.js";

const SEED = 0x47414d4d;
const DAY = 86_400n;
const WAD = 10n ** 18n;

const cases = fc.record({
  isCall: fc.boolean(),
  spot: fc.bigInt({ min: 100n * WAD, max: 100_000n * WAD }),
  logMoneyness: fc.double({ min: -0.7, max: 0.7, noNaN: true }),
  volatility: fc.bigInt({ min: WAD / 10n, max: 3n * WAD }),
  period: fc.bigInt({ min: DAY, max: 60n * DAY }),
  nf: fc.bigInt({ min: WAD / 1000n, max: 10n * WAD }),
});

describe("Everlasting funding at fair value pays the gamma rent W / T (Paradigm's no-arbitrage check)", function () {
  it("rate × mark = W / T to 1e-9 relative across moneyness, volatility, period and NF", async function () {
    const pricer = await ethers.deployContract("EverlastingOptionPricer");
    let worst = 0;
    let checked = 0;
    for (const c of fc.sample(cases, { seed: SEED, numRuns: 300 })) {
      const strike = (c.spot * BigInt(Math.round(Math.exp(c.logMoneyness) * 1e9))) / 1_000_000_000n;
      const args = [c.spot, strike, c.volatility, c.period] as const;
      const fair = c.isCall ? await pricer.callPrice(...args) : await pricer.putPrice(...args);
      const timeValue = await pricer.timeValue(...args);
      const payoff = fair - timeValue;
      // Deep in or out of the money at a low volatility W underflows (below 1e-9 USD, or of the fair value): no ratio to check.
      if (timeValue < 10n ** 9n || timeValue * 1_000_000_000n < fair) continue;
      checked++;
      // The token's price in ETH that puts the mark q · S / NF at the fair value.
      const q = (fair * c.nf) / c.spot;
      const mark = (q * c.spot) / c.nf;
      const ratePerDay = await pricer.optionFundingRatePerDay(
        c.nf,
        payoff,
        q,
        c.spot,
        0n,
        (WAD * 5n) / 4n,
        c.period,
      );
      // USD per unit of claim per day, paid in kind at the mark, against W per T.
      const paid = (Number(ratePerDay) / 1e18) * (Number(mark) / 1e18);
      const rent = ((Number(timeValue) / 1e18) * Number(DAY)) / Number(c.period);
      // q is rounded to the wei: the mark sits within 1 wei · S / NF of fair, a shift of (mark − fair) / T.
      const markError = ((Number(fair - mark) / 1e18) * Number(DAY)) / Number(c.period);
      const relative = Math.abs(paid - rent - markError) / rent;
      worst = Math.max(worst, relative);
      expect(
        relative,
        JSON.stringify({ ...c, strike }, (_, v: unknown) => (typeof v === "bigint" ? `${v}` : v)),
      ).to.be.lessThan(1e-9);
    }
    expect(checked).to.be.greaterThan(250);
    console.log(`      ${checked} cases, worst relative difference: ${worst.toExponential(2)}`);
  });
});
