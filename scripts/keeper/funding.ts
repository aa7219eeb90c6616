/**
 * Funding: when the Controller's last funding update is at least `--funding-interval` old at the pinned block,
 * the keeper calls `applyFunding()` (after re-reading the last update at the latest block, so that a second
 * keeper that was faster is not repeated, and after simulating it). While an `applyFunding()` of the keeper is
 * pending, nothing new is sent (the transaction sender replaces it when it stays pending too long).
 *
 * @module
 */
import { encodeFunctionData, parseEventLogs } from "viem";

import { controllerAbi } from "./abi.js";
import type { Keeper, TickSnapshot } from "./context.js";
import { describeError } from "./rpc.js";

/** The transaction sender's action key of funding updates. */
export const FUNDING_ACTION = "funding";

/** What the funding step did. */
export type FundingStatus = "not-due" | "applied" | "reverted" | "dry-run" | "skipped" | "failed" | "pending";

/** Whether funding is due at the snapshot. */
export function fundingDue(keeper: Keeper, snapshot: TickSnapshot): boolean {
  return snapshot.timestamp - snapshot.lastFundingUpdate >= BigInt(keeper.options.fundingIntervalSeconds);
}

/**
 * Applies funding if it is due. Logs one `funding` line when it acts (or would act, with `--dry-run`).
 *
 * @returns What happened.
 */
export async function applyFundingIfDue(keeper: Keeper, snapshot: TickSnapshot): Promise<FundingStatus> {
  if (snapshot.paused || snapshot.shutDown || !fundingDue(keeper, snapshot)) return "not-due";
  const { client, controller, logger, sender, options } = keeper;
  const ageSeconds = snapshot.timestamp - snapshot.lastFundingUpdate;
  const base = { block: snapshot.blockNumber, lastUpdate: snapshot.lastFundingUpdate, ageSeconds };
  const inFlight = sender.pending(FUNDING_ACTION);
  if (inFlight !== undefined) {
    const tx = inFlight.hashes[inFlight.hashes.length - 1];
    logger.log("funding", { ...base, status: "pending", tx, nonce: inFlight.nonce, reason: "already sent" });
    return "pending";
  }

  const latest = await client.readContract({
    address: controller,
    abi: controllerAbi,
    functionName: "lastFundingUpdate",
  });
  if (latest !== snapshot.lastFundingUpdate) {
    logger.log("funding", { ...base, status: "skipped", reason: `already updated at ${latest}` });
    return "skipped";
  }
  let gas: bigint;
  try {
    gas = await client.estimateContractGas({
      address: controller,
      abi: controllerAbi,
      functionName: "applyFunding",
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
      FUNDING_ACTION,
      {
        to: controller,
        data: encodeFunctionData({ abi: controllerAbi, functionName: "applyFunding" }),
        gas: (gas * 12n) / 10n + 10_000n,
      },
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
  sender.settle(FUNDING_ACTION);
  if (receipt.status !== "success") {
    logger.log("funding", { ...base, status: "reverted", tx: hash, gasUsed: receipt.gasUsed }, "warn");
    return "reverted";
  }
  const [update] = parseEventLogs({
    abi: controllerAbi,
    eventName: "NormalizationFactorUpdated",
    logs: receipt.logs,
  });
  logger.log("funding", {
    ...base,
    status: "applied",
    tx: hash,
    txBlock: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    oldFactor: update?.args.oldFactor,
    newFactor: update?.args.newFactor,
  });
  return "applied";
}
