/**
 * One keeper tick: pin the latest block, read the market and the keeper's balances at it, apply funding when
 * due, discover new vaults from `VaultOpened` events up to the pinned block, check every known vault's health at
 * the pinned block with batched reads, and liquidate the liquidatable ones that pay. Ends with one `tick` line.
 *
 * @module
 */
import { controllerAbi, erc20Abi } from "./abi.js";
import type { Keeper, TickSnapshot } from "./context.js";
import { applyFundingIfDue, type FundingStatus } from "./funding.js";
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
  /** Health-check calls made and their wall time. */
  healthPages: number;
  scanMs: number;
  durationMs: number;
}

/** Reads everything a tick needs at the latest block, which it pins. */
export async function readSnapshot(keeper: Keeper): Promise<TickSnapshot> {
  const { client, controller, powerToken } = keeper;
  const account = keeper.sender.account.address;
  const block = await client.getBlock({ blockTag: "latest" });
  const blockNumber = block.number;
  type View = "lastFundingUpdate" | "isPaused" | "isShutDown" | "powerTokenPrice" | "vaultCount";
  const read = <F extends View>(functionName: F) =>
    client.readContract({ address: controller, abi: controllerAbi, functionName, blockNumber });
  const [lastFundingUpdate, paused, shutDown, powerPriceWad, powerBalance, ethBalance, fees, vaultCount] =
    await Promise.all([
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
    ]);
  return {
    blockNumber,
    timestamp: block.timestamp,
    paused,
    shutDown,
    lastFundingUpdate,
    vaultCount,
    powerBalance,
    ethBalance,
    powerPriceWad,
    fees,
  };
}

/**
 * Runs one tick. Throws only when the node cannot be reached or answers nonsense; failed or skipped actions are
 * logged and counted.
 */
export async function runTick(keeper: Keeper): Promise<TickReport> {
  const started = performance.now();
  const snapshot = await readSnapshot(keeper);
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
    powerBalance: snapshot.powerBalance,
    ethBalance: snapshot.ethBalance,
    healthPages: report.healthPages,
    scanMs: report.scanMs,
    durationMs: report.durationMs,
  });
  return report;
}
