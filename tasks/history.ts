/**
 * History tasks, read from the engine's events through the TypeScript client's `getEvents` (every event carries the
 * market id first, indexed, and a vault's events its id second): `vault:history` (everything that happened to one
 * vault, in block order) and `funding:history` (every normalization-factor update with the funding rate it implies).
 * Both print a table, or with `--json` / `--csv` machine-readable rows (amounts in wei / WAD).
 *
 * @module
 */
import type { EngineEvent, EngineEventFilter, EngineEventName } from "../client/index.js";

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

/** One engine event with where and when it happened. */
interface EventRow<E extends EngineEvent = EngineEvent> {
  block: number;
  logIndex: number;
  timestamp: number;
  transactionHash: string;
  event: E;
}

/** The engine's event of one of these names. */
type EventOf<N extends EngineEventName> = Extract<EngineEvent, { eventName: N }>;

/**
 * Reads the engine's events of the given names in the task's market from `fromBlock` on (only `vaultId`'s when
 * given), in block order, with their block timestamps (one block read per distinct block).
 */
async function engineEvents<N extends EngineEventName>(
  ctx: TaskContext,
  names: readonly N[],
  fromBlock: number,
  vaultId?: bigint,
): Promise<EventRow<EventOf<N>>[]> {
  const { client } = ctx;
  const latest = await client.publicClient.getBlockNumber();
  if (BigInt(fromBlock) > latest) {
    throw new TaskInputError(`--from-block ${fromBlock} is past the latest block (${latest})`);
  }
  const range = { fromBlock: BigInt(fromBlock), toBlock: latest };
  // Indexed arguments: every event names the market first, a vault's events the vault second.
  const marketId = ctx.marketId;
  const filter = (vaultId === undefined ? { marketId } : { marketId, vaultId }) as EngineEventFilter<N>;
  const found = await Promise.all(names.map((name) => client.getEvents(name, range, filter)));
  // The logs of events named N, each an engine event (TypeScript cannot relate the generic types itself).
  const events = found.flat() as EngineEvent[] as EventOf<N>[];
  const times = new Map<bigint, number>();
  for (const blockNumber of new Set(events.map((e) => e.blockNumber))) {
    times.set(blockNumber, Number((await client.publicClient.getBlock({ blockNumber })).timestamp));
  }
  const rows = events.map((event) => ({
    block: Number(event.blockNumber),
    logIndex: event.logIndex,
    timestamp: times.get(event.blockNumber) ?? 0,
    transactionHash: event.transactionHash,
    event,
  }));
  return rows.sort((a, b) => a.block - b.block || a.logIndex - b.logIndex);
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
const VAULT_EVENTS = [
  "VaultOpened",
  "Deposited",
  "Withdrawn",
  "Minted",
  "Burned",
  "Liquidated",
  "BadDebtRecorded",
  "OperatorSet",
  "VaultTransferred",
] as const;

/** An event of a vault's life. */
type VaultEvent = EventOf<(typeof VAULT_EVENTS)[number]>;

/**
 * The account and amounts of one vault event: `account` is who acted or received (owner, sender, recipient,
 * liquidator, operator, new owner), `amount` the event's ETH or power-token amount, `collateral` the ETH a
 * liquidation paid or a burn withdrew.
 */
function vaultEventFields(e: VaultEvent): {
  account: string;
  amount: bigint | null;
  collateral: bigint | null;
} {
  switch (e.eventName) {
    case "VaultOpened":
      return { account: e.args.owner, amount: null, collateral: null };
    case "Deposited":
      return { account: e.args.sender, amount: e.args.amount, collateral: null };
    case "Withdrawn":
    case "Minted":
      return { account: e.args.to, amount: e.args.amount, collateral: null };
    case "Burned":
      return { account: e.args.from, amount: e.args.amount, collateral: e.args.withdrawn };
    case "Liquidated":
      return { account: e.args.liquidator, amount: e.args.debtRepaid, collateral: e.args.collateralPaid };
    case "BadDebtRecorded":
      return { account: "", amount: e.args.debt, collateral: null };
    case "OperatorSet":
      return { account: e.args.operator, amount: null, collateral: null };
    default:
      return { account: e.args.newOwner, amount: null, collateral: null };
  }
}

/** One line of `vault:history`'s table. */
function describeVaultEvent(e: VaultEvent, symbol: string): string {
  const { account, amount, collateral } = vaultEventFields(e);
  const eth = (v: bigint | null) => money(v ?? 0n, "ETH");
  const tokens = (v: bigint | null) => `${exact(v ?? 0n)} ${symbol}`;
  switch (e.eventName) {
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
  const rows = await engineEvents(ctx, VAULT_EVENTS, fromBlock, id);
  const symbol = await ctx.token.symbol();
  const records = rows.map((r) => ({
    block: r.block,
    timestamp: r.timestamp,
    transactionHash: r.transactionHash,
    event: r.event.eventName,
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
              `  block ${String(r.block).padStart(6)}  ${time(r.timestamp)}  ${r.event.eventName.padEnd(16)}  ` +
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
  const rows = await engineEvents(ctx, ["NormalizationFactorUpdated"], fromBlock);
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
    const before = { blockNumber: BigInt(r.block - 1) };
    const oldFactor = await ctx.client.normalizationFactor(ctx.marketId, before);
    const lastUpdate = await ctx.client.lastFundingUpdate(ctx.marketId, before);
    const newFactor = r.event.args.normalizationFactor;
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
