/**
 * Signing, sending, tracking and confirming the keeper's transactions.
 *
 * Nonces: every tick starts with {@link TransactionSender.sync}, which re-reads the account's pending transaction
 * count from the node, so a transaction that left the mempool unmined (evicted, an RPC fail-over, a node restart)
 * never leaves a gap that later transactions queue behind. Each new transaction takes the lowest nonce from that
 * count up that no tracked transaction holds.
 *
 * Tracking: every sent transaction is tracked under its action (`funding`, `liquidation:<vaultId>`, `approval`)
 * until it is mined, dropped, or its nonce is used by another transaction. An action with a tracked transaction
 * sends nothing new. A transaction still pending `--replace-after` after it was sent is replaced: same nonce, both
 * fee fields multiplied by {@link FEE_BUMP_PERCENT}/100 (and at least the current fees); a transaction past its
 * deadline is replaced by a cancellation (0 ETH to the keeper itself, 21,000 gas) instead, since it can only revert.
 *
 * @module
 */
import {
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Address,
  type Hex,
  type PrivateKeyAccount,
  type TransactionReceipt,
} from "viem";

import type { KeeperClient } from "./rpc.js";

/** Fees of the keeper's transactions. */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  /** The price a transaction is expected to pay per gas (base fee + tip), for profitability checks. */
  expectedGasPrice: bigint;
}

/** A transaction to send. */
export interface TransactionRequest {
  to: Address;
  data: Hex;
  /** Gas limit. */
  gas: bigint;
}

/** What a tracked transaction is for, and what it holds back while it is pending. */
export interface ActionDetails {
  /** A block timestamp (seconds) after which the transaction can only revert (its on-chain deadline). */
  expiresAt?: bigint;
  /** Market tokens it may spend, held back from later liquidations while it is pending. */
  tokens?: bigint;
  /** The market token `tokens` counts (lower-case address). */
  token?: string;
}

/** A sent transaction that has not been seen mined yet. */
export interface TrackedTransaction extends ActionDetails {
  action: string;
  nonce: number;
  request: TransactionRequest;
  fees: Fees;
  /** Every hash sent with this nonce: the first and its replacements, newest last. */
  hashes: Hex[];
  /** When the newest hash was sent (`Date.now()`). */
  sentAtMs: number;
}

/** How a tracked transaction left the tracking at a sync. */
export type Resolution =
  | { outcome: "mined"; tracked: TrackedTransaction; receipt: TransactionReceipt }
  | { outcome: "dropped" | "nonce-used"; tracked: TrackedTransaction };

/** A replacement made at a sync. */
export interface Replacement {
  tracked: TrackedTransaction;
  /** The hash replaced. */
  replaced: Hex;
  /** "replaced" (same call, higher fees) or "cancelled" (past its deadline: a 0-ETH self-transfer instead). */
  kind: "replaced" | "cancelled";
  /** The node's refusal, when the replacement was not accepted. */
  error?: unknown;
}

/** What {@link TransactionSender.sync} found and did. */
export interface SyncReport {
  /** The account's mined transaction count. */
  latestNonce: number;
  /** The account's transaction count including the node's pending pool: the next nonce to use. */
  pendingNonce: number;
  resolved: Resolution[];
  replacements: Replacement[];
}

const DEFAULT_PRIORITY_FEE = 1_000_000_000n;
/** A replacement's fees, in percent of the replaced transaction's (nodes require at least +10%). */
export const FEE_BUMP_PERCENT = 125n;
/** Gas of a cancellation (a plain transfer). */
const CANCEL_GAS = 21_000n;

/** A fee bumped by {@link FEE_BUMP_PERCENT} (rounded up). */
const bump = (fee: bigint) => (fee * FEE_BUMP_PERCENT + 99n) / 100n;
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** The fees of a replacement: the old ones bumped, and at least the current ones. */
export function replacementFees(old: Fees, current: Fees): Fees {
  const maxPriorityFeePerGas = max(bump(old.maxPriorityFeePerGas), current.maxPriorityFeePerGas);
  const maxFeePerGas = max(max(bump(old.maxFeePerGas), current.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas, expectedGasPrice: current.expectedGasPrice };
}

/** Sends the keeper's transactions from one account and tracks them until they are mined. */
export class TransactionSender {
  /** The lowest nonce the next transaction may take; undefined: ask the node. */
  private nextNonce: number | undefined;
  private readonly tracked = new Map<string, TrackedTransaction>();

  /**
   * @param client The public client.
   * @param account The keeper account (signs locally).
   * @param chainId The chain id signed into every transaction.
   */
  constructor(
    private readonly client: KeeperClient,
    readonly account: PrivateKeyAccount,
    private readonly chainId: number,
  ) {}

  /** Fees for a block with the given base fee (2 x base fee + tip as the cap, base fee + tip expected). */
  async fees(baseFeePerGas: bigint | null | undefined): Promise<Fees> {
    if (baseFeePerGas === null || baseFeePerGas === undefined) {
      const gasPrice = await this.client.getGasPrice();
      return { maxFeePerGas: gasPrice, maxPriorityFeePerGas: gasPrice, expectedGasPrice: gasPrice };
    }
    let tip: bigint;
    try {
      tip = await this.client.estimateMaxPriorityFeePerGas();
    } catch {
      tip = DEFAULT_PRIORITY_FEE;
    }
    return {
      maxFeePerGas: baseFeePerGas * 2n + tip,
      maxPriorityFeePerGas: tip,
      expectedGasPrice: baseFeePerGas + tip,
    };
  }

  /** Forgets the local nonce: the next send asks the node for the pending count. */
  resetNonce(): void {
    this.nextNonce = undefined;
  }

  /** The tracked transaction of an action, if one is pending. */
  pending(action: string): TrackedTransaction | undefined {
    return this.tracked.get(action);
  }

  /** Every tracked transaction. */
  allPending(): TrackedTransaction[] {
    return [...this.tracked.values()];
  }

  /** Tokens the tracked transactions may still spend: of one market token, or of all of them. */
  pendingTokens(token?: string): bigint {
    let total = 0n;
    for (const tracked of this.tracked.values()) {
      if (token === undefined || tracked.token === token.toLowerCase()) total += tracked.tokens ?? 0n;
    }
    return total;
  }

  /** Stops tracking an action (its receipt was seen). */
  settle(action: string): void {
    this.tracked.delete(action);
  }

  /**
   * Signs and sends one transaction for `action` with the next free nonce, without waiting for it to be mined,
   * and tracks it.
   *
   * @returns The transaction hash.
   * @throws When the action already has a pending transaction, or the node's error (the local nonce is then
   *   reset so that the next send re-synchronises).
   */
  async send(
    action: string,
    request: TransactionRequest,
    fees: Fees,
    details: ActionDetails = {},
  ): Promise<Hex> {
    if (this.tracked.has(action)) throw new Error(`${action} already has a pending transaction`);
    const nonce = await this.allocateNonce();
    let hash: Hex;
    try {
      hash = await this.sign(nonce, request, fees);
    } catch (error) {
      this.resetNonce();
      throw error;
    }
    this.nextNonce = nonce + 1;
    this.tracked.set(action, {
      action,
      nonce,
      request,
      fees,
      hashes: [hash],
      sentAtMs: Date.now(),
      ...details,
    });
    return hash;
  }

  /**
   * Starts a tick: re-reads the account's nonces, resolves tracked transactions (mined, dropped by the node, or
   * their nonce used by another transaction), and replaces those pending for `replaceAfterMs` or more.
   *
   * @param now The pinned block's timestamp (for deadlines).
   * @param currentFees The fees of the pinned block.
   * @param replaceAfterMs How long a transaction may stay pending before it is replaced.
   */
  async sync(now: bigint, currentFees: Fees, replaceAfterMs: number): Promise<SyncReport> {
    const address = this.account.address;
    const [latestNonce, pendingNonce] = await Promise.all([
      this.client.getTransactionCount({ address, blockTag: "latest" }),
      this.client.getTransactionCount({ address, blockTag: "pending" }),
    ]);
    const resolved = await Promise.all(this.allPending().map((t) => this.resolve(t, latestNonce)));
    const report: SyncReport = { latestNonce, pendingNonce, resolved: [], replacements: [] };
    for (const resolution of resolved) {
      if (resolution === undefined) continue;
      this.tracked.delete(resolution.tracked.action);
      report.resolved.push(resolution);
    }
    // The node's count is the truth: a dropped transaction's nonce is used again instead of left as a gap.
    this.nextNonce = pendingNonce;
    for (const tracked of this.allPending()) {
      if (Date.now() - tracked.sentAtMs < replaceAfterMs) continue;
      report.replacements.push(await this.replace(tracked, now, currentFees));
    }
    return report;
  }

  /**
   * Waits for receipts, polling every hash in one batch with backoff (25 ms doubling up to 1 s).
   *
   * @param hashes Transaction hashes.
   * @param timeoutMs How long to wait in total.
   * @param signal Stops the wait early (what has been found is returned).
   * @returns The receipt of every hash that was mined in time.
   */
  async waitForReceipts(
    hashes: Hex[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Map<Hex, TransactionReceipt>> {
    const receipts = new Map<Hex, TransactionReceipt>();
    const deadline = Date.now() + timeoutMs;
    let delay = 25;
    for (;;) {
      const pending = hashes.filter((hash) => !receipts.has(hash));
      if (pending.length === 0) return receipts;
      const found = await Promise.all(pending.map((hash) => this.receipt(hash)));
      for (const receipt of found) if (receipt !== undefined) receipts.set(receipt.transactionHash, receipt);
      if (receipts.size === hashes.length || Date.now() > deadline || signal?.aborted === true)
        return receipts;
      await abortableDelay(delay, signal);
      delay = Math.min(delay * 2, 1000);
    }
  }

  private async allocateNonce(): Promise<number> {
    let nonce =
      this.nextNonce ??
      (await this.client.getTransactionCount({ address: this.account.address, blockTag: "pending" }));
    const held = new Set(this.allPending().map((t) => t.nonce));
    while (held.has(nonce)) nonce++;
    return nonce;
  }

  private async sign(nonce: number, request: TransactionRequest, fees: Fees): Promise<Hex> {
    const serializedTransaction = await this.account.signTransaction({
      type: "eip1559",
      chainId: this.chainId,
      nonce,
      to: request.to,
      data: request.data,
      gas: request.gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      value: 0n,
    });
    return this.client.sendRawTransaction({ serializedTransaction });
  }

  private async receipt(hash: Hex): Promise<TransactionReceipt | undefined> {
    try {
      return await this.client.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return undefined;
      throw error;
    }
  }

  private async known(hash: Hex): Promise<boolean> {
    try {
      await this.client.getTransaction({ hash });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError) return false;
      throw error;
    }
  }

  /** How a tracked transaction has left the pool, or undefined while it is still pending. */
  private async resolve(tracked: TrackedTransaction, latestNonce: number): Promise<Resolution | undefined> {
    const receipts = await Promise.all(tracked.hashes.map((hash) => this.receipt(hash)));
    const receipt = receipts.find((r) => r !== undefined);
    if (receipt !== undefined) return { outcome: "mined", tracked, receipt };
    if (tracked.nonce < latestNonce) return { outcome: "nonce-used", tracked };
    const known = await Promise.all(tracked.hashes.map((hash) => this.known(hash)));
    return known.includes(true) ? undefined : { outcome: "dropped", tracked };
  }

  /** Replaces a stuck transaction: same nonce, bumped fees; a cancellation once it is past its deadline. */
  private async replace(tracked: TrackedTransaction, now: bigint, currentFees: Fees): Promise<Replacement> {
    const replaced = tracked.hashes[tracked.hashes.length - 1];
    const expired = tracked.expiresAt !== undefined && now > tracked.expiresAt;
    const request: TransactionRequest = expired
      ? { to: this.account.address, data: "0x", gas: CANCEL_GAS }
      : tracked.request;
    const fees = replacementFees(tracked.fees, currentFees);
    const kind = expired ? "cancelled" : "replaced";
    try {
      const hash = await this.sign(tracked.nonce, request, fees);
      tracked.hashes.push(hash);
      tracked.request = request;
      tracked.fees = fees;
      tracked.sentAtMs = Date.now();
      if (expired) tracked.tokens = 0n;
      return { tracked, replaced, kind };
    } catch (error) {
      return { tracked, replaced, kind, error };
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
