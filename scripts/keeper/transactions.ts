/**
 * Signing, sending and confirming the keeper's transactions: a local nonce counter (re-synchronised from the
 * node after any failed send), EIP-1559 fees from the pinned block, and receipt polling with backoff.
 *
 * @module
 */
import {
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

const DEFAULT_PRIORITY_FEE = 1_000_000_000n;

/** Sends the keeper's transactions in nonce order from one account. */
export class TransactionSender {
  private nonce: number | undefined;

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
    this.nonce = undefined;
  }

  /**
   * Signs and sends one transaction with the next nonce, without waiting for it to be mined.
   *
   * @returns The transaction hash.
   * @throws The node's error; the local nonce is reset so that the next send re-synchronises.
   */
  async send(request: TransactionRequest, fees: Fees): Promise<Hex> {
    this.nonce ??= await this.client.getTransactionCount({
      address: this.account.address,
      blockTag: "pending",
    });
    const nonce = this.nonce;
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
    try {
      const hash = await this.client.sendRawTransaction({ serializedTransaction });
      this.nonce = nonce + 1;
      return hash;
    } catch (error) {
      this.resetNonce();
      throw error;
    }
  }

  /**
   * Waits for receipts, polling every hash in one batch with backoff (25 ms doubling up to 1 s).
   *
   * @param hashes Transaction hashes.
   * @param timeoutMs How long to wait in total.
   * @returns The receipt of every hash that was mined in time.
   */
  async waitForReceipts(hashes: Hex[], timeoutMs: number): Promise<Map<Hex, TransactionReceipt>> {
    const receipts = new Map<Hex, TransactionReceipt>();
    const deadline = Date.now() + timeoutMs;
    let delay = 25;
    for (;;) {
      const pending = hashes.filter((hash) => !receipts.has(hash));
      if (pending.length === 0) return receipts;
      const found = await Promise.all(
        pending.map((hash) =>
          this.client.getTransactionReceipt({ hash }).catch((error: unknown) => {
            if (error instanceof TransactionReceiptNotFoundError) return undefined;
            throw error;
          }),
        ),
      );
      for (const receipt of found) if (receipt !== undefined) receipts.set(receipt.transactionHash, receipt);
      if (receipts.size === hashes.length) return receipts;
      if (Date.now() > deadline) return receipts;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }
}
