/**
 * The simulation's volatility regimes and its seeded ETH price path: a geometric Brownian motion with Poisson jumps
 * (Merton), plus the per-step shocks of a noise trader on every market's token pool. Same seed, same path.
 *
 * | regime   | σ (annual) | jumps per day | jump size (ln)   | noise-trader shock per step |
 * | -------- | ---------- | ------------- | ---------------- | --------------------------- |
 * | calm     | 0.4        | 0             |                  | 0.2%                        |
 * | normal   | 0.8        | 0             |                  | 0.5%                        |
 * | stressed | 1.5        | 2             | N(−4%, 6%)       | 1.5%                        |
 * | mixed    | calm, normal, stressed in turn, a third of the steps each                       |
 *
 * @module
 */

const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** The name of a regime `--regime` accepts. */
export type RegimeName = "calm" | "normal" | "stressed" | "mixed";

export const REGIME_NAMES: readonly RegimeName[] = ["calm", "normal", "stressed", "mixed"];

/** One regime's parameters. */
export interface Regime {
  name: Exclude<RegimeName, "mixed">;
  /** Annualised diffusion volatility of ETH. */
  vol: number;
  /** Expected jumps per day (Poisson). */
  jumpsPerDay: number;
  /** Mean and standard deviation of a jump's log size. */
  jumpMean: number;
  jumpVol: number;
  /** Standard deviation of the noise trader's log shock to each token pool, per step. */
  noise: number;
}

export const REGIMES: Readonly<Record<Regime["name"], Regime>> = {
  calm: { name: "calm", vol: 0.4, jumpsPerDay: 0, jumpMean: 0, jumpVol: 0, noise: 0.002 },
  normal: { name: "normal", vol: 0.8, jumpsPerDay: 0, jumpMean: 0, jumpVol: 0, noise: 0.005 },
  stressed: { name: "stressed", vol: 1.5, jumpsPerDay: 2, jumpMean: -0.04, jumpVol: 0.06, noise: 0.015 },
};

/** The regime of each step: one regime throughout, or calm, normal and stressed in thirds for "mixed". */
export function regimeSchedule(name: RegimeName, steps: number, vol?: number): Regime[] {
  if (name !== "mixed") {
    const regime = vol === undefined ? REGIMES[name] : { ...REGIMES[name], vol };
    return Array.from({ length: steps }, () => regime);
  }
  const order = [REGIMES.calm, REGIMES.normal, REGIMES.stressed];
  return Array.from({ length: steps }, (_, i) => order[Math.min(2, Math.floor((3 * i) / steps))]);
}

/** mulberry32: a small, fast, seeded 32-bit generator with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal generator (Box–Muller) over a uniform one. */
export function normals(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** One step of the path. */
export interface PathStep {
  /** ETH price after the step, USD. */
  price: number;
  regime: Regime;
  /** The jump's log size this step (0 without one). */
  jump: number;
  /** The noise trader's log shock to each market's pool this step (one per market). */
  shocks: number[];
}

/** A Poisson draw with mean `lambda` (Knuth; `lambda` is small here). */
function poisson(uniform: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  const limit = Math.exp(-lambda);
  let k = 0;
  for (let p = uniform(); p > limit; p *= uniform()) k++;
  return k;
}

/**
 * The seeded path: each step S ← S · exp(−σ²dt/2 + σ√dt·Z + jumps), with the jump compensator left out (the
 * drift is the regime's own), and `markets` noise shocks per step.
 */
export function regimePath(
  s0: number,
  schedule: readonly Regime[],
  dtSeconds: number,
  markets: number,
  seed: number,
): PathStep[] {
  const uniform = mulberry32(seed);
  const z = normals(uniform);
  const noise = normals(mulberry32(seed ^ 0x9e3779b9));
  const dt = dtSeconds / SECONDS_PER_YEAR;
  let s = s0;
  return schedule.map((regime) => {
    let jump = 0;
    const count = poisson(uniform, (regime.jumpsPerDay * dtSeconds) / 86_400);
    for (let k = 0; k < count; k++) jump += regime.jumpMean + regime.jumpVol * z();
    s *= Math.exp(-0.5 * regime.vol * regime.vol * dt + regime.vol * Math.sqrt(dt) * z() + jump);
    const shocks = Array.from({ length: markets }, () => regime.noise * noise());
    return { price: s, regime, jump, shocks };
  });
}

/**
 * A geometric Brownian motion path without drift: `steps` prices after `s0`, each `dtSeconds` apart.
 *
 * @param seed Same seed, same path.
 */
export function gbmPath(s0: number, vol: number, dtSeconds: number, steps: number, seed: number): number[] {
  const z = normals(mulberry32(seed));
  const dt = dtSeconds / SECONDS_PER_YEAR;
  const path: number[] = [];
  let s = s0;
  for (let i = 0; i < steps; i++) {
    s *= Math.exp(-0.5 * vol * vol * dt + vol * Math.sqrt(dt) * z());
    path.push(s);
  }
  return path;
}
