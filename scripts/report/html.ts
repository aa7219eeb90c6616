/**
 * The simulation report as one self-contained HTML page: the run's settings, the summary table (per market:
 * tracking error, funding paid vs what a mark at fair value pays, trades, liquidations, bad debt) and four uPlot
 * charts per market (`charts.ts`), with uPlot's script and stylesheet and the data inlined: it opens offline.
 *
 * @module
 */
import { formatEther } from "ethers";

import { usd } from "../../tasks/format.js";
import type { MarketSimulationSummary, SimulationSummary } from "../devnet/simulate.js";
import { CHART_SCRIPT, chartId, CHARTS, chartsForPage, uplotAssets, type MarketSeries } from "./charts.js";

/** What the page shows besides the series and the summary. */
export interface ReportMeta {
  /** "in-process Hardhat chain" or the devnet's RPC URL. */
  chain: string;
  dt: number;
  targetVol: number;
  arbCostRate: number;
  arbCapitalEth: number;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);

/** JSON safe inside a `<script>` element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

const pct = (x: number, digits = 3) => `${(x * 100).toFixed(digits)}%`;

/** The funding cells: paid, expected, ratio. */
function fundingCells(m: MarketSimulationSummary): string[] {
  const f = m.funding;
  const value = (x: number) => (m.option ? `$${x.toFixed(4)}` : pct(x, 4));
  return [value(f.paid), value(f.expected), f.ratio === null ? "n/a" : f.ratio.toFixed(3)];
}

/** One market's row of the summary table. */
function summaryRow(m: MarketSimulationSummary): string {
  const t = m.trackingError;
  const cells = [
    `${m.marketId} ${m.name}`,
    m.product,
    pct(t.rms),
    pct(t.max),
    pct(t.mean),
    `${Number(formatEther(m.nfStart)).toFixed(6)} → ${Number(formatEther(m.nfEnd)).toFixed(6)}`,
    ...fundingCells(m),
    m.option ? "USD per unit of claim; expected W/T" : "ln NF; expected n(n−1)σ*²/2·t",
    `${m.trades} (${m.capitalLimitedTrades} capital-limited)`,
    String(m.liquidations),
    Number(formatEther(m.badDebt)).toFixed(4),
  ];
  return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`;
}

const HEADERS = [
  "market",
  "product",
  "tracking rms",
  "tracking max",
  "tracking mean",
  "NF",
  "funding paid",
  "at fair value",
  "paid / expected",
  "unit",
  "arbitrage trades",
  "liquidations",
  "bad debt (tokens)",
];

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
td:first-child, td:nth-child(2), th { text-align: left; }
td:first-child, td:nth-child(2), td:nth-child(6) { white-space: nowrap; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { background: #fff; padding: 4px; }
.settings { color: #555; font-size: 13px; }
`;

/** The whole page. */
export function reportHtml(summary: SimulationSummary, series: MarketSeries[], meta: ReportMeta): string {
  const { script, css } = uplotAssets();
  const days = (summary.elapsedSeconds / 86_400).toFixed(2);
  const settings =
    `${summary.steps} steps of ${meta.dt} s (${days} days), regime ${summary.regime}, seed ${summary.seed}, ` +
    `target implied volatility ${meta.targetVol}, arbitrageur cost ${pct(meta.arbCostRate, 2)} beyond the pool fee, ` +
    `capital ${meta.arbCapitalEth} ETH per trade and market; ETH ${usd(summary.ethStart)} → ` +
    `${usd(summary.ethEnd)}; liquidations: ${summary.liquidations}; ${meta.chain}`;
  const sections = series.map(
    (m) =>
      `<h2>${escapeHtml(`${m.market} (${m.product})`)}</h2>\n<div class="charts">` +
      CHARTS.map((c) => `<div class="chart" id="${chartId(m.market, c.kind)}"></div>`).join("") +
      `</div>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Evergamma simulation report</title>
<style>${css}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>Evergamma simulation report</h1>
<p class="settings">${escapeHtml(settings)}</p>
<table id="summary">
<thead><tr>${HEADERS.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>
<tbody>${summary.markets.map(summaryRow).join("\n")}</tbody>
</table>
${sections.join("\n")}
<script>${script}</script>
<script>window.__series = ${scriptJson(series)}; window.__charts = ${chartsForPage()};</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}
