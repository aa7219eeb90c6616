/**
 * The independent reference for the Controller's TWAPs, computed in TypeScript from the real pool: the tick
 * cumulatives of `observe([window, 0])`, Uniswap's mean tick (the cumulative delta over the window, rounded
 * toward −∞ as v3-periphery's `OracleLibrary.consult` does) and the price at that tick with bigint tick math
 * (`tickToSqrtPriceX96` is v3's `TickMath.getSqrtRatioAtTick`). Nothing here calls an Evergamma contract, so a
 * test comparing the Controller with it catches a change of the on-chain rounding.
 */
import { tickToSqrtPriceX96, type UniswapV3Pool } from "../../deploy/uniswap.js";

const Q128 = 1n << 128n;
const Q192 = 1n << 192n;
const UINT128_MAX = (1n << 128n) - 1n;

/** A token of a pool: its address and decimals. */
export interface PoolToken {
  address: string;
  decimals: number;
}

/** One TWAP window read from a pool. */
export interface TwapWindow {
  /** The window length, seconds. */
  seconds: number;
  /** tickCumulative(now) − tickCumulative(now − seconds). */
  tickCumulativeDelta: bigint;
  /** Uniswap's mean tick: ⌊delta / seconds⌋. */
  meanTick: number;
}

/**
 * Uniswap's mean tick: the tick cumulative delta over the window divided by its length, rounded toward −∞
 * (v3-periphery `OracleLibrary.consult`; bigint division truncates toward 0, so a negative delta with a
 * remainder steps one tick down).
 */
export function flooredMeanTick(tickCumulativeDelta: bigint, seconds: number): number {
  const window = BigInt(seconds);
  const truncated = tickCumulativeDelta / window;
  const floored =
    tickCumulativeDelta < 0n && tickCumulativeDelta % window !== 0n ? truncated - 1n : truncated;
  return Number(floored);
}

/**
 * Reads `observe([seconds, 0])` from the pool (at `blockTag`, by default the latest block) and returns the
 * window's cumulative delta and mean tick. The pool must hold `seconds` of history (else it reverts "OLD").
 */
export async function observeWindow(
  pool: UniswapV3Pool,
  seconds: number,
  blockTag: "latest" | "pending" = "latest",
): Promise<TwapWindow> {
  const { tickCumulatives } = await pool.observe([seconds, 0], { blockTag });
  const tickCumulativeDelta = tickCumulatives[1] - tickCumulatives[0];
  return { seconds, tickCumulativeDelta, meanTick: flooredMeanTick(tickCumulativeDelta, seconds) };
}

/**
 * The price of `baseAmount` base units in quote units at `tick`, floored (`UniswapTwap.quoteAtTick`): the
 * squared sqrt price in X192 form below 2^128 and in X128 form above, as v3-periphery's `getQuoteAtTick`.
 */
export function quoteAtTick(tick: number, baseAmount: bigint, base: string, quote: string): bigint {
  const sqrtPriceX96 = tickToSqrtPriceX96(tick);
  const baseIs0 = BigInt(base) < BigInt(quote);
  if (sqrtPriceX96 <= UINT128_MAX) {
    const ratioX192 = sqrtPriceX96 * sqrtPriceX96;
    return baseIs0 ? (ratioX192 * baseAmount) / Q192 : (Q192 * baseAmount) / ratioX192;
  }
  const ratioX128 = (sqrtPriceX96 * sqrtPriceX96) / (1n << 64n);
  return baseIs0 ? (ratioX128 * baseAmount) / Q128 : (Q128 * baseAmount) / ratioX128;
}

/**
 * The price of one whole `base` token in whole `quote` tokens (WAD) at `tick`: the quote of
 * 10^(18 + baseDecimals − quoteDecimals) base units, which is the WAD price directly (all 18 digits kept).
 */
export function priceWadAtTick(tick: number, base: PoolToken, quote: PoolToken): bigint {
  const baseAmount = 10n ** BigInt(18 + base.decimals - quote.decimals);
  return quoteAtTick(tick, baseAmount, base.address, quote.address);
}

/** A TWAP window of a pool and the WAD price of `base` in `quote` at its mean tick. */
export interface TwapReference extends TwapWindow {
  priceWad: bigint;
}

/**
 * The time-weighted price of `base` in `quote` over the last `seconds` of `pool`, computed in TypeScript from
 * the pool's tick cumulatives: what `Controller.ethPrice()` / `powerTokenPrice()` must return exactly.
 */
export async function referenceTwap(
  pool: UniswapV3Pool,
  seconds: number,
  base: PoolToken,
  quote: PoolToken,
  blockTag: "latest" | "pending" = "latest",
): Promise<TwapReference> {
  const window = await observeWindow(pool, seconds, blockTag);
  return { ...window, priceWad: priceWadAtTick(window.meanTick, base, quote) };
}
