/**
 * One keeper tick: pin the latest block, read the market and the keeper's balances at it, re-synchronise the
 * nonce and settle, drop or replace the keeper's pending transactions, apply funding when due, discover new vaults
 * from `VaultOpened` events up to the pinned block, check every known vault's health at the pinned block with
 * batched reads, and liquidate the liquidatable ones that pay. Ends with one `tick` line, which reports the
 * keeper's balances after the tick's transactions.
 *
 * @module
 */
import { controllerAbi, erc20Abi } from "./abi.js";
import type { Keeper, TickSnapshot } from "./context.js";
import { applyFundingIfDue, type FundingStatus } from "./funding.js";
import type { LogLevel } from "./logging.js";
import { describeError } from "./rpc.js";
import type { SyncReport } from "./transactions.js";
import { scanHealth } from "./health.js";
import { emptyLiquidationSummary, liquidateVaults, type LiquidationSummary } from "./liquidation.js";

/** What one tick saw and did. */
export interface TickReport {
  blockNumber: bigint;
  timestamp: bigint;
  /** "ok", or why the tick did nothing ("paused", "shut-down"). */
  status: "ok" | "paused" | "shut-down";
  funding: FundingStatus;
  vaultsKnown: number;
  newVaults: number;
  /** Vaults whose health was checked. */
  scanned: number;
  withDebt: number;
  /** Liquidatable vault ids at the pinned block. */
  liquidatable: bigint[];
  liquidations: LiquidationSummary;
  /** The keeper's balances after the tick's transactions (at the latest block when the tick ends). */
  powerBalance: bigint;
  ethBalance: bigint;
  /** Health-check calls made and their wall time. */
  healthPages: number;
  scanMs: number;
  durationMs: number;
}

/** Reads everything a tick needs at the latest block, which it pins. */
export async function readSnapshot(keeper: Keeper): Promise<TickSnapshot> {
  const { client, controller, powerToken } = keeper;
  const account = keeper.sender.account.address;
  const route = keeper.liquidationRoute;
  const block = await client.getBlock({ blockTag: "latest" });
  const blockNumber = block.number;
  type View = "lastFundingUpdate" | "isPaused" | "isShutDown" | "powerTokenPrice" | "vaultCount";
  const read = <F extends View>(functionName: F) =>
    client.readContract({ address: controller, abi: controllerAbi, functionName, blockNumber });
  const [
    lastFundingUpdate,
    paused,
    shutDown,
    powerPriceWad,
    powerBalance,
    ethBalance,
    fees,
    vaultCount,
    helperAllowance,
  ] = await Promise.all([
    read("lastFundingUpdate"),
    read("isPaused"),
    read("isShutDown"),
    // Reverts when the pools have no history: liquidations are then impossible anyway.
    read("powerTokenPrice").catch(() => undefined),
    client.readContract({
      address: powerToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [account],
      blockNumber,
    }),
    client.getBalance({ address: account, blockNumber }),
    keeper.sender.fees(block.baseFeePerGas),
    read("vaultCount"),
    route.kind === "helper"
      ? client.readContract({
          address: powerToken,
          abi: erc20Abi,
          functionName: "allowance",
          args: [account, route.helper],
          blockNumber,
        })
      : 0n,
  ]);
  return {
    blockNumber,
    timestamp: block.timestamp,
    paused,
    shutDown,
    lastFundingUpdate,
    vaultCount,
    powerBalance,
    helperAllowance,
    ethBalance,
    powerPriceWad,
    fees,
  };
}

/** The keeper's power-token and ETH balances at the latest block. */
async function readBalances(keeper: Keeper): Promise<{ powerBalance: bigint; ethBalance: bigint }> {
  const account = keeper.sender.account.address;
  const [powerBalance, ethBalance] = await Promise.all([
    keeper.client.readContract({
      address: keeper.powerToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [account],
    }),
    keeper.client.getBalance({ address: account }),
  ]);
  return { powerBalance, ethBalance };
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
  const report: TickReport = {
    blockNumber: snapshot.blockNumber,
    timestamp: snapshot.timestamp,
    status: snapshot.shutDown ? "shut-down" : snapshot.paused ? "paused" : "ok",
    funding: "not-due",
    vaultsKnown: 0,
    newVaults: 0,
    scanned: 0,
    withDebt: 0,
    liquidatable: [],
    liquidations: emptyLiquidationSummary(),
    powerBalance: 0n,
    ethBalance: 0n,
    healthPages: 0,
    scanMs: 0,
    durationMs: 0,
  };

  if (report.status === "ok") {
    report.funding = await applyFundingIfDue(keeper, snapshot);
    const discovery = await keeper.discovery.update(keeper.client, snapshot.blockNumber);
    report.newVaults = discovery.newVaults;
    // Ids are sequential: any id up to vaultCount() the events did not show is added (and reported).
    const missed = keeper.discovery.reconcile(snapshot.vaultCount);
    if (missed > 0) {
      report.newVaults += missed;
      const message = `${missed} vault ids up to vaultCount() were not in the VaultOpened events scanned: added`;
      keeper.logger.log("warning", { message }, "warn");
    }
    const ids = keeper.discovery.vaultIds();
    report.vaultsKnown = ids.length;
    const scan = await scanHealth(keeper.health, ids, keeper.options.pageSize, snapshot.blockNumber);
    report.scanned = scan.scanned;
    report.withDebt = scan.withDebt;
    report.liquidatable = scan.liquidatable;
    report.healthPages = scan.pages;
    report.scanMs = scan.durationMs;
    report.liquidations = await liquidateVaults(keeper, snapshot, scan.liquidatable, new Set<bigint>());
  }
  ({ powerBalance: report.powerBalance, ethBalance: report.ethBalance } = await readBalances(keeper));
  report.durationMs = Math.round(performance.now() - started);

  keeper.logger.log("tick", {
    block: report.blockNumber,
    timestamp: report.timestamp,
    status: report.status,
    funding: report.funding,
    fundingAgeSeconds: snapshot.timestamp - snapshot.lastFundingUpdate,
    vaultsKnown: report.vaultsKnown,
    newVaults: report.newVaults,
    scanned: report.scanned,
    withDebt: report.withDebt,
    liquidatable: report.liquidatable.length,
    liquidationsSent: report.liquidations.sent,
    liquidationsConfirmed: report.liquidations.confirmed,
    liquidationsSkipped: report.liquidations.skipped,
    liquidationsFailed: report.liquidations.failed + report.liquidations.reverted,
    liquidationsPending: report.liquidations.pending,
    pendingTransactions: keeper.sender.allPending().length,
    powerBalance: report.powerBalance,
    ethBalance: report.ethBalance,
    healthPages: report.healthPages,
    scanMs: report.scanMs,
    durationMs: report.durationMs,
  });
  return report;
}
