/**
 * Incremental vault discovery from the Controller's `VaultOpened` events: each tick scans only the blocks after
 * the last one scanned, up to the tick's pinned block, in ranges of `--log-range` blocks (halved when the node
 * refuses a range).
 *
 * @module
 */
import type { Address } from "viem";

import { vaultOpenedEvent } from "./abi.js";
import { isConnectionError, type KeeperClient } from "./rpc.js";

/** What one discovery update found. */
export interface DiscoveryUpdate {
  /** Vaults seen for the first time. */
  newVaults: number;
  /** The block range scanned (empty when already up to date: fromBlock > toBlock). */
  fromBlock: bigint;
  toBlock: bigint;
}

/** The vault ids seen so far and the last block scanned. */
export class VaultDiscovery {
  private readonly known = new Set<bigint>();
  private sorted: bigint[] = [];
  private lastScanned: bigint;

  /**
   * @param controller The Controller emitting `VaultOpened`.
   * @param fromBlock The first block to scan.
   * @param blockRange Blocks per `eth_getLogs` request.
   */
  constructor(
    private readonly controller: Address,
    fromBlock: bigint,
    private readonly blockRange: bigint,
  ) {
    this.lastScanned = fromBlock - 1n;
  }

  /** The last block scanned (fromBlock - 1 before the first update). */
  get lastScannedBlock(): bigint {
    return this.lastScanned;
  }

  /** Every vault id seen, ascending. */
  vaultIds(): readonly bigint[] {
    return this.sorted;
  }

  /**
   * Scans the blocks after the last one scanned up to `toBlock`. The scanned block only advances over ranges
   * that were read completely, so a failed update is simply repeated by the next tick.
   */
  async update(client: KeeperClient, toBlock: bigint): Promise<DiscoveryUpdate> {
    const fromBlock = this.lastScanned + 1n;
    let range = this.blockRange;
    let added = 0;
    while (this.lastScanned < toBlock) {
      const start = this.lastScanned + 1n;
      const end = start + range - 1n < toBlock ? start + range - 1n : toBlock;
      let logs;
      try {
        logs = await client.getLogs({
          address: this.controller,
          event: vaultOpenedEvent,
          fromBlock: start,
          toBlock: end,
          strict: true,
        });
      } catch (error) {
        // A node that limits ranges or results answers with an error: ask for less. Unreachable: give up.
        if (isConnectionError(error) || range === 1n) throw error;
        range = range / 2n;
        continue;
      }
      for (const log of logs) {
        const id = log.args.vaultId;
        if (!this.known.has(id)) {
          this.known.add(id);
          added++;
        }
      }
      this.lastScanned = end;
    }
    if (added > 0) this.sort();
    return { newVaults: added, fromBlock, toBlock };
  }

  /**
   * Vault ids are sequential (1 to `vaultCount()`): adds any id up to `vaultCount` that the events missed (a node
   * that silently truncates `eth_getLogs` results, a reorg) and returns how many were missing.
   */
  reconcile(vaultCount: bigint): number {
    if (BigInt(this.known.size) >= vaultCount) return 0;
    let added = 0;
    for (let id = 1n; id <= vaultCount; id++) {
      if (!this.known.has(id)) {
        this.known.add(id);
        added++;
      }
    }
    if (added > 0) this.sort();
    return added;
  }

  private sort(): void {
    this.sorted = [...this.known].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
