/**
 * Coverage gate: reads the LCOV report that `npx hardhat test --coverage` writes (coverage/lcov.info), prints a
 * per-file table of line and function coverage for the production contracts (everything under contracts/ except
 * contracts/mocks/; test helpers are not production code) and exits with status 1 unless the aggregate line
 * coverage reaches the threshold (95% by default).
 *
 * Usage:
 *   npx hardhat test --coverage && node --import tsx scripts/coverage-check.ts [--threshold 95] [--lcov path]
 *
 * LCOV carries lines (DA, LF/LH) and functions (FN/FNDA, FNF/FNH). Hardhat 3.18's EDR coverage writes line
 * records only (no function, statement or branch data), so lines are the gated figure; functions are shown when
 * a report has them.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";

/** Coverage of one source file. */
export interface FileCoverage {
  file: string;
  linesFound: number;
  linesHit: number;
  functionsFound: number;
  functionsHit: number;
}

/** Parses LCOV text into one record per source file (several records of one file are merged). */
export function parseLcov(text: string, root: string = process.cwd()): FileCoverage[] {
  interface Accumulator {
    lines: Map<number, number>;
    functions: Map<string, number>;
    summary: FileCoverage;
  }
  const byFile = new Map<string, Accumulator>();
  let current: Accumulator | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("SF:")) {
      const path = line.slice(3);
      const file = (isAbsolute(path) ? relative(root, path) : path).split(sep).join("/");
      current = byFile.get(file);
      if (current === undefined) {
        const summary = { file, linesFound: 0, linesHit: 0, functionsFound: 0, functionsHit: 0 };
        current = { lines: new Map(), functions: new Map(), summary };
        byFile.set(file, current);
      }
      continue;
    }
    if (current === undefined) continue;
    const { lines, functions, summary } = current;
    if (line.startsWith("DA:")) {
      const [lineNo, hits] = line.slice(3).split(",").map(Number);
      lines.set(lineNo, (lines.get(lineNo) ?? 0) + hits);
    } else if (line.startsWith("FN:")) {
      const name = line.slice(line.indexOf(",") + 1);
      if (!functions.has(name)) functions.set(name, 0);
    } else if (line.startsWith("FNDA:")) {
      const comma = line.indexOf(",");
      const name = line.slice(comma + 1);
      functions.set(name, (functions.get(name) ?? 0) + Number(line.slice(5, comma)));
    } else if (line.startsWith("LF:")) summary.linesFound += Number(line.slice(3));
    else if (line.startsWith("LH:")) summary.linesHit += Number(line.slice(3));
    else if (line.startsWith("FNF:")) summary.functionsFound += Number(line.slice(4));
    else if (line.startsWith("FNH:")) summary.functionsHit += Number(line.slice(4));
    else if (line === "end_of_record") current = undefined;
  }
  // Prefer the per-line and per-function detail (exact when a file appears in several records); fall back on
  // the summary counters when a report carries none.
  return [...byFile.values()]
    .map(({ lines, functions, summary }) => ({
      file: summary.file,
      linesFound: lines.size > 0 ? lines.size : summary.linesFound,
      linesHit: lines.size > 0 ? [...lines.values()].filter((h) => h > 0).length : summary.linesHit,
      functionsFound: functions.size > 0 ? functions.size : summary.functionsFound,
      functionsHit:
        functions.size > 0 ? [...functions.values()].filter((h) => h > 0).length : summary.functionsHit,
    }))
    .sort((a, b) => a.file.localeCompare(b.file));
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

/** The table and the aggregate line coverage of the production contracts. */
export function summarize(records: FileCoverage[]): {
  table: string;
  lineRatio: number;
  functionRatio: number;
} {
  const rows = records.filter((r) => isProductionContract(r.file));
  const width = Math.max(40, ...rows.map((r) => r.file.length));
  const header = `${"file".padEnd(width)}  ${"lines".padStart(13)}  ${"".padStart(6)}  ${"functions".padStart(9)}  ${"".padStart(6)}`;
  const out = [header, "-".repeat(header.length)];
  let [lf, lh, ff, fh] = [0, 0, 0, 0];
  for (const r of rows) {
    out.push(
      `${r.file.padEnd(width)}  ${`${r.linesHit}/${r.linesFound}`.padStart(13)}  ${percent(r.linesHit, r.linesFound)}  ${`${r.functionsHit}/${r.functionsFound}`.padStart(9)}  ${percent(r.functionsHit, r.functionsFound)}`,
    );
    lf += r.linesFound;
    lh += r.linesHit;
    ff += r.functionsFound;
    fh += r.functionsHit;
  }
  out.push("-".repeat(header.length));
  out.push(
    `${"total".padEnd(width)}  ${`${lh}/${lf}`.padStart(13)}  ${percent(lh, lf)}  ${`${fh}/${ff}`.padStart(9)}  ${percent(fh, ff)}`,
  );
  return { table: out.join("\n"), lineRatio: lf === 0 ? 0 : lh / lf, functionRatio: ff === 0 ? 0 : fh / ff };
}

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i !== -1 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function main(): number {
  const threshold = Number(argument("--threshold", "95"));
  const lcovPath = resolve(argument("--lcov", "coverage/lcov.info"));
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
  const records = parseLcov(readFileSync(lcovPath, "utf8"));
  const { table, lineRatio, functionRatio } = summarize(records);
  if (!records.some((r) => isProductionContract(r.file))) {
    console.error("coverage-check: the report covers no file under contracts/ (outside contracts/mocks/)");
    return 1;
  }
  console.log(table);
  const lines = (100 * lineRatio).toFixed(2);
  const functionsReported = records.some((r) => isProductionContract(r.file) && r.functionsFound > 0);
  const functions = functionsReported ? `${(100 * functionRatio).toFixed(2)}%` : "not in the report";
  if (100 * lineRatio < threshold) {
    console.error(
      `coverage-check: FAILED: line coverage of contracts/ (without mocks) is ${lines}%, below ${threshold}% (functions: ${functions})`,
    );
    return 1;
  }
  console.log(`coverage-check: OK: line coverage ${lines}% >= ${threshold}% (functions: ${functions})`);
  return 0;
}

if (
  process.argv[1] !== undefined &&
  resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)
) {
  process.exitCode = main();
}
