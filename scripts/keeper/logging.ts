/**
 * One JSON object per line on stdout, one line per action:
 *
 * ```json
 * {"time":"2025-01-01T00:00:00.000Z","level":"info","event":"liquidation","status":"confirmed","vaultId":"12",...}
 * ```
 *
 * Integers that may exceed 2^53 (amounts, ids, block numbers) are written as decimal strings.
 *
 * @module
 */

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

/** Formats a log entry as one JSON line (bigints as decimal strings, undefined fields left out). */
export function formatLogLine(entry: LogEntry): string {
  return JSON.stringify(entry, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
}

/**
 * A logger that builds entries and hands them to `sink` (default: one line on stdout per entry).
 *
 * @param sink Receives each entry.
 */
export function createLogger(sink: (entry: LogEntry) => void = writeStdout): Logger {
  return {
    log(event, fields = {}, level = "info") {
      sink({ time: new Date().toISOString(), level, event, ...fields });
    },
  };
}

function writeStdout(entry: LogEntry): void {
  process.stdout.write(formatLogLine(entry) + "\n");
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
