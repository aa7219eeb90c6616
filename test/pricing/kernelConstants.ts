/**
 * The magic numbers of contracts/libraries/EverlastingMath.sol, regenerated from their definitions at 80
 * digits and compared with the source: polynomial and Pade coefficients, scaled constants, bit-length tables,
 * and the domain limits. A change to a constant without its derivation (or the reverse) fails here.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { Decimal } from "decimal.js";

import { D, expKernelCoefficientsQ96, lnKernelCoefficientsQ96 } from "../utils/everlastingReference.js";

const SOURCE_URL = new URL("../../contracts/libraries/EverlastingMath.sol", import.meta.url);
const source = readFileSync(fileURLToPath(SOURCE_URL), "utf8");

/** The value of `uint256 ... constant NAME = <literal>;` in the library (decimal, hex or 1eN literals). */
function constant(name: string): bigint {
  const match = new RegExp(`constant ${name} =\\s*([0-9a-fx_]+)\\s*;`).exec(source);
  if (match === null) throw new Error(`constant ${name} not found`);
  const literal = match[1].replaceAll("_", "");
  const scientific = /^([0-9]+)e([0-9]+)$/.exec(literal);
  return scientific === null ? BigInt(literal) : BigInt(scientific[1]) * 10n ** BigInt(scientific[2]);
}

const Q96 = new D(2).pow(96);

function nearest(x: Decimal): bigint {
  return BigInt(x.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0));
}

/** Byte table: entry i (most significant byte first) from a function of i. */
function byteTable(entry: (i: number) => number): bigint {
  let table = 0n;
  for (let i = 0; i < 32; i++) table = (table << 8n) | BigInt(entry(i));
  return table;
}

describe("EverlastingMath constants", function () {
  it("ln kernel: Chebyshev interpolant of atanh(sqrt w) / sqrt w on [0, (3 - 2 sqrt2)^2] at 2^96 scale", function () {
    // Generator order is highest degree first: LN_C8 ... LN_C0.
    const generated = lnKernelCoefficientsQ96(9);
    const inSource = [8, 7, 6, 5, 4, 3, 2, 1, 0].map((i) => constant(`LN_C${i}_Q96`));
    for (let i = 0; i < 9; i++) {
      // Both sides are exact to ~1e-60 before rounding; allow one unit for a tie in the last place.
      const difference = generated[i] - inSource[i];
      expect(difference >= -1n && difference <= 1n, `LN_C${8 - i}_Q96`).to.equal(true);
    }
  });

  it("ln kernel: the polynomial's error is below 3e-21 on its whole interval", function () {
    const coefficients = lnKernelCoefficientsQ96(9).map((c) => new D(c.toString()).div(Q96));
    const b = new D(3).sub(new D(8).sqrt()).pow(2);
    let worst = new D(0);
    for (let i = 0; i <= 2000; i++) {
      const w = b.mul(i).div(2000);
      const z = w.sqrt();
      const exact = z.isZero() ? new D(0) : z.atanh().mul(2);
      let p = new D(0);
      for (const c of coefficients) p = p.mul(w).add(c);
      worst = D.max(worst, p.mul(z).mul(2).sub(exact).abs());
    }
    expect(worst.lt("3e-21"), worst.toString()).to.equal(true);
  });

  it("exp kernel: (6, 6) Pade coefficients at 2^96 scale, error below 2e-19 on [-ln2/2, ln2/2]", function () {
    const { even, odd } = expKernelCoefficientsQ96();
    expect(constant("Q96")).to.equal(even[0]);
    expect([1, 2, 3].map((i) => constant(`PADE_E${i}_Q96`))).to.deep.equal(even.slice(1));
    expect([0, 1, 2].map((i) => constant(`PADE_O${i}_Q96`))).to.deep.equal(odd);
    const e = even.map((c) => new D(c.toString()).div(Q96));
    const o = odd.map((c) => new D(c.toString()).div(Q96));
    const half = new D(2).ln().div(2);
    let worst = new D(0);
    for (let i = -500; i <= 500; i++) {
      const r = half.mul(i).div(500);
      const s = r.mul(r);
      const ev = e[0].add(s.mul(e[1].add(s.mul(e[2].add(s.mul(e[3]))))));
      const od = r.mul(o[0].add(s.mul(o[1].add(s.mul(o[2])))));
      worst = D.max(worst, ev.add(od).div(ev.sub(od)).div(r.exp()).sub(1).abs());
    }
    expect(worst.lt("2e-19"), worst.toString()).to.equal(true);
  });

  it("scaled constants", function () {
    expect(constant("LN2_Q96")).to.equal(nearest(new D(2).ln().mul(Q96)));
    expect(constant("INV_LN2_Q96")).to.equal(nearest(Q96.div(new D(2).ln())));
    expect(constant("SQRT2_Q96")).to.equal(nearest(new D(2).sqrt().mul(Q96)));
    expect(constant("HALF_Q192")).to.equal(1n << 191n);
    expect(constant("Q64")).to.equal(1n << 64n);
    expect(constant("Q100")).to.equal(1n << 100n);
    expect(constant("MAX_EXPONENT_Q96")).to.equal(128n << 96n);
    const eightYears = 8n * 31_536_000n * 10n ** 36n;
    expect(constant("EIGHT_YEAR_SECONDS_WAD_SQUARED")).to.equal(eightYears);
    expect(constant("D_NUMERATOR_Q100")).to.equal(eightYears << 100n);
    // Square-root start: (4 + 2y) / (3 + 2 sqrt2), the minimax linear fit of sqrt on [1, 4].
    const denominator = new D(3).add(new D(8).sqrt());
    expect(constant("SQRT_START_INTERCEPT_Q32")).to.equal(nearest(new D(4).div(denominator).mul(2 ** 32)));
    expect(constant("SQRT_START_SLOPE_Q16")).to.equal(nearest(new D(2).div(denominator).mul(2 ** 16)));
  });

  it("bit-length tables", function () {
    const log2 = (v: number): number => Math.floor(Math.log2(v));
    const high = byteTable((i) => (i === 0 ? 0 : 3 + log2(i)));
    const low = byteTable((v) => (v >= 1 && v < 8 ? log2(v) : 0));
    expect(constant("BIT_LENGTH_HIGH_TABLE")).to.equal(high);
    expect(constant("BIT_LENGTH_LOW_TABLE")).to.equal(low);
    // floor(log2 v) = HIGH[v >> 3] + LOW[v] for every v in [1, 256) (BYTE is 0 past index 31).
    const at = (table: bigint, i: number): number =>
      i < 32 ? Number((table >> BigInt(8 * (31 - i))) & 0xffn) : 0;
    for (let v = 1; v < 256; v++) {
      expect(at(high, v >> 3) + at(low, v), `v = ${v}`).to.equal(log2(v));
    }
  });

  it("domain limits", function () {
    expect(constant("MAX_PRICE_WAD_MINUS_ONE")).to.equal(constant("MAX_PRICE_WAD") - 1n);
    expect(constant("MAX_VOLATILITY_WAD_MINUS_ONE")).to.equal(constant("MAX_VOLATILITY_WAD") - 1n);
    expect(constant("MAX_FUNDING_PERIOD_SECONDS_MINUS_ONE")).to.equal(
      constant("MAX_FUNDING_PERIOD_SECONDS") - 1n,
    );
    expect(constant("MAX_FUNDING_PERIOD_SECONDS")).to.equal(1000n * 31_536_000n);
    expect(constant("D_LIMIT_SHIFT")).to.equal(180n);
  });
});
