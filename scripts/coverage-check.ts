/**
 * Coverage gate over the production contracts (everything under contracts/ except contracts/mocks/ and test
 * helpers). Run it after `hardhat test --coverage`; it prints a per-file table and exits with status 1 unless both
 * the aggregate line coverage and the aggregate statement coverage reach the threshold (95% by default).
 *
 * Usage:
 *   npx hardhat test --coverage && node --import tsx scripts/coverage-check.ts [--threshold 95] [--coverage dir]
 *
 * Lines come from the LCOV report (coverage/lcov.info, DA records). LCOV has no statement records, so statements
 * are counted from the raw run data: Hardhat tags each statement through EDR's instrumenter, and the test runners
 * save the tags they executed under coverage/data/<runner>/*.json. Instrumenting the same source with the same
 * instrumenter gives the same tags, so a file's statements are its tags and its hit statements are the tags
 * present in the data.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

import { addStatementCoverageInstrumentation, latestSupportedSolidityVersion } from "@nomicfoundation/edr";

/** Coverage of one source file. */
export interface FileCoverage {
  file: string;
  linesFound: number;
  linesHit: number;
  statementsFound: number;
  statementsHit: number;
}

/** Line coverage of one source file, as an LCOV report states it. */
export type LineCoverage = Pick<FileCoverage, "file" | "linesFound" | "linesHit">;

/** Parses LCOV text into one line-coverage record per source file (several records of one file are merged). */
export function parseLcov(text: string, root: string = process.cwd()): LineCoverage[] {
  const byFile = new Map<string, Map<number, number>>();
  let current: Map<number, number> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("SF:")) {
      const path = line.slice(3);
      const file = (isAbsolute(path) ? relative(root, path) : path).split(sep).join("/");
      current = byFile.get(file) ?? new Map<number, number>();
      byFile.set(file, current);
    } else if (line.startsWith("DA:") && current !== undefined) {
      const [lineNo, hits] = line.slice(3).split(",").map(Number);
      current.set(lineNo, (current.get(lineNo) ?? 0) + hits);
    } else if (line === "end_of_record") current = undefined;
  }
  return [...byFile.entries()]
    .map(([file, lines]) => ({
      file,
      linesFound: lines.size,
      linesHit: [...lines.values()].filter((hits) => hits > 0).length,
    }))
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** Every statement tag (hex) that any test runner recorded under `<coverageDir>/data`. */
export function readExecutedTags(coverageDir: string): Set<string> {
  const tags = new Set<string>();
  const dataDir = join(coverageDir, "data");
  if (!existsSync(dataDir)) return tags;
  for (const runner of readdirSync(dataDir, { withFileTypes: true })) {
    if (!runner.isDirectory()) continue;
    for (const file of readdirSync(join(dataDir, runner.name))) {
      if (!file.endsWith(".json")) continue;
      const counts = JSON.parse(readFileSync(join(dataDir, runner.name, file), "utf8")) as Record<
        string,
        number
      >;
      for (const [tag, count] of Object.entries(counts)) if (count > 0) tags.add(tag);
    }
  }
  return tags;
}

/** The compiler version the project builds with: the npm `solc` package's (see hardhat.config.ts). */
function projectSolcVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("solc/package.json") as { version: string }).version;
}

/**
 * Statements of a project source and how many of them ran, by instrumenting it as Hardhat does (source name
 * `project/<file>`, the compiler's version capped to the newest one EDR's parser knows).
 */
export function statementCoverage(
  file: string,
  content: string,
  executedTags: ReadonlySet<string>,
  solcVersion: string = projectSolcVersion(),
): { statementsFound: number; statementsHit: number } {
  const latest = latestSupportedSolidityVersion();
  const version = compareVersions(solcVersion, latest) <= 0 ? solcVersion : latest;
  const { metadata } = addStatementCoverageInstrumentation(content, `project/${file}`, version);
  const tags = metadata.filter((m) => m.kind === "statement").map((m) => Buffer.from(m.tag).toString("hex"));
  return { statementsFound: tags.length, statementsHit: tags.filter((tag) => executedTags.has(tag)).length };
}

function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** Production contracts: under contracts/, not mocks, not test helpers. */
export function isProductionContract(file: string): boolean {
  const normalized = file.replace(/^\.\//, "").replace(/^project\//, "");
  return (
    normalized.startsWith("contracts/") &&
    !normalized.startsWith("contracts/mocks/") &&
    !normalized.startsWith("contracts/test/") &&
    !normalized.endsWith(".t.sol")
  );
}

function percent(hit: number, found: number): string {
  return found === 0 ? "    - " : `${((100 * hit) / found).toFixed(1).padStart(5)}%`;
}

/** The table and the aggregate line and statement coverage of the production contracts among `records`. */
export function summarize(records: FileCoverage[]): {
  table: string;
  lineRatio: number;
  statementRatio: number;
} {
  const rows = records.filter((r) => isProductionContract(r.file));
  const width = Math.max(40, ...rows.map((r) => r.file.length));
  const cells = (name: string, lh: number, lf: number, sh: number, sf: number) =>
    `${name.padEnd(width)}  ${`${lh}/${lf}`.padStart(11)}  ${percent(lh, lf)}  ${`${sh}/${sf}`.padStart(11)}  ${percent(sh, sf)}`;
  const header = `${"file".padEnd(width)}  ${"lines".padStart(11)}  ${"".padStart(6)}  ${"statements".padStart(11)}  ${"".padStart(6)}`;
  const out = [header, "-".repeat(header.length)];
  let [lf, lh, sf, sh] = [0, 0, 0, 0];
  for (const r of rows) {
    out.push(cells(r.file, r.linesHit, r.linesFound, r.statementsHit, r.statementsFound));
    lf += r.linesFound;
    lh += r.linesHit;
    sf += r.statementsFound;
    sh += r.statementsHit;
  }
  out.push("-".repeat(header.length), cells("total", lh, lf, sh, sf));
  return { table: out.join("\n"), lineRatio: lf === 0 ? 0 : lh / lf, statementRatio: sf === 0 ? 0 : sh / sf };
}

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i !== -1 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function main(): number {
  const threshold = Number(argument("--threshold", "95"));
  const coverageDir = resolve(argument("--coverage", "coverage"));
  const lcovPath = join(coverageDir, "lcov.info");
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
    console.error(`coverage-check: invalid --threshold ${argument("--threshold", "")}`);
    return 1;
  }
  if (!existsSync(lcovPath)) {
    console.error(
      `coverage-check: ${relative(process.cwd(), lcovPath)} not found; run "npx hardhat test --coverage" first`,
    );
    return 1;
  }
  const executedTags = readExecutedTags(coverageDir);
  const records: FileCoverage[] = parseLcov(readFileSync(lcovPath, "utf8"))
    .filter((r) => isProductionContract(r.file))
    .map((r) => ({ ...r, ...statementCoverage(r.file, readFileSync(r.file, "utf8"), executedTags) }));
  if (records.length === 0) {
    console.error("coverage-check: the report covers no file under contracts/ (outside contracts/mocks/)");
    return 1;
  }
  const { table, lineRatio, statementRatio } = summarize(records);
  console.log(table);
  const figures = `lines ${(100 * lineRatio).toFixed(2)}%, statements ${(100 * statementRatio).toFixed(2)}%`;
  if (100 * lineRatio < threshold || 100 * statementRatio < threshold) {
    console.error(
      `coverage-check: FAILED: contracts/ without mocks: ${figures}; the gate is ${threshold}% for both`,
    );
    return 1;
  }
  console.log(`coverage-check: OK: contracts/ without mocks: ${figures} (gate ${threshold}%)`);
  return 0;
}

if (
  process.argv[1] !== undefined &&
  resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)
) {
  process.exitCode = main();
}
