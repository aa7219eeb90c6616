/**
 * The exchanges' funding rule paid in kind (`PremiumFundingMath`, through the pricer's `premiumNormalizationFactor`):
 * differential tests against the 80-digit reference of its closed form on fast-check inputs with a fixed seed, the
 * closed form against a numerical integration of its differential equation, path independence (k updates against
 * one), and gaps up to 10 years (never reverts, stays within the rate bounds).
 *
 * Accuracy target: |NF − reference| <= 1e-12 · reference + 2 wei for ratios across every piece of the rule (below the
 * floor edge, the lower premium piece, the interest band, the upper premium piece, above the cap edge), gaps from 1 s
 * to 10 years and funding periods from 1 hour to 30 days.
 */
import { expect } from "chai";
import fc from "fast-check";
import { parseEther } from "ethers";

import { absError, D, type Dec } from "../utils/everlastingReference.js";
import {
  odeNextNormalizationFactor,
  refNextNormalizationFactor,
  type PremiumFundingCase,
} from "../utils/premiumFundingReference.js";
import { ethers } from "../fixtures.js";

const SEED = 0x50524d31;
const HOUR = 3600n;
const DAY = 86_400n;
const TEN_YEARS = 3650n * DAY;
const WAD = 10n ** 18n;

/** Binance's terms on an 8-hour period, F within ±0.75%. */
const BINANCE: Omit<PremiumFundingCase, "nf" | "ratio" | "elapsed"> = {
  interest: parseEther("0.0001"),
  clamp: parseEther("0.0005"),
  floor: parseEther("0.9925"),
  cap: parseEther("1.0075"),
  period: 8n * HOUR,
};

const terms: fc.Arbitrary<Omit<PremiumFundingCase, "nf" | "ratio" | "elapsed">> = fc.oneof(
  fc.constant(BINANCE),
  fc
    .tuple(
      fc.bigInt({ min: 0n, max: 10n ** 16n }), // c
      fc.double({ min: 0, max: 1, noNaN: true }), // I / c
      fc.bigInt({ min: 1n, max: WAD / 10n }), // |rate floor|
      fc.bigInt({ min: 1n, max: WAD / 10n }), // rate cap above I
      fc.bigInt({ min: HOUR, max: 30n * DAY }),
    )
    .map(([clamp, share, lowest, highest, period]) => {
      const interest = (clamp * BigInt(Math.floor(share * 1e6))) / 1_000_000n;
      const cap = WAD + interest + highest > WAD + WAD / 10n ? WAD + WAD / 10n : WAD + interest + highest;
      return { interest, clamp, floor: WAD - lowest, cap, period };
    }),
);

/** mark / index across every piece: near each edge, inside each piece, far outside. */
const ratio: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: WAD / 2n }),
  fc.bigInt({ min: WAD - WAD / 20n, max: WAD + WAD / 20n }),
  fc.bigInt({ min: WAD - WAD / 500n, max: WAD + WAD / 500n }),
  fc.bigInt({ min: WAD - WAD / 5000n, max: WAD + WAD / 5000n }),
  fc.bigInt({ min: WAD, max: 100n * WAD }),
);

const elapsed: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 1n, max: DAY }),
  fc.bigInt({ min: 1n, max: TEN_YEARS }),
  fc.constantFrom(1n, 12n, DAY - 1n, DAY, DAY + 1n, TEN_YEARS),
);

const fundingCase: fc.Arbitrary<PremiumFundingCase> = fc
  .tuple(terms, ratio, elapsed, fc.bigInt({ min: 10n ** 12n, max: 10n ** 22n }))
  .map(([t, r, dt, nf]) => ({ ...t, ratio: r, elapsed: dt, nf }));

/** The reference clamped into the storable range [1, 2^128 − 1], as FundingMath.applyExponent clamps NF. */
function saturated(nf: Dec): Dec {
  return D.min(D.max(nf, 1), new D((2n ** 128n - 1n).toString()));
}

describe("PremiumFundingMath: the exchanges' funding rule, paid in kind", function () {
  this.timeout(300_000);

  async function pricer() {
    return ethers.deployContract("EverlastingOptionPricer");
  }

  function nextNf(p: Awaited<ReturnType<typeof pricer>>, c: PremiumFundingCase): Promise<bigint> {
    return p.premiumNormalizationFactor(
      c.nf,
      c.ratio,
      c.interest,
      c.clamp,
      c.floor,
      c.cap,
      c.elapsed,
      c.period,
    );
  }

  it("matches the 80-digit closed form to 1e-12 relative + 2 wei across every piece, gap and period", async function () {
    const p = await pricer();
    let worst = 0;
    for (const c of fc.sample(fundingCase, { seed: SEED, numRuns: 600 })) {
      const actual = await nextNf(p, c);
      const expected = saturated(refNextNormalizationFactor(c));
      const error = absError(actual, expected);
      const where = JSON.stringify(c, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      expect(error.lte(expected.mul("1e-12").add(2)), `error ${error.toString()} at ${where}`).to.equal(true);
      if (expected.gte(1e15)) worst = Math.max(worst, error.div(expected).toNumber());
    }
    console.log(`      worst relative error (NF >= 1e15 wei): ${worst.toExponential(3)}`);
  });

  it("the closed form solves its differential equation (RK4 to 1e-9) through every piece within a day", function () {
    // Starting points in each piece of Binance's rule: below the floor edge, the lower premium piece (both signs of
    // F), the band, the upper piece, at the cap; for 8 hours and a whole day (the upper piece runs into the cap).
    for (const r of ["0.99", "0.9993", "0.9996", "1", "1.0004", "1.0007", "1.003", "1.02"]) {
      for (const elapsed of [8n * HOUR, DAY]) {
        const c = { ...BINANCE, nf: WAD, ratio: parseEther(r), elapsed };
        const closed = refNextNormalizationFactor(c).toNumber();
        const numeric = odeNextNormalizationFactor(c);
        expect(Math.abs(closed - numeric) / closed, `r ${r}, ${elapsed} s`).to.be.lessThan(1e-9);
      }
    }
  });

  it("rests at I: at mark = index NF falls by exactly e^-0.0001 per 8 hours", async function () {
    const p = await pricer();
    const nf = await nextNf(p, { ...BINANCE, nf: WAD, ratio: WAD, elapsed: 8n * HOUR });
    const expected = refNextNormalizationFactor({ ...BINANCE, nf: WAD, ratio: WAD, elapsed: 8n * HOUR });
    expect(absError(nf, expected).lte(2)).to.equal(true);
    expect(Math.abs(Number(nf) / 1e18 - Math.exp(-0.0001))).to.be.lessThan(1e-15);
    // Per day: three periods at the resting rate, 0.03%.
    expect(
      await p.premiumFundingRatePerDay(
        WAD,
        BINANCE.interest,
        BINANCE.clamp,
        BINANCE.floor,
        BINANCE.cap,
        BINANCE.period,
      ),
    ).to.equal(parseEther("0.0003"));
  });

  it("follows the premium outside the band and stops at the rate bounds", async function () {
    const p = await pricer();
    const perDay = (r: string) =>
      p.premiumFundingRatePerDay(
        parseEther(r),
        BINANCE.interest,
        BINANCE.clamp,
        BINANCE.floor,
        BINANCE.cap,
        BINANCE.period,
      );
    // P = +0.3%: F = P − c = 0.25% per 8 hours. P = −0.3%: F = P + c = −0.25%. P = ±5%: the caps ±0.75%.
    expect(await perDay("1.003")).to.equal(parseEther("0.0075"));
    expect(await perDay("0.997")).to.equal(-parseEther("0.0075"));
    expect(await perDay("1.05")).to.equal(parseEther("0.0225"));
    expect(await perDay("0.95")).to.equal(-parseEther("0.0225"));
    // Inside |P − I| <= c the rate is I whatever the premium.
    expect(await perDay("0.9996")).to.equal(parseEther("0.0003"));
    expect(await perDay("1.0005")).to.equal(parseEther("0.0003"));
  });

  it("is path-independent: k updates within the day equal one, to 1e-12 relative", async function () {
    const p = await pricer();
    for (const r of ["0.98", "0.9993", "1", "1.0004", "1.002", "1.05"]) {
      for (const k of [2n, 6n, 48n]) {
        const total = DAY;
        const one = await nextNf(p, { ...BINANCE, nf: WAD, ratio: parseEther(r), elapsed: total });
        // With the pool prices fixed, mark / index moves inversely to NF: r_i = r0 · NF0 / NF_i.
        let nf = WAD;
        for (let i = 0n; i < k; i++) {
          const ratioNow = (parseEther(r) * WAD) / nf;
          nf = await nextNf(p, { ...BINANCE, nf, ratio: ratioNow, elapsed: total / k });
        }
        const relative = Math.abs(Number(nf - one)) / Number(one);
        expect(relative, `r ${r}, k ${k}`).to.be.lessThan(1e-12);
      }
    }
  });

  it("never reverts for gaps up to 10 years and stays within rateFloor·dt/T <= −ln(NF'/NF) <= rateCap·dt/T", async function () {
    const p = await pricer();
    for (const c of fc.sample(fundingCase, { seed: SEED + 1, numRuns: 200 })) {
      const nf = await nextNf(p, { ...c, elapsed: TEN_YEARS });
      expect(nf >= 1n && nf < 2n ** 128n).to.equal(true);
      const paid = -Math.log(Number(nf) / Number(c.nf));
      const periods = Number(TEN_YEARS) / Number(c.period);
      const [lo, hi] = [(Number(c.floor) / 1e18 - 1) * periods, (Number(c.cap) / 1e18 - 1) * periods];
      // NF saturates at 1 wei or 2^128 - 1 beyond these; below 1e15 wei its integer rounding dominates.
      if (nf > 10n ** 15n && nf < 2n ** 128n - 1n) {
        expect(paid).to.be.within(lo * (1 + 1e-9) - 1e-9, hi * (1 + 1e-9) + 1e-9);
      }
    }
  });

  it("never reverts nor jumps with mark / index on a piece's edge, to the wei, with I = 0 or 1 wei", async function () {
    const p = await pricer();
    const cases: PremiumFundingCase[] = [
      // Found in review: on the band's upper edge with I = 0 the rate rounded negative (division by zero), and with
      // I = 1 wei the flow stepped back across the band (NF up by e^2c).
      { ...BINANCE, interest: 0n, nf: WAD, ratio: parseEther("1.0005"), elapsed: 1n },
      {
        ...BINANCE,
        interest: 1n,
        clamp: 7148856008553547n,
        cap: parseEther("1.1"),
        nf: WAD,
        ratio: 1007148856008553548n,
        elapsed: 1000n,
      },
    ];
    for (const interest of [0n, 1n, BINANCE.interest]) {
      for (const edge of [
        WAD + interest - BINANCE.clamp,
        WAD + interest + BINANCE.clamp,
        WAD - BINANCE.clamp - parseEther("0.0075"),
        WAD + BINANCE.clamp + parseEther("0.0075"),
      ]) {
        for (const offset of [-2n, -1n, 0n, 1n, 2n]) {
          for (const elapsed of [1n, 3600n, 8n * HOUR, DAY + 1n]) {
            cases.push({ ...BINANCE, interest, nf: WAD, ratio: edge + offset, elapsed });
          }
        }
      }
    }
    for (const c of cases) {
      const nf = await nextNf(p, c);
      // Within the rate bounds for the elapsed time (a jump across the band would break them).
      const periods = Number(c.elapsed) / Number(c.period);
      const paid = -Math.log(Number(nf) / Number(c.nf));
      const [lo, hi] = [(Number(c.floor) / 1e18 - 1) * periods, (Number(c.cap) / 1e18 - 1) * periods];
      const where = JSON.stringify(c, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      expect(paid, where).to.be.within(lo - 1e-12, hi + 1e-12);
      const expected = refNextNormalizationFactor(c);
      expect(absError(nf, expected).lte(expected.mul("1e-12").add(2)), where).to.equal(true);
    }
  });
});
