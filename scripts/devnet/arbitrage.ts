/**
 * The simulation's arbitrage bot: trades one market's token/WETH pool to the fair price given by the pricing
 * contract, `powerPerpFairPrice(S, n, σ, T)` = Sⁿ·exp(n(n−1)σ²T/2) at a target implied volatility σ and the
 * market's funding period T, converted to ETH per token with the normalization factor:
 *
 *     fair ETH per token = NF · powerPerpFairPrice(S, n, σ, T) / scale / S.
 *
 * It sells power tokens minted from its own, heavily collateralised vault when the pool is too high, and buys
 * them with WETH (wrapped as needed) when it is too low.
 *
 * Without limits it trades exactly to the fair price (the `price:set --arb` task). With a trading cost or a capital
 * limit ({@link ArbitrageBotOptions.costRate}, {@link ArbitrageBotOptions.maxTradeEth}) it is an honest
 * arbitrageur ({@link planTrade}): it trades only when the mispricing exceeds the pool fee plus its own cost per
 * trade, only to where the next token would no longer pay the fee (fair·(1 − fee) buying, fair / (1 − fee)
 * selling), and at most `maxTradeEth` of WETH or of tokens' value per trade.
 *
 * @module
 */
import { formatEther, parseEther, type Signer } from "ethers";

import {
  optionFairValueUsd,
  vaultIdOf,
  type EvergammaDeployment,
  type MarketParameters,
} from "../../deploy/evergamma.js";
import { movePoolPrice, readPoolPrice, type UniswapV3Pool } from "../../deploy/uniswap.js";
import type { MarketToken } from "../../types/ethers-contracts/index.js";

const WAD = 10n ** 18n;

/** What one trade did. */
export interface ArbitrageTrade {
  /** The pool's token price before and after, ETH per token. */
  before: number;
  after: number;
  /** What the bot decided (always a trade to fair value without cost and capital limits). */
  plan: TradePlan;
  /** The fair price traded to, ETH per token (WAD). */
  fairEthPerToken: bigint;
  /** The fair mark in index units (Sⁿ·premium / scale, WAD). */
  fairMark: bigint;
}

/**
 * What the bot trades with: the pricer, the engine and its lens, Uniswap and WETH, and one market: its id, token,
 * token/WETH pool and shape.
 */
export type ArbitrageMarket = Pick<EvergammaDeployment, "pricer" | "engine" | "lens" | "uniswap" | "weth"> & {
  marketId: number;
  token: MarketToken;
  pool: UniswapV3Pool;
  market: Pick<MarketParameters, "kind" | "power" | "indexScale" | "fundingPeriodSeconds" | "strikeWad">;
};

/** The bot's view of market `index` of a deployment (default: market 0). */
export function arbitrageMarket(d: EvergammaDeployment, index = 0): ArbitrageMarket {
  const m = d.markets[index];
  return {
    pricer: d.pricer,
    engine: d.engine,
    lens: d.lens,
    uniswap: d.uniswap,
    weth: d.weth,
    marketId: m.id,
    token: m.token,
    pool: m.pool,
    market: m.params,
  };
}

/** Options of {@link ArbitrageBot}. */
export interface ArbitrageBotOptions {
  /** The market to trade, with the pricing contract (`deployment.pricer`). */
  deployment: ArbitrageMarket;
  /** The bot's account: it opens its own vault to mint the tokens it sells. */
  signer: Signer;
  /** Target implied volatility, WAD (0.8e18 = 80%). */
  targetVolWad: bigint;
  /** Collateral of the bot's vault, wei. Default 2000 ETH. */
  collateral?: bigint;
  /**
   * Tokens kept on hand to sell; topped up by minting when the balance falls below half. Default 200;
   * 0 never mints (the signer sells only tokens it already holds).
   */
  inventory?: bigint;
  /**
   * The bot's own cost per trade beyond the pool fee, relative (0.002 = 0.2%): it trades only when
   * |ln(fair / pool)| exceeds fee + cost. Default 0 (with `maxTradeEth` unset: trade exactly to fair).
   */
  costRate?: number;
  /** Most WETH spent, or tokens' value (at the pool price) sold, per trade, ETH. Default: unlimited. */
  maxTradeEth?: number;
}

/** What {@link planTrade} decides from. Prices in ETH per token. */
export interface TradePlanInput {
  poolPrice: number;
  fairPrice: number;
  /** The pool's in-range liquidity L in whole-token units (raw L / 1e18 for two 18-decimal tokens). */
  liquidity: number;
  /** The pool fee, relative (0.003). */
  feeRate: number;
  /** Cost per trade beyond the fee, relative; null: none, and trade exactly to fair (no fee band). */
  costRate: number | null;
  /** Capital per trade, ETH (Infinity: unlimited). */
  maxTradeEth: number;
}

/** A trade decision: which way, to which pool price, for how much. */
export interface TradePlan {
  side: "buy" | "sell" | "none";
  /** The pool price to swap to (the pool price itself for "none"). */
  target: number;
  /** WETH spent (buy) or tokens' value at the pool price sold (sell), including the fee, ETH. */
  ethValue: number;
  /** Whether the capital limit stopped the trade short of its target. */
  capitalLimited: boolean;
}

/**
 * The honest arbitrageur's decision on a full-range pool (constant L; WETH reserve L·√p, token reserve L/√p):
 * buy when the pool is below fair by more than fee + cost, up to fair·(1 − fee); sell when above, down to
 * fair / (1 − fee); each at most `maxTradeEth`: buying moves √p by (WETH in less fee) / L, selling moves 1/√p by
 * (tokens in less fee) / L.
 */
export function planTrade(i: TradePlanInput): TradePlan {
  const none: TradePlan = { side: "none", target: i.poolPrice, ethValue: 0, capitalLimited: false };
  const gap = Math.log(i.fairPrice / i.poolPrice);
  const band = i.costRate === null ? 0 : i.feeRate + i.costRate;
  if (gap === 0 || Math.abs(gap) <= band) return none;
  const keep = i.costRate === null ? 1 : 1 - i.feeRate;
  const sqrtPool = Math.sqrt(i.poolPrice);
  if (gap > 0) {
    const target = i.fairPrice * keep;
    const gross = (i.liquidity * (Math.sqrt(target) - sqrtPool)) / (1 - i.feeRate);
    if (gross <= i.maxTradeEth) return { side: "buy", target, ethValue: gross, capitalLimited: false };
    const sqrtTarget = sqrtPool + (i.maxTradeEth * (1 - i.feeRate)) / i.liquidity;
    return { side: "buy", target: sqrtTarget * sqrtTarget, ethValue: i.maxTradeEth, capitalLimited: true };
  }
  const target = i.fairPrice / keep;
  const tokens = (i.liquidity * (1 / Math.sqrt(target) - 1 / sqrtPool)) / (1 - i.feeRate);
  if (tokens * i.poolPrice <= i.maxTradeEth) {
    return { side: "sell", target, ethValue: tokens * i.poolPrice, capitalLimited: false };
  }
  const invSqrt = 1 / sqrtPool + ((i.maxTradeEth / i.poolPrice) * (1 - i.feeRate)) / i.liquidity;
  return { side: "sell", target: 1 / (invSqrt * invSqrt), ethValue: i.maxTradeEth, capitalLimited: true };
}

/** Trades a market's token pool towards the pricing contract's fair price. */
export class ArbitrageBot {
  readonly #o: Required<Omit<ArbitrageBotOptions, "costRate">> & { costRate: number | null };
  #vaultId = 0n;

  constructor(options: ArbitrageBotOptions) {
    const honest = options.costRate !== undefined || options.maxTradeEth !== undefined;
    this.#o = {
      collateral: parseEther("2000"),
      inventory: parseEther("200"),
      maxTradeEth: Infinity,
      ...options,
      costRate: honest ? (options.costRate ?? 0) : null,
    };
  }

  /** The bot's vault id (0 before the first trade). */
  get vaultId(): bigint {
    return this.#vaultId;
  }

  /**
   * The fair token price at ETH price `spotWad` (USD, WAD) and normalization factor `nf` (WAD): a power token's
   * NF·Sⁿ·premium/scale, an option token's NF·V(S) (the everlasting fair value at the target volatility), both in
   * ETH per token and as the fair mark (index units for a power, USD per unit of claim for an option).
   */
  async fairPrice(spotWad: bigint, nf: bigint): Promise<{ ethPerToken: bigint; mark: bigint }> {
    const { market, pricer } = this.#o.deployment;
    const period = BigInt(market.fundingPeriodSeconds);
    let mark: bigint;
    if (market.kind === "call" || market.kind === "put") {
      mark = await optionFairValueUsd(pricer, market, spotWad, this.#o.targetVolWad);
    } else {
      const power = BigInt(market.power) * WAD;
      mark =
        (await pricer.powerPerpFairPrice(spotWad, power, this.#o.targetVolWad, period)) / market.indexScale;
    }
    return { ethPerToken: (((mark * nf) / WAD) * WAD) / spotWad, mark };
  }

  /** Keeps at least half the inventory of tokens on hand, minting from the bot's vault in the market. */
  async #restock(): Promise<void> {
    const { engine, token, marketId } = this.#o.deployment;
    const c = engine.connect(this.#o.signer);
    const owner = await this.#o.signer.getAddress();
    const balance = await token.balanceOf(owner);
    if (balance >= this.#o.inventory / 2n) return;
    const amount = this.#o.inventory - balance;
    if (this.#vaultId === 0n) {
      const open = vaultIdOf(marketId, 0n);
      this.#vaultId = await c.mint.staticCall(open, amount, { value: this.#o.collateral });
      await (await c.mint(open, amount, { value: this.#o.collateral })).wait();
    } else {
      await (await c.mint(this.#vaultId, amount)).wait();
    }
  }

  /**
   * Trades the market's token pool towards the fair price at `spotWad` and the market's current normalization
   * factor: exactly to it without cost and capital limits, else as {@link planTrade} decides.
   */
  async trade(spotWad: bigint): Promise<ArbitrageTrade> {
    const d = this.#o.deployment;
    await this.#restock();
    const nf = await d.lens.expectedNormalizationFactor(d.marketId);
    const fair = await this.fairPrice(spotWad, nf);
    const token = await d.token.getAddress();
    const before = await readPoolPrice(d.pool, token);
    const [liquidity, fee] = await Promise.all([d.pool.liquidity(), d.pool.fee()]);
    const plan = planTrade({
      poolPrice: before,
      fairPrice: Number(formatEther(fair.ethPerToken)),
      liquidity: Number(formatEther(liquidity)),
      feeRate: Number(fee) / 1e6,
      costRate: this.#o.costRate,
      maxTradeEth: this.#o.maxTradeEth,
    });
    if (plan.side !== "none") {
      await movePoolPrice({
        uniswap: d.uniswap,
        pool: d.pool,
        signer: this.#o.signer,
        baseToken: d.token,
        quoteToken: d.weth,
        targetPrice: this.#o.costRate === null ? formatEther(fair.ethPerToken) : plan.target.toPrecision(15),
      });
    }
    const after = await readPoolPrice(d.pool, token);
    return { before, after, plan, fairEthPerToken: fair.ethPerToken, fairMark: fair.mark };
  }
}
