/**
 * Writes the simulation report into a folder:
 *
 * - `series.csv`: every market's readings after every step (`csv.ts`);
 * - `summary.json`: the summary (amounts in wei and token units as decimal strings);
 * - `report.html`: the self-contained page with the summary table and the charts (`html.ts`);
 * - `charts/<market>-<kind>.png`: each chart, rendered by headless Chromium (`scripts/lib/browser.ts`).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import type { SimulationResult, SimulationSummary } from "../devnet/simulate.js";
import { launchBrowser } from "../lib/browser.js";
import { marketSeries } from "./charts.js";
import { seriesCsv } from "./csv.js";
import { reportHtml, type ReportMeta } from "./html.js";

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  csv: string;
  summary: string;
  html: string;
  pngs: string[];
  /** Console errors and page errors seen while rendering (none expected). */
  pageErrors: string[];
}

/** The summary as JSON, bigints as decimal strings. */
export function summaryJson(summary: SimulationSummary): string {
  return `${JSON.stringify(summary, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}

/** Opens the page in headless Chromium and screenshots each chart into `dir`. */
export async function renderCharts(
  html: string,
  dir: string,
): Promise<{ pngs: string[]; pageErrors: string[] }> {
  mkdirSync(dir, { recursive: true });
  const browser = await launchBrowser();
  const pageErrors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
    page.on("pageerror", (e) => pageErrors.push(e instanceof Error ? e.message : String(e)));
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
    await page.waitForFunction("window.__report !== undefined && window.__report.ready === true", undefined, {
      timeout: 20_000,
    });
    const pngs: string[] = [];
    for (const el of await page.$$(".chart")) {
      const id = await el.evaluate((e) => e.id);
      const file = path.join(dir, `${id.replace(/^chart-/, "")}.png`);
      await el.screenshot({ path: file as `${string}.png` });
      pngs.push(file);
    }
    return { pngs, pageErrors };
  } finally {
    await browser.close();
  }
}

/** Writes the CSV, the summary, the page and (with `png`) the charts' PNGs into `dir`. */
export async function writeReport(
  dir: string,
  result: SimulationResult,
  meta: ReportMeta,
  products: Map<number, string>,
  png = true,
): Promise<WrittenReport> {
  mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, "series.csv");
  const summary = path.join(dir, "summary.json");
  const html = path.join(dir, "report.html");
  writeFileSync(csv, seriesCsv(result.rows));
  writeFileSync(summary, summaryJson(result.summary));
  writeFileSync(html, reportHtml(result.summary, marketSeries(result.rows, products), meta));
  if (!png) return { csv, summary, html, pngs: [], pageErrors: [] };
  const rendered = await renderCharts(html, path.join(dir, "charts"));
  return { csv, summary, html, ...rendered };
}
