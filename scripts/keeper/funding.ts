/**
 * Funding, market by market: when a market's last funding update is at least `--funding-interval` old at the
 * pinned block, the keeper calls the engine's `applyFunding(marketId)` (after re-reading the last update at the
 * latest block, so that a second keeper that was faster is not repeated, and after simulating it). While an
 * `applyFunding` of the keeper for that market is pending, nothing new is sent for it (the transaction sender
 * replaces it when it stays pending too long).
 *
 * @module
 */
import { parseEventLogs } from "viem";

import { engineAbi, lensAbi } from "./abi.js";
import type { Keeper, MarketSnapshot, TickSnapshot } from "./context.js";
import { describeError } from "./rpc.js";

/** The transaction sender's action key of a market's funding updates. */
export const fundingAction = (marketId: number) => `funding:${marketId}`;

/** What the funding step did. */
export type FundingStatus = "not-due" | "applied" | "reverted" | "dry-run" | "skipped" | "failed" | "pending";

/** Whether a market's funding is due at the snapshot. */
export function fundingDue(keeper: Keeper, snapshot: TickSnapshot, market: MarketSnapshot): boolean {
  return snapshot.timestamp - market.lastFundingUpdate >= BigInt(keeper.options.fundingIntervalSeconds);
}

/**
 * Applies a market's funding if it is due. Logs one `funding` line naming the market when it acts (or would act,
 * with `--dry-run`).
 *
 * @returns What happened.
 */
export async function applyFundingIfDue(
  keeper: Keeper,
  snapshot: TickSnapshot,
  market: MarketSnapshot,
): Promise<FundingStatus> {
  if (market.paused || market.shutDown || !fundingDue(keeper, snapshot, market)) return "not-due";
  const { client, engine, lens, logger, sender, options } = keeper;
  const marketId = market.market.id;
  const action = fundingAction(marketId);
  const ageSeconds = snapshot.timestamp - market.lastFundingUpdate;
  const base = {
    market: market.market.name,
    marketId,
    block: snapshot.blockNumber,
    lastUpdate: market.lastFundingUpdate,
    ageSeconds,
  };
  const inFlight = sender.pending(action);
  if (inFlight !== undefined) {
    const tx = inFlight.hashes[inFlight.hashes.length - 1];
    logger.log("funding", { ...base, status: "pending", tx, nonce: inFlight.nonce, reason: "already sent" });
    return "pending";
  }

  const latest = await client.readContract({
    address: lens,
    abi: lensAbi,
    functionName: "lastFundingUpdate",
    args: [marketId],
  });
  if (latest !== market.lastFundingUpdate) {
    logger.log("funding", { ...base, status: "skipped", reason: `already updated at ${latest}` });
    return "skipped";
  }
  let gas: bigint;
  try {
    gas = await client.estimateContractGas({
      address: engine,
      abi: engineAbi,
      functionName: "applyFunding",
      args: [marketId],
      account: sender.account.address,
    });
  } catch (error) {
    logger.log("funding", { ...base, status: "failed", reason: describeError(error) }, "warn");
    return "failed";
  }
  if (options.dryRun) {
    logger.log("funding", { ...base, status: "dry-run", gas });
    return "dry-run";
  }
  let hash;
  try {
    hash = await sender.send(
      action,
      { ...keeper.calls.applyFunding(marketId), gas: (gas * 12n) / 10n + 10_000n },
      snapshot.fees,
    );
  } catch (error) {
    logger.log("funding", { ...base, status: "failed", reason: describeError(error) }, "warn");
    return "failed";
  }
  const receipt = (await sender.waitForReceipts([hash], options.receiptTimeoutMs, keeper.signal)).get(hash);
  if (receipt === undefined) {
    logger.log("funding", { ...base, status: "pending", tx: hash }, "warn");
    return "pending";
  }
  sender.settle(action);
  if (receipt.status !== "success") {
    logger.log("funding", { ...base, status: "reverted", tx: hash, gasUsed: receipt.gasUsed }, "warn");
    return "reverted";
  }
  const [update] = parseEventLogs({
    abi: engineAbi,
    eventName: "NormalizationFactorUpdated",
    logs: receipt.logs.filter((log) => log.address.toLowerCase() === engine.toLowerCase()),
  });
  logger.log("funding", {
    ...base,
    status: "applied",
    tx: hash,
    txBlock: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    normalizationFactor: update?.args.normalizationFactor,
  });
  return "applied";
}
