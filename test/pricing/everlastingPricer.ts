/**
 * Differential tests of EverlastingOptionPricer against the 80-digit decimal.js reference, on fast-check
 * inputs with a fixed seed. The contract's exact integer inputs are fed to both sides.
 *
 * Accuracy targets (from the issue):
 *   prices (call, put, time value): |error| <= 1e-16 * price + 1e-18 * strike + 2 wei;
 *   Greeks and implied volatilities: 1e-12 relative where the value is not tiny, i.e. |error| <= 1e-12 * |value|
 *   + 2 wei (values below 2e12 wei are "tiny": there the last wei of the 18-decimal output dominates).
 * The worst observed error of each function is printed after the suite.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import {
  D,
  absError,
  fromWad,
  priceTolerance,
  refCallDelta,
  refCallPrice,
  refFundingRate,
  refGamma,
  refImpliedVolatility,
  refPowerPerpFairPrice,
  refPowerPerpImpliedVolatility,
  refPutDelta,
  refPutPrice,
  refTimeValue,
  refVega,
  type Dec,
} from "../utils/everlastingReference.js";

const { ethers } = await network.getOrCreate();

const SEED = 0x45564552;
const HOUR = 3600;
const DAY = 86_400;
const YEAR = 31_536_000;
const WAD = 10n ** 18n;

/** Log-uniform 18-decimal value in [minUnits, maxUnits] with random low digits. */
function wadLogUniform(minUnits: number, maxUnits: number): fc.Arbitrary<bigint> {
  const low = BigInt(Math.ceil(minUnits * 1e12)) * 1_000_000n;
  const high = BigInt(Math.floor(maxUnits * 1e12)) * 1_000_000n;
  return fc
    .tuple(
      fc.double({ min: Math.log(minUnits), max: Math.log(maxUnits), noNaN: true, noDefaultInfinity: true }),
      fc.bigInt({ min: 0n, max: 999_999n }),
    )
    .map(([x, digits]) => {
      const value = BigInt(Math.round(Math.exp(x) * 1e12)) * 1_000_000n + digits;
      return value < low ? low : value > high ? high : value;
    });
}

/** Funding period in seconds, log-uniform in [minSeconds, maxSeconds]. */
function periodBetween(minSeconds: number, maxSeconds: number): fc.Arbitrary<bigint> {
  return fc
    .double({ min: Math.log(minSeconds), max: Math.log(maxSeconds), noNaN: true, noDefaultInfinity: true })
    .map((x) => BigInt(Math.min(maxSeconds, Math.max(minSeconds, Math.round(Math.exp(x))))));
}

const period = periodBetween(HOUR, YEAR);
const volatility = wadLogUniform(0.05, 5);
const strike = wadLogUniform(0.01, 100);
/** Spot and strike: independent over the domain, near the money, or a few wei from the strike. */
const spotAndStrike: fc.Arbitrary<[bigint, bigint]> = fc.oneof(
  fc.tuple(wadLogUniform(0.01, 100), strike),
  fc
    .tuple(strike, fc.double({ min: Math.log(1e-15), max: Math.log(0.2), noNaN: true }), fc.boolean())
    .map(([k, x, up]) => {
      const offset = (k * BigInt(Math.round(Math.exp(x) * 1e15))) / 10n ** 15n;
      return [up ? k + offset : k - offset, k] as [bigint, bigint];
    }),
  fc.tuple(strike, fc.bigInt({ min: -1000n, max: 1000n })).map(([k, o]) => [k + o, k] as [bigint, bigint]),
  fc.tuple(strike).map(([k]) => [k, k] as [bigint, bigint]),
);

/** Below this (2e-6 in 18 decimals) the last wei of the output alone exceeds 1e-12 relative. */
const NOT_TINY_WEI = new D("2e12");
const RUNS = { prices: 2000, impliedVolatility: 1000, power: 1000, funding: 300 };
const PARAMS = { seed: SEED, unbiased: true } as const;

/** Worst error of each function, as a multiple of its tolerance and as an absolute or relative figure. */
interface Worst {
  ratio: number;
  detail: string;
  where: string;
}
const worst = new Map<string, Worst>();
function record(name: string, ratio: Dec, detail: string, where: string): void {
  const r = ratio.toNumber();
  const w = worst.get(name);
  if (w === undefined || r > w.ratio) worst.set(name, { ratio: r, detail, where });
}

/** Checks a price: |error| <= 1e-16 * price + 1e-18 * strike + 2 wei. */
function checkPrice(name: string, actual: bigint, expected: Dec, k: bigint, where: string): void {
  const error = absError(actual, expected);
  const ratio = error.div(priceTolerance(expected, k));
  record(name, ratio, `${error.toSignificantDigits(3).toString()} wei`, where);
  expect(ratio.lte(1), `${name}: error ${error.toString()} wei above the bound at ${where}`).to.equal(true);
}

/** Checks a Greek or an implied volatility: |error| <= 1e-12 * |value| + 2 wei. */
function checkRelative(name: string, actual: bigint, expected: Dec, where: string): void {
  const error = absError(actual, expected);
  const tolerance = expected.abs().mul("1e-12").add(2);
  record(name, error.div(tolerance), `${error.toSignificantDigits(3).toString()} wei`, where);
  if (expected.abs().gte(NOT_TINY_WEI)) {
    const relative = error.div(expected.abs());
    record(`${name} (relative)`, relative, "where |value| >= 2e12 wei", where);
  }
  expect(error.lte(tolerance), `${name}: error ${error.toString()} wei at ${where}`).to.equal(true);
}

describe("EverlastingOptionPricer: differential tests against an 80-digit reference", function () {
  this.timeout(300_000);

  after(function () {
    console.log("\n    worst observed error (as a fraction of the tolerance, or relative where marked):");
    for (const [name, w] of worst) {
      console.log(`      ${name.padEnd(39)} ${w.ratio.toExponential(2).padStart(9)}  (${w.detail})`);
    }
  });

  it("prices and Greeks match the reference within the accuracy targets", async function () {
    const pricer = await ethers.deployContract("EverlastingOptionPricer");
    await fc.assert(
      fc.asyncProperty(spotAndStrike, volatility, period, async ([s, k], v, t) => {
        const [c, p, w, dc, dp, g, vg] = await Promise.all([
          pricer.callPrice(s, k, v, t),
          pricer.putPrice(s, k, v, t),
          pricer.timeValue(s, k, v, t),
          pricer.callDelta(s, k, v, t),
          pricer.putDelta(s, k, v, t),
          pricer.gamma(s, k, v, t),
          pricer.vega(s, k, v, t),
        ]);
        const where = `S=${s} K=${k} vol=${v} T=${t}`;
        checkPrice("callPrice", c, refCallPrice(s, k, v, t), k, where);
        checkPrice("putPrice", p, refPutPrice(s, k, v, t), k, where);
        checkPrice("timeValue", w, refTimeValue(s, k, v, t), k, where);
        checkRelative("callDelta", dc, refCallDelta(s, k, v, t), where);
        checkRelative("putDelta", dp, refPutDelta(s, k, v, t), where);
        checkRelative("gamma", g, refGamma(s, k, v, t), where);
        checkRelative("vega", vg, refVega(s, k, v, t), where);
        expect(c - p).to.equal(s - k);
      }),
      { ...PARAMS, numRuns: RUNS.prices },
    );
  });

  it("implied volatility inverts the exact price of the same integer input", async function () {
    const pricer = await ethers.deployContract("EverlastingOptionPricer");
    await fc.assert(
      fc.asyncProperty(spotAndStrike, volatility, period, fc.boolean(), async ([s, k], v, t, isCall) => {
        const price = isCall ? await pricer.callPrice(s, k, v, t) : await pricer.putPrice(s, k, v, t);
        const expected = refImpliedVolatility(price, s, k, t, isCall);
        const where = `price=${price} S=${s} K=${k} vol=${v} T=${t} ${isCall ? "call" : "put"}`;
        if (expected === undefined) {
          // The time value rounded to 0 (far from the strike): outside the open bounds, a custom error.
          await expect(pricer.impliedVolatility(price, s, k, t, isCall)).to.be.revertedWithCustomError(
            pricer,
            "OptionPriceOutOfBounds",
          );
          return;
        }
        const implied = await pricer.impliedVolatility(price, s, k, t, isCall);
        checkRelative("impliedVolatility", implied, expected, where);
      }),
      { ...PARAMS, numRuns: RUNS.impliedVolatility },
    );
  });

  it("power perpetual fair price and implied volatility", async function () {
    const pricer = await ethers.deployContract("EverlastingOptionPricer");
    const power = fc.oneof(
      fc.constantFrom(2n * WAD, 3n * WAD, 4n * WAD, WAD / 2n),
      wadLogUniform(0.1, 4).filter((n) => n < (WAD * 999n) / 1000n || n > (WAD * 1001n) / 1000n),
    );
    await fc.assert(
      fc.asyncProperty(
        wadLogUniform(0.01, 10_000),
        power,
        volatility,
        periodBetween(HOUR, 30 * DAY),
        async (s, n, v, t) => {
          const where = `S=${s} n=${n} vol=${v} T=${t}`;
          const mark = await pricer.powerPerpFairPrice(s, n, v, t);
          const expected = refPowerPerpFairPrice(s, n, v, t);
          const error = absError(mark, expected);
          const tolerance = expected.mul("1e-16").add(2);
          record(
            "powerPerpFairPrice",
            error.div(tolerance),
            `${error.toSignificantDigits(3).toString()} wei`,
            where,
          );
          expect(error.lte(tolerance), `powerPerpFairPrice at ${where}`).to.equal(true);
          // The index S^n is the zero-volatility limit.
          const index = await pricer.powerPerpFairPrice(s, n, 1n, 1n);
          if (mark === index || mark < 10n ** 6n || index < 10n ** 6n) return;
          const implied = await pricer.powerPerpImpliedVolatility(mark, index, n, t);
          checkRelative(
            "powerPerpImpliedVolatility",
            implied,
            refPowerPerpImpliedVolatility(mark, index, n, t),
            where,
          );
        },
      ),
      { ...PARAMS, numRuns: RUNS.power },
    );
  });

  it("funding rate is (mark - payoff) / period, rounded toward zero", async function () {
    const pricer = await ethers.deployContract("EverlastingOptionPricer");
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 0n, max: 10n ** 36n }),
        fc.bigInt({ min: 0n, max: 10n ** 36n }),
        fc.bigInt({ min: 1n, max: 31_536_000_000n }),
        async (mark, payoff, t) => {
          expect(await pricer.fundingRate(mark, payoff, t)).to.equal(refFundingRate(mark, payoff, t));
        },
      ),
      { ...PARAMS, numRuns: RUNS.funding },
    );
  });

  it("reproduces Deri's published examples (K = 50,000, sigma = 100%, T = 7 days)", async function () {
    const pricer = await ethers.deployContract("EverlastingOptionPricer");
    const k = 50_000n * WAD;
    const cases: [bigint, string][] = [
      [40_000n * WAD, "223.3667"],
      [50_000n * WAD, "2445.1621"],
    ];
    for (const [s, published] of cases) {
      const w = await pricer.timeValue(s, k, WAD, 7n * BigInt(DAY));
      expect(fromWad(w).toDecimalPlaces(4).toFixed(4)).to.equal(published);
      checkPrice("timeValue", w, refTimeValue(s, k, WAD, 7n * BigInt(DAY)), k, "Deri example");
    }
  });
});
