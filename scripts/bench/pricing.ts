/**
 * Gas benchmark of the everlasting-option / power-perpetual pricing library.
 *
 * Measures the marginal in-contract gas of each `EverlastingMath` function with `PricingGasHarness` (gasleft()
 * before and after an internal call, minus an empty measurement) over fixed grids, prints a table and writes
 * bench/pricing.json. Run with `npm run bench:pricing`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import hre, { network } from "hardhat";

const WAD = 10n ** 18n;
const HOUR = 3600n;
const DAY = 24n * HOUR;
const YEAR = 365n * DAY;

/** A decimal string such as "0.05" as an 18-decimal bigint. */
function wad(value: string): bigint {
  const [whole, fraction = ""] = value.split(".");
  return BigInt(whole) * WAD + BigInt((fraction + "0".repeat(18)).slice(0, 18));
}

/** Multiplies an 18-decimal value by a decimal string ratio. */
function scale(x: bigint, ratio: string): bigint {
  return (x * wad(ratio)) / WAD;
}

interface OptionCase {
  spot: bigint;
  strike: bigint;
  volatility: bigint;
  period: bigint;
}

function optionGrid(strikes: string[], ratios: string[], vols: string[], periods: bigint[]): OptionCase[] {
  const cases: OptionCase[] = [];
  for (const k of strikes)
    for (const r of ratios)
      for (const v of vols)
        for (const t of periods) {
          const strike = wad(k);
          cases.push({ spot: scale(strike, r), strike, volatility: wad(v), period: t });
        }
  return cases;
}

const PERIODS = [HOUR, 8n * HOUR, DAY, 7n * DAY, 30n * DAY, YEAR];

/** The target-domain grid of the research note (924 cases), for comparison with its anchor figures. */
const RESEARCH_GRID = optionGrid(
  ["1", "1000"],
  ["0.2", "0.5", "0.8", "0.95", "0.99", "1", "1.01", "1.05", "1.25", "2", "5"],
  ["0.05", "0.1", "0.3", "0.6", "1", "1.5", "3"],
  PERIODS,
);

/** The accuracy domain: spot/strike 0.01 to 100, volatility 5% to 500%, period 1 hour to 1 year. */
const DOMAIN_GRID = optionGrid(
  ["0.01", "1", "100"],
  ["0.01", "0.1", "0.5", "0.9", "0.99", "1", "1.01", "1.1", "2", "10", "100"],
  ["0.05", "0.2", "0.5", "1", "2", "5"],
  PERIODS,
);

const FUNCTION_IDS = {
  callPrice: 0,
  putPrice: 1,
  timeValue: 2,
  callDelta: 3,
  putDelta: 4,
  gamma: 5,
  vega: 6,
  powerPerpFairPrice: 7,
  powerPerpImpliedVolatility: 8,
  fundingRate: 9,
  impliedVolatilityCall: 10,
  impliedVolatilityPut: 11,
} as const;
type FunctionName = keyof typeof FUNCTION_IDS;

interface Summary {
  cases: number;
  average: number;
  worst: number;
  best: number;
}

const { ethers } = await network.getOrCreate();
const harness = await ethers.deployContract("PricingGasHarness");

const CHUNK = 200;

async function measure(name: FunctionName, args: bigint[][]): Promise<{ gas: bigint[]; results: bigint[] }> {
  const gas: bigint[] = [];
  const results: bigint[] = [];
  for (let start = 0; start < args.length; start += CHUNK) {
    const chunk = args.slice(start, start + CHUNK);
    const columns = [0, 1, 2, 3].map((i) => chunk.map((row) => row[i] ?? 0n));
    const [g, r] = (await harness.measureBatch(
      FUNCTION_IDS[name],
      columns[0],
      columns[1],
      columns[2],
      columns[3],
    )) as [bigint[], bigint[]];
    gas.push(...g);
    results.push(...r);
  }
  return { gas, results };
}

function summarise(gas: bigint[]): Summary {
  const values = gas.map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  return {
    cases: values.length,
    average: Math.round(total / values.length),
    worst: Math.max(...values),
    best: Math.min(...values),
  };
}

async function optionFunctions(grid: OptionCase[]): Promise<Record<string, Summary>> {
  const args = grid.map((c) => [c.spot, c.strike, c.volatility, c.period]);
  const out: Record<string, Summary> = {};
  const names: FunctionName[] = [
    "callPrice",
    "putPrice",
    "timeValue",
    "callDelta",
    "putDelta",
    "gamma",
    "vega",
  ];
  let calls: bigint[] = [];
  let puts: bigint[] = [];
  for (const name of names) {
    const { gas, results } = await measure(name, args);
    out[name] = summarise(gas);
    if (name === "callPrice") calls = results;
    if (name === "putPrice") puts = results;
  }
  // Implied volatility of the grid's own prices, where they are strictly inside the no-arbitrage bounds.
  const ivCall: bigint[][] = [];
  const ivPut: bigint[][] = [];
  grid.forEach((c, i) => {
    const callIntrinsic = c.spot > c.strike ? c.spot - c.strike : 0n;
    const putIntrinsic = c.strike > c.spot ? c.strike - c.spot : 0n;
    if (calls[i] > callIntrinsic && calls[i] < c.spot) ivCall.push([calls[i], c.spot, c.strike, c.period]);
    if (puts[i] > putIntrinsic && puts[i] < c.strike) ivPut.push([puts[i], c.spot, c.strike, c.period]);
  });
  out.impliedVolatilityCall = summarise((await measure("impliedVolatilityCall", ivCall)).gas);
  out.impliedVolatilityPut = summarise((await measure("impliedVolatilityPut", ivPut)).gas);
  return out;
}

async function powerFunctions(): Promise<Record<string, Summary>> {
  const fair: bigint[][] = [];
  for (const s of ["0.01", "1", "3000", "100000"])
    for (const n of ["0.5", "2", "3", "4"])
      for (const v of ["0.05", "0.5", "1", "3"])
        for (const t of PERIODS) fair.push([wad(s), wad(n), wad(v), t]);
  const fairRun = await measure("powerPerpFairPrice", fair);
  const iv: bigint[][] = [];
  fair.forEach((row, i) => {
    const spot = row[0];
    const power = row[1];
    const index = power === wad("2") ? (spot * spot) / WAD : undefined;
    if (index !== undefined && index > 0n && fairRun.results[i] > index)
      iv.push([fairRun.results[i], index, power, row[3]]);
  });
  const funding: bigint[][] = [];
  for (const mark of ["0", "1", "55.51", "3000"])
    for (const payoff of ["0", "2", "3000"])
      for (const t of PERIODS) funding.push([wad(mark), wad(payoff), t, 0n]);
  return {
    powerPerpFairPrice: summarise(fairRun.gas),
    powerPerpImpliedVolatility: summarise((await measure("powerPerpImpliedVolatility", iv)).gas),
    fundingRate: summarise((await measure("fundingRate", funding)).gas),
  };
}

const researchGrid = await optionFunctions(RESEARCH_GRID);
const domainGrid = await optionFunctions(DOMAIN_GRID);
const power = await powerFunctions();

const rows: [string, Summary, Summary | undefined][] = Object.keys(domainGrid).map((name) => [
  name,
  domainGrid[name],
  researchGrid[name],
]);
for (const [name, s] of Object.entries(power)) rows.push([name, s, undefined]);

/** The compiler settings the harness was built with, read from the resolved Hardhat config. */
function compilerSettings(): { solc: string; optimizer: unknown; viaIR: boolean; evmVersion: string } {
  const compiler = hre.config.solidity.profiles.default.compilers[0];
  const settings = compiler.settings as { optimizer?: unknown; viaIR?: boolean; evmVersion?: string };
  return {
    solc: compiler.version,
    optimizer: settings.optimizer ?? { enabled: false },
    viaIR: settings.viaIR === true,
    evmVersion: settings.evmVersion ?? "default",
  };
}
const compiler = compilerSettings();
const optimizerText = JSON.stringify(compiler.optimizer);

const pad = (s: string | number, n: number): string => String(s).padStart(n);
console.log(
  `\nEverlastingMath marginal gas (solc ${compiler.solc}, optimizer ${optimizerText}, ` +
    `${compiler.viaIR ? "via-IR" : "legacy codegen"}, ${compiler.evmVersion})\n`,
);
console.log(
  `${"function".padEnd(28)}${pad("avg", 8)}${pad("worst", 8)}${pad("best", 8)}${pad("cases", 8)}   ` +
    `${pad("avg", 8)}${pad("worst", 8)}${pad("cases", 8)}`,
);
console.log(
  `${"".padEnd(28)}${"-- domain grid --------------".padStart(32)}   ${"-- research grid -----".padStart(24)}`,
);
for (const [name, s, r] of rows) {
  console.log(
    `${name.padEnd(28)}${pad(s.average, 8)}${pad(s.worst, 8)}${pad(s.best, 8)}${pad(s.cases, 8)}   ` +
      (r === undefined ? "" : `${pad(r.average, 8)}${pad(r.worst, 8)}${pad(r.cases, 8)}`),
  );
}

const report = {
  description:
    "Marginal in-contract gas of EverlastingMath functions: gasleft() before/after an internal call inside " +
    "PricingGasHarness, minus the empty-measurement overhead (calldata, ABI decoding and call overhead excluded).",
  compiler,
  grids: {
    domain:
      "strike in {0.01, 1, 100}; spot/strike in {0.01, 0.1, 0.5, 0.9, 0.99, 1, 1.01, 1.1, 2, 10, 100}; " +
      "volatility in {5%, 20%, 50%, 100%, 200%, 500%}; period in {1h, 8h, 1d, 7d, 30d, 365d}",
    research:
      "strike in {1, 1000}; spot/strike in {0.2, 0.5, 0.8, 0.95, 0.99, 1, 1.01, 1.05, 1.25, 2, 5}; " +
      "volatility in {5%, 10%, 30%, 60%, 100%, 150%, 300%}; period in {1h, 8h, 1d, 7d, 30d, 365d}",
    power:
      "spot in {0.01, 1, 3000, 100000}; power in {0.5, 2, 3, 4}; volatility in {5%, 50%, 100%, 300%}; " +
      "same periods; implied volatility on the squared (n = 2) cases; funding on a 4 x 3 x 6 grid",
    impliedVolatility: "the grid's own call and put prices that lie strictly inside the no-arbitrage bounds",
  },
  domainGrid,
  researchGrid,
  power,
};
const out = path.join("bench", "pricing.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
console.log(`\nwrote ${out}`);
