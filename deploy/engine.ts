/**
 * The multi-market engine on top of a deployment's world: the `Evergamma` engine (with its vault NFT), its lens,
 * and one or more markets, each with its token, its token/WETH Uniswap v3 pool and its `UniswapTwapPrices` price
 * source. It shares the world of {@link deployEvergamma} (WETH, USDC, Uniswap v3 and the ETH/USDC pool), so an
 * engine market and the single-market Controller see the same ETH price.
 *
 * This is the first step of the move to one engine for every market: the tools still drive the Controller; the
 * engine is deployed by its own tests and benchmarks until they switch over.
 *
 * @module
 */
import { parseEther } from "ethers";

import type {
  EvergammaLens,
  Evergamma,
  PowerToken,
  UniswapTwapPrices,
} from "../types/ethers-contracts/index.js";
import {
  DEFAULT_MARKET_PARAMETERS,
  fairPowerPriceEth,
  initializePool,
  type EvergammaDeployment,
  type MarketParameters,
} from "./evergamma.js";
import {
  advanceTime as advanceChainTime,
  createPoolWithLiquidity,
  movePoolPrice,
  type UniswapV3Pool,
} from "./uniswap.js";

/** Bits of a vault id below its market id (`VaultIdLib.SERIAL_BITS`). */
export const VAULT_SERIAL_BITS = 64n;

/** The id of a market's `serial`-th vault (serial 0: "open a new vault" for `mint`). */
export function vaultIdOf(marketId: number | bigint, serial: bigint): bigint {
  return (BigInt(marketId) << VAULT_SERIAL_BITS) | serial;
}

/** The market a vault id belongs to. */
export function marketOfVault(vaultId: bigint): number {
  return Number(vaultId >> VAULT_SERIAL_BITS);
}

/** The engine's `MarketParams` struct for a power market's terms (product kind 0). */
export function toEngineParams(p: MarketParameters) {
  return {
    kind: 0,
    power: p.power,
    indexScale: p.indexScale,
    minCollateralRatioWad: p.minCollateralRatioWad,
    minCollateralWei: p.minCollateralWei,
    fundingPeriodSeconds: p.fundingPeriodSeconds,
    markRatioFloorWad: p.markRatioFloorWad,
    markRatioCapWad: p.markRatioCapWad,
    liquidationBonusWad: p.liquidationBonusWad,
  };
}

/** One market to create: its terms, its token, and how its pool is seeded. */
export interface EngineMarketOptions {
  /** A short name (default "ETH" + n). */
  name?: string;
  /** Terms; every field defaults to {@link DEFAULT_MARKET_PARAMETERS}. */
  params?: Partial<MarketParameters>;
  /** Implied volatility the token pool is seeded at. Default 0.8. */
  seedImpliedVolatility?: number;
  /** Tokens minted by the deployer's seed vault: half go into the pool, half stay for price moves. */
  seedTokens?: bigint;
}

/** Typed handles on one engine market. */
export interface EngineMarket {
  /** The market id (0 for the first market). */
  id: number;
  name: string;
  params: MarketParameters;
  token: PowerToken;
  /** The token/WETH pool (the market price). */
  pool: UniswapV3Pool;
  priceSource: UniswapTwapPrices;
  /** The deployer's vault that minted the pool's liquidity. */
  seedVaultId: bigint;
  /** The id to pass to `mint` to open a new vault in this market (serial 0). */
  newVaultId: bigint;
}

/** The engine (which is also the vaults' ERC-721), its lens and its markets, on a deployment's world. */
export interface EngineDeployment {
  world: EvergammaDeployment;
  engine: Evergamma;
  lens: EvergammaLens;
  markets: EngineMarket[];
}

/**
 * Deploys the engine and lens on `world` (owned by its deployer) and creates `markets` in order (default: one ETH²
 * market with Squeeth's terms), then waits a TWAP period so that every pool holds a full window.
 */
export async function deployEngine(
  world: EvergammaDeployment,
  markets: EngineMarketOptions[] = [{}],
): Promise<EngineDeployment> {
  const { ethers } = world.connection;
  const owner = await world.deployer.getAddress();
  const engine = (await ethers.deployContract("Evergamma", [owner], world.deployer)) as unknown as Evergamma;
  const lens = (await ethers.deployContract(
    "EvergammaLens",
    [engine],
    world.deployer,
  )) as unknown as EvergammaLens;
  const deployment: EngineDeployment = { world, engine, lens, markets: [] };
  for (const options of markets) deployment.markets.push(await addMarket(deployment, options));
  const longestTwap = Math.max(...deployment.markets.map((m) => m.params.twapPeriodSeconds));
  await advanceChainTime(ethers.provider, longestTwap);
  return deployment;
}

/**
 * Lists one market on the engine: deploys its token (minted only by the engine), creates its token/WETH pool at
 * the fair price with the observation capacity of a full window, deploys its price source, calls `createMarket`,
 * then mints the seed vault's tokens and adds half of them to the pool as full-range liquidity.
 */
export async function addMarket(
  d: EngineDeployment,
  options: EngineMarketOptions = {},
): Promise<EngineMarket> {
  const { world } = d;
  const { ethers } = world.connection;
  const params = { ...DEFAULT_MARKET_PARAMETERS, ...options.params };
  const cardinality = params.twapPeriodSeconds + 1;
  const name = options.name ?? `ETH${params.power}`;
  const engine = d.engine.connect(world.deployer);
  const token = (await ethers.deployContract(
    "PowerToken",
    [`Evergamma ${name}`, `e${name}`, engine],
    world.deployer,
  )) as unknown as PowerToken;
  const ethPriceUsd = await currentEthPrice(world);
  const seedPrice = fairPowerPriceEth(params, ethPriceUsd, options.seedImpliedVolatility ?? 0.8);
  const pool = await initializePool(world.uniswap, world.deployer, token, world.weth, seedPrice, cardinality);
  const priceSource = (await ethers.deployContract(
    "UniswapTwapPrices",
    [world.weth, world.usdc, world.ethUsdcPool, token, pool, params.twapPeriodSeconds],
    world.deployer,
  )) as unknown as UniswapTwapPrices;
  const id = Number(await engine.marketCount());
  await (await engine.createMarket(toEngineParams(params), token, priceSource)).wait();

  const seedTokens = options.seedTokens ?? parseEther("100");
  const collateral = (seedTokens * parseEther(seedPrice.toPrecision(17)) * 3n) / parseEther("1");
  await (await engine.mint(vaultIdOf(id, 0n), seedTokens, { value: collateral })).wait();
  await createPoolWithLiquidity({
    uniswap: world.uniswap,
    signer: world.deployer,
    tokenA: token,
    tokenB: world.weth,
    priceAInB: seedPrice.toPrecision(17),
    amountA: seedTokens / 2n,
    cardinality,
  });
  return {
    id,
    name,
    params,
    token,
    pool,
    priceSource,
    seedVaultId: vaultIdOf(id, 1n),
    newVaultId: vaultIdOf(id, 0n),
  };
}

/** Moves a market's token/WETH pool spot price to `ethPerToken` with swaps (the deployer sells its seed tokens). */
export async function setTokenPrice(d: EngineDeployment, market: EngineMarket, ethPerToken: number | string) {
  await movePoolPrice({
    uniswap: d.world.uniswap,
    pool: market.pool,
    signer: d.world.deployer,
    baseToken: market.token,
    quoteToken: d.world.weth,
    targetPrice: ethPerToken,
  });
}

/** The ETH/USDC pool's spot price in USD (the seed price of a new market's pool). */
async function currentEthPrice(world: EvergammaDeployment): Promise<number> {
  return Number(await world.controller.ethPrice()) / 1e18;
}
