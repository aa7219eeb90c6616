/**
 * The simulation's time series as CSV, one long-format file (`series.csv`): a row per market per recorded step.
 * Amounts read from the chain are written exactly (WAD values as decimals, `formatEther`), so a row can be compared
 * with the lens at its block.
 *
 * @module
 */
import { formatEther } from "ethers";

import type { SimulationRow } from "../devnet/simulate.js";

/** The columns, in order, with how each is written. */
const COLUMNS: readonly [string, (r: SimulationRow) => string][] = [
  ["step", (r) => String(r.step)],
  ["block", (r) => String(r.block)],
  ["timestamp", (r) => String(r.timestamp)],
  ["regime", (r) => r.regime],
  ["market_id", (r) => String(r.marketId)],
  ["market", (r) => r.market],
  ["eth_price", (r) => formatEther(r.ethPrice)],
  ["index", (r) => formatEther(r.index)],
  ["mark", (r) => formatEther(r.mark)],
  ["fair_value", (r) => formatEther(r.fair)],
  ["normalization_factor", (r) => formatEther(r.normalizationFactor)],
  ["funding_rate_per_day", (r) => formatEther(r.fundingRatePerDay)],
  ["implied_volatility", (r) => formatEther(r.impliedVolatility)],
  ["pool_price_eth", (r) => String(r.poolPrice)],
  ["fair_price_eth", (r) => formatEther(r.fairEthPerToken)],
  ["trade", (r) => r.trade],
  ["trade_eth", (r) => String(r.tradeEth)],
  ["capital_limited", (r) => String(r.capitalLimited)],
  ["unsafe_vaults", (r) => String(r.unsafeVaults)],
  ["liquidations", (r) => String(r.liquidations)],
  ["total_bad_debt", (r) => formatEther(r.totalBadDebt)],
];

/** The header line's column names. */
export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

/** The CSV text: a header line, then a line per row (no field needs quoting: names are plain words). */
export function seriesCsv(rows: readonly SimulationRow[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows) lines.push(COLUMNS.map(([, write]) => write(r)).join(","));
  return `${lines.join("\n")}\n`;
}

/** Parses a CSV written by {@link seriesCsv} into records by column name. */
export function parseSeriesCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split("\n");
  const names = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], v])));
}
