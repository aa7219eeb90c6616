/**
 * High-precision reference for the everlasting-option and power-perpetual pricer.
 *
 * Every function takes the contract's exact integer inputs (18-decimal fixed point, seconds) and evaluates
 * the closed forms with decimal.js at 80 significant digits, returning values in the contract's units
 * (wei of quote, i.e. value * 1e18) as unrounded Decimals.
 *
 *   T = fundingPeriod / 31,536,000, u = sqrt(1 + 8 / (sigma^2 T)), l = ln(S / K)
 *   W = (sqrt(S K) / u) exp(-u |l| / 2), call = max(S - K, 0) + W, put = max(K - S, 0) + W
 *   delta_call = (u + 1) W / (2S) (S < K), 1 - (u - 1) W / (2S) (S >= K); delta_put = delta_call - 1
 *   gamma = W (u^2 - 1) / (4 S^2), vega = (1 - 1/u^2) (1 + u |l| / 2) W / sigma
 *   power perpetual: mark = S^n exp(n (n - 1) sigma^2 T / 2), sigma^2 = 2 ln(mark / index) / (n (n - 1) T)
 */
import { Decimal } from "decimal.js";

export const D = Decimal.clone({
  precision: 80,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -100,
  toExpPos: 100,
});
export type Dec = Decimal;

export const WAD = 10n ** 18n;
export const SECONDS_PER_YEAR = 31_536_000n;
const WAD_D = new D(10).pow(18);

/** An 18-decimal integer as a real number. */
export function fromWad(x: bigint): Dec {
  return new D(x.toString()).div(WAD_D);
}

/** A real number in wei (value * 1e18). */
export function toWei(x: Dec): Dec {
  return x.mul(WAD_D);
}

/** Floor of a non-negative Decimal as a bigint. */
export function floorBig(x: Dec): bigint {
  return BigInt(x.floor().toFixed(0));
}

/** Absolute difference between a contract integer and a reference Decimal. */
export function absError(actual: bigint, expected: Dec): Dec {
  return new D(actual.toString()).sub(expected).abs();
}

interface Model {
  s: Dec;
  k: Dec;
  sigma: Dec;
  t: Dec;
  u: Dec;
  /** ln(S / K), signed. */
  l: Dec;
  /** Time value in quote units. */
  w: Dec;
}

function model(spot: bigint, strike: bigint, volatility: bigint, fundingPeriod: bigint): Model {
  const s = fromWad(spot);
  const k = fromWad(strike);
  const sigma = fromWad(volatility);
  const t = new D(fundingPeriod.toString()).div(SECONDS_PER_YEAR.toString());
  const u = new D(1).add(new D(8).div(sigma.mul(sigma).mul(t))).sqrt();
  const l = s.div(k).ln();
  const w = s.mul(k).sqrt().div(u).mul(u.mul(l.abs()).div(-2).exp());
  return { s, k, sigma, t, u, l, w };
}

/** Time value W in wei. */
export function refTimeValue(spot: bigint, strike: bigint, volatility: bigint, fundingPeriod: bigint): Dec {
  return toWei(model(spot, strike, volatility, fundingPeriod).w);
}

/** Call price in wei. */
export function refCallPrice(spot: bigint, strike: bigint, volatility: bigint, fundingPeriod: bigint): Dec {
  const intrinsic = spot > strike ? spot - strike : 0n;
  return refTimeValue(spot, strike, volatility, fundingPeriod).add(intrinsic.toString());
}

/** Put price in wei. */
export function refPutPrice(spot: bigint, strike: bigint, volatility: bigint, fundingPeriod: bigint): Dec {
  const intrinsic = strike > spot ? strike - spot : 0n;
  return refTimeValue(spot, strike, volatility, fundingPeriod).add(intrinsic.toString());
}

/** Call delta, 18 decimals. */
export function refCallDelta(spot: bigint, strike: bigint, volatility: bigint, fundingPeriod: bigint): Dec {
  const m = model(spot, strike, volatility, fundingPeriod);
  const delta =
    spot < strike ? m.u.add(1).mul(m.w).div(m.s.mul(2)) : new D(1).sub(m.u.sub(1).mul(m.w).div(m.s.mul(2)));
  return toWei(delta);
}

/** Put delta, 18 decimals. */
export function refPutDelta(spot: bigint, strike: bigint, volatility: bigint, fundingPeriod: bigint): Dec {
  return refCallDelta(spot, strike, volatility, fundingPeriod).sub(WAD_D);
}

/** Gamma per unit of quote, 18 decimals. */
export function refGamma(spot: bigint, strike: bigint, volatility: bigint, fundingPeriod: bigint): Dec {
  const m = model(spot, strike, volatility, fundingPeriod);
  return toWei(m.w.mul(m.u.mul(m.u).sub(1)).div(m.s.mul(m.s).mul(4)));
}

/** Vega per 1.0 of volatility, 18 decimals. */
export function refVega(spot: bigint, strike: bigint, volatility: bigint, fundingPeriod: bigint): Dec {
  const m = model(spot, strike, volatility, fundingPeriod);
  const slope = new D(1).sub(new D(1).div(m.u.mul(m.u)));
  const factor = new D(1).add(m.u.mul(m.l.abs()).div(2));
  return toWei(slope.mul(factor).mul(m.w).div(m.sigma));
}

/**
 * Exact implied volatility (18 decimals, unrounded) of an everlasting option price given as an integer, or
 * undefined outside the open no-arbitrage interval. Solves x + c e^x = L (x = ln u) by Newton's method.
 */
export function refImpliedVolatility(
  optionPrice: bigint,
  spot: bigint,
  strike: bigint,
  fundingPeriod: bigint,
  isCall: boolean,
): Dec | undefined {
  const intrinsic = isCall ? (spot > strike ? spot - strike : 0n) : strike > spot ? strike - spot : 0n;
  const upper = isCall ? spot : strike;
  if (optionPrice <= intrinsic || optionPrice >= upper) return undefined;
  const w = fromWad(optionPrice - intrinsic);
  const s = fromWad(spot);
  const k = fromWad(strike);
  const t = new D(fundingPeriod.toString()).div(SECONDS_PER_YEAR.toString());
  let u: Dec;
  if (spot === strike) {
    u = k.div(w);
  } else {
    const c = s.div(k).ln().abs().div(2);
    const target = s.mul(k).sqrt().div(w).ln();
    let x = D.min(target, target.div(c).ln());
    for (let i = 0; i < 500; i++) {
      const grow = c.mul(x.exp());
      const step = x.add(grow).sub(target).div(grow.add(1));
      x = x.sub(step);
      if (step.abs().lt("1e-70")) break;
    }
    u = x.exp();
  }
  const variance = new D(8).div(t.mul(u.mul(u).sub(1)));
  return toWei(variance.sqrt());
}

/** Power perpetual fair mark S^n exp(n (n - 1) sigma^2 T / 2) in wei. */
export function refPowerPerpFairPrice(
  spot: bigint,
  power: bigint,
  volatility: bigint,
  fundingPeriod: bigint,
): Dec {
  const s = fromWad(spot);
  const n = fromWad(power);
  const sigma = fromWad(volatility);
  const t = new D(fundingPeriod.toString()).div(SECONDS_PER_YEAR.toString());
  const exponent = n.mul(s.ln()).add(n.mul(n.sub(1)).mul(sigma.mul(sigma)).mul(t).div(2));
  return toWei(exponent.exp());
}

/** Power perpetual implied volatility sqrt(2 ln(mark / index) / (n (n - 1) T)), 18 decimals, unrounded. */
export function refPowerPerpImpliedVolatility(
  mark: bigint,
  index: bigint,
  power: bigint,
  fundingPeriod: bigint,
): Dec {
  const n = fromWad(power);
  const t = new D(fundingPeriod.toString()).div(SECONDS_PER_YEAR.toString());
  const variance = new D(mark.toString())
    .div(index.toString())
    .ln()
    .mul(2)
    .div(n.mul(n.sub(1)).mul(t));
  return toWei(variance.sqrt());
}

/** Funding per second (mark - payoff) / period in wei, truncated toward zero like the contract. */
export function refFundingRate(markPrice: bigint, payoff: bigint, fundingPeriod: bigint): bigint {
  // BigInt division truncates toward zero.
  return (markPrice - payoff) / fundingPeriod;
}

/** The price accuracy bound of the issue: 1e-16 * price + 1e-18 * strike + 2 wei (all in wei). */
export function priceTolerance(price: Dec, strike: bigint): Dec {
  return price.mul("1e-16").add(fromWad(strike)).add(2);
}

/** Relative error |actual - expected| / |expected| (Infinity when expected is 0 and actual is not). */
export function relativeError(actual: bigint, expected: Dec): Dec {
  const error = absError(actual, expected);
  if (expected.isZero()) return error.isZero() ? new D(0) : new D(Infinity);
  return error.div(expected.abs());
}

// -------------------------------------------------------------------------------------------------------
// Generators of the library's kernel constants (checked against the Solidity source by a test).
// -------------------------------------------------------------------------------------------------------

const Q96 = new D(2).pow(96);

function roundToBig(x: Dec): bigint {
  return BigInt(x.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0));
}

/**
 * Coefficients (highest degree first, at 2^96 scale) of the degree-(count - 1) Chebyshev interpolant of
 * f(w) = atanh(sqrt(w)) / sqrt(w) on [0, (3 - 2 sqrt 2)^2], at the `count` Chebyshev nodes of the first kind.
 */
export function lnKernelCoefficientsQ96(count = 9): bigint[] {
  const b = new D(3).sub(new D(8).sqrt()).pow(2);
  const f = (w: Dec): Dec => (w.isZero() ? new D(1) : w.sqrt().atanh().div(w.sqrt()));
  const pi = D.acos(-1);
  // Chebyshev coefficients c_j on t in [-1, 1], w = b (t + 1) / 2.
  const nodes: Dec[] = [];
  const values: Dec[] = [];
  for (let k = 0; k < count; k++) {
    const t = pi
      .mul(k + 0.5)
      .div(count)
      .cos();
    nodes.push(t);
    values.push(f(b.mul(t.add(1)).div(2)));
  }
  const cheb: Dec[] = [];
  for (let j = 0; j < count; j++) {
    let sum = new D(0);
    for (let k = 0; k < count; k++) {
      sum = sum.add(
        values[k].mul(
          pi
            .mul(j)
            .mul(k + 0.5)
            .div(count)
            .cos(),
        ),
      );
    }
    cheb.push(sum.mul(j === 0 ? 1 : 2).div(count));
  }
  // Convert sum c_j T_j(t) to a polynomial in t (ascending), then substitute t = 2w/b - 1.
  let tPrev: Dec[] = [new D(1)];
  let tCur: Dec[] = [new D(0), new D(1)];
  const inT: Dec[] = Array.from({ length: count }, () => new D(0));
  inT[0] = inT[0].add(cheb[0]);
  if (count > 1) inT[1] = inT[1].add(cheb[1]);
  for (let j = 2; j < count; j++) {
    const next: Dec[] = Array.from({ length: j + 1 }, () => new D(0));
    for (let i = 0; i < tCur.length; i++) next[i + 1] = next[i + 1].add(tCur[i].mul(2));
    for (let i = 0; i < tPrev.length; i++) next[i] = next[i].sub(tPrev[i]);
    for (let i = 0; i <= j; i++) inT[i] = inT[i].add(next[i].mul(cheb[j]));
    tPrev = tCur;
    tCur = next;
  }
  // p(t) with t = a w + c, a = 2 / b, c = -1: expand with binomials.
  const a = new D(2).div(b);
  const inW: Dec[] = Array.from({ length: count }, () => new D(0));
  for (let i = 0; i < count; i++) {
    // (a w - 1)^i = sum_m C(i, m) a^m w^m (-1)^(i - m)
    let binom = new D(1);
    for (let m = 0; m <= i; m++) {
      if (m > 0) binom = binom.mul(i - m + 1).div(m);
      const sign = (i - m) % 2 === 0 ? 1 : -1;
      inW[m] = inW[m].add(inT[i].mul(binom).mul(a.pow(m)).mul(sign));
    }
  }
  return inW.reverse().map((c) => roundToBig(c.mul(Q96)));
}

/**
 * Coefficients at 2^96 scale of the (6, 6) Pade approximant of exp written as (E + xO) / (E - xO):
 * E = [1, 5/44, 1/792, 1/665280] and O = [1/2, 1/66, 1/15840] in powers of x^2.
 */
export function expKernelCoefficientsQ96(): { even: bigint[]; odd: bigint[] } {
  const even = [new D(1), new D(5).div(44), new D(1).div(792), new D(1).div(665280)];
  const odd = [new D(1).div(2), new D(1).div(66), new D(1).div(15840)];
  return { even: even.map((c) => roundToBig(c.mul(Q96))), odd: odd.map((c) => roundToBig(c.mul(Q96))) };
}
