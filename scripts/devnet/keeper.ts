/**
 * The devnet's keeper: `scripts/keeper/main.ts` as a child process against the devnet's node and deployment
 * file, its output prefixed with `[keeper]`.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

import { exact } from "../../tasks/format.js";
import { killChild } from "../lib/hardhatNode.js";

/** Formats a wei / token-unit string field as a decimal amount, or returns it unchanged. */
function amount(value: unknown): string {
  return typeof value === "string" && /^\d+$/.test(value) ? exact(BigInt(value)) : String(value);
}

/**
 * One keeper output line as the devnet shows it: the keeper's JSON events condensed to a sentence, routine
 * ticks (nothing liquidated, no warning) left out (undefined). Lines that are not JSON pass through.
 */
export function formatKeeperLine(line: string): string | undefined {
  let event: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return line;
    event = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = event.level === "info" || event.level === undefined ? "" : `${String(event.level)}: `;
  const reason = event.reason === undefined ? "" : ` (${String(event.reason)})`;
  switch (event.event) {
    case "tick":
      if (level === "" && (event.liquidationsSent === 0 || event.liquidationsSent === undefined))
        return undefined;
      return (
        `${level}tick at block ${String(event.block)}: ${String(event.liquidatable)} liquidatable, ` +
        `${String(event.liquidationsSent)} sent, ${String(event.liquidationsConfirmed)} confirmed${reason}`
      );
    case "liquidation":
      return (
        `${level}liquidation of vault ${String(event.vaultId)} ${String(event.status)}` +
        (event.debtRepaid === undefined
          ? ""
          : `: repaid ${amount(event.debtRepaid)} tokens, received ${amount(event.collateralPaid)} ETH`) +
        reason
      );
    case "funding":
      return `${level}funding ${String(event.status)}${reason}`;
    case "start": {
      const prefix = "tokenBalance.";
      const balances = Object.entries(event)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => `${amount(value)} ${key.slice(prefix.length)}`);
      return `started: account ${String(event.account)}, tokens: ${balances.join(", ")}`;
    }
    case "stop":
      return "stopped";
    default: {
      const { time: _time, level: _level, event: name, ...rest } = event;
      return `${level}${String(name)} ${JSON.stringify(rest)}`;
    }
  }
}

/** A running keeper. */
export interface KeeperProcess {
  pid: number;
  /** Stops the keeper (SIGTERM, SIGKILL after KEEPER_STOP_GRACE_MS) and waits for it. Idempotent. */
  stop(): Promise<void>;
  /** Resolves with the exit code (or signal) when the keeper exits for any reason. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Options of {@link startKeeper}. */
export interface KeeperStartOptions {
  projectRoot: string;
  rpcUrl: string;
  deploymentFile: string;
  /** Time between keeper ticks, as the keeper's `--interval` (default "2s"). */
  interval?: string;
  /** Receives every output line (default: {@link formatKeeperLine}, printed with a `[keeper]` prefix). */
  onLine?: (line: string) => void;
}

/** The keeper's entry point, or undefined when it is not in this checkout. */
export function keeperEntry(projectRoot: string): string | undefined {
  const entry = path.join(projectRoot, "scripts", "keeper", "main.ts");
  return existsSync(entry) ? entry : undefined;
}

/** How long a stopping keeper may take to finish its current tick (RPC calls time out after 10 s). */
const KEEPER_STOP_GRACE_MS = 20_000;

/**
 * Starts the keeper. Throws when `scripts/keeper/main.ts` is missing.
 */
export function startKeeper(o: KeeperStartOptions): KeeperProcess {
  const entry = keeperEntry(o.projectRoot);
  if (entry === undefined) throw new Error("scripts/keeper/main.ts is not in this checkout");
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      entry,
      "--rpc",
      o.rpcUrl,
      "--deployment",
      o.deploymentFile,
      "--interval",
      o.interval ?? "2s",
    ],
    { cwd: o.projectRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
  );
  if (child.pid === undefined) throw new Error("the keeper did not start");
  const onLine =
    o.onLine ??
    ((line: string) => {
      const shown = formatKeeperLine(line);
      if (shown !== undefined) console.log(`[keeper] ${shown}`);
    });
  let buffered = "";
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") onLine(line);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid,
    exited,
    stop: () => {
      stopping ??= killChild(child, KEEPER_STOP_GRACE_MS).finally(() =>
        process.removeListener("exit", killOnExit),
      );
      return stopping;
    },
  };
}
