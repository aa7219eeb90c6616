/**
 * One deploy function for tests, the devnet and scripts: WETH9, a 6-decimal USDC, Uniswap v3 from the npm
 * artifacts, the ETH/USDC and power-token/WETH pools with full-range liquidity and TWAP history, and the
 * Evergamma contracts. Also the price helpers that move the real pools by swapping.
 *
 * @module
 */
import { getCreateAddress, parseEther, type Signer } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type {
  Controller,
  EverlastingOptionPricer,
  KeeperHelper,
  PowerToken,
  TestUSDC,
  VaultNFT,
  WETH9,
} from "../types/ethers-contracts/index.js";
import {
  advanceTime as advanceChainTime,
  createPoolWithLiquidity,
  deployUniswapV3,
  getPoolContract,
  movePoolPrice,
  priceToSqrtPriceX96,
  sortTokens,
  type UniswapV3,
  type UniswapV3Pool,
} from "./uniswap.js";

/** The `ethers` object of a Hardhat 3 network connection. */
export type HardhatEthers = NetworkConnection["ethers"];
/** A Hardhat 3 network connection with the ethers plugin (`await network.getOrCreate()`). */
export type EvergammaConnection = Pick<NetworkConnection, "ethers" | "provider">;

/** Market parameters (see `MarketParams` in `contracts/interfaces/IController.sol`). */
export interface MarketParameters {
  /** The power n (integer 1 to 4). */
  power: number;
  /** index = S^n / indexScale. */
  indexScale: bigint;
  /** Minimum collateral ratio, WAD (1.5e18 = 150%). */
  minCollateralRatioWad: bigint;
  /** Minimum collateral of a vault with debt, wei. */
  minCollateralWei: bigint;
  twapPeriodSeconds: number;
  fundingPeriodSeconds: number;
  /** Lower clamp of mark / index for funding, WAD. */
  markRatioFloorWad: bigint;
  /** Upper clamp of mark / index for funding, WAD. */
  markRatioCapWad: bigint;
  /** Liquidation bonus over the repaid debt's market value, WAD (0.1e18 = 10%). */
  liquidationBonusWad: bigint;
}

/**
 * Squeeth's values: n = 2, scale 1e4, 150%, 0.5 ETH dust floor, 420 s TWAP, 420 h funding, clamp [0.8, 1.4],
 * 10% liquidation bonus.
 */
export const DEFAULT_MARKET_PARAMETERS: MarketParameters = {
  power: 2,
  indexScale: 10_000n,
  minCollateralRatioWad: parseEther("1.5"),
  minCollateralWei: parseEther("0.5"),
  twapPeriodSeconds: 420,
  fundingPeriodSeconds: 420 * 3600,
  markRatioFloorWad: parseEther("0.8"),
  markRatioCapWad: parseEther("1.4"),
  liquidationBonusWad: parseEther("0.1"),
};

/** Options of {@link deployEvergamma}; every field has a default. */
export interface DeployOptions {
  /** Deployer, liquidity provider and owner of the seed vault. Default: the connection's first account. */
  deployer?: Signer;
  market?: Partial<MarketParameters>;
  /** Initial ETH price in USDC. Default 3000. */
  ethPriceUsd?: number;
  /** Implied volatility the power pool is seeded at (fair price NF·Sⁿ/scale·exp(n(n−1)σ²T/2)). Default 0.8. */
  seedImpliedVolatility?: number;
  /** WETH in the ETH/USDC full-range position. Default 100 ETH. */
  ethPoolLiquidityEth?: bigint;
  /** Power tokens minted by the deployer's seed vault: half go into the pool, half stay for price moves. */
  seedPowerTokens?: bigint;
  /**
   * Observation cardinality of both pools. Default and minimum: the TWAP period in seconds + 1 (the Controller
   * refuses pools that cannot hold a full TWAP window at one observation per second).
   */
  cardinality?: number;
  /** Power token name and symbol. Default "Evergamma Squared ETH" / "eSQTH". */
  tokenName?: string;
  tokenSymbol?: string;
  /** Seconds to advance after seeding, so that both pools hold a full TWAP window. Default: the TWAP period. */
  warmupSeconds?: number;
}

/** Typed handles on everything {@link deployEvergamma} deployed. */
export interface EvergammaDeployment {
  connection: EvergammaConnection;
  deployer: Signer;
  market: MarketParameters;
  weth: WETH9;
  usdc: TestUSDC;
  uniswap: UniswapV3;
  ethUsdcPool: UniswapV3Pool;
  powerWethPool: UniswapV3Pool;
  powerToken: PowerToken;
  vaultNFT: VaultNFT;
  controller: Controller;
  pricer: EverlastingOptionPricer;
  /** On-chain keeper checks (Chainlink Automation / Gelato); proceeds go to the deployer, funding interval 1 h. */
  keeperHelper: KeeperHelper;
  /** The deployer's vault that minted the power pool's liquidity. */
  seedVaultId: bigint;
}

/** Addresses of a deployment, by contract name (the devnet writes these to `deployments/<network>.json`). */
export async function deploymentAddresses(d: EvergammaDeployment): Promise<Record<string, string>> {
  const entries: [string, { getAddress(): Promise<string> }][] = [
    ["Controller", d.controller],
    ["PowerToken", d.powerToken],
    ["VaultNFT", d.vaultNFT],
    ["EverlastingOptionPricer", d.pricer],
    ["KeeperHelper", d.keeperHelper],
    ["WETH", d.weth],
    ["USDC", d.usdc],
    ["UniswapV3Factory", d.uniswap.factory],
    ["SwapRouter", d.uniswap.router],
    ["NonfungiblePositionManager", d.uniswap.positionManager],
    ["EthUsdcPool", d.ethUsdcPool],
    ["PowerWethPool", d.powerWethPool],
  ];
  const resolved = await Promise.all(entries.map(async ([name, c]) => [name, await c.getAddress()] as const));
  return Object.fromEntries(resolved);
}

const SECONDS_PER_YEAR = 365 * 24 * 3600;
const FEE_TIER = 3000;
/** KeeperHelper applies funding when the last update is older than this. */
const KEEPER_FUNDING_INTERVAL_SECONDS = 3600;

/**
 * The fair power-token price in ETH under normalization-factor funding, NF·Sⁿ⁻¹/scale·exp(n(n−1)σ²T/2),
 * as a decimal string for the pool helpers.
 */
export function fairPowerPriceEth(
  market: MarketParameters,
  ethPriceUsd: number,
  impliedVolatility: number,
  normalizationFactor = 1,
): number {
  const n = market.power;
  const t = market.fundingPeriodSeconds / SECONDS_PER_YEAR;
  const premium = Math.exp((n * (n - 1) * impliedVolatility * impliedVolatility * t) / 2);
  return ((normalizationFactor * ethPriceUsd ** (n - 1)) / Number(market.indexScale)) * premium;
}

/**
 * Deploys the whole protocol on the connection's chain and seeds both pools.
 *
 * Order matters: the tokens name the Controller as their minter, so its address is predicted from the
 * deployer's nonce; the ETH pool must hold a full TWAP window and the power pool must exist (with observation
 * capacity) before the Controller checks them in its constructor; the power pool's liquidity comes from a
 * vault, so it is added after the Controller is live.
 */
export async function deployEvergamma(
  connection: EvergammaConnection,
  options: DeployOptions = {},
): Promise<EvergammaDeployment> {
  const { ethers } = connection;
  const deployer = options.deployer ?? (await ethers.getSigners())[0];
  const market = { ...DEFAULT_MARKET_PARAMETERS, ...options.market };
  const ethPriceUsd = options.ethPriceUsd ?? 3000;
  const cardinality = options.cardinality ?? market.twapPeriodSeconds + 1;

  const weth = (await ethers.deployContract("WETH9", [], deployer)) as unknown as WETH9;
  const usdc = (await ethers.deployContract("TestUSDC", [], deployer)) as unknown as TestUSDC;
  const uniswap = await deployUniswapV3(deployer, weth);
  const ethPoolLiquidityEth = options.ethPoolLiquidityEth ?? parseEther("100");
  const ethUsdcPoolAddress = await createPoolWithLiquidity({
    uniswap,
    signer: deployer,
    tokenA: weth,
    tokenB: usdc,
    priceAInB: ethPriceUsd,
    amountA: ethPoolLiquidityEth,
    cardinality,
  });
  // The Controller requires the ETH pool to hold a full TWAP window at deployment (its liquidity mint grew the
  // ring buffer); the power pool is created with the market and only needs the capacity.
  await advanceChainTime(ethers.provider, market.twapPeriodSeconds);

  const nonce = await deployer.getNonce();
  const from = await deployer.getAddress();
  // nonce: PowerToken, +1: VaultNFT, +2: create the power pool, +3: its cardinality, +4: Controller.
  const controllerAddress = getCreateAddress({ from, nonce: nonce + 4 });
  const powerToken = (await ethers.deployContract(
    "PowerToken",
    [options.tokenName ?? "Evergamma Squared ETH", options.tokenSymbol ?? "eSQTH", controllerAddress],
    deployer,
  )) as unknown as PowerToken;
  const vaultNFT = (await ethers.deployContract(
    "VaultNFT",
    ["Evergamma Short Vault", "eSV", controllerAddress],
    deployer,
  )) as unknown as VaultNFT;
  const seedPrice = fairPowerPriceEth(market, ethPriceUsd, options.seedImpliedVolatility ?? 0.8);
  const powerWethPool = await initializePool(uniswap, deployer, powerToken, weth, seedPrice, cardinality);

  const controller = (await ethers.deployContract(
    "Controller",
    [
      {
        powerToken,
        vaultNFT,
        weth,
        quoteToken: usdc,
        ethQuotePool: ethUsdcPoolAddress,
        powerPool: powerWethPool,
      },
      market,
    ],
    deployer,
  )) as unknown as Controller;
  if ((await controller.getAddress()) !== controllerAddress) {
    throw new Error("Controller address differs from the one the tokens were built for");
  }
  const pricer = (await ethers.deployContract(
    "EverlastingOptionPricer",
    [],
    deployer,
  )) as unknown as EverlastingOptionPricer;

  const seedPowerTokens = options.seedPowerTokens ?? parseEther("100");
  const seedVaultId = await seedPowerPool({
    uniswap,
    deployer,
    controller,
    powerToken,
    weth,
    seedPowerTokens,
    seedPrice,
    market,
    cardinality,
  });
  const deployerAddress = await deployer.getAddress();
  const keeperHelper = (await ethers.deployContract(
    "KeeperHelper",
    [controller, deployerAddress, KEEPER_FUNDING_INTERVAL_SECONDS, deployerAddress],
    deployer,
  )) as unknown as KeeperHelper;
  await advanceChainTime(ethers.provider, options.warmupSeconds ?? market.twapPeriodSeconds);

  return {
    connection,
    deployer,
    market,
    weth,
    usdc,
    uniswap,
    ethUsdcPool: getPoolContract(ethUsdcPoolAddress, deployer),
    powerWethPool: getPoolContract(await powerWethPool.getAddress(), deployer),
    powerToken,
    vaultNFT,
    controller,
    pricer,
    keeperHelper,
    seedVaultId,
  };
}

/** Creates and initialises the tokenA/tokenB pool at `priceAInB` and raises its observation capacity. */
export async function initializePool(
  uniswap: UniswapV3,
  signer: Signer,
  tokenA: { getAddress(): Promise<string> },
  tokenB: { getAddress(): Promise<string> },
  priceAInB: number,
  cardinality: number,
): Promise<UniswapV3Pool> {
  const [a, b] = await Promise.all([tokenA.getAddress(), tokenB.getAddress()]);
  const [token0, token1] = sortTokens(a, b);
  const price0In1 = token0 === a ? priceAInB : 1 / priceAInB;
  const sqrtPriceX96 = priceToSqrtPriceX96(price0In1.toPrecision(17), 18, 18);
  const positionManager = uniswap.positionManager.connect(signer);
  await (
    await positionManager.createAndInitializePoolIfNecessary(token0, token1, FEE_TIER, sqrtPriceX96)
  ).wait();
  const pool = getPoolContract(await uniswap.factory.getPool(token0, token1, FEE_TIER), signer);
  await (await pool.increaseObservationCardinalityNext(cardinality)).wait();
  return pool;
}

interface SeedParams {
  uniswap: UniswapV3;
  deployer: Signer;
  controller: Controller;
  powerToken: PowerToken;
  weth: WETH9;
  seedPowerTokens: bigint;
  seedPrice: number;
  market: MarketParameters;
  cardinality: number;
}

/** Mints power tokens from a vault at 300% collateral and adds half of them as full-range liquidity. */
async function seedPowerPool(p: SeedParams): Promise<bigint> {
  const collateral = (p.seedPowerTokens * parseEther(p.seedPrice.toPrecision(17)) * 3n) / parseEther("1");
  await (await p.controller.connect(p.deployer).mint(0n, p.seedPowerTokens, { value: collateral })).wait();
  await createPoolWithLiquidity({
    uniswap: p.uniswap,
    signer: p.deployer,
    tokenA: p.powerToken,
    tokenB: p.weth,
    priceAInB: p.seedPrice.toPrecision(17),
    amountA: p.seedPowerTokens / 2n,
    cardinality: p.cardinality,
  });
  return p.controller.vaultCount();
}

/**
 * Moves the ETH/USDC pool's spot price to `usdPerEth` with one swap (the TWAP follows over the TWAP period).
 * USDC is minted and WETH wrapped for the deployer as needed.
 */
export async function setEthPrice(d: EvergammaDeployment, usdPerEth: number | string): Promise<void> {
  await movePoolPrice({
    uniswap: d.uniswap,
    pool: d.ethUsdcPool,
    signer: d.deployer,
    baseToken: d.weth,
    quoteToken: d.usdc,
    targetPrice: usdPerEth,
  });
}

/**
 * Moves the power-token/WETH pool's spot price to `ethPerToken` with one swap. Pushing the price down sells
 * power tokens the deployer holds (the seed vault kept half of its mint for this).
 */
export async function setPowerPrice(d: EvergammaDeployment, ethPerToken: number | string): Promise<void> {
  await movePoolPrice({
    uniswap: d.uniswap,
    pool: d.powerWethPool,
    signer: d.deployer,
    baseToken: d.powerToken,
    quoteToken: d.weth,
    targetPrice: ethPerToken,
  });
}

/** Mines one block `seconds` after the latest one. */
export async function advanceTime(
  d: EvergammaDeployment | EvergammaConnection,
  seconds: number,
): Promise<void> {
  const connection = "controller" in d ? d.connection : d;
  await advanceChainTime(connection.ethers.provider, seconds);
}
