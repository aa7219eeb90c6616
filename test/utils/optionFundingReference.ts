/**
 * High-precision reference for the funding of an everlasting call or put (OptionFundingMath), in decimal.js at
 * 80 significant digits, from the contract's exact integer inputs (18-decimal fixed point, seconds).
 *
 *   x0 = payoff * NF / (q * S) (exact rational), tau = t / T, band [f, c]
 *   inside the band (f < x0 < c):  D(tau) = x0 + (1 - x0) e^tau, NF(tau) = NF0 / D, x(tau) = x0 / D
 *   leaving through the edge b at tau_b = ln(x0 / b) + ln((1 - b) / (1 - x0)), then ln NF grows at b - 1
 *   outside the band: ln NF grows at clamp(x0) - 1 for the whole gap
 *   gaps beyond 1 day: exact over the first day (tau_e), then linear at x(tau_e) - 1
 *   NF_new = NF0 e^L, clamped into [1, 2^128 - 1] (unrounded)
 */
import { D, type Dec } from "./everlastingReference.js";

export const EXACT_GAP_MAX_SECONDS = 86_400n;
const NF_MAX = new D(2).pow(128).sub(1);
const WAD_D = new D(10).pow(18);

/** Inputs of one update, in the contract's units. */
export interface OptionFundingCase {
  nf: bigint;
  payoff: bigint;
  tokenPrice: bigint;
  ethPrice: bigint;
  floor: bigint;
  cap: bigint;
  elapsed: bigint;
  period: bigint;
}

/** x0 = payoff * NF / (q * S) as a real number (Infinity with a payoff and no mark). */
export function refPayoffMarkRatio(c: OptionFundingCase): Dec {
  if (c.payoff === 0n) return new D(0);
  const denominator = c.tokenPrice * c.ethPrice;
  if (denominator === 0n) return new D(Infinity);
  return new D((c.payoff * c.nf).toString()).div(denominator.toString());
}

/** ln(NF(tau) / NF0) and the rate x(tau) - 1 at the end of the exact flow from x0 inside the band. */
function exactFlow(x0: Dec, f: Dec, cap: Dec, tau: Dec): { exponent: Dec; rate: Dec; leaves: boolean } {
  const one = new D(1);
  const rising = x0.gt(1);
  const d = x0.add(one.sub(x0).mul(tau.exp()));
  const x = rising ? (d.lte(0) ? null : x0.div(d)) : x0.div(d);
  const inside = x !== null && (rising ? x.lt(cap) : f.isZero() || x.gt(f));
  if (inside) return { exponent: d.ln().neg(), rate: x.sub(1), leaves: false };
  const edge = rising ? cap : f;
  const tauEdge = x0
    .div(edge)
    .ln()
    .add(one.sub(edge).div(one.sub(x0)).ln());
  return {
    exponent: edge
      .div(x0)
      .ln()
      .add(edge.sub(1).mul(tau.sub(tauEdge))),
    rate: edge.sub(1),
    leaves: true,
  };
}

/** Where an update starts and goes: no payoff, outside the band, inside it, or leaving it in the exact window. */
export type Region = "no payoff" | "outside the band" | "inside the band" | "leaves the band";

/**
 * x0 as the contract computes it: floor(payoff * NF * 1e18 / (q * S)) / 1e18 (saturation aside). With a short
 * funding period the exact flow amplifies x0's last wei by up to e^(1 day / T): compared at this x0, the
 * reference isolates the integration from that (inherent) conditioning.
 */
export function floorPayoffMarkRatio(c: OptionFundingCase): Dec {
  if (c.payoff === 0n) return new D(0);
  const x = (c.payoff * c.nf * 10n ** 18n) / (c.tokenPrice * c.ethPrice);
  return new D(x.toString()).div(WAD_D);
}

/** ln(NF_new / NF0) of one update (unclamped). */
export function refExponent(c: OptionFundingCase, ratio?: Dec): Dec {
  return refUpdate(c, ratio).exponent;
}

/** ln(NF_new / NF0) of one update (unclamped) and its region, from x0 = `ratio` if given. */
export function refUpdate(c: OptionFundingCase, ratio?: Dec): { exponent: Dec; region: Region } {
  const x0 = ratio ?? refPayoffMarkRatio(c);
  const f = new D(c.floor.toString()).div(WAD_D);
  const cap = new D(c.cap.toString()).div(WAD_D);
  const period = new D(c.period.toString());
  const tau = new D(c.elapsed.toString()).div(period);
  if (x0.isZero()) return { exponent: f.sub(1).mul(tau), region: "no payoff" };
  if (x0.lte(f)) return { exponent: f.sub(1).mul(tau), region: "outside the band" };
  if (x0.gte(cap)) return { exponent: cap.sub(1).mul(tau), region: "outside the band" };
  if (x0.eq(1)) return { exponent: new D(0), region: "inside the band" };
  const exact = c.elapsed < EXACT_GAP_MAX_SECONDS ? c.elapsed : EXACT_GAP_MAX_SECONDS;
  const flow = exactFlow(x0, f, cap, new D(exact.toString()).div(period));
  return {
    exponent: flow.exponent.add(flow.rate.mul(new D((c.elapsed - exact).toString()).div(period))),
    region: flow.leaves ? "leaves the band" : "inside the band",
  };
}

/** NF after the update in wei (from x0 = `ratio` if given), unrounded, clamped into [1, 2^128 - 1]. */
export function refNextNormalizationFactor(c: OptionFundingCase, ratio?: Dec): Dec {
  if (c.elapsed === 0n) return new D(c.nf.toString());
  const exponent = refExponent(c, ratio);
  // Beyond e^±400 the clamp decides; avoid computing astronomically large powers.
  if (exponent.gt(400)) return NF_MAX;
  if (exponent.lt(-400)) return new D(1);
  const nf = new D(c.nf.toString()).mul(exponent.exp());
  if (nf.gt(NF_MAX)) return NF_MAX;
  if (nf.lt(1)) return new D(1);
  return nf;
}
