/**
 * Liquidations, market by market. Capital: the keeper account repays a vault's debt with the tokens of the vault's
 * market it already holds. For each liquidatable vault it simulates `liquidate(vaultId, remaining balance)` on the
 * engine at the latest block (which gives the exact debt repaid and ETH paid, the engine's close factor applied)
 * and estimates its gas, and sends it only if the bonus (ETH received minus the repaid tokens' value at the
 * market token's TWAP) is at least `--min-profit-factor` times the gas cost.
 *
 * What a liquidation may cost is bounded even when it waits in the mempool: it offers only the simulated
 * repayment (never the whole balance), and, through the deployed KeeperHelper's `liquidateWithLimits`, it reverts
 * unless it pays at least the simulated ETH less `--max-slippage` and is mined within `--deadline` of the pinned
 * block. The keeper approves the helper once per market token (an unlimited `approve`, sent before its first
 * liquidation in that market). Without a deployed helper it calls the engine directly (the repayment is bounded;
 * the ETH out and the time are not). Every log line names the market.
 *
 * Transactions go out in nonce order without waiting for each other, then the keeper waits for all receipts.
 * A vault is attempted at most once per tick, and not at all while an earlier liquidation of it is pending. A
 * vault another keeper liquidated first fails its simulation (the vault is safe by now) or reverts on chain; both
 * are logged, never thrown.
 *
 * @module
 */
import { maxUint256, parseEventLogs, type Hex } from "viem";

import { engineAbi } from "./abi.js";
import type { Keeper, MarketSnapshot, TickSnapshot } from "./context.js";
import type { LogFields } from "./logging.js";
import { describeError, isConnectionError, isNonceError, isRevertError } from "./rpc.js";
import type { TransactionRequest } from "./transactions.js";

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
  /** Market tokens offered: the simulated repayment. */
  amount: bigint;
  debtRepaid: bigint;
  collateralPaid: bigint;
  /** The least ETH the helper route accepts (the simulated payout less `--max-slippage`). */
  minCollateralOut: bigint;
  /** The last block timestamp the helper route accepts. */
  deadline: bigint;
  gas: bigint;
  bonusWei: bigint;
  gasCostWei: bigint;
}

/** The transaction sender's action key of a vault's liquidation. */
export const liquidationAction = (vaultId: bigint) => `liquidation:${vaultId}`;
/** The transaction sender's action key of the keeper's approval of the KeeperHelper for a market's token. */
export const approvalAction = (marketId: number) => `approval:${marketId}`;
/**
 * Gas the KeeperHelper route adds to an engine liquidation (the token pull and refund, the ETH forwarding, the
 * guard and the event; measured ~21k for a liquidation without a token refund: a margin).
 */
export const HELPER_ROUTE_EXTRA_GAS = 60_000n;
/** Gas of the one-time approval of the KeeperHelper. */
const APPROVAL_GAS = 60_000n;
const BPS = 10_000n;

const WAD = 10n ** 18n;
/** Simulations in flight at once. */
const SIMULATION_CONCURRENCY = 50;

/** Simulates `liquidate(vaultId, amount)` from the keeper at the latest block and estimates its gas. */
async function simulate(keeper: Keeper, vaultId: bigint, amount: bigint): Promise<Simulation> {
  const call = {
    address: keeper.engine,
    abi: engineAbi,
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
export function liquidationBonus(debtRepaid: bigint, collateralPaid: bigint, tokenPriceWad: bigint): bigint {
  return collateralPaid - (debtRepaid * tokenPriceWad + WAD - 1n) / WAD;
}

/** Whether a bonus pays for the gas `minProfitFactor` times over (and is positive). */
export function isProfitable(bonusWei: bigint, gasCostWei: bigint, minProfitFactor: number): boolean {
  const factorMilli = BigInt(Math.round(minProfitFactor * 1000));
  return bonusWei > 0n && bonusWei * 1000n >= gasCostWei * factorMilli;
}

/**
 * Liquidates what it profitably can among one market's `candidates` (liquidatable at the pinned block).
 *
 * @param keeper The keeper.
 * @param snapshot The tick's pinned-block reads.
 * @param market The market's pinned-block reads.
 * @param candidates The market's liquidatable vault ids (duplicates and already attempted ids are dropped).
 * @param attempted Vault ids attempted in this tick (updated).
 * @param limit The most liquidations to attempt (what is left of `--max-liquidations` for this tick).
 */
export async function liquidateVaults(
  keeper: Keeper,
  snapshot: TickSnapshot,
  market: MarketSnapshot,
  candidates: readonly bigint[],
  attempted: Set<bigint>,
  limit = keeper.options.maxLiquidationsPerTick,
): Promise<LiquidationSummary> {
  const { logger, options } = keeper;
  const summary = emptyLiquidationSummary();
  const marketFields = { market: market.market.name, marketId: market.market.id };
  const base = (vaultId: bigint): LogFields => ({ ...marketFields, vaultId, block: snapshot.blockNumber });
  const queue: bigint[] = [];
  for (const id of candidates) {
    if (attempted.has(id) || queue.length >= limit) continue;
    attempted.add(id);
    const inFlight = keeper.sender.pending(liquidationAction(id));
    if (inFlight !== undefined) {
      summary.pending++;
      const tx = inFlight.hashes[inFlight.hashes.length - 1];
      logger.log("liquidation", {
        ...base(id),
        status: "pending",
        tx,
        nonce: inFlight.nonce,
        reason: "already sent",
      });
      continue;
    }
    queue.push(id);
  }
  summary.candidates = queue.length;
  const skip = (vaultId: bigint, reason: string, extra: LogFields = {}) => {
    summary.skipped++;
    logger.log("liquidation", { ...base(vaultId), status: "skipped", reason, ...extra });
  };
  if (queue.length === 0) return summary;
  const tokenPriceWad = market.tokenPriceWad;
  // Tokens the keeper's pending liquidations in this market may still spend are not offered again.
  const pendingTokens = keeper.sender.pendingTokens(market.market.token);
  let budget = market.tokenBalance > pendingTokens ? market.tokenBalance - pendingTokens : 0n;
  if (budget === 0n || tokenPriceWad === undefined) {
    const reason =
      tokenPriceWad === undefined
        ? "no token price"
        : market.tokenBalance === 0n
          ? "keeper holds no tokens of the market"
          : "tokens held by pending liquidations";
    for (const id of queue) skip(id, reason);
    return summary;
  }

  // Plan: simulate every candidate with the whole budget, then share the budget out in id order.
  const routeGas = keeper.liquidationRoute.kind === "helper" ? HELPER_ROUTE_EXTRA_GAS : 0n;
  const deadline = liquidationDeadline(snapshot.timestamp, Date.now(), options.liquidationDeadlineMs);
  const first = await mapConcurrent(queue, SIMULATION_CONCURRENCY, (id) => simulate(keeper, id, budget));
  const plans: Plan[] = [];
  for (const [index, vaultId] of queue.entries()) {
    let simulation = first[index];
    if (simulation.ok && simulation.debtRepaid > budget) {
      simulation =
        budget === 0n ? { ok: false, reason: "tokens used up" } : await simulate(keeper, vaultId, budget);
    }
    if (!simulation.ok) {
      skip(vaultId, simulation.reason);
      continue;
    }
    const bonusWei = liquidationBonus(simulation.debtRepaid, simulation.collateralPaid, tokenPriceWad);
    const gas = simulation.gas + routeGas;
    const gasCostWei = gas * snapshot.fees.expectedGasPrice;
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
    // Offer only what the simulation repaid (the engine's close factor), never the whole balance.
    plans.push({
      vaultId,
      amount: simulation.debtRepaid,
      minCollateralOut: minimumOut(simulation.collateralPaid, options.maxSlippageBps),
      deadline,
      gas,
      ...numbers,
    });
    budget -= simulation.debtRepaid;
  }

  if (options.dryRun) {
    for (const plan of plans) {
      summary.dryRun++;
      logger.log("liquidation", { ...base(plan.vaultId), status: "dry-run", ...planFields(plan) });
    }
    return summary;
  }

  // Send: in nonce order (the approval first, when the helper needs one), without waiting in between.
  if (plans.length !== 0) await approveHelperIfNeeded(keeper, snapshot, market, plans);
  const sent: { plan: Plan; hash: Hex }[] = [];
  for (const plan of plans) {
    const hash = await sendPlan(keeper, snapshot, market, plan);
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
    keeper.signal,
  );
  for (const { plan, hash } of sent) {
    const receipt = receipts.get(hash);
    if (receipt === undefined) {
      summary.pending++;
      logger.log("liquidation", { ...base(plan.vaultId), status: "pending", tx: hash }, "warn");
      continue;
    }
    keeper.sender.settle(liquidationAction(plan.vaultId));
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
    const engineLogs = receipt.logs.filter(
      (log) => log.address.toLowerCase() === keeper.engine.toLowerCase(),
    );
    const [event] = parseEventLogs({ abi: engineAbi, eventName: "Liquidated", logs: engineLogs });
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

/**
 * The last block timestamp a liquidation may be mined at: `--deadline` after the later of the pinned block's
 * timestamp and the keeper's clock (on an idle development chain the latest block may be minutes old).
 */
export function liquidationDeadline(blockTimestamp: bigint, nowMs: number, deadlineMs: number): bigint {
  const clock = BigInt(Math.floor(nowMs / 1000));
  const start = blockTimestamp > clock ? blockTimestamp : clock;
  return start + BigInt(Math.ceil(deadlineMs / 1000));
}

/** The least ETH a liquidation may pay: the simulated payout less `slippageBps` (rounded up). */
export function minimumOut(collateralPaid: bigint, slippageBps: number): bigint {
  return (collateralPaid * (BPS - BigInt(slippageBps)) + BPS - 1n) / BPS;
}

/**
 * Sends the one-time unlimited approval of the KeeperHelper for the market's token when the plans need more than
 * it may take.
 */
async function approveHelperIfNeeded(
  keeper: Keeper,
  snapshot: TickSnapshot,
  market: MarketSnapshot,
  plans: Plan[],
): Promise<void> {
  const route = keeper.liquidationRoute;
  const action = approvalAction(market.market.id);
  if (route.kind !== "helper" || keeper.sender.pending(action) !== undefined) return;
  const needed =
    plans.reduce((sum, plan) => sum + plan.amount, 0n) + keeper.sender.pendingTokens(market.market.token);
  if (market.helperAllowance >= needed) return;
  const request: TransactionRequest = {
    ...keeper.calls.approve(market.market.token, route.helper, maxUint256),
    gas: APPROVAL_GAS,
  };
  const fields = { market: market.market.name, marketId: market.market.id, token: market.market.token };
  try {
    const tx = await keeper.sender.send(action, request, snapshot.fees);
    keeper.logger.log("approval", { ...fields, status: "sent", tx, spender: route.helper });
  } catch (error) {
    if (isConnectionError(error)) throw error;
    keeper.logger.log("approval", { ...fields, status: "failed", reason: describeError(error) }, "warn");
  }
}

function planFields(plan: Plan): LogFields {
  return {
    amount: plan.amount,
    minCollateralOut: plan.minCollateralOut,
    deadline: plan.deadline,
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
async function sendPlan(
  keeper: Keeper,
  snapshot: TickSnapshot,
  market: MarketSnapshot,
  plan: Plan,
): Promise<Hex | SendFailure> {
  const route = keeper.liquidationRoute;
  const gas = (plan.gas * 12n) / 10n + 20_000n;
  const call =
    route.kind === "helper"
      ? keeper.calls.liquidateWithLimits(plan.vaultId, plan.amount, plan.minCollateralOut, plan.deadline)
      : keeper.calls.liquidate(plan.vaultId, plan.amount);
  const request: TransactionRequest = { to: call.to, data: call.data, gas };
  const action = liquidationAction(plan.vaultId);
  const details = {
    tokens: plan.amount,
    token: market.market.token.toLowerCase(),
    expiresAt: route.kind === "helper" ? plan.deadline : undefined,
  };
  try {
    return await keeper.sender.send(action, request, snapshot.fees, details);
  } catch (error) {
    if (isConnectionError(error)) throw error;
    if (!isNonceError(error)) return sendFailure(error);
  }
  const again = await simulate(keeper, plan.vaultId, plan.amount);
  if (!again.ok) return { status: "skipped", reason: again.reason };
  try {
    return await keeper.sender.send(action, request, snapshot.fees, details);
  } catch (error) {
    if (isConnectionError(error)) throw error;
    return sendFailure(error);
  }
}

/** A node that mines on receipt (Hardhat's automine) answers a reverting transaction with its revert. */
function sendFailure(error: unknown): SendFailure {
  return { status: isRevertError(error) ? "reverted" : "failed", reason: describeError(error) };
}
