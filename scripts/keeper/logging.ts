/**
 * The keeper's log: one line per action on stdout, in one of two formats.
 *
 * JSON (the default when stdout is not a terminal, or with `--json`): one object per line,
 *
 * ```json
 * {"time":"2025-01-01T00:00:00.000Z","level":"info","event":"liquidation","status":"confirmed","vaultId":"12",...}
 * ```
 *
 * with integers that may exceed 2^53 (amounts, ids, block numbers) written as decimal strings.
 *
 * Pretty (the default on a terminal, or with `--pretty`): `12:00:00 liquidation confirmed vaultId=12
 * collateralPaid=0.340299 ETH …`, ETH amounts in ETH with thousands separators, token amounts in tokens.
 *
 * In both formats every http(s) URL is redacted to its origin (see redact.ts).
 *
 * @module
 */
import { redactText } from "./redact.js";

/** Severity of a log line. */
export type LogLevel = "info" | "warn" | "error";

/** A value a log field may hold. */
export type LogValue = string | number | boolean | bigint | null | undefined | LogValue[];

/** The fields of one log line besides time, level and event. */
export type LogFields = Record<string, LogValue>;

/** One structured log entry. */
export interface LogEntry extends LogFields {
  time: string;
  level: LogLevel;
  event: string;
}

/** Writes log entries. */
export interface Logger {
  /** Logs one action. */
  log(event: string, fields?: LogFields, level?: LogLevel): void;
}

/** A log line format. */
export type LogFormat = "json" | "pretty";

/** The format for `--pretty`, `--json` or neither ("auto": pretty on a terminal, JSON otherwise). */
export function logFormat(mode: LogFormat | "auto", isTerminal: boolean): LogFormat {
  if (mode === "auto") return isTerminal ? "pretty" : "json";
  return mode;
}

/** Formats a log entry as one JSON line (bigints as decimal strings, undefined fields left out, URLs redacted). */
export function formatLogLine(entry: LogEntry): string {
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "string") return redactText(value);
    return value;
  });
}

const WEI_PER_ETH = 10n ** 18n;
/** Fields holding ETH amounts in wei. */
const ETH_FIELDS = new Set(["ethBalance", "collateralPaid", "minCollateralOut", "bonusWei", "gasCostWei"]);
/** Fields holding market-token amounts (18 decimals), besides the per-market `tokenBalance.<market>`. */
const TOKEN_FIELDS = new Set(["tokenBalance", "powerBalance", "debtRepaid", "amount", "tokensInFlight"]);
/** Fields holding WAD factors. */
const WAD_FIELDS = new Set(["normalizationFactor"]);

/**
 * An 18-decimal amount for people: thousands separators, two decimals from 1 up (`1,234.50`), up to six
 * significant decimals below 1 (`0.000102`), truncated toward zero.
 */
export function formatAmount(value: bigint, decimalsBelowOne = 6): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / WEI_PER_ETH;
  const fraction = (abs % WEI_PER_ETH).toString().padStart(18, "0");
  const places = whole > 0n ? 2 : decimalsBelowOne;
  const decimals = fraction.slice(0, places).replace(/0+$/, "").padEnd(2, "0");
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}.${decimals}`;
}

/** An ETH amount in wei for people: `1,234.50 ETH`. */
export const formatEth = (wei: bigint): string => `${formatAmount(wei)} ETH`;

function prettyValue(key: string, value: LogValue): string {
  if (Array.isArray(value)) return value.map((v) => prettyValue(key, v)).join(",");
  if (typeof value === "string" && /^-?\d+$/.test(value)) value = BigInt(value);
  if (typeof value === "bigint") {
    if (ETH_FIELDS.has(key)) return formatEth(value);
    if (TOKEN_FIELDS.has(key) || key.startsWith("tokenBalance.")) return `${formatAmount(value)} tokens`;
    if (WAD_FIELDS.has(key)) return formatAmount(value, 12);
  }
  return redactText(String(value));
}

/** Formats a log entry as one human-readable line: `time event status key=value …` (URLs redacted). */
export function formatPrettyLine(entry: LogEntry): string {
  const { time, level, event, status, ...fields } = entry;
  const clock = time.slice(11, 19);
  const parts = [
    clock,
    level === "info" ? "" : level.toUpperCase(),
    event,
    status === undefined ? "" : String(status),
  ];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(`${key}=${prettyValue(key, value)}`);
  }
  return parts.filter((part) => part !== "").join(" ");
}

/**
 * A logger that builds entries and hands them to `sink` (default: one JSON line on stdout per entry).
 *
 * @param sink Receives each entry.
 */
export function createLogger(sink: (entry: LogEntry) => void = stdoutSink("json")): Logger {
  return {
    log(event, fields = {}, level = "info") {
      sink({ time: new Date().toISOString(), level, event, ...fields });
    },
  };
}

/** A sink that writes each entry to stdout as one line in `format`. */
export function stdoutSink(format: LogFormat): (entry: LogEntry) => void {
  const formatLine = format === "json" ? formatLogLine : formatPrettyLine;
  return (entry) => process.stdout.write(formatLine(entry) + "\n");
}

/** A logger that keeps entries in memory (for tests and in-process callers) and optionally forwards them. */
export function createMemoryLogger(forward?: (entry: LogEntry) => void): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const logger = createLogger((entry) => {
    entries.push(entry);
    forward?.(entry);
  });
  return { ...logger, entries };
}
