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
 * @module
 */
import { formatEther, parseEther, type Signer } from "ethers";

import { vaultIdOf, type EvergammaDeployment, type MarketParameters } from "../../deploy/evergamma.js";
import { movePoolPrice, readPoolPrice, type UniswapV3Pool } from "../../deploy/uniswap.js";
import type { MarketToken } from "../../types/ethers-contracts/index.js";

const WAD = 10n ** 18n;

/** What one trade did. */
export interface ArbitrageTrade {
  /** The pool's token price before and after, ETH per token. */
  before: number;
  after: number;
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
}

/** Trades a market's token pool towards the pricing contract's fair price. */
export class ArbitrageBot {
  readonly #o: Required<ArbitrageBotOptions>;
  #vaultId = 0n;

  constructor(options: ArbitrageBotOptions) {
    this.#o = { collateral: parseEther("2000"), inventory: parseEther("200"), ...options };
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
      const price = market.kind === "call" ? pricer.callPrice : pricer.putPrice;
      mark = await price(spotWad, market.strikeWad ?? 0n, this.#o.targetVolWad, period);
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
   * Moves the market's token pool spot price to the fair price at `spotWad` and the market's current
   * normalization factor.
   */
  async trade(spotWad: bigint): Promise<ArbitrageTrade> {
    const d = this.#o.deployment;
    await this.#restock();
    const nf = await d.lens.expectedNormalizationFactor(d.marketId);
    const fair = await this.fairPrice(spotWad, nf);
    const token = await d.token.getAddress();
    const before = await readPoolPrice(d.pool, token);
    await movePoolPrice({
      uniswap: d.uniswap,
      pool: d.pool,
      signer: this.#o.signer,
      baseToken: d.token,
      quoteToken: d.weth,
      targetPrice: formatEther(fair.ethPerToken),
    });
    const after = await readPoolPrice(d.pool, token);
    return { before, after, fairEthPerToken: fair.ethPerToken, fairMark: fair.mark };
  }
}
