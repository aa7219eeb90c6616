/**
 * Gas benchmark of the everlasting-option / power-perpetual pricing library.
 *
 * Measures the marginal in-contract gas of each `EverlastingMath` function with `PricingGasHarness`: gasleft()
 * before and after an internal call (whose result is written to memory before the second read), minus an
 * empty measurement, over fixed grids. It prints a table and writes bench/pricing.json.
 *
 * Two builds of the harness are measured:
 *   - "project": the Hardhat artifact, i.e. the compiler settings of hardhat.config.ts;
 *   - "legacy-1000": the same sources compiled here with solc-js, legacy code generation, optimizer 1000 runs,
 *     cancun (the settings the pricing issue was written against).
 * Run with `npm run bench:pricing`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import type { Contract } from "ethers";
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

/** The accuracy domain: spot/strike 0.01 to 100, volatility 5% to 500%, period 1 hour to 1 year. */
const DOMAIN_GRID = optionGrid(
  ["0.01", "1", "100"],
  ["0.01", "0.1", "0.5", "0.9", "0.99", "1", "1.01", "1.1", "2", "10", "100"],
  ["0.05", "0.2", "0.5", "1", "2", "5"],
  PERIODS,
);

/** The target-domain grid of the research note (924 cases), for comparison with its anchor figures. */
const RESEARCH_GRID = optionGrid(
  ["1", "1000"],
  ["0.2", "0.5", "0.8", "0.95", "0.99", "1", "1.01", "1.05", "1.25", "2", "5"],
  ["0.05", "0.1", "0.3", "0.6", "1", "1.5", "3"],
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

interface CompilerSettings {
  solc: string;
  optimizer: unknown;
  viaIR: boolean;
  evmVersion: string;
}

/** The settings of the project's default build profile. */
function projectSettings(): CompilerSettings {
  const compiler = hre.config.solidity.profiles.default.compilers[0];
  const settings = compiler.settings as { optimizer?: unknown; viaIR?: boolean; evmVersion?: string };
  return {
    solc: compiler.version,
    optimizer: settings.optimizer ?? { enabled: false },
    viaIR: settings.viaIR === true,
    evmVersion: settings.evmVersion ?? "default",
  };
}

const LEGACY_SETTINGS: CompilerSettings = {
  solc: "0.8.30",
  optimizer: { enabled: true, runs: 1000 },
  viaIR: false,
  evmVersion: "cancun",
};

const HARNESS_SOURCE = "contracts/mocks/PricingGasHarness.sol";

/** Compiles the harness with solc-js (the project's npm `solc`, 0.8.30) and the given settings. */
function compileHarness(settings: CompilerSettings): { abi: unknown[]; bytecode: string } {
  const require = createRequire(import.meta.url);
  const solc = require("solc") as { compile(input: string, callbacks: object): string };
  const root = process.cwd();
  const findImports = (unit: string): { contents: string } | { error: string } => {
    for (const candidate of [path.join(root, unit), path.join(root, "node_modules", unit)]) {
      if (existsSync(candidate)) return { contents: readFileSync(candidate, "utf8") };
    }
    return { error: `not found: ${unit}` };
  };
  const input = {
    language: "Solidity",
    sources: { [HARNESS_SOURCE]: { content: readFileSync(path.join(root, HARNESS_SOURCE), "utf8") } },
    settings: {
      evmVersion: settings.evmVersion,
      viaIR: settings.viaIR,
      optimizer: settings.optimizer,
      outputSelection: { [HARNESS_SOURCE]: { PricingGasHarness: ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const contract = output.contracts[HARNESS_SOURCE].PricingGasHarness;
  return { abi: contract.abi, bytecode: "0x" + contract.evm.bytecode.object };
}

const { ethers } = await network.getOrCreate();

const CHUNK = 200;

async function measure(
  harness: Contract,
  name: FunctionName,
  args: bigint[][],
): Promise<{ gas: bigint[]; results: bigint[] }> {
  const gas: bigint[] = [];
  const results: bigint[] = [];
  for (let start = 0; start < args.length; start += CHUNK) {
    const chunk = args.slice(start, start + CHUNK);
    const columns = [0, 1, 2, 3].map((i) => chunk.map((row) => row[i] ?? 0n));
    const [g, r] = (await harness
      .getFunction("measureBatch")
      .staticCall(FUNCTION_IDS[name], columns[0], columns[1], columns[2], columns[3])) as [
      bigint[],
      bigint[],
    ];
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

async function optionFunctions(harness: Contract, grid: OptionCase[]): Promise<Record<string, Summary>> {
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
    const { gas, results } = await measure(harness, name, args);
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
  out.impliedVolatilityCall = summarise((await measure(harness, "impliedVolatilityCall", ivCall)).gas);
  out.impliedVolatilityPut = summarise((await measure(harness, "impliedVolatilityPut", ivPut)).gas);
  return out;
}

async function powerFunctions(harness: Contract): Promise<Record<string, Summary>> {
  const fair: bigint[][] = [];
  for (const s of ["0.01", "1", "3000", "100000"])
    for (const n of ["0.5", "2", "3", "4"])
      for (const v of ["0.05", "0.5", "1", "3"])
        for (const t of PERIODS) fair.push([wad(s), wad(n), wad(v), t]);
  const fairRun = await measure(harness, "powerPerpFairPrice", fair);
  const iv: bigint[][] = [];
  fair.forEach((row, i) => {
    const [spot, power, , period] = row;
    const index = power === wad("2") ? (spot * spot) / WAD : 0n;
    if (index > 0n && fairRun.results[i] > index) iv.push([fairRun.results[i], index, power, period]);
  });
  const funding: bigint[][] = [];
  for (const mark of ["0", "1", "55.51", "3000"])
    for (const payoff of ["0", "2", "3000"])
      for (const t of PERIODS) funding.push([wad(mark), wad(payoff), t, 0n]);
  return {
    powerPerpFairPrice: summarise(fairRun.gas),
    powerPerpImpliedVolatility: summarise((await measure(harness, "powerPerpImpliedVolatility", iv)).gas),
    fundingRate: summarise((await measure(harness, "fundingRate", funding)).gas),
  };
}

interface BuildReport {
  compiler: CompilerSettings;
  domainGrid: Record<string, Summary>;
  researchGrid: Record<string, Summary>;
  power: Record<string, Summary>;
}

async function run(harness: Contract, compiler: CompilerSettings): Promise<BuildReport> {
  return {
    compiler,
    domainGrid: await optionFunctions(harness, DOMAIN_GRID),
    researchGrid: await optionFunctions(harness, RESEARCH_GRID),
    power: await powerFunctions(harness),
  };
}

function describeSettings(c: CompilerSettings): string {
  return `solc ${c.solc}, optimizer ${JSON.stringify(c.optimizer)}, ${c.viaIR ? "via-IR" : "legacy"}, ${c.evmVersion}`;
}

function printTable(title: string, report: BuildReport): void {
  const pad = (s: string | number, n: number): string => String(s).padStart(n);
  console.log(`\n${title}: ${describeSettings(report.compiler)}`);
  console.log(
    `${"function".padEnd(28)}${pad("avg", 7)}${pad("worst", 7)}${pad("best", 7)}${pad("cases", 7)}` +
      `   ${pad("avg", 7)}${pad("worst", 7)}${pad("cases", 7)}`,
  );
  console.log(
    `${"".padEnd(28)}${"--- domain grid -----------".padStart(28)}   ${"--- research grid ---".padStart(21)}`,
  );
  const rows: [string, Summary, Summary | undefined][] = Object.keys(report.domainGrid).map((name) => [
    name,
    report.domainGrid[name],
    report.researchGrid[name],
  ]);
  for (const [name, s] of Object.entries(report.power)) rows.push([name, s, undefined]);
  for (const [name, s, r] of rows) {
    console.log(
      `${name.padEnd(28)}${pad(s.average, 7)}${pad(s.worst, 7)}${pad(s.best, 7)}${pad(s.cases, 7)}   ` +
        (r === undefined ? "" : `${pad(r.average, 7)}${pad(r.worst, 7)}${pad(r.cases, 7)}`),
    );
  }
}

const projectHarness = (await ethers.deployContract("PricingGasHarness")) as unknown as Contract;
const project = await run(projectHarness, projectSettings());

const legacyBuild = compileHarness(LEGACY_SETTINGS);
const [signer] = await ethers.getSigners();
const legacyFactory = new ethers.ContractFactory(legacyBuild.abi as never[], legacyBuild.bytecode, signer);
const legacyHarness = (await legacyFactory.deploy()) as unknown as Contract;
await legacyHarness.waitForDeployment();
const legacy = await run(legacyHarness, LEGACY_SETTINGS);

console.log("\nEverlastingMath marginal in-contract gas per call (PricingGasHarness)");
printTable("project build", project);
printTable("issue settings", legacy);

const report = {
  description:
    "Marginal in-contract gas of EverlastingMath functions: gasleft() before and after an internal call inside " +
    "PricingGasHarness (result written to memory before the second read), minus the same empty measurement. " +
    "Calldata, ABI decoding and the external call are excluded.",
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
  builds: { project, legacy1000: legacy },
};
const out = path.join("bench", "pricing.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
console.log(`\nwrote ${out}`);
