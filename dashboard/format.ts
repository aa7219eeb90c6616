/**
 * Number formatting of the dashboard: every on-chain quantity is a bigint in wei or WAD (1e18 = 1); these helpers
 * turn it into what the page shows (USD with cents, percentages, ETH). DOM-free, so the browser tests format a lens
 * value read directly exactly as the page does.
 *
 * @module
 */
export const WAD = 10n ** 18n;

/** The largest uint256: the lens's "infinite" ratio (no debt) or liquidation price (never unsafe). */
export const MAX_UINT256 = 2n ** 256n - 1n;

/** A WAD amount as a JavaScript number (enough for charts and display). */
export function toNumber(value: bigint): number {
  const whole = value / WAD;
  const fraction = value % WAD;
  return Number(whole) + Number(fraction) / 1e18;
}

/** A number with thousands separators and exactly `decimals` decimals ("1,234.50"). */
export function decimal(value: number, decimals = 2): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A WAD amount with `decimals` decimals. */
export function wad(value: bigint, decimals = 2): string {
  return decimal(toNumber(value), decimals);
}

/** A WAD USD amount: "$3,000.00". */
export function usd(value: bigint): string {
  const sign = value < 0n ? "-" : "";
  return `${sign}$${wad(value < 0n ? -value : value, 2)}`;
}

/** A WAD fraction as a percentage: 0.0175e18 → "1.7500%" with `decimals` = 4. */
export function percent(value: bigint, decimals = 2): string {
  return `${decimal(toNumber(value) * 100, decimals)}%`;
}

/** The normalization factor, 8 significant decimals. */
export function normalizationFactor(value: bigint): string {
  return toNumber(value).toFixed(8);
}

/** A collateral ratio: "222.22%", or "∞" without debt. */
export function ratio(value: bigint): string {
  return value === MAX_UINT256 ? "∞" : percent(value, 2);
}

/**
 * A liquidation price: "$4,444.44", "never" when never unsafe, "n/a" without one (no debt, or power 1), "…" while
 * unknown (undefined).
 */
export function liquidationPrice(value: bigint | undefined): string {
  if (value === undefined) return "…";
  if (value === 0n) return "n/a";
  if (value === MAX_UINT256) return "never";
  return usd(value);
}

/** A WAD annualised volatility: "80.16%", or "n/a" when the mark implies none (0). */
export function volatility(value: bigint): string {
  return value === 0n ? "n/a" : percent(value, 2);
}

/** `0x1234…abcd`. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** A unix time in seconds as `HH:MM:SS` (UTC, so every machine shows the same). */
export function clock(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(11, 19);
}
