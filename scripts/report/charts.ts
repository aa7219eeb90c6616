/**
 * The simulation report's charts, drawn by uPlot in the page: per market, mark vs index (an option's payoff) vs
 * fair value, the normalization factor, the funding rate per day and the implied volatility. This module turns
 * recorded rows into per-market series, names the charts, and holds the small browser script that draws them
 * (self-contained: uPlot's script and stylesheet are read from the npm package and inlined by the page).
 *
 * The page sets `window.__report = { ready, charts: [{ id, points }] }` once every chart is drawn, for the PNG
 * renderer and the browser tests; each chart is a `<div class="chart" id="chart-<market>-<kind>">`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import { formatEther } from "ethers";

import type { SimulationRow } from "../devnet/simulate.js";

/** One market's series, each value per recorded step. */
export interface MarketSeries {
  market: string;
  product: string;
  /** Block timestamps, seconds. */
  time: number[];
  eth: number[];
  index: number[];
  mark: number[];
  fair: number[];
  nf: number[];
  /** Funding per day and implied volatility, percent. */
  funding: number[];
  iv: number[];
}

/** A chart: its key (in the element id), title and the series it draws. */
export interface ChartSpec {
  kind: "price" | "nf" | "funding" | "iv";
  title: string;
  series: {
    field: Exclude<keyof MarketSeries, "market" | "product" | "time">;
    label: string;
    color: string;
  }[];
}

/** The four charts drawn for every market. */
export const CHARTS: readonly ChartSpec[] = [
  {
    kind: "price",
    title: "mark vs index vs fair value",
    series: [
      { field: "mark", label: "mark", color: "#d62728" },
      { field: "fair", label: "fair value", color: "#2ca02c" },
      { field: "index", label: "index / payoff", color: "#1f77b4" },
    ],
  },
  { kind: "nf", title: "normalization factor", series: [{ field: "nf", label: "NF", color: "#9467bd" }] },
  {
    kind: "funding",
    title: "funding rate per day (%)",
    series: [{ field: "funding", label: "funding/day %", color: "#ff7f0e" }],
  },
  {
    kind: "iv",
    title: "implied volatility (%)",
    series: [{ field: "iv", label: "IV %", color: "#8c564b" }],
  },
];

const num = (wad: bigint) => Number(formatEther(wad));

/** The id of a chart's element. */
export function chartId(market: string, kind: ChartSpec["kind"]): string {
  return `chart-${market.replace(/[^A-Za-z0-9_-]/g, "_")}-${kind}`;
}

/** Rows grouped into one series per market, in market-id order. */
export function marketSeries(rows: readonly SimulationRow[], products: Map<number, string>): MarketSeries[] {
  const byMarket = new Map<number, MarketSeries>();
  for (const r of rows) {
    let s = byMarket.get(r.marketId);
    if (s === undefined) {
      const product = products.get(r.marketId) ?? "";
      s = {
        market: r.market,
        product,
        time: [],
        eth: [],
        index: [],
        mark: [],
        fair: [],
        nf: [],
        funding: [],
        iv: [],
      };
      byMarket.set(r.marketId, s);
    }
    s.time.push(r.timestamp);
    s.eth.push(num(r.ethPrice));
    s.index.push(num(r.index));
    s.mark.push(num(r.mark));
    s.fair.push(num(r.fair));
    s.nf.push(num(r.normalizationFactor));
    s.funding.push(num(r.fundingRatePerDay) * 100);
    s.iv.push(num(r.impliedVolatility) * 100);
  }
  return [...byMarket.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
}

/** uPlot's browser build and stylesheet, from the npm package. */
export function uplotAssets(): { script: string; css: string } {
  const require = createRequire(import.meta.url);
  const dir = require.resolve("uplot/dist/uPlot.iife.min.js");
  return {
    script: readFileSync(dir, "utf8"),
    css: readFileSync(dir.replace(/uPlot\.iife\.min\.js$/, "uPlot.min.css"), "utf8"),
  };
}

/**
 * The page's script: draws every chart of `window.__series` with `window.__charts` into its element, then sets
 * `window.__report`. Plain ES2019 for the browser.
 */
export const CHART_SCRIPT = `
(function () {
  var drawn = [];
  var series = window.__series, charts = window.__charts;
  series.forEach(function (m) {
    charts.forEach(function (c) {
      var el = document.getElementById(c.id(m.market));
      var data = [m.time].concat(c.series.map(function (s) { return m[s.field]; }));
      var opts = {
        title: m.market + ": " + c.title,
        width: 560,
        height: 260,
        scales: { x: { time: true } },
        series: [{}].concat(c.series.map(function (s) {
          return { label: s.label, stroke: s.color, width: 2, points: { show: m.time.length < 60 } };
        })),
        axes: [{}, { size: 70 }],
        legend: { live: false },
      };
      new uPlot(opts, data, el);
      var points = m.time.length * c.series.length;
      el.setAttribute("data-points", String(points));
      drawn.push({ id: el.id, points: points });
    });
  });
  window.__report = { ready: true, charts: drawn };
})();
`;

/** The chart definitions as the page's script reads them (`id` a function of the market name). */
export function chartsForPage(): string {
  const specs = CHARTS.map(
    (c) =>
      `{ kind: ${JSON.stringify(c.kind)}, title: ${JSON.stringify(c.title)}, series: ${JSON.stringify(c.series)}, ` +
      `id: function (m) { return "chart-" + m.replace(/[^A-Za-z0-9_-]/g, "_") + "-${c.kind}"; } }`,
  );
  return `[${specs.join(",\n")}]`;
}
