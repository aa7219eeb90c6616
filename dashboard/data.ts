/**
 * The dashboard's chain reads, DOM-free: markets, one market's snapshot at a block (lens `marketReport` and
 * `isSafeMode`, the pricer's fair value), option details (lens `optionReport`, the pricer's price curve around
 * spot), every vault's `vaultReport`, the history rebuilt from sampled past blocks and `NormalizationFactorUpdated`
 * events, and the feed of liquidations and funding updates. Reads go through the typed client (`client/`): its
 * markets, events and ABIs, with the viem public client pinned to one block per reading; many reads are sent as
 * one JSON-RPC batch (the transport batches concurrent calls), never one round trip per vault.
 *
 * @module
 */
import type { Address } from "viem";

import { evergammaLensAbi, vaultIdOf, type EvergammaClient, type MarketInfo } from "../client/index.js";
import { pricerAbi } from "./abi.js";
import { WAD } from "./format.js";
import { vaultState, type VaultMarket, type VaultState } from "./vaultMath.js";

/** What a market's token is a claim on. */
export type ProductKind = "power" | "call" | "put";

/** A market's state as the page shows it. */
export type MarketStatusName = "active" | "paused" | "safe mode" | "shut down";

/**
 * The volatility fair values are priced at: 80%, the volatility the devnet's markets are seeded and arbitraged at
 * (`--target-vol`); `?vol=0.6` in the page's URL changes it.
 */
export const DEFAULT_REFERENCE_VOLATILITY = (8n * WAD) / 10n;

/** A market and the terms the page needs. */
export interface DashboardMarket {
  id: number;
  name: string;
  kind: ProductKind;
  power: number;
  indexScale: bigint;
  strike: bigint;
  fundingPeriod: number;
  /** The volatility the fair value is priced at (WAD). */
  referenceVolatility: bigint;
  minCollateralRatioWad: bigint;
  minCollateralWei: bigint;
}

/** One market at one block; WAD values as the lens returns them. */
export interface MarketSnapshot {
  marketId: number;
  blockNumber: bigint;
  /** The block's timestamp (seconds). */
  timestamp: number;
  ethPrice: bigint;
  /** Sⁿ/scale for a power market, the payoff for an option. */
  index: bigint;
  mark: bigint;
  /** The pricer's fair value at the reference volatility, in the mark's units. */
  fairValue: bigint;
  normalizationFactor: bigint;
  fundingPerDay: bigint;
  impliedVolatility: bigint;
  /** Tokens outstanding: the total debt while the market runs. */
  openInterest: bigint;
  vaultCount: bigint;
  status: MarketStatusName;
  /** What a vault's ratio, health and liquidation price are computed from. */
  vaultMarket: VaultMarket;
}

/** An option market's Greeks and the pricer's curve around spot, at the lens's pricing volatility. */
export interface OptionDetails {
  marketId: number;
  pricingVolatility: bigint;
  fairValue: bigint;
  delta: bigint;
  gamma: bigint;
  vega: bigint;
  /** ETH prices of the curve (WAD). */
  spots: bigint[];
  /** The pricer's value at each spot (WAD USD per unit of claim). */
  prices: bigint[];
  /** The payoff at each spot. */
  payoffs: bigint[];
}

/** A feed entry: a liquidation or a funding update. */
export interface FeedEvent {
  kind: "liquidation" | "funding";
  marketId: number;
  blockNumber: bigint;
  logIndex: number;
  /** Liquidations: the vault, the liquidator, debt repaid and ETH paid. */
  vaultId?: bigint;
  liquidator?: Address;
  debtRepaid?: bigint;
  collateralPaid?: bigint;
  /** Funding updates: the new normalization factor. */
  normalizationFactor?: bigint;
}

/** The chain as the page reads it: the typed client and the pricer's address. */
export interface ChainReader {
  client: EvergammaClient;
  pricer: Address;
  /** Block timestamps already read. */
  timestamps: Map<bigint, number>;
}

const KINDS: readonly ProductKind[] = ["power", "call", "put"];

/** The market's terms as the page needs them, its fair value priced at `referenceVolatility`. */
export function toDashboardMarket(
  info: MarketInfo,
  referenceVolatility = DEFAULT_REFERENCE_VOLATILITY,
): DashboardMarket {
  const p = info.config.params;
  return {
    id: info.id,
    name: info.name,
    kind: KINDS[p.kind] ?? "power",
    power: p.power,
    indexScale: p.indexScale,
    strike: p.strikeWad,
    fundingPeriod: p.fundingPeriodSeconds,
    referenceVolatility,
    minCollateralRatioWad: p.minCollateralRatioWad,
    minCollateralWei: p.minCollateralWei,
  };
}

/** Every market of the engine, in id order. */
export async function loadMarkets(
  reader: ChainReader,
  referenceVolatility = DEFAULT_REFERENCE_VOLATILITY,
): Promise<DashboardMarket[]> {
  return (await reader.client.markets()).map((m) => toDashboardMarket(m, referenceVolatility));
}

/** A block's timestamp (cached). */
export async function blockTime(reader: ChainReader, blockNumber: bigint): Promise<number> {
  const known = reader.timestamps.get(blockNumber);
  if (known !== undefined) return known;
  const block = await reader.client.publicClient.getBlock({ blockNumber });
  const time = Number(block.timestamp);
  reader.timestamps.set(blockNumber, time);
  return time;
}

/** The pricer's fair value of `market` at ETH price `spot` and its reference volatility, in the mark's units. */
export async function fairValue(
  reader: ChainReader,
  market: DashboardMarket,
  spot: bigint,
  volatility = market.referenceVolatility,
): Promise<bigint> {
  const read = reader.client.publicClient.readContract;
  const period = BigInt(market.fundingPeriod);
  if (market.kind === "power") {
    const args = [spot, BigInt(market.power) * WAD, volatility, period] as const;
    const price = await read({
      address: reader.pricer,
      abi: pricerAbi,
      functionName: "powerPerpFairPrice",
      args,
    });
    return price / market.indexScale;
  }
  const functionName = market.kind === "call" ? "callPrice" : "putPrice";
  return read({
    address: reader.pricer,
    abi: pricerAbi,
    functionName,
    args: [spot, market.strike, volatility, period],
  });
}

/** The market's status at a block: the report's status, safe mode when active with a distrusted price. */
function statusName(status: number, safeMode: boolean): MarketStatusName {
  if (status === 1) return "paused";
  if (status === 2) return "shut down";
  return safeMode ? "safe mode" : "active";
}

/**
 * One market at `blockNumber`. `withSafeMode` false (history) skips the safe-mode read: the status then shows
 * active, paused or shut down only.
 */
export async function readSnapshot(
  reader: ChainReader,
  market: DashboardMarket,
  blockNumber: bigint,
  withSafeMode = true,
): Promise<MarketSnapshot> {
  const { publicClient, addresses } = reader.client;
  const lens = { address: addresses.lens, abi: evergammaLensAbi, blockNumber } as const;
  const [report, safeMode, timestamp] = await Promise.all([
    publicClient.readContract({ ...lens, functionName: "marketReport", args: [market.id] }),
    withSafeMode
      ? publicClient.readContract({ ...lens, functionName: "isSafeMode", args: [market.id] })
      : Promise.resolve(false),
    blockTime(reader, blockNumber),
  ]);
  return {
    marketId: market.id,
    blockNumber,
    timestamp,
    ethPrice: report.ethPriceWad,
    index: report.indexWad,
    mark: report.markWad,
    fairValue: await fairValue(reader, market, report.ethPriceWad),
    normalizationFactor: report.normalizationFactor,
    fundingPerDay: report.fundingRatePerDayWad,
    impliedVolatility: report.impliedVolatilityWad,
    openInterest: report.tokenSupply,
    vaultCount: report.vaultCount,
    status: statusName(report.status, safeMode),
    vaultMarket: {
      kind: KINDS.indexOf(market.kind),
      power: market.power,
      indexScale: market.indexScale,
      minCollateralRatioWad: market.minCollateralRatioWad,
      minCollateralWei: market.minCollateralWei,
      debtValuePerTokenWad: report.debtValuePerTokenWad,
      normalizationFactor: report.normalizationFactor,
      status: report.status,
      liquidationsOpenAt: report.liquidationsOpenAt,
      timestamp: BigInt(timestamp),
    },
  };
}

/** Every market at `blockNumber`, in the order of `markets`. */
export function readSnapshots(
  reader: ChainReader,
  markets: readonly DashboardMarket[],
  blockNumber: bigint,
  withSafeMode = true,
): Promise<MarketSnapshot[]> {
  return Promise.all(markets.map((m) => readSnapshot(reader, m, blockNumber, withSafeMode)));
}

/** Spots of the price curve: `points` prices from half to one and a half times `spot`. */
export function curveSpots(spot: bigint, points = 41): bigint[] {
  const low = spot / 2n;
  const step = spot / BigInt(points - 1);
  return Array.from({ length: points }, (_, i) => low + step * BigInt(i));
}

/** An option's payoff at `spot`. */
export function payoff(market: DashboardMarket, spot: bigint): bigint {
  const intrinsic = market.kind === "call" ? spot - market.strike : market.strike - spot;
  return intrinsic > 0n ? intrinsic : 0n;
}

/** An option market's Greeks (lens `optionReport`) and the pricer's curve around spot at `blockNumber`. */
export async function readOptionDetails(
  reader: ChainReader,
  market: DashboardMarket,
  blockNumber: bigint,
): Promise<OptionDetails> {
  const { publicClient, addresses } = reader.client;
  const report = await publicClient.readContract({
    address: addresses.lens,
    abi: evergammaLensAbi,
    functionName: "optionReport",
    args: [market.id],
    blockNumber,
  });
  const spots = curveSpots(report.ethPriceWad);
  const prices = await Promise.all(
    spots.map((s) => fairValue(reader, market, s, report.pricingVolatilityWad)),
  );
  return {
    marketId: market.id,
    pricingVolatility: report.pricingVolatilityWad,
    fairValue: report.fairValueWad,
    delta: report.deltaWad,
    gamma: report.gammaWad,
    vega: report.vegaWad,
    spots,
    prices,
    payoffs: spots.map((s) => payoff(market, s)),
  };
}

/**
 * Every vault of every market at `blockNumber`: the stored fields from the lens's `getVault` (one cheap call per
 * vault, all in one JSON-RPC batch), ratio, health and a power vault's liquidation price computed with the engine's
 * rules from the market's figures. An option vault's liquidation price is left undefined: see
 * {@link withOptionLiquidationPrices}.
 */
export async function readVaults(
  reader: ChainReader,
  snapshots: readonly MarketSnapshot[],
  blockNumber: bigint,
): Promise<VaultState[]> {
  const { publicClient, addresses } = reader.client;
  const lens = { address: addresses.lens, abi: evergammaLensAbi, blockNumber } as const;
  const perMarket = snapshots.map(async (s) => {
    const ids = Array.from({ length: Number(s.vaultCount) }, (_, i) => vaultIdOf(s.marketId, BigInt(i + 1)));
    const stored = await Promise.all(
      ids.map((id) => publicClient.readContract({ ...lens, functionName: "getVault", args: [id] })),
    );
    return stored.map(([owner, , collateral, debt], i) =>
      vaultState(ids[i], s.marketId, { owner, collateral, debt }, s.vaultMarket),
    );
  });
  return (await Promise.all(perMarket)).flat();
}

/**
 * `vaults` with every missing liquidation price (option vaults with debt) read from the lens's `liquidationPrice`
 * at `blockNumber` (the pricer's bisection: the costliest read of a vault, so it comes after the first paint).
 */
export async function withOptionLiquidationPrices(
  reader: ChainReader,
  vaults: readonly VaultState[],
  blockNumber: bigint,
): Promise<VaultState[]> {
  const { publicClient, addresses } = reader.client;
  const lens = { address: addresses.lens, abi: evergammaLensAbi, blockNumber } as const;
  return Promise.all(
    vaults.map(async (v) =>
      v.liquidationPriceWad !== undefined
        ? v
        : {
            ...v,
            liquidationPriceWad: await publicClient.readContract({
              ...lens,
              functionName: "liquidationPrice",
              args: [v.vaultId],
            }),
          },
    ),
  );
}

/** Liquidations and funding updates in a block range, in chain order. */
export async function readFeed(
  reader: ChainReader,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<FeedEvent[]> {
  const range = { fromBlock, toBlock };
  const [liquidations, fundings] = await Promise.all([
    reader.client.getEvents("Liquidated", range),
    reader.client.getEvents("NormalizationFactorUpdated", range),
  ]);
  const events: FeedEvent[] = [
    ...liquidations.map((e) => ({
      kind: "liquidation" as const,
      marketId: e.args.marketId,
      blockNumber: e.blockNumber,
      logIndex: e.logIndex,
      vaultId: e.args.vaultId,
      liquidator: e.args.liquidator,
      debtRepaid: e.args.debtRepaid,
      collateralPaid: e.args.collateralPaid,
    })),
    ...fundings.map((e) => ({
      kind: "funding" as const,
      marketId: e.args.marketId,
      blockNumber: e.blockNumber,
      logIndex: e.logIndex,
      normalizationFactor: e.args.normalizationFactor,
    })),
  ];
  return events.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
}

/** The first block at which every market exists (the block after the last `MarketCreated`). */
export async function firstMarketBlock(reader: ChainReader): Promise<bigint> {
  const created = await reader.client.getEvents("MarketCreated");
  return created.reduce((max, e) => (e.blockNumber > max ? e.blockNumber : max), 0n) + 1n;
}

/**
 * The blocks the history is read at: `samples` evenly spaced from `fromBlock` to `toBlock`, plus the blocks of
 * funding updates (`extra`, at most `samples` of them, the latest kept), ascending and distinct.
 */
export function historyBlocks(
  fromBlock: bigint,
  toBlock: bigint,
  samples: number,
  extra: bigint[] = [],
): bigint[] {
  const blocks = new Set<bigint>();
  if (toBlock < fromBlock) return [];
  const span = toBlock - fromBlock;
  const count = BigInt(samples);
  for (let i = 0n; i < count; i++) blocks.add(fromBlock + (span * i) / (count - 1n > 0n ? count - 1n : 1n));
  blocks.add(toBlock);
  for (const b of extra.filter((b) => b >= fromBlock && b <= toBlock).slice(-samples)) blocks.add(b);
  return [...blocks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Every market at each of `blocks`: per market, its snapshots in block order. */
export async function readHistory(
  reader: ChainReader,
  markets: readonly DashboardMarket[],
  blocks: readonly bigint[],
): Promise<MarketSnapshot[][]> {
  const rows = await Promise.all(blocks.map((b) => readSnapshots(reader, markets, b, false)));
  return markets.map((_, i) => rows.map((row) => row[i]));
}
