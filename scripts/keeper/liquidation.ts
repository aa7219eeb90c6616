/**
 * Liquidations. Capital: the keeper account repays debt with power tokens it already holds (the Controller
 * burns them from the caller). For each liquidatable vault it offers `min(remaining balance, what the
 * Controller's close factor allows)`: it simulates `liquidate(vaultId, amount)` at the latest block (which gives
 * the exact debt repaid and ETH paid) and estimates its gas, and sends it only if the bonus (ETH received minus the
 * repaid tokens' value at the power token's market TWAP) is at least `--min-profit-factor` times the gas cost.
 *
 * Transactions go out in nonce order without waiting for each other, then the keeper waits for all receipts.
 * A vault is attempted at most once per tick. A vault another keeper liquidated first fails its simulation (the
 * vault is safe by now) or reverts on chain; both are logged, never thrown.
 *
 * @module
 */
import { encodeFunctionData, parseEventLogs, type Hex } from "viem";

import { controllerAbi } from "./abi.js";
import type { Keeper, TickSnapshot } from "./context.js";
import type { LogFields } from "./logging.js";
import { describeError, isConnectionError, isNonceError, isRevertError } from "./rpc.js";

/** Counts of what the liquidation step did, by status. */
export interface LiquidationSummary {
  candidates: number;
  sent: number;
  confirmed: number;
  reverted: number;
  skipped: number;
  failed: number;
  pending: number;
  dryRun: number;
}

/** A summary with every count at zero. */
export function emptyLiquidationSummary(): LiquidationSummary {
  return { candidates: 0, sent: 0, confirmed: 0, reverted: 0, skipped: 0, failed: 0, pending: 0, dryRun: 0 };
}

type Simulation =
  { ok: true; debtRepaid: bigint; collateralPaid: bigint; gas: bigint } | { ok: false; reason: string };

/** Why a planned liquidation was not sent (or was mined and reverted, on a node that mines on receipt). */
interface SendFailure {
  status: "skipped" | "reverted" | "failed";
  reason: string;
}

/** A liquidation the keeper decided to send. */
interface Plan {
  vaultId: bigint;
  amount: bigint;
  debtRepaid: bigint;
  collateralPaid: bigint;
  gas: bigint;
  bonusWei: bigint;
  gasCostWei: bigint;
}

const WAD = 10n ** 18n;
/** Simulations in flight at once. */
const SIMULATION_CONCURRENCY = 50;

/** Simulates `liquidate(vaultId, amount)` from the keeper at the latest block and estimates its gas. */
async function simulate(keeper: Keeper, vaultId: bigint, amount: bigint): Promise<Simulation> {
  const call = {
    address: keeper.controller,
    abi: controllerAbi,
    functionName: "liquidate",
    args: [vaultId, amount],
    account: keeper.sender.account.address,
  } as const;
  try {
    const [{ result }, gas] = await Promise.all([
      keeper.client.simulateContract(call),
      keeper.client.estimateContractGas(call),
    ]);
    return { ok: true, debtRepaid: result[0], collateralPaid: result[1], gas };
  } catch (error) {
    if (isConnectionError(error)) throw error;
    return { ok: false, reason: describeError(error) };
  }
}

async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await f(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The bonus of a simulated liquidation: ETH received minus the repaid tokens' value at the market TWAP. */
export function liquidationBonus(debtRepaid: bigint, collateralPaid: bigint, powerPriceWad: bigint): bigint {
  return collateralPaid - (debtRepaid * powerPriceWad + WAD - 1n) / WAD;
}

/** Whether a bonus pays for the gas `minProfitFactor` times over (and is positive). */
export function isProfitable(bonusWei: bigint, gasCostWei: bigint, minProfitFactor: number): boolean {
  const factorMilli = BigInt(Math.round(minProfitFactor * 1000));
  return bonusWei > 0n && bonusWei * 1000n >= gasCostWei * factorMilli;
}

/**
 * Liquidates what it profitably can among `candidates` (liquidatable at the pinned block).
 *
 * @param keeper The keeper.
 * @param snapshot The tick's pinned-block reads.
 * @param candidates Liquidatable vault ids (duplicates and already attempted ids are dropped).
 * @param attempted Vault ids attempted in this tick (updated).
 */
export async function liquidateVaults(
  keeper: Keeper,
  snapshot: TickSnapshot,
  candidates: readonly bigint[],
  attempted: Set<bigint>,
): Promise<LiquidationSummary> {
  const { logger, options } = keeper;
  const summary = emptyLiquidationSummary();
  const queue: bigint[] = [];
  for (const id of candidates) {
    if (attempted.has(id) || queue.length >= options.maxLiquidationsPerTick) continue;
    attempted.add(id);
    queue.push(id);
  }
  summary.candidates = queue.length;
  const base = (vaultId: bigint): LogFields => ({ vaultId, block: snapshot.blockNumber });
  const skip = (vaultId: bigint, reason: string, extra: LogFields = {}) => {
    summary.skipped++;
    logger.log("liquidation", { ...base(vaultId), status: "skipped", reason, ...extra });
  };
  if (queue.length === 0) return summary;
  const powerPriceWad = snapshot.powerPriceWad;
  if (snapshot.powerBalance === 0n || powerPriceWad === undefined) {
    const reason = powerPriceWad === undefined ? "no power-token price" : "keeper holds no power tokens";
    for (const id of queue) skip(id, reason);
    return summary;
  }

  // Plan: simulate every candidate with the whole balance, then share the balance out in id order.
  let budget = snapshot.powerBalance;
  const first = await mapConcurrent(queue, SIMULATION_CONCURRENCY, (id) => simulate(keeper, id, budget));
  const plans: Plan[] = [];
  for (const [index, vaultId] of queue.entries()) {
    let simulation = first[index];
    if (simulation.ok && simulation.debtRepaid > budget) {
      simulation =
        budget === 0n
          ? { ok: false, reason: "power tokens used up" }
          : await simulate(keeper, vaultId, budget);
    }
    if (!simulation.ok) {
      skip(vaultId, simulation.reason);
      continue;
    }
    const bonusWei = liquidationBonus(simulation.debtRepaid, simulation.collateralPaid, powerPriceWad);
    const gasCostWei = simulation.gas * snapshot.fees.expectedGasPrice;
    const numbers = {
      debtRepaid: simulation.debtRepaid,
      collateralPaid: simulation.collateralPaid,
      bonusWei,
      gasCostWei,
    };
    if (!isProfitable(bonusWei, gasCostWei, options.minProfitFactor)) {
      skip(vaultId, "unprofitable", numbers);
      continue;
    }
    // Offer the whole remaining balance: the Controller takes what the simulation took (its close factor).
    plans.push({ vaultId, amount: budget, gas: simulation.gas, ...numbers });
    budget -= simulation.debtRepaid;
  }

  if (options.dryRun) {
    for (const plan of plans) {
      summary.dryRun++;
      logger.log("liquidation", { ...base(plan.vaultId), status: "dry-run", ...planFields(plan) });
    }
    return summary;
  }

  // Send: in nonce order, without waiting for receipts in between.
  const sent: { plan: Plan; hash: Hex }[] = [];
  for (const plan of plans) {
    const hash = await sendPlan(keeper, snapshot, plan);
    if (typeof hash === "string") {
      sent.push({ plan, hash });
      summary.sent++;
    } else {
      summary[hash.status]++;
      logger.log(
        "liquidation",
        { ...base(plan.vaultId), status: hash.status, reason: hash.reason },
        hash.status === "skipped" ? "info" : "warn",
      );
    }
  }

  // Confirm.
  const receipts = await keeper.sender.waitForReceipts(
    sent.map((s) => s.hash),
    options.receiptTimeoutMs,
  );
  for (const { plan, hash } of sent) {
    const receipt = receipts.get(hash);
    if (receipt === undefined) {
      summary.pending++;
      logger.log("liquidation", { ...base(plan.vaultId), status: "pending", tx: hash }, "warn");
      continue;
    }
    if (receipt.status !== "success") {
      summary.reverted++;
      logger.log(
        "liquidation",
        {
          ...base(plan.vaultId),
          status: "reverted",
          tx: hash,
          txBlock: receipt.blockNumber,
          gasUsed: receipt.gasUsed,
        },
        "warn",
      );
      continue;
    }
    const [event] = parseEventLogs({ abi: controllerAbi, eventName: "Liquidated", logs: receipt.logs });
    summary.confirmed++;
    logger.log("liquidation", {
      ...base(plan.vaultId),
      status: "confirmed",
      tx: hash,
      txBlock: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      debtRepaid: event?.args.debtRepaid ?? plan.debtRepaid,
      collateralPaid: event?.args.collateralPaid ?? plan.collateralPaid,
      bonusWei: plan.bonusWei,
      gasCostWei: receipt.gasUsed * receipt.effectiveGasPrice,
    });
  }
  return summary;
}

function planFields(plan: Plan): LogFields {
  return {
    amount: plan.amount,
    debtRepaid: plan.debtRepaid,
    collateralPaid: plan.collateralPaid,
    bonusWei: plan.bonusWei,
    gasCostWei: plan.gasCostWei,
  };
}

/**
 * Sends one planned liquidation. A nonce clash (another sender with the same key) re-synchronises the nonce,
 * re-simulates and tries once more.
 *
 * @returns The transaction hash, or why nothing was sent.
 */
async function sendPlan(keeper: Keeper, snapshot: TickSnapshot, plan: Plan): Promise<Hex | SendFailure> {
  const request = {
    to: keeper.controller,
    data: encodeFunctionData({
      abi: controllerAbi,
      functionName: "liquidate",
      args: [plan.vaultId, plan.amount],
    }),
    gas: (plan.gas * 12n) / 10n + 20_000n,
  };
  try {
    return await keeper.sender.send(request, snapshot.fees);
  } catch (error) {
    if (isConnectionError(error)) throw error;
    if (!isNonceError(error)) return sendFailure(error);
  }
  const again = await simulate(keeper, plan.vaultId, plan.amount);
  if (!again.ok) return { status: "skipped", reason: again.reason };
  try {
    return await keeper.sender.send(request, snapshot.fees);
  } catch (error) {
    if (isConnectionError(error)) throw error;
    return sendFailure(error);
  }
}

/** A node that mines on receipt (Hardhat's automine) answers a reverting transaction with its revert. */
function sendFailure(error: unknown): SendFailure {
  return { status: isRevertError(error) ? "reverted" : "failed", reason: describeError(error) };
}
