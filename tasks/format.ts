/**
 * Number formatting shared by the tasks and the devnet status line. Every on-chain quantity is a bigint in
 * wei or WAD (1e18 = 1); these helpers print it exactly (ETH, token amounts) or rounded (USD, percentages).
 *
 * @module
 */
import { formatEther, formatUnits } from "ethers";

export const WAD = 10n ** 18n;

/** A WAD or wei amount as an exact decimal string without trailing zeros ("1.5", "0.000001", "3"). */
export function exact(value: bigint): string {
  const text = formatEther(value);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

/** A WAD value rounded to `decimals` places, with thousands separators ("3,000.00"). */
export function fixed(value: bigint, decimals = 2): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const unit = 10n ** BigInt(18 - decimals);
  const rounded = (magnitude + unit / 2n) / unit;
  const text = formatUnits(rounded, decimals);
  const [whole, fraction = ""] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const body = decimals === 0 ? grouped : `${grouped}.${fraction.padEnd(decimals, "0").slice(0, decimals)}`;
  return negative && rounded !== 0n ? `-${body}` : body;
}

/** A WAD fraction as a percentage ("150.00%"). */
export function percent(value: bigint, decimals = 2): string {
  return `${fixed(value * 100n, decimals)}%`;
}

/** A WAD value with `digits` significant digits ("0.99912345"). */
export function significant(value: bigint, digits = 8): string {
  return Number(formatEther(value)).toPrecision(digits);
}

/** A WAD USD amount ("$3,000.00"). */
export function usd(value: bigint): string {
  return value < 0n ? `-$${fixed(-value)}` : `$${fixed(value)}`;
}

/** a · b / 1e18, rounded down. */
export function wadMul(a: bigint, b: bigint): bigint {
  return (a * b) / WAD;
}

/** a · 1e18 / b, rounded down. */
export function wadDiv(a: bigint, b: bigint): bigint {
  return (a * WAD) / b;
}

/** A duration in seconds as "1d 2h 3m 4s" (largest units first, zero units left out). */
export function duration(seconds: bigint): string {
  if (seconds <= 0n) return "0s";
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [
    ["d", 86_400n],
    ["h", 3_600n],
    ["m", 60n],
    ["s", 1n],
  ] as const) {
    if (rest >= size) {
      parts.push(`${rest / size}${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

/** JSON.stringify with bigints as decimal strings (for `--json` output). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** Decimal places a money amount keeps exactly before {@link money} rounds it (cents of ETH or tokens). */
const MONEY_EXACT_DECIMALS = 2;
/** Significant digits {@link money} keeps for amounts below one whole unit that are not exact in cents. */
const MONEY_SMALL_DIGITS = 4;

/**
 * A wei or token amount for people, with its unit: thousands separators, exact when it has at most two
 * decimals ("100,000 ETH", "12.5 eSQTH"), otherwise truncated to two decimals ("8,791.70 ETH") or, below
 * one, to four significant digits ("0.0001234 ETH"). Truncation never shows a balance as more than it is.
 */
export function money(value: bigint, unit: string): string {
  return `${moneyAmount(value)} ${unit}`;
}

/** {@link money} without the unit ("this needs 20"). */
export function moneyAmount(value: bigint): string {
  if (value < 0n) return `-${moneyAmount(-value)}`;
  const cents = 10n ** BigInt(18 - MONEY_EXACT_DECIMALS);
  let text: string;
  if (value % cents === 0n || value >= WAD) {
    const [whole, fraction = ""] = formatUnits(value / cents, MONEY_EXACT_DECIMALS).split(".");
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const padded = fraction.padEnd(MONEY_EXACT_DECIMALS, "0");
    const trimmed = value % cents === 0n ? padded.replace(/0+$/, "") : padded;
    text = trimmed === "" ? grouped : `${grouped}.${trimmed}`;
  } else {
    const fraction = formatUnits(value, 18).split(".")[1].padEnd(18, "0");
    const first = fraction.search(/[1-9]/);
    text = `0.${fraction.slice(0, first + MONEY_SMALL_DIGITS).replace(/0+$/, "")}`;
  }
  return text;
}

/** An address shortened for messages: "0xf39f…2266". */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/**
 * The implied volatility as shown everywhere (tasks and the devnet status line): a percentage, or
 * "n/a (mark below index)" when mark ≤ index, where no volatility explains the price (the lens reports 0).
 */
export function impliedVolatilityText(impliedVolatility: bigint, mark: bigint, index: bigint): string {
  return mark <= index ? "n/a (mark below index)" : percent(impliedVolatility);
}
