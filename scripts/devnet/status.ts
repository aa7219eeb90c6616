/**
 * The devnet's status line: ETH price, index, mark, normalization factor, funding per day, implied
 * volatility, vaults, unsafe vaults and liquidations so far.
 *
 * @module
 */
import { fixed, impliedVolatilityText, percent, significant, usd } from "../../tasks/format.js";
import type { Controller } from "../../types/ethers-contracts/index.js";

/** One reading of the market. */
export interface MarketStatus {
  ethPrice: bigint;
  index: bigint;
  mark: bigint;
  normalizationFactor: bigint;
  fundingRatePerDay: bigint;
  impliedVolatility: bigint;
  vaults: bigint;
  unsafeVaults: number;
  liquidations: number;
}

/** Reads the market and counts liquidations incrementally (each call scans only the new blocks). */
export class StatusReader {
  #liquidations = 0;
  #nextBlock = 0;

  constructor(private readonly controller: Controller) {}

  /** Liquidations seen so far. */
  get liquidations(): number {
    return this.#liquidations;
  }

  async read(): Promise<MarketStatus> {
    const c = this.controller;
    const provider = c.runner?.provider;
    if (provider === undefined || provider === null) throw new Error("the Controller handle has no provider");
    const latest = await provider.getBlockNumber();
    if (latest >= this.#nextBlock) {
      const events = await c.queryFilter(c.filters.Liquidated(), this.#nextBlock, latest);
      this.#liquidations += events.length;
      this.#nextBlock = latest + 1;
    }
    const [ethPrice, index, mark, nf, rate, iv, vaults] = await Promise.all([
      c.ethPrice(),
      c.index(),
      c.mark(),
      c.expectedNormalizationFactor(),
      c.fundingRatePerDay(),
      c.impliedVolatility(),
      c.vaultCount(),
    ]);
    const ids = Array.from({ length: Number(vaults) }, (_, i) => BigInt(i + 1));
    const safe = await Promise.all(ids.map((id) => c.isVaultSafe(id)));
    return {
      ethPrice,
      index,
      mark,
      normalizationFactor: nf,
      fundingRatePerDay: rate,
      impliedVolatility: iv,
      vaults,
      unsafeVaults: safe.filter((s) => !s).length,
      liquidations: this.#liquidations,
    };
  }
}

/** `ETH $3,000.00 | index 900.00 | mark 928.41 | NF 0.99999812 | funding/day 0.1753% | IV 80.00% | ...` */
export function formatStatus(s: MarketStatus): string {
  return [
    `ETH ${usd(s.ethPrice)}`,
    `index ${fixed(s.index)}`,
    `mark ${fixed(s.mark)}`,
    `NF ${significant(s.normalizationFactor, 8)}`,
    `funding/day ${percent(s.fundingRatePerDay, 4)}`,
    `IV ${impliedVolatilityText(s.impliedVolatility, s.mark, s.index)}`,
    `vaults ${s.vaults}`,
    `unsafe ${s.unsafeVaults}`,
    `liquidations ${s.liquidations}`,
  ].join(" | ");
}

/** `HH:MM:SS` of the wall clock, for the status line's prefix. */
export function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/**
 * Which status lines the devnet prints: a reading whose line differs from the last one printed, and an
 * unchanged reading once `heartbeatMs` have passed since the last line (a heartbeat). The normalization factor
 * is left out of the comparison: it drifts with every second of chain time while nothing happens, and a
 * funding update shows in the mark.
 */
export class StatusLog {
  #lastLine: string | undefined;
  #lastPrintedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly heartbeatMs: number) {}

  /** Whether `status`, read at `nowMs`, is to be printed; when it is, it becomes the last line printed. */
  shouldPrint(status: MarketStatus, nowMs: number): boolean {
    const line = formatStatus({ ...status, normalizationFactor: 0n });
    if (line === this.#lastLine && nowMs - this.#lastPrintedAt < this.heartbeatMs) return false;
    this.#lastLine = line;
    this.#lastPrintedAt = nowMs;
    return true;
  }
}
