/**
 * A market's status as the engine stores it (`Market.STATUS_*`) and the lens reports it (`MarketReport.status`).
 *
 * @module
 */

/** The status names, indexed by the engine's status code. */
export const MARKET_STATUSES = ["active", "paused", "shut down", "safe mode"] as const;

/** A market's status: "active", "paused", "shut down" or "safe mode" (no new debt: docs/spec.md, safe mode). */
export type MarketStatusName = (typeof MARKET_STATUSES)[number];

/** The name of the engine's status code `status` (a `uint8` of the lens's `MarketReport`). */
export function marketStatusName(status: number | bigint): MarketStatusName {
  const name = MARKET_STATUSES[Number(status)];
  if (name === undefined) throw new RangeError(`unknown market status ${status}`);
  return name;
}
