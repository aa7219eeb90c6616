/**
 * High-precision reference (decimal.js, 80 digits) of the exchanges' funding rule paid in kind
 * (`PremiumFundingMath`), written in the ratio r = mark / index rather than the contract's z = ln r:
 *
 *   F(r) = clamp(P + clamp(I − P, −c, +c), rateFloor, rateCap),  P = r − 1,  dr/dτ = r F(r)  (τ = t / T)
 *
 * Piecewise: where F is constant, r(τ) = r0 e^(Fτ); where F = r − a (a = 1 ∓ c), dr/dτ = r (r − a) is logistic and
 * 1/r(τ) = 1/a + (1/r0 − 1/a) e^(aτ). The flow runs from edge to edge of these pieces for at most one day; the rate
 * reached there continues linearly for the rest of a longer gap. NF_new = NF · r0 / r_end · e^(−F_end τ_linear).
 *
 * `odeNextNormalizationFactor` integrates dr/dτ = r F(r) numerically (RK4, floating point, with the simulation's F:
 * `premiumIndexRate`) as an independent check of the closed form itself.
 */
import { premiumIndexRate } from "../../scripts/devnet/metrics.js";
import { D, type Dec } from "./everlastingReference.js";

export const EXACT_GAP_MAX_SECONDS = 86_400n;

/** One update's inputs, in the contract's integer units (WAD, seconds). */
export interface PremiumFundingCase {
  nf: bigint;
  ratio: bigint;
  interest: bigint;
  clamp: bigint;
  floor: bigint;
  cap: bigint;
  elapsed: bigint;
  period: bigint;
}

interface Terms {
  interest: Dec;
  clamp: Dec;
  rateFloor: Dec;
  rateCap: Dec;
}

const ONE = new D(1);
const wad = (x: bigint): Dec => new D(x.toString()).div("1e18");

function termsOf(c: PremiumFundingCase): Terms {
  return {
    interest: wad(c.interest),
    clamp: wad(c.clamp),
    rateFloor: wad(c.floor).sub(1),
    rateCap: wad(c.cap).sub(1),
  };
}

const clampDec = (x: Dec, lo: Dec, hi: Dec): Dec => D.min(hi, D.max(lo, x));

/** F at mark / index r. */
export function refRate(r: Dec, t: Terms): Dec {
  const premium = r.sub(1);
  return clampDec(
    premium.add(clampDec(t.interest.sub(premium), t.clamp.neg(), t.clamp)),
    t.rateFloor,
    t.rateCap,
  );
}

/** The pieces' edges in r, ascending: below e0 the floor rate, e0..e1 r − (1 − c), e1..e2 I, e2..e3 r − (1 + c). */
function edges(t: Terms): Dec[] {
  return [
    ONE.sub(t.clamp).add(t.rateFloor),
    ONE.add(t.interest).sub(t.clamp),
    ONE.add(t.interest).add(t.clamp),
    ONE.add(t.clamp).add(t.rateCap),
  ];
}

/** r after τ inside one piece (constant F, or F = r − a), and the τ at which it reaches `edge` (Infinity: never). */
function piece(
  r: Dec,
  t: Terms,
  piece: number,
  edge: Dec | undefined,
): { at: (tau: Dec) => Dec; toEdge: Dec } {
  if (piece % 2 === 0) {
    const f = [t.rateFloor, undefined, t.interest, undefined, t.rateCap][piece] as Dec;
    return {
      at: (tau) => r.mul(f.mul(tau).exp()),
      toEdge: edge === undefined || f.isZero() ? new D(Infinity) : edge.div(r).ln().div(f),
    };
  }
  const a = piece === 1 ? ONE.sub(t.clamp) : ONE.add(t.clamp);
  const d0 = ONE.div(r).sub(ONE.div(a));
  return {
    at: (tau) => ONE.div(ONE.div(a).add(d0.mul(a.mul(tau).exp()))),
    toEdge:
      edge === undefined || d0.isZero() ? new D(Infinity) : ONE.div(edge).sub(ONE.div(a)).div(d0).ln().div(a),
  };
}

/** The exact flow over τ from r0: the end ratio and the rate there. */
export function refFlow(r0: Dec, t: Terms, tau: Dec): { r: Dec; rate: Dec } {
  const e = edges(t);
  const rate0 = refRate(r0, t);
  if (rate0.isZero()) return { r: r0, rate: rate0 };
  const up = rate0.gt(0);
  let s = up ? e.filter((x) => r0.gte(x)).length : e.filter((x) => r0.gt(x)).length;
  let r = r0;
  let left = tau;
  for (;;) {
    const edge = up ? e[s] : s > 0 ? e[s - 1] : undefined;
    const p = piece(r, t, s, edge);
    if (edge === undefined || p.toEdge.gte(left)) return { r: p.at(left), rate: refRate(p.at(left), t) };
    r = edge;
    left = left.sub(p.toEdge);
    s += up ? 1 : -1;
  }
}

/** NF after the update (unrounded, in wei). */
export function refNextNormalizationFactor(c: PremiumFundingCase): Dec {
  const t = termsOf(c);
  const exactSeconds = c.elapsed < EXACT_GAP_MAX_SECONDS ? c.elapsed : EXACT_GAP_MAX_SECONDS;
  const period = new D(c.period.toString());
  const r0 = wad(c.ratio);
  const end = r0.isZero()
    ? { r: r0, rate: t.rateFloor }
    : refFlow(r0, t, new D(exactSeconds.toString()).div(period));
  const linear = end.rate.mul(new D((c.elapsed - exactSeconds).toString()).div(period));
  // Starting at r0 = 0 the rate is the floor throughout: z falls at rateFloor for the whole gap.
  const exactDeltaZ = r0.isZero()
    ? t.rateFloor.mul(new D(exactSeconds.toString()).div(period))
    : end.r.div(r0).ln();
  return new D(c.nf.toString()).mul(exactDeltaZ.add(linear).neg().exp());
}

/** NF after the update by RK4 on dr/dτ = r F(r) in floating point, `steps` steps over the whole gap (≤ 1 day). */
export function odeNextNormalizationFactor(c: PremiumFundingCase, steps = 20_000): number {
  const terms = {
    interest: Number(c.interest) / 1e18,
    clamp: Number(c.clamp) / 1e18,
    rateFloor: Number(c.floor) / 1e18 - 1,
    rateCap: Number(c.cap) / 1e18 - 1,
  };
  const flow = (r: number) => r * premiumIndexRate(r - 1, terms);
  const h = Number(c.elapsed) / Number(c.period) / steps;
  const r0 = Number(c.ratio) / 1e18;
  let r = r0;
  for (let i = 0; i < steps; i++) {
    const k1 = flow(r);
    const k2 = flow(r + (h * k1) / 2);
    const k3 = flow(r + (h * k2) / 2);
    const k4 = flow(r + h * k3);
    r += (h * (k1 + 2 * k2 + 2 * k3 + k4)) / 6;
  }
  return (Number(c.nf) * r0) / r;
}
