/**
 * What the simulation measures, as pure functions of its recorded readings: how closely each market's mark tracks
 * the fair value, and the funding the normalization factor actually charged against what a mark held at fair
 * value would have charged.
 *
 * - **Tracking error**: mark / fair − 1 after each step (RMS, largest magnitude, mean).
 * - **Funding of a power market** (Squeeth's rule, d ln NF/dt = −ln(mark/index)/T): paid = ln(NF_prev / NF) per
 *   step; at the fair mark, mark/index = exp(n(n−1)σ*²T/2), so the expected rate is n(n−1)σ*²/2 per year.
 * - **Funding of a power market with the exchanges' rule** (F = clamp(P + clamp(I − P, ±c), floor − 1, cap − 1) per
 *   period T, d ln NF/dt = −F/T): at the fair mark the premium is P = exp(n(n−1)σ*²T/2) − 1 (0 for n = 1), so the
 *   expected ln(NF_prev / NF) per step is F(P)·dt/T — the resting I·dt/T for ETH¹.
 * - **Funding of an option market** (Paradigm's rule, longs pay (m − payoff)/T per unit of claim): with the pool
 *   prices fixed during the interval a token is worth V = q·S = NF·m, and the funding paid is V·ln(NF_prev / NF);
 *   per unit of claim held at the step's start, m·(NF / NF_prev)·ln(NF_prev / NF) USD. With the mark at fair
 *   value it is (fair − payoff)/T·dt = W/T·dt: the time value over the funding period, the gamma rent.
 *
 * @module
 */

const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** Tracking error statistics of mark / fair − 1. */
export interface TrackingError {
  mean: number;
  rms: number;
  /** Largest |mark / fair − 1|. */
  max: number;
}

/** Tracking error of `marks` against `fairs` (same length, fairs > 0); zeros for no readings. */
export function trackingError(marks: readonly number[], fairs: readonly number[]): TrackingError {
  if (marks.length !== fairs.length) throw new Error("marks and fairs differ in length");
  const errors = marks.map((m, i) => m / fairs[i] - 1);
  const count = Math.max(errors.length, 1);
  return {
    mean: errors.reduce((a, b) => a + b, 0) / count,
    rms: Math.sqrt(errors.reduce((a, b) => a + b * b, 0) / count),
    max: errors.reduce((a, b) => Math.max(a, Math.abs(b)), 0),
  };
}

/** Funding over one step: what NF charged and what a mark at fair value would have charged. */
export interface FundingStep {
  paid: number;
  expected: number;
}

/** Squeeth's funding at the fair mark, per year: n(n−1)σ²/2 (as a rate of ln NF). */
export function powerFairFundingRate(power: number, vol: number): number {
  return (power * (power - 1) * vol * vol) / 2;
}

/** One step of a power market: ln(NF_prev / NF) against n(n−1)σ*²/2 · dt. */
export function powerFundingStep(
  nfPrev: number,
  nf: number,
  power: number,
  vol: number,
  dtSeconds: number,
): FundingStep {
  return {
    paid: Math.log(nfPrev / nf),
    expected: (powerFairFundingRate(power, vol) * dtSeconds) / SECONDS_PER_YEAR,
  };
}

/** The exchanges' rule's terms per funding period (fractions): I, c and the bounds of F. */
export interface PremiumIndexTerms {
  interest: number;
  clamp: number;
  rateFloor: number;
  rateCap: number;
}

/** F at premium P: clamp(P + clamp(I − P, −c, c), rateFloor, rateCap), per funding period. */
export function premiumIndexRate(premium: number, t: PremiumIndexTerms): number {
  const f = premium + Math.min(t.clamp, Math.max(-t.clamp, t.interest - premium));
  return Math.min(t.rateCap, Math.max(t.rateFloor, f));
}

/** One step of a power market with the exchanges' rule: ln(NF_prev / NF) against F(fair premium)·dt/T. */
export function premiumIndexFundingStep(
  nfPrev: number,
  nf: number,
  power: number,
  vol: number,
  terms: PremiumIndexTerms,
  dtSeconds: number,
  periodSeconds: number,
): FundingStep {
  const fairPremium = Math.exp((powerFairFundingRate(power, vol) * periodSeconds) / SECONDS_PER_YEAR) - 1;
  return {
    paid: Math.log(nfPrev / nf),
    expected: (premiumIndexRate(fairPremium, terms) * dtSeconds) / periodSeconds,
  };
}

/**
 * One step of an option market, USD per unit of claim held at the step's start: m·(NF / NF_prev)·ln(NF_prev / NF)
 * against W/T·dt = (fair − payoff)·dt/T, with the mark, fair value and payoff of the step's end (the prices the
 * engine integrated the interval with).
 */
export function optionFundingStep(
  nfPrev: number,
  nf: number,
  mark: number,
  fair: number,
  payoff: number,
  dtSeconds: number,
  periodSeconds: number,
): FundingStep {
  return {
    paid: mark * (nf / nfPrev) * Math.log(nfPrev / nf),
    expected: ((fair - payoff) * dtSeconds) / periodSeconds,
  };
}

/** Sums of funding steps, with paid / expected (null when nothing was expected). */
export function fundingTotals(steps: readonly FundingStep[]): FundingStep & { ratio: number | null } {
  const paid = steps.reduce((a, s) => a + s.paid, 0);
  const expected = steps.reduce((a, s) => a + s.expected, 0);
  return { paid, expected, ratio: Math.abs(expected) > 1e-15 ? paid / expected : null };
}
