/**
 * The simulation's arbitrage bot: trades the power-token/WETH pool to the fair price given by the pricing
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

import type { EvergammaDeployment, MarketParameters } from "../../deploy/evergamma.js";
import { movePoolPrice, readPoolPrice } from "../../deploy/uniswap.js";

const WAD = 10n ** 18n;

/** What one trade did. */
export interface ArbitrageTrade {
  /** The pool's power-token price before and after, ETH per token. */
  before: number;
  after: number;
  /** The fair price traded to, ETH per token (WAD). */
  fairEthPerToken: bigint;
  /** The fair mark in index units (Sⁿ·premium / scale, WAD). */
  fairMark: bigint;
}

/** What the bot trades with: the pricer, the Controller, the power pool and its tokens, the market's shape. */
export type ArbitrageMarket = Pick<
  EvergammaDeployment,
  "pricer" | "controller" | "powerToken" | "powerWethPool" | "uniswap" | "weth"
> & { market: Pick<MarketParameters, "power" | "indexScale" | "fundingPeriodSeconds"> };

/** Options of {@link ArbitrageBot}. */
export interface ArbitrageBotOptions {
  /** The protocol, with its pricing contract (`deployment.pricer`). */
  deployment: ArbitrageMarket;
  /** The bot's account: it opens its own vault to mint the tokens it sells. */
  signer: Signer;
  /** Target implied volatility, WAD (0.8e18 = 80%). */
  targetVolWad: bigint;
  /** Collateral of the bot's vault, wei. Default 2000 ETH. */
  collateral?: bigint;
  /**
   * Power tokens kept on hand to sell; topped up by minting when the balance falls below half. Default 200;
   * 0 never mints (the signer sells only tokens it already holds).
   */
  inventory?: bigint;
}

/** Trades the power pool towards the pricing contract's fair price. */
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
   * The fair power-token price at ETH price `spotWad` (USD, WAD) and normalization factor `nf` (WAD).
   */
  async fairPrice(spotWad: bigint, nf: bigint): Promise<{ ethPerToken: bigint; mark: bigint }> {
    const { market } = this.#o.deployment;
    const power = BigInt(market.power) * WAD;
    const fair = await this.#o.deployment.pricer.powerPerpFairPrice(
      spotWad,
      power,
      this.#o.targetVolWad,
      BigInt(market.fundingPeriodSeconds),
    );
    const usdPerToken = (fair * nf) / WAD / market.indexScale;
    return { ethPerToken: (usdPerToken * WAD) / spotWad, mark: fair / market.indexScale };
  }

  /** Keeps at least half the inventory of power tokens on hand, minting from the bot's vault. */
  async #restock(): Promise<void> {
    const { controller, powerToken } = this.#o.deployment;
    const c = controller.connect(this.#o.signer);
    const owner = await this.#o.signer.getAddress();
    const balance = await powerToken.balanceOf(owner);
    if (balance >= this.#o.inventory / 2n) return;
    const amount = this.#o.inventory - balance;
    if (this.#vaultId === 0n) {
      this.#vaultId = await c.mint.staticCall(0n, amount, { value: this.#o.collateral });
      await (await c.mint(0n, amount, { value: this.#o.collateral })).wait();
    } else {
      await (await c.mint(this.#vaultId, amount)).wait();
    }
  }

  /**
   * Moves the power pool's spot price to the fair price at `spotWad` and the Controller's current
   * normalization factor.
   */
  async trade(spotWad: bigint): Promise<ArbitrageTrade> {
    const d = this.#o.deployment;
    await this.#restock();
    const nf = await d.controller.expectedNormalizationFactor();
    const fair = await this.fairPrice(spotWad, nf);
    const powerToken = await d.powerToken.getAddress();
    const before = await readPoolPrice(d.powerWethPool, powerToken);
    await movePoolPrice({
      uniswap: d.uniswap,
      pool: d.powerWethPool,
      signer: this.#o.signer,
      baseToken: d.powerToken,
      quoteToken: d.weth,
      targetPrice: formatEther(fair.ethPerToken),
    });
    const after = await readPoolPrice(d.powerWethPool, powerToken);
    return { before, after, fairEthPerToken: fair.ethPerToken, fairMark: fair.mark };
  }
}
