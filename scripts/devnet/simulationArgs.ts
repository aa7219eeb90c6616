/**
 * The simulation's command-line flags, shared by the devnet (`./evergamma devnet --simulate [flags]`) and the
 * standalone simulation on an in-process chain (`npm run simulate -- [flags]`): the path (seed, steps, regime,
 * volatility, dt), the arbitrageur (target volatility, cost, capital) and the report folder.
 *
 * @module
 */
import path from "node:path";

import { REGIME_NAMES, type RegimeName } from "./regimes.js";

/** The simulation's settings, with defaults applied. */
export interface SimulationFlags {
  /** Seed of the simulated price path. */
  seed: number;
  /** Number of simulated steps. */
  steps: number;
  /** The volatility regime (default "normal"). */
  regime: RegimeName;
  /** Annualised volatility of the simulated ETH price (the regime's own when not given; 0.8 for "normal"). */
  vol: number;
  /** Whether `--vol` was given (it then overrides the regime's volatility). */
  volGiven: boolean;
  /** Chain seconds per simulated step. */
  dt: number;
  /** Implied volatility the arbitrage bots price every market's token at. */
  targetVol: number;
  /** The arbitrageur's cost per trade beyond the pool fee, relative (from `--arb-cost` in basis points). */
  arbCostRate: number;
  /** The arbitrageur's capital per trade and market, ETH. */
  arbCapitalEth: number;
  /** Wall-clock milliseconds to wait after each step (gives the keeper time to act). */
  stepDelayMs: number;
  /** Folder to write the report into (CSV, HTML, PNG), absolute; undefined: no report. */
  report: string | undefined;
}

/** The flags, for `parseArgs`. */
export const SIMULATION_FLAGS = {
  seed: { type: "string" },
  steps: { type: "string" },
  regime: { type: "string" },
  vol: { type: "string" },
  dt: { type: "string" },
  "target-vol": { type: "string" },
  "arb-cost": { type: "string" },
  "arb-capital": { type: "string" },
  "step-delay": { type: "string" },
  report: { type: "string" },
} as const;

/** The flags' lines of a usage text; `stepDelay` is the default of `--step-delay`. */
export function simulationUsage(stepDelay: number): string {
  return `  --seed N             seed of the price path (default 1)
  --steps N            simulated steps (default 48)
  --regime NAME        volatility regime: calm (40%), normal (80%), stressed (150% with jumps) or
                       mixed (the three in turn) (default normal)
  --vol X              annualised ETH volatility, overriding the regime's (not with mixed)
  --dt SECONDS         chain time per step (default 3600)
  --target-vol X       implied volatility the arbitrage bots price at (default 0.8)
  --arb-cost BPS       the arbitrageur's cost per trade beyond the pool fee, basis points (default 20)
  --arb-capital ETH    the arbitrageur's capital per trade and market, ETH (default 0.25)
  --step-delay MS      wall-clock pause after each step (default ${stepDelay})
  --report DIR         write the report into DIR: series.csv, summary.json, report.html, charts/*.png
`;
}

/** The parsed values of {@link SIMULATION_FLAGS}. */
export type SimulationValues = { [K in keyof typeof SIMULATION_FLAGS]?: string };

/** Checks one number: the value, or `fallback` when the flag is absent; throws `fail(message)` when bad. */
export function numberFlag(
  fail: (message: string) => Error,
  name: string,
  text: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || !check(value)) {
    throw fail(`--${name} must be ${what}, got "${text}"`);
  }
  return value;
}

export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (n: number) =>
    Number.isInteger(n) && n >= min && n <= max;

/** The regime named by `--regime`. */
function regimeFlag(fail: (message: string) => Error, text: string | undefined): RegimeName {
  if (text === undefined) return "normal";
  const found = REGIME_NAMES.find((r) => r === text);
  if (found === undefined) throw fail(`--regime must be one of ${REGIME_NAMES.join(", ")}, got "${text}"`);
  return found;
}

/**
 * The simulation's settings from parsed values.
 *
 * @param fail Makes the caller's error from a one-line message.
 * @param stepDelay The default of `--step-delay`.
 */
export function parseSimulationFlags(
  v: SimulationValues,
  fail: (message: string) => Error,
  stepDelay: number,
): SimulationFlags {
  const n = (name: keyof SimulationValues, fallback: number, check: (x: number) => boolean, what: string) =>
    numberFlag(fail, name, v[name], fallback, check, what);
  const regime = regimeFlag(fail, v.regime);
  if (regime === "mixed" && v.vol !== undefined) throw fail("--vol does not apply to --regime mixed");
  if (v.report !== undefined && v.report.trim() === "") throw fail("--report must name a folder");
  return {
    seed: n("seed", 1, integer(0, 2 ** 32 - 1), "an integer ≥ 0 (at most 2^32 - 1)"),
    steps: n("steps", 48, integer(1, 100_000), "a whole number of steps ≥ 1 (at most 100000)"),
    regime,
    vol: n(
      "vol",
      regime === "calm" ? 0.4 : regime === "stressed" ? 1.5 : 0.8,
      (x) => x > 0 && x <= 5,
      "a volatility > 0 (at most 5)",
    ),
    volGiven: v.vol !== undefined,
    dt: n("dt", 3600, integer(1, 365 * 86_400), "a whole number of seconds ≥ 1 (at most a year)"),
    targetVol: n("target-vol", 0.8, (x) => x >= 0.05 && x <= 5, "a volatility ≥ 0.05 (at most 5)"),
    arbCostRate: n("arb-cost", 20, (x) => x >= 0 && x <= 10_000, "basis points ≥ 0 (at most 10000)") / 10_000,
    arbCapitalEth: n("arb-capital", 0.25, (x) => x > 0 && x <= 1e6, "an amount of ETH > 0 (at most 1000000)"),
    stepDelayMs: n("step-delay", stepDelay, integer(0, 60_000), "milliseconds ≥ 0 (at most 60000)"),
    report: v.report === undefined ? undefined : path.resolve(v.report),
  };
}
