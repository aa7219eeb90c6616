/**
 * History tasks, read from the engine's events (every one carries the market id first, indexed): `vault:history` (everything that happened to one vault,
 * in block order) and `funding:history` (every normalization-factor update with the funding rate it implies).
 * Both print a table, or with `--json` / `--csv` machine-readable rows (amounts in wei / WAD).
 *
 * @module
 */
import type { Log, LogDescription } from "ethers";

import {
  action,
  loadContext,
  parseVaultId,
  parseWholeNumber,
  TaskInputError,
  type TaskContext,
} from "./context.js";
import { duration, exact, money, percent, significant, toJson, WAD } from "./format.js";

/** Output of a history task. */
type OutputFormat = "table" | "json" | "csv";

interface HistoryArgs {
  fromBlock: string;
  json: boolean;
  csv: boolean;
  market: string;
}

/** Checks the shared options before anything is read. */
function parseHistoryArgs(args: HistoryArgs): { fromBlock: number; format: OutputFormat } {
  if (args.json && args.csv) throw new TaskInputError("give --json or --csv, not both");
  const fromBlock = Number(parseWholeNumber("from-block", args.fromBlock, "a block number (≥ 0)"));
  return { fromBlock, format: args.json ? "json" : args.csv ? "csv" : "table" };
}

/** One decoded event with where and when it happened. */
interface EventRow {
  block: number;
  logIndex: number;
  timestamp: number;
  transactionHash: string;
  event: LogDescription;
}

/** Decodes engine logs and adds their block timestamps (one block read per distinct block). */
async function decode(ctx: TaskContext, logs: readonly Log[]): Promise<EventRow[]> {
  const times = new Map<number, number>();
  for (const number of new Set(logs.map((log) => log.blockNumber))) {
    times.set(number, (await ctx.ethers.provider.getBlock(number))?.timestamp ?? 0);
  }
  const rows: EventRow[] = [];
  for (const log of logs) {
    const event = ctx.engine.interface.parseLog(log);
    if (event === null) continue;
    rows.push({
      block: log.blockNumber,
      logIndex: log.index,
      timestamp: times.get(log.blockNumber) ?? 0,
      transactionHash: log.transactionHash,
      event,
    });
  }
  return rows.sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);
}

/** The name of one of the engine's events. */
type EngineEventName = Parameters<TaskContext["engine"]["interface"]["getEvent"]>[0];

/** A 32-byte topic of an unsigned integer. */
function topicOf(value: bigint | number): string {
  return `0x${BigInt(value).toString(16).padStart(64, "0")}`;
}

/**
 * Reads the engine's logs of the given events in the task's market from `fromBlock` on (topic1 = the market id,
 * topic2 = `vaultId` when given).
 */
async function engineLogs(
  ctx: TaskContext,
  events: readonly EngineEventName[],
  fromBlock: number,
  vaultId?: bigint,
): Promise<Log[]> {
  const latest = await ctx.ethers.provider.getBlockNumber();
  if (fromBlock > latest) {
    throw new TaskInputError(`--from-block ${fromBlock} is past the latest block (${latest})`);
  }
  const topics = events.map((name) => {
    const fragment = ctx.engine.interface.getEvent(name);
    if (fragment === null) throw new Error(`the engine has no event ${name}`);
    return fragment.topicHash;
  });
  const idTopic = vaultId === undefined ? [] : [topicOf(vaultId)];
  return ctx.ethers.provider.getLogs({
    address: ctx.contracts.Evergamma,
    topics: [topics, topicOf(ctx.marketId), ...idTopic],
    fromBlock,
    toBlock: latest,
  });
}

/** UTC time of a block timestamp: "2025-01-31 12:00:00". */
function time(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break. */
function csvCell(value: unknown): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Prints rows in the chosen format; `columns` name the fields of `records` in order. */
function printRows(
  format: OutputFormat,
  records: Record<string, unknown>[],
  columns: readonly string[],
  table: () => string[],
): void {
  if (format === "json") console.log(toJson(records));
  else if (format === "csv") {
    console.log(columns.join(","));
    for (const r of records) console.log(columns.map((c) => csvCell(r[c] ?? "")).join(","));
  } else console.log(table().join("\n"));
}

/** The events of a vault's life (all carry the market id, then the vault id, as their first indexed arguments). */
const VAULT_EVENTS: readonly EngineEventName[] = [
  "VaultOpened",
  "Deposited",
  "Withdrawn",
  "Minted",
  "Burned",
  "Liquidated",
  "BadDebtRecorded",
  "OperatorSet",
  "VaultTransferred",
];

/**
 * The account and amounts of one vault event: `account` is who acted or received (owner, sender, recipient,
 * liquidator, operator, new owner), `amount` the event's ETH or power-token amount, `collateral` the ETH a
 * liquidation paid or a burn withdrew.
 */
function vaultEventFields(e: LogDescription): {
  account: string;
  amount: bigint | null;
  collateral: bigint | null;
} {
  const a = e.args;
  switch (e.name) {
    case "VaultOpened":
      return { account: a.owner as string, amount: null, collateral: null };
    case "Deposited":
      return { account: a.sender as string, amount: a.amount as bigint, collateral: null };
    case "Withdrawn":
    case "Minted":
      return { account: a.to as string, amount: a.amount as bigint, collateral: null };
    case "Burned":
      return { account: a.from as string, amount: a.amount as bigint, collateral: a.withdrawn as bigint };
    case "Liquidated":
      return {
        account: a.liquidator as string,
        amount: a.debtRepaid as bigint,
        collateral: a.collateralPaid as bigint,
      };
    case "BadDebtRecorded":
      return { account: "", amount: a.debt as bigint, collateral: null };
    case "OperatorSet":
      return { account: a.operator as string, amount: null, collateral: null };
    default:
      return { account: a.newOwner as string, amount: null, collateral: null };
  }
}

/** One line of `vault:history`'s table. */
function describeVaultEvent(e: LogDescription, symbol: string): string {
  const { account, amount, collateral } = vaultEventFields(e);
  const eth = (v: bigint | null) => money(v ?? 0n, "ETH");
  const tokens = (v: bigint | null) => `${exact(v ?? 0n)} ${symbol}`;
  switch (e.name) {
    case "VaultOpened":
      return `opened by ${account}`;
    case "Deposited":
      return `deposit of ${eth(amount)} by ${account}`;
    case "Withdrawn":
      return `withdrawal of ${eth(amount)} to ${account}`;
    case "Minted":
      return `mint of ${tokens(amount)} to ${account}`;
    case "Burned":
      return collateral === 0n
        ? `burn of ${tokens(amount)} by ${account}`
        : `burn of ${tokens(amount)} by ${account}, withdrawal of ${eth(collateral)}`;
    case "Liquidated":
      return `liquidation by ${account}: repaid ${tokens(amount)}, paid ${eth(collateral)}`;
    case "BadDebtRecorded":
      return `bad debt of ${tokens(amount)} recorded`;
    case "OperatorSet":
      return account === "0x0000000000000000000000000000000000000000"
        ? "operator removed"
        : `operator set to ${account}`;
    default:
      return `transferred to ${account}`;
  }
}

interface VaultHistoryArgs extends HistoryArgs {
  id: string;
}

/** `vault:history --id N [--market M] [--from-block B] [--json | --csv]` */
export const vaultHistory = action<VaultHistoryArgs>(async (args, hre) => {
  const { fromBlock, format } = parseHistoryArgs(args);
  const ctx = await loadContext(hre, "", args.market);
  const id = await parseVaultId(ctx, args.id);
  const rows = await decode(ctx, await engineLogs(ctx, VAULT_EVENTS, fromBlock, id));
  const symbol = await ctx.token.symbol();
  const records = rows.map((r) => ({
    block: r.block,
    timestamp: r.timestamp,
    transactionHash: r.transactionHash,
    event: r.event.name,
    ...vaultEventFields(r.event),
  }));
  const columns = ["block", "timestamp", "transactionHash", "event", "account", "amount", "collateral"];
  printRows(format, records, columns, () =>
    rows.length === 0
      ? [`No events of vault ${id} since block ${fromBlock}`]
      : [
          `Vault ${id}: ${rows.length} event${rows.length === 1 ? "" : "s"} since block ${fromBlock} (times UTC)`,
          ...rows.map(
            (r) =>
              `  block ${String(r.block).padStart(6)}  ${time(r.timestamp)}  ${r.event.name.padEnd(16)}  ` +
              describeVaultEvent(r.event, symbol),
          ),
        ],
  );
});

const SECONDS_PER_DAY = 86_400;

/**
 * The funding rate per day an update implies: the NF falls by the fraction longs pay, continuously
 * compounded, so rate = −ln(new / old) · 1 day / elapsed (as `fundingRatePerDay`); null when no time passed.
 */
export function impliedRatePerDay(
  oldFactor: bigint,
  newFactor: bigint,
  elapsedSeconds: bigint,
): number | null {
  if (elapsedSeconds === 0n || oldFactor === 0n) return null;
  const ratio = Number(((newFactor - oldFactor) * WAD) / oldFactor) / 1e18;
  return (-Math.log1p(ratio) * SECONDS_PER_DAY) / Number(elapsedSeconds);
}

/** `funding:history [--market M] [--from-block B] [--json | --csv]`: the market's NF updates. */
export const fundingHistory = action<HistoryArgs>(async (args, hre) => {
  const { fromBlock, format } = parseHistoryArgs(args);
  const ctx = await loadContext(hre, "", args.market);
  const rows = await decode(ctx, await engineLogs(ctx, ["NormalizationFactorUpdated"], fromBlock));
  const records: {
    block: number;
    timestamp: bigint;
    transactionHash: string;
    oldFactor: bigint;
    newFactor: bigint;
    elapsedSeconds: bigint;
    ratePerDay: number | null;
  }[] = [];
  for (const r of rows) {
    // The event carries the new NF; the state it started from is the market's slot at the block before.
    const before = { blockTag: r.block - 1 };
    const oldFactor = await ctx.lens.normalizationFactor(ctx.marketId, before);
    const lastUpdate = await ctx.lens.lastFundingUpdate(ctx.marketId, before);
    const newFactor = r.event.args.normalizationFactor as bigint;
    const now = BigInt(r.timestamp);
    const elapsed = now - lastUpdate;
    records.push({
      block: r.block,
      timestamp: now,
      transactionHash: r.transactionHash,
      oldFactor,
      newFactor,
      elapsedSeconds: elapsed,
      ratePerDay: impliedRatePerDay(oldFactor, newFactor, elapsed),
    });
  }
  const columns = [
    "block",
    "timestamp",
    "transactionHash",
    "oldFactor",
    "newFactor",
    "elapsedSeconds",
    "ratePerDay",
  ];
  printRows(format, records, columns, () =>
    records.length === 0
      ? [`No funding updates of market ${ctx.marketId} (${ctx.deployedMarket.name}) since block ${fromBlock}`]
      : [
          `${records.length} funding update${records.length === 1 ? "" : "s"} of market ${ctx.marketId} (${ctx.deployedMarket.name}) since block ${fromBlock} (times UTC; rate: share of NF longs pay per day)`,
          `  ${"block".padStart(6)}  ${"time".padEnd(19)}  ${"old NF".padEnd(14)}  ${"new NF".padEnd(14)}  ${"elapsed".padEnd(12)}  rate/day`,
          ...records.map(
            (r) =>
              `  ${String(r.block).padStart(6)}  ${time(Number(r.timestamp))}  ${significant(r.oldFactor, 12).padEnd(14)}  ` +
              `${significant(r.newFactor, 12).padEnd(14)}  ${duration(r.elapsedSeconds).padEnd(12)}  ` +
              (r.ratePerDay === null ? "n/a" : percent(BigInt(Math.round(r.ratePerDay * 1e18)), 4)),
          ),
        ],
  );
});
