/**
 * The devnet's status lines, one per market: market name, ETH price, index (an option's payoff), mark, normalization factor,
 * funding per day, implied volatility, vaults, unsafe vaults and liquidations so far.
 *
 * @module
 */
import {
  marketStatusName,
  vaultIdOf,
  type EvergammaClient,
  type MarketStatusName,
} from "../../client/index.js";
import type { ProductKindName } from "../../deploy/evergamma.js";
import { fixed, impliedVolatilityText, percent, significant, usd } from "../../tasks/format.js";

/** One reading of one market. */
export interface MarketStatus {
  /** The market's name ("ETH2", "C3500"). */
  market: string;
  ethPrice: bigint;
  /** What the index is called: "index" (Sⁿ/scale) for a power market, "payoff" for an option. */
  indexLabel: "index" | "payoff";
  index: bigint;
  mark: bigint;
  normalizationFactor: bigint;
  fundingRatePerDay: bigint;
  impliedVolatility: bigint;
  vaults: bigint;
  unsafeVaults: number;
  liquidations: number;
  /** The market's status; a line names it when it is not "active". */
  status: MarketStatusName;
}

/** A market the status reader follows. */
export interface StatusMarket {
  id: number;
  name: string;
  /** Its terms' kind (a power market without it). */
  params?: { kind?: ProductKindName };
}

/**
 * Reads every market through the TypeScript client (the lens's views) and counts each market's liquidations
 * incrementally from the engine's `Liquidated` events (each call scans only the new blocks).
 */
export class StatusReader {
  readonly #liquidations = new Map<number, number>();
  #nextBlock = 0n;

  constructor(
    private readonly client: EvergammaClient,
    private readonly markets: readonly StatusMarket[],
  ) {}

  /** Liquidations seen so far in every market. */
  get liquidations(): number {
    let total = 0;
    for (const count of this.#liquidations.values()) total += count;
    return total;
  }

  /** One reading per market, in market-id order. */
  async read(): Promise<MarketStatus[]> {
    const latest = await this.client.publicClient.getBlockNumber();
    if (latest >= this.#nextBlock) {
      const range = { fromBlock: this.#nextBlock, toBlock: latest };
      for (const event of await this.client.getEvents("Liquidated", range)) {
        const id = event.args.marketId;
        this.#liquidations.set(id, (this.#liquidations.get(id) ?? 0) + 1);
      }
      this.#nextBlock = latest + 1n;
    }
    return Promise.all(this.markets.map((m) => this.#readMarket(m)));
  }

  async #readMarket(m: StatusMarket): Promise<MarketStatus> {
    const r = await this.client.marketReport(m.id);
    const ids = Array.from({ length: Number(r.vaultCount) }, (_, i) => vaultIdOf(m.id, BigInt(i + 1)));
    const safe = await Promise.all(ids.map((id) => this.client.isVaultSafe(id)));
    return {
      market: m.name,
      ethPrice: r.ethPriceWad,
      indexLabel: m.params?.kind === "call" || m.params?.kind === "put" ? "payoff" : "index",
      index: r.indexWad,
      mark: r.markWad,
      normalizationFactor: r.normalizationFactor,
      fundingRatePerDay: r.fundingRatePerDayWad,
      impliedVolatility: r.impliedVolatilityWad,
      vaults: r.vaultCount,
      unsafeVaults: safe.filter((s) => !s).length,
      liquidations: this.#liquidations.get(m.id) ?? 0,
      status: marketStatusName(r.status),
    };
  }
}

/**
 * `ETH2 | ETH $3,000.00 | index 900.00 | mark 928.41 | NF 0.99999812 | funding/day 0.1753% | IV 80.00% | ...`; an option market shows its payoff where a power shows its index
 * (`C3500 | ETH $3,000.00 | payoff 0.00 | mark 135.06 | …`, mark per unit of claim in USD); a market that is not active
 * ends its line with its status (`| paused`, `| safe mode`, `| shut down`).
 */
export function formatStatus(s: MarketStatus): string {
  return [
    s.market,
    `ETH ${usd(s.ethPrice)}`,
    `${s.indexLabel} ${fixed(s.index)}`,
    `mark ${fixed(s.mark)}`,
    `NF ${significant(s.normalizationFactor, 8)}`,
    `funding/day ${percent(s.fundingRatePerDay, 4)}`,
    `IV ${impliedVolatilityText(s.impliedVolatility, s.mark, s.index)}`,
    `vaults ${s.vaults}`,
    `unsafe ${s.unsafeVaults}`,
    `liquidations ${s.liquidations}`,
    ...(s.status === "active" ? [] : [s.status]),
  ].join(" | ");
}

/** `HH:MM:SS` of the wall clock, for the status line's prefix. */
export function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/**
 * Which status lines the devnet prints, market by market: a reading whose line differs from the last one printed
 * for its market, and an unchanged reading once `heartbeatMs` have passed since that market's last line (a
 * heartbeat). The normalization factor is left out of the comparison: it drifts with every second of chain time
 * while nothing happens, and a funding update shows in the mark.
 */
export class StatusLog {
  readonly #last = new Map<string, { line: string; printedAt: number }>();

  constructor(private readonly heartbeatMs: number) {}

  /** Whether `status`, read at `nowMs`, is to be printed; when it is, it becomes its market's last line printed. */
  shouldPrint(status: MarketStatus, nowMs: number): boolean {
    const line = formatStatus({ ...status, normalizationFactor: 0n });
    const last = this.#last.get(status.market);
    if (last !== undefined && line === last.line && nowMs - last.printedAt < this.heartbeatMs) return false;
    this.#last.set(status.market, { line, printedAt: nowMs });
    return true;
  }
}
