/**
 * Differential tests of OptionFundingMath (the everlasting option's normalization-factor funding) against the
 * 80-digit decimal.js reference of its closed form, on fast-check inputs with a fixed seed. The contract's exact
 * integer inputs are fed to both sides.
 *
 * Accuracy target: |NF - reference| <= 1e-12 * reference + 2 wei, for calls and puts in, at and out of the money,
 * x = payoff / mark below the floor, inside the band (either side of 1), above the cap, and gaps from 1 s to
 * 10 years, with funding periods from 1 day to 60 days. The worst relative error and the gas of each case kind
 * are printed after the suite.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import { D, absError, type Dec } from "../utils/everlastingReference.js";
import {
  EXACT_GAP_MAX_SECONDS,
  floorPayoffMarkRatio,
  refNextNormalizationFactor,
  refUpdate,
  type OptionFundingCase,
} from "../utils/optionFundingReference.js";

const { ethers } = await network.getOrCreate();

const SEED = 0x45564552;
const DAY = 86_400;
const TEN_YEARS = 3650 * DAY;
const WAD = 10n ** 18n;
const RUNS = 1500;

/** Log-uniform bigint in [min, max]. */
function logUniform(min: number, max: number): fc.Arbitrary<bigint> {
  return fc
    .double({ min: Math.log(min), max: Math.log(max), noNaN: true, noDefaultInfinity: true })
    .map((x) => BigInt(Math.min(max, Math.max(min, Math.round(Math.exp(x))))));
}

/** An 18-decimal value log-uniform in [minUnits, maxUnits] with random low digits. */
function wadLogUniform(minUnits: number, maxUnits: number): fc.Arbitrary<bigint> {
  return fc
    .tuple(logUniform(minUnits * 1e9, maxUnits * 1e9), fc.bigInt({ min: 0n, max: 999_999_999n }))
    .map(([units, digits]) => units * 1_000_000_000n + digits);
}

/** The target x = payoff / mark (scaled by 1e12), by region: the contract's x then follows from an integer q. */
const targetRatio: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 1n, max: 1_000_000n }), // below 1e-6: far out of the band's interior, tiny intrinsic share
  fc.bigInt({ min: 1_000_000n, max: 999_000_000_000n }), // 1e-6 to 0.999
  fc
    .tuple(fc.bigInt({ min: 1n, max: 10_000_000_000n }), fc.boolean())
    .map(([offset, up]) => (up ? 1_000_000_000_000n + offset : 1_000_000_000_000n - offset)), // 1 +- 1e-2
  fc.bigInt({ min: 1_000_000_000_000n, max: 2_100_000_000_000n }), // 1 to 2.1: inside or above the cap
  fc.bigInt({ min: 2_000_000_000_000n, max: 1_000_000_000_000_000n }), // 2 to 1000: above every cap
);

/** Or a point just inside an edge of the band, where the flow leaves it within the exact window. */
type Target = { x: bigint } | { edge: "floor" | "cap"; share: number };
const target: fc.Arbitrary<Target> = fc.oneof(
  { arbitrary: targetRatio.map((x) => ({ x })), weight: 5 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom<"floor" | "cap">("floor", "cap"), fc.integer({ min: 1, max: 1_000_000 }))
      .map(([edge, share]) => ({ edge, share: share / 1e6 })),
    weight: 4,
  },
);

/** x (scaled by 1e12) for a target: a point within `share` * 40% of the distance from the edge to 1. */
function targetX(t: Target, floor: bigint, cap: bigint): bigint {
  if ("x" in t) return t.x;
  const shift = BigInt(Math.round(t.share * 0.4 * 1e9));
  if (t.edge === "cap") return cap / 1_000_000n - (((cap - WAD) / 1_000_000n) * shift) / 1_000_000_000n;
  return floor / 1_000_000n + (((WAD - floor) / 1_000_000n) * shift) / 1_000_000_000n;
}

const band: fc.Arbitrary<[bigint, bigint]> = fc.tuple(
  fc.oneof(fc.constant(0n), fc.constant(WAD / 10n), fc.bigInt({ min: 0n, max: WAD / 2n })),
  fc.oneof(
    fc.constant((WAD * 5n) / 4n),
    fc.constant(WAD),
    fc.constant(2n * WAD),
    fc.bigInt({ min: WAD, max: 2n * WAD }),
  ),
);

const elapsed: fc.Arbitrary<bigint> = fc.oneof(
  logUniform(1, TEN_YEARS),
  logUniform(1, DAY),
  fc.constantFrom(1n, 12n, BigInt(DAY - 1), BigInt(DAY), BigInt(DAY + 1), BigInt(TEN_YEARS)),
);

type Kind = "call" | "put" | "atm";

/** Cases with funding periods drawn from `period`. */
const fundingCase = (period: fc.Arbitrary<bigint>): fc.Arbitrary<{ kind: Kind; c: OptionFundingCase }> =>
  fc
    .tuple(
      fc.oneof(
        { arbitrary: fc.constantFrom<Kind>("call", "put"), weight: 9 },
        { arbitrary: fc.constant<Kind>("atm"), weight: 1 },
      ),
      wadLogUniform(100, 100_000), // S
      fc.integer({ min: 0, max: 693_147 }).map((l) => l / 1e6), // |ln(K / S)|
      fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }), // ITM
      logUniform(1e15, 1e22), // NF
      target,
      wadLogUniform(1e-6, 10), // q when the option has no payoff
      band,
      elapsed,
      period, // T
    )
    .map(([kind, s, absLogMoneyness, inTheMoney, nf, t, qOtm, [floor, cap], dt, period]) => {
      const x = targetX(t, floor, cap);
      const logMoneyness = (kind === "put") === inTheMoney ? absLogMoneyness : -absLogMoneyness;
      const k = kind === "atm" ? s : (s * BigInt(Math.round(Math.exp(logMoneyness) * 1e9))) / 1_000_000_000n;
      const payoff = kind === "put" ? (k > s ? k - s : 0n) : s > k ? s - k : 0n;
      // q from x = payoff * NF / (q * S): q = payoff * NF * 1e12 / (x * S), at least 1 wei.
      let q = payoff === 0n || x === 0n ? qOtm : (payoff * nf * 1_000_000_000_000n) / (x * s);
      if (q === 0n) q = 1n;
      return {
        kind,
        c: { nf, payoff, tokenPrice: q, ethPrice: s, floor, cap, elapsed: dt, period },
      };
    });

interface Stat {
  count: number;
  gasMin: number;
  gasMax: number;
  gasSum: number;
  worstRelative: number;
}
const stats = new Map<string, Stat>();
let worst = { relative: 0, where: "" };

describe("OptionFundingMath: differential tests against an 80-digit reference", function () {
  this.timeout(600_000);

  after(function () {
    console.log(
      `      worst relative error (reference >= 1e15 wei): ${worst.relative.toExponential(3)} at ${worst.where}`,
    );
    for (const [kind, s] of [...stats.entries()].sort()) {
      const mean = Math.round(s.gasSum / s.count);
      console.log(
        `      ${kind}: ${s.count} cases, gas ${s.gasMin}..${s.gasMax} (mean ${mean}), worst relative ${s.worstRelative.toExponential(2)}`,
      );
    }
  });

  /** Runs the sample, checking each case against the reference at x0 = `ratioOf(case)` (exact if undefined). */
  async function checkSample(
    cases: { kind: Kind; c: OptionFundingCase }[],
    ratioOf: (c: OptionFundingCase) => Dec | undefined,
    label: string,
  ): Promise<Map<string, number>> {
    const harness = await ethers.deployContract("OptionFundingMathHarness");
    const counts = new Map<string, number>();
    for (const { kind, c } of cases) {
      const [gasUsed, actual] = await harness.measureNextNormalizationFactor(
        c.nf,
        c.payoff,
        c.tokenPrice,
        c.ethPrice,
        c.floor,
        c.cap,
        c.elapsed,
        c.period,
      );
      const ratio = ratioOf(c);
      const expected: Dec = refNextNormalizationFactor(c, ratio);
      const error = absError(actual, expected);
      const tolerance = expected.mul("1e-12").add(2);
      const where = `${kind} ${JSON.stringify(c, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`;
      expect(
        error.lte(tolerance),
        `error ${error.toString()} wei (NF ${expected.toFixed(0)}) at ${where}`,
      ).to.equal(true);
      const relative = expected.gte(1e15) ? error.div(expected).toNumber() : 0;
      if (relative > worst.relative) worst = { relative, where };
      const region = refUpdate(c, ratio).region;
      counts.set(region, (counts.get(region) ?? 0) + 1);
      const name = `${label}: ${region}${c.elapsed > EXACT_GAP_MAX_SECONDS ? ", gap > 1 day" : ""}`;
      const s = stats.get(name) ?? { count: 0, gasMin: Infinity, gasMax: 0, gasSum: 0, worstRelative: 0 };
      const gas = Number(gasUsed);
      stats.set(name, {
        count: s.count + 1,
        gasMin: Math.min(s.gasMin, gas),
        gasMax: Math.max(s.gasMax, gas),
        gasSum: s.gasSum + gas,
        worstRelative: Math.max(s.worstRelative, relative),
      });
    }
    return counts;
  }

  it("matches the closed form (band, exact window, clamps) to 1e-12 relative + 2 wei, T from 1 to 60 days", async function () {
    const period = fc.oneof(logUniform(DAY, 60 * DAY), logUniform(DAY, 2 * DAY));
    const cases = fc.sample(fundingCase(period), { seed: SEED, numRuns: RUNS, unbiased: true });
    const counts = await checkSample(cases, () => undefined, "T >= 1 day");
    // The sample reaches every region.
    for (const region of ["no payoff", "outside the band", "inside the band", "leaves the band"]) {
      expect(counts.get(region) ?? 0, `cases: ${region}`).to.be.greaterThan(30);
    }
  });

  it("matches the closed form at the contract's x0 to 1e-12 relative + 2 wei, T from 1 minute to 1 day", async function () {
    // With tau_e = 1 day / T up to 1440, the exact flow amplifies x0's last wei by up to e^tau_e near x0 = 1
    // (inherent in the exact solution): the reference starts from the contract's floored x0.
    const period = logUniform(60, DAY);
    const cases = fc.sample(fundingCase(period), { seed: SEED + 1, numRuns: RUNS / 3, unbiased: true });
    const counts = await checkSample(cases, floorPayoffMarkRatio, "T < 1 day");
    expect(counts.get("leaves the band") ?? 0, "cases leaving the band").to.be.greaterThan(30);
  });

  it("reproduces hand-checked values of the closed form", async function () {
    const harness = await ethers.deployContract("OptionFundingMathHarness");
    // A call with S = 3000, K = 2000 (payoff 1000), NF = 1, T = 1 day, band [0, 1.25].
    const s = 3000n * WAD;
    const payoff = 1000n * WAD;
    const day = BigInt(DAY);
    const nextNf = async (q: bigint, dt: bigint) =>
      (await harness.measureNextNormalizationFactor(WAD, payoff, q, s, 0n, (WAD * 5n) / 4n, dt, day))[1];
    // Mark 2000 per claim (q = 2/3 ETH): x0 = 0.5; one day: NF = 1 / (0.5 + 0.5 e) = 0.537882842739990...
    const half = await nextNf((2n * WAD) / 3n, day);
    expect(
      absError(half, new D(1).div(new D(0.5).add(new D(0.5).mul(new D(1).exp()))).mul(1e18)).lte(1e6),
    ).to.equal(true, `x0 = 0.5 over one day: ${half}`);
    // x0 = 1 exactly (NF = 3, q = 1 ETH: mark 1000 per claim): stationary for ten years.
    const atIntrinsic = await harness.measureNextNormalizationFactor(
      3n * WAD,
      payoff,
      WAD,
      s,
      0n,
      (WAD * 5n) / 4n,
      BigInt(TEN_YEARS),
      day,
    );
    expect(atIntrinsic[1]).to.equal(3n * WAD);
    // Above the cap (mark 500, x0 = 2): NF * e^(0.25 tau); two days: e^0.5 = 1.648721270700128...
    const above = await nextNf(WAD / 6n, 2n * day);
    expect(absError(above, new D(0.5).exp().mul(1e18)).lte(1e3)).to.equal(
      true,
      `x0 = 2 over two days: ${above}`,
    );
  });
});
