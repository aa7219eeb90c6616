/**
 * One deploy function for tests, the devnet and scripts: WETH9, a 6-decimal USDC, Uniswap v3 from the npm
 * artifacts, the ETH/USDC pool, the engine with its lens, pricer and keeper helper, and one or more markets, each
 * with its token, its token/WETH pool (full-range liquidity and TWAP history) and its price source. Also the price
 * helpers that move the real pools by swapping.
 *
 * @module
 */
import { formatEther, parseEther, type Signer } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type {
  ChainlinkTwapPrices,
  EverlastingOptionPricer,
  Evergamma,
  EvergammaLens,
  KeeperHelper,
  MarketToken,
  MockAggregator,
  TestUSDC,
  UniswapTwapPrices,
  WETH9,
} from "../types/ethers-contracts/index.js";
import type { DeployedMarket, HexAddress } from "./deploymentRecord.js";
import {
  advanceTime as advanceChainTime,
  createPoolWithLiquidity,
  deployUniswapV3,
  getPoolContract,
  growObservations,
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

/**
 * A power market's terms (the engine's `MarketParams` in `contracts/types/MarketConfig.sol`, plus the TWAP period of
 * its Uniswap price source).
 */
/** What a market's token is a claim on (the engine's `ProductKind`). */
export type ProductKindName = "power" | "call" | "put";

/** The engine's `ProductKind` index of each kind. */
export const PRODUCT_KINDS: readonly ProductKindName[] = ["power", "call", "put"];

/**
 * How a market's funding is computed (the engine's `FundingRule`): "standard" is the kind's own rule (Squeeth's
 * mark / index for a power perpetual, Paradigm's payoff / mark for an option); "premiumIndex" is the perpetual-futures
 * exchanges' F = P + clamp(I − P, −c, +c) per funding period (power markets only).
 */
export type FundingRuleName = "standard" | "premiumIndex";

/** The engine's `FundingRule` index of each rule. */
export const FUNDING_RULES: readonly FundingRuleName[] = ["standard", "premiumIndex"];

export interface MarketParameters {
  /** The product (default "power"). Options set `power` 0, `indexScale` 1, a strike and a floor volatility. */
  kind?: ProductKindName;
  /** The power n (integer 1 to 4; 0 for options). */
  power: number;
  /** index = S^n / indexScale (1 for options). */
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
  /** An option's strike in USD, WAD (0 for power perpetuals). */
  strikeWad?: bigint;
  /** An option's floor volatility for the debt valuation, WAD (0 for power perpetuals). */
  floorVolatilityWad?: bigint;
  /**
   * The funding rule (default "standard"). With "premiumIndex" the mark-ratio floor and cap are 1 + the lowest and
   * highest funding rate per period.
   */
  fundingRule?: FundingRuleName;
  /** "premiumIndex": the interest rate I per funding period, WAD (1e14 = 0.01%). */
  interestRatePerPeriodWad?: bigint;
  /** "premiumIndex": the clamp c of I − P per funding period, WAD (5e14 = 0.05%). */
  premiumClampWad?: bigint;
}

/**
 * The exchanges' perpetual future on ETH (Binance's funding rule, paid in kind): n = 1, an 8-hour funding period,
 * F = P + clamp(I − P, ±0.05%) with I = 0.01% per period, F capped at ±0.75% per period, 150%, 0.1 ETH dust floor.
 */
export function perpetualFutureParameters(overrides: Partial<MarketParameters> = {}): MarketParameters {
  return {
    ...DEFAULT_MARKET_PARAMETERS,
    power: 1,
    indexScale: 1n,
    minCollateralWei: parseEther("0.1"),
    fundingPeriodSeconds: 8 * 3600,
    fundingRule: "premiumIndex",
    interestRatePerPeriodWad: parseEther("0.0001"),
    premiumClampWad: parseEther("0.0005"),
    markRatioFloorWad: parseEther("0.9925"),
    markRatioCapWad: parseEther("1.0075"),
    ...overrides,
  };
}

/**
 * An everlasting option market's terms: strike K USD, 150%, 0.1 ETH dust floor, 420 s TWAP, a 7-day funding period,
 * payoff / mark band [0, 1.25], 10% liquidation bonus, debt valued at no less than the fair value at 50% volatility.
 */
export function optionMarketParameters(
  kind: "call" | "put",
  strikeUsd: number,
  overrides: Partial<MarketParameters> = {},
): MarketParameters {
  return {
    kind,
    power: 0,
    indexScale: 1n,
    minCollateralRatioWad: parseEther("1.5"),
    minCollateralWei: parseEther("0.1"),
    twapPeriodSeconds: 420,
    fundingPeriodSeconds: 7 * 24 * 3600,
    markRatioFloorWad: 0n,
    markRatioCapWad: parseEther("1.25"),
    liquidationBonusWad: parseEther("0.1"),
    strikeWad: parseEther(String(strikeUsd)),
    floorVolatilityWad: parseEther("0.5"),
    ...overrides,
  };
}

/** Whether a market's terms describe an everlasting option. */
export function isOptionMarket(p: MarketParameters): boolean {
  return p.kind === "call" || p.kind === "put";
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

/** One market to create: its terms, its token's name and symbol, and how its pool is seeded. */
export interface MarketOptions {
  /** A short name for humans and tools' `--market` (default "ETH" + n, for example "ETH2"). */
  name?: string;
  /** Terms; every field defaults to {@link DEFAULT_MARKET_PARAMETERS}. */
  params?: Partial<MarketParameters>;
  /** Token name and symbol. Default "Evergamma ETH^n" / "eETHn". */
  tokenName?: string;
  tokenSymbol?: string;
  /** Implied volatility the token pool is seeded at (fair price NF·Sⁿ/scale·exp(n(n−1)σ²T/2)). Default 0.8. */
  seedImpliedVolatility?: number;
  /** Tokens minted by the deployer's seed vault: half go into the pool, half stay for price moves. */
  seedTokens?: bigint;
  /** Price the market with a Chainlink ETH/USD feed checked against the TWAP (`ChainlinkTwapPrices`, safe mode)
   *  instead of the TWAP alone (`UniswapTwapPrices`, the default). */
  chainlink?: ChainlinkSourceOptions;
}

/** The feed and guards of a Chainlink+TWAP market (`ChainlinkTwapPrices`); every field has a default. */
export interface ChainlinkSourceOptions {
  /** The ETH/USD aggregator. Default: a new `MockAggregator` (8 decimals) answering the ETH pool's price. */
  feed?: string;
  /** The longest age of a trusted answer in seconds. Default 3600 (Chainlink's ETH/USD heartbeat on mainnet). */
  heartbeatSeconds?: number;
  /** The L2 sequencer-uptime feed. Default: none (L1). */
  sequencerFeed?: string;
  /** The distrust period after a sequencer restart in seconds: 3600 with a sequencer feed, 0 without. */
  gracePeriodSeconds?: number;
  /** The largest trusted |feed − TWAP| / TWAP (WAD). Default 0.05e18 (5%). */
  deviationBoundWad?: bigint;
}

/** The Chainlink side of a Chainlink+TWAP market. */
export interface ChainlinkMarketSource {
  /** The market account, typed as the Chainlink source (`prices()` with the reference S and the reason). */
  source: ChainlinkTwapPrices;
  /** The ETH/USD feed's address. */
  feed: string;
  /** The feed as a `MockAggregator` when the deploy created it. */
  mockFeed?: MockAggregator;
}

/** Options of {@link deployEvergamma}; every field has a default. */
export interface DeployOptions {
  /** Deployer, liquidity provider, owner of the engine and of the seed vaults. Default: the first account. */
  deployer?: Signer;
  /** Terms of the one default market (ETH², Squeeth's values) when `markets` is not given. */
  market?: Partial<MarketParameters>;
  /** The markets to create, in market-id order. Default: one ETH² market with `market`'s terms. */
  markets?: MarketOptions[];
  /** Initial ETH price in USDC. Default 3000. */
  ethPriceUsd?: number;
  /** Implied volatility the default market's pool is seeded at. Default 0.8. */
  seedImpliedVolatility?: number;
  /** WETH in the ETH/USDC full-range position. Default 100 ETH. */
  ethPoolLiquidityEth?: bigint;
  /** Tokens minted by the default market's seed vault: half go into the pool, half stay for price moves. */
  seedPowerTokens?: bigint;
  /**
   * Observation cardinality of every pool. Default and minimum: the longest TWAP period in seconds + 1 (the price
   * source refuses pools that cannot hold a full TWAP window at one observation per second).
   */
  cardinality?: number;
  /** The default market's token name and symbol. Default "Evergamma Squared ETH" / "eSQTH". */
  tokenName?: string;
  tokenSymbol?: string;
  /** Seconds to advance after seeding, so that every pool holds a full TWAP window. Default: the TWAP period. */
  warmupSeconds?: number;
}

/** Typed handles on one market {@link deployEvergamma} created. */
export interface MarketDeployment {
  /** The market id (0 for the first market). */
  id: number;
  /** A short name (for example "ETH2"). */
  name: string;
  /** The market's terms (with the TWAP period of its price source). */
  params: MarketParameters;
  token: MarketToken;
  /** The token/WETH Uniswap v3 pool (the market price). */
  pool: UniswapV3Pool;
  priceSource: UniswapTwapPrices;
  /** Set for a Chainlink+TWAP market (`MarketOptions.chainlink`); `priceSource` then answers its first two words. */
  chainlink?: ChainlinkMarketSource;
  /** The deployer's vault that minted the pool's liquidity. */
  seedVaultId: bigint;
  /** The vault id to pass to `mint` to open a new vault in this market (serial 0). */
  newVaultId: bigint;
}

/** Typed handles on everything {@link deployEvergamma} deployed. */
export interface EvergammaDeployment {
  connection: EvergammaConnection;
  deployer: Signer;
  weth: WETH9;
  usdc: TestUSDC;
  uniswap: UniswapV3;
  ethUsdcPool: UniswapV3Pool;
  /** The engine, also the ERC-721 collection of every vault (token id = vault id). */
  engine: Evergamma;
  lens: EvergammaLens;
  pricer: EverlastingOptionPricer;
  /** On-chain keeper checks (Chainlink Automation / Gelato); proceeds go to the deployer, funding interval 1 h. */
  keeperHelper: KeeperHelper;
  /** Every market, in id order. */
  markets: MarketDeployment[];
  /** The first market's id (0), terms, token, pool and seed vault: the market most tests and tools use. */
  marketId: number;
  market: MarketParameters;
  powerToken: MarketToken;
  powerWethPool: UniswapV3Pool;
  seedVaultId: bigint;
}

const SECONDS_PER_YEAR = 365 * 24 * 3600;
const FEE_TIER = 3000;
/** KeeperHelper applies funding when the last update is older than this. */
const KEEPER_FUNDING_INTERVAL_SECONDS = 3600;
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

/** The engine's `MarketParams` struct for a market's terms (product kind 0: power perpetual). */
export function toEngineParams(p: MarketParameters) {
  return {
    kind: PRODUCT_KINDS.indexOf(p.kind ?? "power"),
    power: p.power,
    indexScale: p.indexScale,
    minCollateralRatioWad: p.minCollateralRatioWad,
    minCollateralWei: p.minCollateralWei,
    fundingPeriodSeconds: p.fundingPeriodSeconds,
    markRatioFloorWad: p.markRatioFloorWad,
    markRatioCapWad: p.markRatioCapWad,
    liquidationBonusWad: p.liquidationBonusWad,
    strikeWad: p.strikeWad ?? 0n,
    floorVolatilityWad: p.floorVolatilityWad ?? 0n,
    fundingRule: FUNDING_RULES.indexOf(p.fundingRule ?? "standard"),
    interestRatePerPeriodWad: p.interestRatePerPeriodWad ?? 0n,
    premiumClampWad: p.premiumClampWad ?? 0n,
  };
}

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

/** The markets to create: `options.markets`, or the one default ETH² market. */
function marketOptionsOf(options: DeployOptions): MarketOptions[] {
  if (options.markets !== undefined && options.markets.length > 0) return options.markets;
  return [
    {
      params: options.market,
      tokenName: options.tokenName ?? "Evergamma Squared ETH",
      tokenSymbol: options.tokenSymbol ?? "eSQTH",
      seedImpliedVolatility: options.seedImpliedVolatility,
      seedTokens: options.seedPowerTokens,
    },
  ];
}

/**
 * Deploys the whole protocol on the connection's chain: the local world (WETH, USDC, Uniswap v3, an ETH/USDC pool
 * with a full TWAP window), the engine with its vault NFT, the lens, the pricer and the keeper helper, then each
 * market (token, pool, price source, `createMarket`, a seed vault whose tokens become the pool's liquidity).
 */
export async function deployEvergamma(
  connection: EvergammaConnection,
  options: DeployOptions = {},
): Promise<EvergammaDeployment> {
  const { ethers } = connection;
  const deployer = options.deployer ?? (await ethers.getSigners())[0];
  const deployerAddress = await deployer.getAddress();
  const marketOptions = marketOptionsOf(options);
  const allParams = marketOptions.map((m) => ({ ...DEFAULT_MARKET_PARAMETERS, ...m.params }));
  const longestTwap = Math.max(...allParams.map((p) => p.twapPeriodSeconds));
  const ethPriceUsd = options.ethPriceUsd ?? 3000;
  const cardinality = options.cardinality ?? longestTwap + 1;

  const weth = (await ethers.deployContract("WETH9", [], deployer)) as unknown as WETH9;
  const usdc = (await ethers.deployContract("TestUSDC", [], deployer)) as unknown as TestUSDC;
  const uniswap = await deployUniswapV3(deployer, weth);
  const ethUsdcPoolAddress = await createPoolWithLiquidity({
    uniswap,
    signer: deployer,
    tokenA: weth,
    tokenB: usdc,
    priceAInB: ethPriceUsd,
    amountA: options.ethPoolLiquidityEth ?? parseEther("100"),
    cardinality,
  });
  // A price source requires the ETH pool to hold a full TWAP window (L-4); its liquidity mint grew the ring buffer.
  await advanceChainTime(ethers.provider, longestTwap);

  // The engine values option debt and runs option funding with the pricer.
  const pricer = (await ethers.deployContract(
    "EverlastingOptionPricer",
    [],
    deployer,
  )) as unknown as EverlastingOptionPricer;
  const engine = (await ethers.deployContract(
    "Evergamma",
    [deployerAddress, pricer],
    deployer,
  )) as unknown as Evergamma;
  const lens = (await ethers.deployContract("EvergammaLens", [engine], deployer)) as unknown as EvergammaLens;
  const keeperHelper = (await ethers.deployContract(
    "KeeperHelper",
    [engine, deployerAddress, KEEPER_FUNDING_INTERVAL_SECONDS, deployerAddress],
    deployer,
  )) as unknown as KeeperHelper;

  const world = {
    connection,
    deployer,
    uniswap,
    weth,
    usdc,
    engine,
    lens,
    pricer,
    ethUsdcPoolAddress,
    ethPriceUsd,
    cardinality,
  };
  const markets: MarketDeployment[] = [];
  for (const [i, m] of marketOptions.entries()) {
    markets.push(await createMarket(world, { ...m, params: allParams[i] }));
  }
  await advanceChainTime(ethers.provider, options.warmupSeconds ?? longestTwap);

  const first = markets[0];
  return {
    connection,
    deployer,
    weth,
    usdc,
    uniswap,
    ethUsdcPool: getPoolContract(ethUsdcPoolAddress, deployer),
    engine,
    lens,
    pricer,
    keeperHelper,
    markets,
    marketId: first.id,
    market: first.params,
    powerToken: first.token,
    powerWethPool: first.pool,
    seedVaultId: first.seedVaultId,
  };
}

/** The deployment file's contents for a deployment: contract addresses by name, and every market. */
export async function deploymentRecord(
  d: EvergammaDeployment,
): Promise<{ contracts: Record<string, HexAddress>; markets: Record<string, DeployedMarket> }> {
  const entries: [string, { getAddress(): Promise<string> }][] = [
    ["Evergamma", d.engine],
    ["EvergammaLens", d.lens],
    ["EverlastingOptionPricer", d.pricer],
    ["KeeperHelper", d.keeperHelper],
    ["WETH", d.weth],
    ["USDC", d.usdc],
    ["UniswapV3Factory", d.uniswap.factory],
    ["SwapRouter", d.uniswap.router],
    ["NonfungiblePositionManager", d.uniswap.positionManager],
    ["EthUsdcPool", d.ethUsdcPool],
  ];
  const resolved = await Promise.all(
    entries.map(async ([name, c]) => [name, (await c.getAddress()) as HexAddress] as const),
  );
  const markets: Record<string, DeployedMarket> = {};
  for (const m of d.markets) {
    markets[String(m.id)] = {
      id: m.id,
      name: m.name,
      token: (await m.token.getAddress()) as HexAddress,
      pool: (await m.pool.getAddress()) as HexAddress,
      priceSource: (await m.priceSource.getAddress()) as HexAddress,
      params: {
        power: m.params.power,
        indexScale: m.params.indexScale.toString(),
        minCollateralRatioWad: m.params.minCollateralRatioWad.toString(),
        minCollateralWei: m.params.minCollateralWei.toString(),
        twapPeriodSeconds: m.params.twapPeriodSeconds,
        fundingPeriodSeconds: m.params.fundingPeriodSeconds,
        markRatioFloorWad: m.params.markRatioFloorWad.toString(),
        markRatioCapWad: m.params.markRatioCapWad.toString(),
        liquidationBonusWad: m.params.liquidationBonusWad.toString(),
        ...(isOptionMarket(m.params)
          ? {
              kind: m.params.kind,
              strikeWad: (m.params.strikeWad ?? 0n).toString(),
              floorVolatilityWad: (m.params.floorVolatilityWad ?? 0n).toString(),
            }
          : {}),
        ...(m.params.fundingRule === "premiumIndex"
          ? {
              fundingRule: m.params.fundingRule,
              interestRatePerPeriodWad: (m.params.interestRatePerPeriodWad ?? 0n).toString(),
              premiumClampWad: (m.params.premiumClampWad ?? 0n).toString(),
            }
          : {}),
      },
    };
  }
  return { contracts: Object.fromEntries(resolved), markets };
}

/**
 * Lists one more market on a deployed engine (for example a third power), seeded as `deployEvergamma` seeds its
 * markets, and adds it to `d.markets`. The new pool is young: wait a TWAP period before relying on its full window.
 */
export async function addMarket(
  d: EvergammaDeployment,
  options: MarketOptions = {},
): Promise<MarketDeployment> {
  const params = { ...DEFAULT_MARKET_PARAMETERS, ...options.params };
  const ethPriceUsd = Number(await d.lens.ethPrice(d.marketId)) / 1e18;
  const world = {
    connection: d.connection,
    deployer: d.deployer,
    uniswap: d.uniswap,
    weth: d.weth,
    usdc: d.usdc,
    engine: d.engine,
    lens: d.lens,
    pricer: d.pricer,
    ethUsdcPoolAddress: await d.ethUsdcPool.getAddress(),
    ethPriceUsd,
    cardinality: params.twapPeriodSeconds + 1,
  };
  const market = await createMarket(world, { ...options, params });
  d.markets.push(market);
  return market;
}

/** What {@link createMarket} needs of the deployment under way. */
interface MarketWorld {
  connection: EvergammaConnection;
  deployer: Signer;
  uniswap: UniswapV3;
  weth: WETH9;
  usdc: TestUSDC;
  engine: Evergamma;
  lens: EvergammaLens;
  pricer: EverlastingOptionPricer;
  ethUsdcPoolAddress: string;
  ethPriceUsd: number;
  cardinality: number;
}

/**
 * Lists one market: deploys its token (minted only by the engine), creates its token/WETH pool at the seed price
 * with the observation capacity a full window needs, deploys its price source, calls `createMarket`, then mints
 * the seed vault's tokens and adds half of them to the pool as full-range liquidity.
 */
async function createMarket(
  w: MarketWorld,
  m: MarketOptions & { params: MarketParameters },
): Promise<MarketDeployment> {
  const { ethers } = w.connection;
  const params = m.params;
  const labels = marketLabels(params);
  const token = (await ethers.deployContract(
    "MarketToken",
    [m.tokenName ?? labels.tokenName, m.tokenSymbol ?? labels.tokenSymbol, w.engine],
    w.deployer,
  )) as unknown as MarketToken;
  const seedPrice = await seedTokenPriceEth(w, params, m.seedImpliedVolatility ?? 0.8);
  const pool = await initializePool(w.uniswap, w.deployer, token, w.weth, seedPrice, w.cardinality);
  const twapArgs = [w.weth, w.usdc, w.ethUsdcPoolAddress, token, pool, params.twapPeriodSeconds] as const;
  const chainlinkTemplate = m.chainlink ? await deployChainlinkSource(w, twapArgs, m.chainlink) : undefined;
  const template =
    chainlinkTemplate?.source ??
    (await ethers.deployContract("UniswapTwapPrices", [...twapArgs], w.deployer));
  const engine = w.engine.connect(w.deployer);
  const id = Number(await engine.marketCount());
  const receipt = await (await engine.createMarket(toEngineParams(params), token, template)).wait();
  // The engine runs the source from its market account, a copy of the template's code with the configuration.
  const created = receipt?.logs
    .map((log) => engine.interface.parseLog(log))
    .find((event) => event?.name === "MarketCreated");
  if (!created) throw new Error(`createMarket: no MarketCreated event for market ${id}`);
  const account = created.args.priceSource as string;
  const priceSource = template.attach(account) as unknown as UniswapTwapPrices;
  const chainlink = chainlinkTemplate && {
    ...chainlinkTemplate,
    source: chainlinkTemplate.source.attach(account) as unknown as ChainlinkTwapPrices,
  };

  const seedTokens = m.seedTokens ?? parseEther("100");
  // Twice the 150% the health rule asks for (an option's debt is valued after a 20% adverse move).
  const debtValue = await w.lens.debtValuePerToken(id);
  const threeTimesValue = (seedTokens * debtValue * 3n) / parseEther("1");
  const collateral =
    threeTimesValue > params.minCollateralWei * 2n ? threeTimesValue : params.minCollateralWei * 2n;
  await (await engine.mint(vaultIdOf(id, 0n), seedTokens, { value: collateral })).wait();
  await createPoolWithLiquidity({
    uniswap: w.uniswap,
    signer: w.deployer,
    tokenA: token,
    tokenB: w.weth,
    priceAInB: ethDecimal(seedPrice),
    amountA: seedTokens / 2n,
    cardinality: w.cardinality,
  });
  return {
    id,
    name: m.name ?? labels.name,
    params,
    token,
    pool: getPoolContract(await pool.getAddress(), w.deployer),
    priceSource,
    ...(chainlink ? { chainlink } : {}),
    seedVaultId: vaultIdOf(id, 1n),
    newVaultId: vaultIdOf(id, 0n),
  };
}

/** Decimals of the mock ETH/USD feed (Chainlink's USD feeds answer with 8). */
const MOCK_FEED_DECIMALS = 8;

/**
 * Deploys a market's `ChainlinkTwapPrices` template: the given feed, or a new `MockAggregator` answering the ETH
 * pool's price, with the options' guards.
 */
async function deployChainlinkSource(
  w: MarketWorld,
  twapArgs: readonly unknown[],
  o: ChainlinkSourceOptions,
): Promise<{ source: ChainlinkTwapPrices; feed: string; mockFeed?: MockAggregator }> {
  const { ethers } = w.connection;
  const mockFeed =
    o.feed === undefined
      ? ((await ethers.deployContract(
          "MockAggregator",
          [MOCK_FEED_DECIMALS, BigInt(Math.round(w.ethPriceUsd * 10 ** MOCK_FEED_DECIMALS))],
          w.deployer,
        )) as unknown as MockAggregator)
      : undefined;
  const feed = o.feed ?? (await mockFeed!.getAddress());
  const sequencerFeed = o.sequencerFeed ?? ethers.ZeroAddress;
  const feedParams = {
    feed,
    heartbeatSeconds: o.heartbeatSeconds ?? 3600,
    sequencerFeed,
    gracePeriodSeconds: o.gracePeriodSeconds ?? (sequencerFeed === ethers.ZeroAddress ? 0 : 3600),
    deviationBoundWad: o.deviationBoundWad ?? parseEther("0.05"),
  };
  const source = (await ethers.deployContract(
    "ChainlinkTwapPrices",
    [...twapArgs, feedParams],
    w.deployer,
  )) as unknown as ChainlinkTwapPrices;
  return { source, feed, ...(mockFeed ? { mockFeed } : {}) };
}

/** A price as a decimal string `parseEther` accepts: 17 significant digits, at most 18 decimals. */
function ethDecimal(value: number): string {
  const text = value.toPrecision(17);
  const decimals = text.split(".")[1]?.length ?? 0;
  return decimals > 18 || text.includes("e") ? value.toFixed(18) : text;
}

/**
 * A market's default short name, token name and symbol: "ETH2" / "Evergamma ETH^2" / "eETH2" for a power, "C3500" /
 * "Evergamma ETH 3500 Call" / "eC3500" for a call at 3500 (and "P…" / "Put" for a put).
 */
export function marketLabels(p: MarketParameters): { name: string; tokenName: string; tokenSymbol: string } {
  if (!isOptionMarket(p)) {
    return { name: `ETH${p.power}`, tokenName: `Evergamma ETH^${p.power}`, tokenSymbol: `eETH${p.power}` };
  }
  const strike = formatEther(p.strikeWad ?? 0n).replace(/\.0$/, "");
  const [letter, word] = p.kind === "call" ? ["C", "Call"] : ["P", "Put"];
  return {
    name: `${letter}${strike}`,
    tokenName: `Evergamma ETH ${strike} ${word}`,
    tokenSymbol: `e${letter}${strike}`,
  };
}

/**
 * The seed price of a market's token in ETH at NF = 1: a power's fair price (`fairPowerPriceEth`), an option's
 * everlasting fair value from the deployed pricer divided by S.
 */
async function seedTokenPriceEth(
  w: MarketWorld,
  p: MarketParameters,
  impliedVolatility: number,
): Promise<number> {
  if (!isOptionMarket(p)) return fairPowerPriceEth(p, w.ethPriceUsd, impliedVolatility);
  const spot = parseEther(w.ethPriceUsd.toString());
  const volatility = parseEther(impliedVolatility.toString());
  const price = p.kind === "call" ? w.pricer.callPrice : w.pricer.putPrice;
  const usd = await price(spot, p.strikeWad ?? 0n, volatility, p.fundingPeriodSeconds);
  return Number(usd) / 1e18 / w.ethPriceUsd;
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
  await growObservations(pool, cardinality);
  return pool;
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
  await setTokenPrice(d, d.markets[0], ethPerToken);
}

/** Moves a market's token/WETH pool spot price to `ethPerToken` with swaps (the deployer sells its seed tokens). */
export async function setTokenPrice(
  d: EvergammaDeployment,
  market: MarketDeployment,
  ethPerToken: number | string,
): Promise<void> {
  await movePoolPrice({
    uniswap: d.uniswap,
    pool: market.pool,
    signer: d.deployer,
    baseToken: market.token,
    quoteToken: d.weth,
    targetPrice: ethPerToken,
  });
}

/** Mines one block `seconds` after the latest one. */
export async function advanceTime(
  d: EvergammaDeployment | EvergammaConnection,
  seconds: number,
): Promise<void> {
  const connection = "engine" in d ? d.connection : d;
  await advanceChainTime(connection.ethers.provider, seconds);
}
