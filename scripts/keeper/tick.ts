/**
 * One keeper tick over every market of the deployment file: pin the latest block, read each market and the
 * keeper's balances at it, re-synchronise the nonce and settle, drop or replace the keeper's pending transactions,
 * apply each market's funding when due, check the health of every vault of every market (serials 1 to the lens's
 * `vaultCount(marketId)`) at the pinned block with batched reads, and liquidate the liquidatable ones that pay, in
 * every market. Ends with one `tick` line, which reports the keeper's balances after the tick's transactions.
 *
 * @module
 */
import { erc20Abi, lensAbi } from "./abi.js";
import type { Keeper, KeeperMarket, MarketSnapshot, TickSnapshot } from "./context.js";
import { applyFundingIfDue, type FundingStatus } from "./funding.js";
import type { LogFields, LogLevel } from "./logging.js";
import { describeError } from "./rpc.js";
import type { SyncReport } from "./transactions.js";
import { scanHealth } from "./health.js";
import { emptyLiquidationSummary, liquidateVaults, type LiquidationSummary } from "./liquidation.js";

/** A market's status in a tick: "ok", or why the keeper leaves it alone. */
export type MarketStatus = "ok" | "paused" | "shut-down";

/** What one tick saw and did in one market. */
export interface MarketTickReport {
  marketId: number;
  name: string;
  status: MarketStatus;
  funding: FundingStatus;
  /** The market's vault count at the pinned block. */
  vaults: number;
  /** Vaults whose health was checked (0 unless the market is "ok"). */
  scanned: number;
  withDebt: number;
  /** Liquidatable vault ids at the pinned block. */
  liquidatable: bigint[];
  liquidations: LiquidationSummary;
  healthPages: number;
}

/** What one tick saw and did. */
export interface TickReport {
  blockNumber: bigint;
  timestamp: bigint;
  /** "ok" when at least one market runs; otherwise "shut-down" when every market is shut down, else "paused". */
  status: MarketStatus;
  /** One entry per market, in id order. */
  markets: MarketTickReport[];
  /** Each market's funding step, by market name. */
  funding: Record<string, FundingStatus>;
  /** Vaults in all markets. */
  vaults: number;
  /** Vaults whose health was checked, in all markets. */
  scanned: number;
  withDebt: number;
  /** Liquidatable vault ids at the pinned block, market by market. */
  liquidatable: bigint[];
  /** The liquidation counts of all markets together. */
  liquidations: LiquidationSummary;
  /** The keeper's token balances by market name, after the tick's transactions (at the latest block). */
  tokenBalances: Record<string, bigint>;
  /** The keeper's ETH balance after the tick's transactions. */
  ethBalance: bigint;
  /** Health-check calls made (all markets) and the wall time of the whole scan. */
  healthPages: number;
  scanMs: number;
  durationMs: number;
}

/** Reads one market at the pinned block. */
async function readMarket(
  keeper: Keeper,
  market: KeeperMarket,
  blockNumber: bigint,
): Promise<MarketSnapshot> {
  const { client, lens } = keeper;
  const account = keeper.sender.account.address;
  const route = keeper.liquidationRoute;
  const at = { address: lens, abi: lensAbi, args: [market.id], blockNumber } as const;
  const [lastFundingUpdate, paused, shutDown, tokenPriceWad, vaultCount, tokenBalance, helperAllowance] =
    await Promise.all([
      client.readContract({ ...at, functionName: "lastFundingUpdate" }),
      client.readContract({ ...at, functionName: "isPaused" }),
      client.readContract({ ...at, functionName: "isShutDown" }),
      // Reverts when the pools have no history: liquidations are then impossible anyway.
      client.readContract({ ...at, functionName: "tokenPrice" }).catch(() => undefined),
      client.readContract({ ...at, functionName: "vaultCount" }),
      client.readContract({
        address: market.token,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [account],
        blockNumber,
      }),
      route.kind === "helper"
        ? client.readContract({
            address: market.token,
            abi: erc20Abi,
            functionName: "allowance",
            args: [account, route.helper],
            blockNumber,
          })
        : 0n,
    ]);
  return {
    market,
    paused,
    shutDown,
    lastFundingUpdate,
    vaultCount,
    tokenBalance,
    helperAllowance,
    tokenPriceWad,
  };
}

/** Reads everything a tick needs at the latest block, which it pins. */
export async function readSnapshot(keeper: Keeper): Promise<TickSnapshot> {
  const { client } = keeper;
  const account = keeper.sender.account.address;
  const block = await client.getBlock({ blockTag: "latest" });
  const blockNumber = block.number;
  const [markets, ethBalance, fees] = await Promise.all([
    Promise.all(keeper.markets.map((market) => readMarket(keeper, market, blockNumber))),
    client.getBalance({ address: account, blockNumber }),
    keeper.sender.fees(block.baseFeePerGas),
  ]);
  return { blockNumber, timestamp: block.timestamp, markets, ethBalance, fees };
}

/** The keeper's token balances (by market name) and ETH balance at the latest block. */
export async function readBalances(
  keeper: Keeper,
): Promise<{ tokenBalances: Record<string, bigint>; ethBalance: bigint }> {
  const account = keeper.sender.account.address;
  const [balances, ethBalance] = await Promise.all([
    Promise.all(
      keeper.markets.map((market) =>
        keeper.client.readContract({
          address: market.token,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [account],
        }),
      ),
    ),
    keeper.client.getBalance({ address: account }),
  ]);
  return {
    tokenBalances: Object.fromEntries(keeper.markets.map((m, i) => [m.name, balances[i]])),
    ethBalance,
  };
}

/** Log fields `tokenBalance.<market>` for token balances by market name. */
export function tokenBalanceFields(balances: Record<string, bigint>): LogFields {
  return Object.fromEntries(Object.entries(balances).map(([name, value]) => [`tokenBalance.${name}`, value]));
}

const marketStatus = (m: MarketSnapshot): MarketStatus =>
  m.shutDown ? "shut-down" : m.paused ? "paused" : "ok";

function addSummaries(a: LiquidationSummary, b: LiquidationSummary): LiquidationSummary {
  const sum = emptyLiquidationSummary();
  for (const key of Object.keys(sum) as (keyof LiquidationSummary)[]) sum[key] = a[key] + b[key];
  return sum;
}

/** Logs what the nonce re-synchronisation found: one `transaction` line per settled, dropped or replaced one. */
function logSync(keeper: Keeper, sync: SyncReport): void {
  for (const resolution of sync.resolved) {
    const { tracked } = resolution;
    const fields = {
      action: tracked.action,
      nonce: tracked.nonce,
      tx: tracked.hashes[tracked.hashes.length - 1],
    };
    if (resolution.outcome === "mined") {
      const { receipt } = resolution;
      const status = receipt.status === "success" ? "mined" : "reverted";
      const level: LogLevel = status === "mined" ? "info" : "warn";
      const mined = { tx: receipt.transactionHash, txBlock: receipt.blockNumber, gasUsed: receipt.gasUsed };
      keeper.logger.log("transaction", { ...fields, status, ...mined }, level);
    } else {
      keeper.logger.log("transaction", { ...fields, status: resolution.outcome }, "warn");
    }
  }
  for (const replacement of sync.replacements) {
    const { tracked, replaced, kind, error } = replacement;
    const fields = { action: tracked.action, nonce: tracked.nonce, replaced };
    if (error !== undefined) {
      keeper.logger.log(
        "transaction",
        { ...fields, status: "replace-failed", reason: describeError(error) },
        "warn",
      );
      continue;
    }
    const tx = tracked.hashes[tracked.hashes.length - 1];
    const fees = {
      maxFeePerGas: tracked.fees.maxFeePerGas,
      maxPriorityFeePerGas: tracked.fees.maxPriorityFeePerGas,
    };
    keeper.logger.log("transaction", { ...fields, status: kind, tx, ...fees }, "warn");
  }
}

/**
 * Runs one tick. Throws only when the node cannot be reached or answers nonsense; failed or skipped actions are
 * logged and counted.
 */
export async function runTick(keeper: Keeper): Promise<TickReport> {
  const started = performance.now();
  const snapshot = await readSnapshot(keeper);
  const sync = await keeper.sender.sync(snapshot.timestamp, snapshot.fees, keeper.options.replaceAfterMs);
  logSync(keeper, sync);
  const markets: MarketTickReport[] = snapshot.markets.map((m) => ({
    marketId: m.market.id,
    name: m.market.name,
    status: marketStatus(m),
    funding: "not-due",
    vaults: Number(m.vaultCount),
    scanned: 0,
    withDebt: 0,
    liquidatable: [],
    liquidations: emptyLiquidationSummary(),
    healthPages: 0,
  }));
  const active = snapshot.markets.filter((m) => marketStatus(m) === "ok");

  // Funding first, market by market.
  for (const [index, market] of snapshot.markets.entries()) {
    if (markets[index].status === "ok")
      markets[index].funding = await applyFundingIfDue(keeper, snapshot, market);
  }
  // One health scan over every running market at the pinned block.
  const scanStarted = performance.now();
  const scans = await scanHealth(
    keeper.health,
    active.map((m) => ({ marketId: m.market.id, vaultCount: m.vaultCount })),
    keeper.options.pageSize,
    snapshot.blockNumber,
  );
  const scanMs = active.length === 0 ? 0 : Math.round(performance.now() - scanStarted);
  // Then the liquidations of every market, within one --max-liquidations budget for the tick.
  const attempted = new Set<bigint>();
  let left = keeper.options.maxLiquidationsPerTick;
  for (const scan of scans) {
    const index = snapshot.markets.findIndex((m) => m.market.id === scan.marketId);
    const report = markets[index];
    report.scanned = scan.scanned;
    report.withDebt = scan.withDebt;
    report.liquidatable = scan.liquidatable;
    report.healthPages = scan.pages;
    report.liquidations = await liquidateVaults(
      keeper,
      snapshot,
      snapshot.markets[index],
      scan.liquidatable,
      attempted,
      left,
    );
    left = Math.max(0, left - report.liquidations.candidates);
  }

  const { tokenBalances, ethBalance } = await readBalances(keeper);
  const statuses = markets.map((m) => m.status);
  const report: TickReport = {
    blockNumber: snapshot.blockNumber,
    timestamp: snapshot.timestamp,
    status: statuses.includes("ok")
      ? "ok"
      : statuses.every((s) => s === "shut-down") && statuses.length > 0
        ? "shut-down"
        : "paused",
    markets,
    funding: Object.fromEntries(markets.map((m) => [m.name, m.funding])),
    vaults: markets.reduce((sum, m) => sum + m.vaults, 0),
    scanned: markets.reduce((sum, m) => sum + m.scanned, 0),
    withDebt: markets.reduce((sum, m) => sum + m.withDebt, 0),
    liquidatable: markets.flatMap((m) => m.liquidatable),
    liquidations: markets.reduce((sum, m) => addSummaries(sum, m.liquidations), emptyLiquidationSummary()),
    tokenBalances,
    ethBalance,
    healthPages: markets.reduce((sum, m) => sum + m.healthPages, 0),
    scanMs,
    durationMs: Math.round(performance.now() - started),
  };

  keeper.logger.log("tick", {
    block: report.blockNumber,
    timestamp: report.timestamp,
    status: report.status,
    markets: markets.map((m) => `${m.name}:${m.status}`),
    funding: markets.map((m) => `${m.name}:${m.funding}`),
    fundingAgeSeconds: snapshot.markets.map(
      (m) => `${m.market.name}:${snapshot.timestamp - m.lastFundingUpdate}`,
    ),
    vaults: report.vaults,
    scanned: report.scanned,
    withDebt: report.withDebt,
    liquidatable: report.liquidatable.length,
    liquidationsSent: report.liquidations.sent,
    liquidationsConfirmed: report.liquidations.confirmed,
    liquidationsSkipped: report.liquidations.skipped,
    liquidationsFailed: report.liquidations.failed + report.liquidations.reverted,
    liquidationsPending: report.liquidations.pending,
    pendingTransactions: keeper.sender.allPending().length,
    ...tokenBalanceFields(report.tokenBalances),
    ethBalance: report.ethBalance,
    healthPages: report.healthPages,
    scanMs: report.scanMs,
    durationMs: report.durationMs,
  });
  return report;
}
