/**
 * One deploy function for tests, the devnet and scripts, running the Hardhat Ignition modules of `ignition/modules/`
 * (the one deploy path, also of real networks: `deployOnExistingChain`, docs/deploy.md): WETH9, a 6-decimal USDC,
 * Uniswap v3 from the npm artifacts, the ETH/USDC pool, the engine with its lens, pricer and keeper helper, and one or
 * more markets, each with its token, its token/WETH pool (full-range liquidity and TWAP history) and its price
 * source. Also the price helpers that move the real pools by swapping.
 *
 * @module
 */
import { formatEther, parseEther, ZeroAddress, type Signer } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import type {
  ChainlinkTwapPrices,
  EverlastingOptionPricer,
  Evergamma,
  EvergammaLens,
  KeeperHelper,
  MarketPoolInitializer,
  MarketToken,
  MockAggregator,
  TestUSDC,
  UniswapTwapPrices,
  WETH9,
} from "../types/ethers-contracts/index.js";
import type { DeployedMarket, DeployedMarketParams, HexAddress } from "./deploymentRecord.js";
import {
  deployCoreModule,
  deployMarketModules,
  deployWorldModule,
  seedMarket,
  type ChainlinkPlan,
  type CoreAddresses,
  type IgnitionRunOptions,
  type ListedMarket,
  type MarketPlan,
} from "./ignition.js";
import {
  attachUniswapV3,
  advanceTime as advanceChainTime,
  createPoolWithLiquidity,
  getPoolContract,
  growObservations,
  movePoolPrice,
  readPoolPrice,
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
  /** Creates market pools at a price given for either token order (the market modules call it). */
  poolInitializer: MarketPoolInitializer;
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
 * Deploys the whole protocol on the connection's chain through the Ignition modules (`ignition/modules/`): the local
 * world (module `EvergammaWorld`: WETH, USDC, Uniswap v3) and its ETH/USDC pool with a full TWAP window, the engine
 * with its vault NFT, the lens, the pricer and the keeper helper (`EvergammaCore`), then the markets
 * (`EvergammaMarkets`: token, pool, price source, `createMarket`), each seeded by a vault whose tokens become its
 * pool's liquidity.
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

  const w = await deployWorldModule(connection, deployerAddress);
  const weth = (await ethers.getContractAt("WETH9", w.weth, deployer)) as unknown as WETH9;
  const usdc = (await ethers.getContractAt("TestUSDC", w.usdc, deployer)) as unknown as TestUSDC;
  const uniswap = attachUniswapV3(w, deployer);
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

  const owner = { owner: deployerAddress, keeperRecipient: deployerAddress };
  const core = await attachCore(
    connection,
    await deployCoreModule(connection, deployerAddress, owner),
    deployer,
  );
  const world: MarketWorld = {
    connection,
    deployer,
    uniswap,
    weth,
    usdc,
    ...core,
    ethUsdcPoolAddress,
    ethPriceUsd,
    cardinality,
  };
  const markets = await listMarkets(
    world,
    marketOptions.map((m, i) => ({ ...m, params: allParams[i] })),
  );
  await advanceChainTime(ethers.provider, options.warmupSeconds ?? longestTwap);

  const first = markets[0];
  return {
    connection,
    deployer,
    weth,
    usdc,
    uniswap,
    ethUsdcPool: getPoolContract(ethUsdcPoolAddress, deployer),
    engine: core.engine,
    lens: core.lens,
    pricer: core.pricer,
    keeperHelper: core.keeperHelper,
    poolInitializer: core.poolInitializer,
    markets,
    marketId: first.id,
    market: first.params,
    powerToken: first.token,
    powerWethPool: first.pool,
    seedVaultId: first.seedVaultId,
  };
}

/** The existing contracts of a chain that {@link deployOnExistingChain} builds on. */
export interface ExistingWorld {
  weth: string;
  usdc: string;
  uniswapV3Factory: string;
  nonfungiblePositionManager: string;
  swapRouter: string;
  ethUsdcPool: string;
}

/** What {@link deployOnExistingChain} deployed: the engine's side and the markets, typed. */
export type ExistingChainDeployment = Omit<
  EvergammaDeployment,
  "marketId" | "market" | "powerToken" | "powerWethPool" | "seedVaultId"
>;

/**
 * Deploys Evergamma onto a chain that already has WETH, USDC, Uniswap v3 and an ETH/USDC pool with a TWAP window's
 * history (`evergamma:deploy`): module `EvergammaCore` (the deployer owns the engine), then the markets' modules, then
 * the seeding of each new market's pool. With `run.deploymentDir` the Ignition journal makes a rerun resume.
 */
export async function deployOnExistingChain(
  connection: EvergammaConnection,
  o: {
    deployer: Signer;
    world: ExistingWorld;
    markets: (MarketOptions & { params: MarketParameters })[];
    keeperRecipient?: string;
    run?: IgnitionRunOptions;
  },
): Promise<ExistingChainDeployment> {
  const { ethers } = connection;
  const sender = await o.deployer.getAddress();
  const coreParameters = { owner: sender, keeperRecipient: o.keeperRecipient ?? sender };
  const c = await deployCoreModule(connection, sender, coreParameters, o.run);
  const core = await attachCore(connection, c, o.deployer);
  const uniswap = attachUniswapV3(
    {
      factory: o.world.uniswapV3Factory,
      positionManager: o.world.nonfungiblePositionManager,
      router: o.world.swapRouter,
    },
    o.deployer,
  );
  const weth = (await ethers.getContractAt("WETH9", o.world.weth, o.deployer)) as unknown as WETH9;
  const usdc = (await ethers.getContractAt("TestUSDC", o.world.usdc, o.deployer)) as unknown as TestUSDC;
  const ethUsdcPool = getPoolContract(o.world.ethUsdcPool, o.deployer);
  const ethPriceUsd = await readPoolPrice(ethUsdcPool, o.world.weth);
  const cardinality = Math.max(...o.markets.map((m) => m.params.twapPeriodSeconds)) + 1;
  const world: MarketWorld = {
    ...{ connection, deployer: o.deployer, uniswap, weth, usdc, ...core },
    ...{ ethUsdcPoolAddress: o.world.ethUsdcPool, ethPriceUsd, cardinality },
  };
  const markets = await listMarkets(world, o.markets, o.run);
  return { connection, deployer: o.deployer, weth, usdc, uniswap, ethUsdcPool, ...core, markets };
}

/** Typed handles on module `EvergammaCore`'s contracts. */
async function attachCore(connection: EvergammaConnection, c: CoreAddresses, deployer: Signer) {
  const at = <T>(name: string, address: string) =>
    connection.ethers.getContractAt(name, address, deployer) as Promise<unknown> as Promise<T>;
  return {
    engine: await at<Evergamma>("Evergamma", c.engine),
    lens: await at<EvergammaLens>("EvergammaLens", c.lens),
    pricer: await at<EverlastingOptionPricer>("EverlastingOptionPricer", c.pricer),
    keeperHelper: await at<KeeperHelper>("KeeperHelper", c.keeperHelper),
    poolInitializer: await at<MarketPoolInitializer>("MarketPoolInitializer", c.poolInitializer),
  };
}

/** A market's terms as the deployment file writes them (WAD values as decimal strings). */
export function deployedMarketParams(p: MarketParameters): DeployedMarketParams {
  return {
    power: p.power,
    indexScale: p.indexScale.toString(),
    minCollateralRatioWad: p.minCollateralRatioWad.toString(),
    minCollateralWei: p.minCollateralWei.toString(),
    twapPeriodSeconds: p.twapPeriodSeconds,
    fundingPeriodSeconds: p.fundingPeriodSeconds,
    markRatioFloorWad: p.markRatioFloorWad.toString(),
    markRatioCapWad: p.markRatioCapWad.toString(),
    liquidationBonusWad: p.liquidationBonusWad.toString(),
    ...(isOptionMarket(p)
      ? {
          kind: p.kind,
          strikeWad: (p.strikeWad ?? 0n).toString(),
          floorVolatilityWad: (p.floorVolatilityWad ?? 0n).toString(),
        }
      : {}),
    ...(p.fundingRule === "premiumIndex"
      ? {
          fundingRule: p.fundingRule,
          interestRatePerPeriodWad: (p.interestRatePerPeriodWad ?? 0n).toString(),
          premiumClampWad: (p.premiumClampWad ?? 0n).toString(),
        }
      : {}),
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
    ["MarketPoolInitializer", d.poolInitializer],
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
      params: deployedMarketParams(m.params),
    };
  }
  return { contracts: Object.fromEntries(resolved), markets };
}

/**
 * Lists one more market on a deployed engine (for example a third power) through the market module, seeded as
 * `deployEvergamma` seeds its markets, and adds it to `d.markets`. The new pool is young: wait a TWAP period before
 * relying on its full window.
 */
export async function addMarket(
  d: EvergammaDeployment,
  options: MarketOptions = {},
): Promise<MarketDeployment> {
  const params = { ...DEFAULT_MARKET_PARAMETERS, ...options.params };
  const ethPriceUsd = Number(await d.lens.ethPrice(d.marketId)) / 1e18;
  const world: MarketWorld = {
    connection: d.connection,
    deployer: d.deployer,
    uniswap: d.uniswap,
    weth: d.weth,
    usdc: d.usdc,
    engine: d.engine,
    lens: d.lens,
    pricer: d.pricer,
    poolInitializer: d.poolInitializer,
    ethUsdcPoolAddress: await d.ethUsdcPool.getAddress(),
    ethPriceUsd,
    cardinality: params.twapPeriodSeconds + 1,
  };
  const [market] = await listMarkets(world, [{ ...options, params }]);
  d.markets.push(market);
  return market;
}

/** What {@link listMarkets} needs of the deployment under way. */
interface MarketWorld {
  connection: EvergammaConnection;
  deployer: Signer;
  uniswap: UniswapV3;
  weth: WETH9;
  usdc: TestUSDC;
  engine: Evergamma;
  lens: EvergammaLens;
  pricer: EverlastingOptionPricer;
  poolInitializer: MarketPoolInitializer;
  ethUsdcPoolAddress: string;
  ethPriceUsd: number;
  cardinality: number;
}

/** Decimals of the mock ETH/USD feed (Chainlink's USD feeds answer with 8). */
const MOCK_FEED_DECIMALS = 8;

/** A market's Chainlink plan: the given feed or a mock answering the ETH pool's price, with the options' guards. */
function chainlinkPlan(w: MarketWorld, o: ChainlinkSourceOptions): ChainlinkPlan {
  const sequencerFeed = o.sequencerFeed ?? ZeroAddress;
  return {
    ...(o.feed === undefined
      ? { mockFeedAnswer: BigInt(Math.round(w.ethPriceUsd * 10 ** MOCK_FEED_DECIMALS)) }
      : { feed: o.feed }),
    heartbeatSeconds: o.heartbeatSeconds ?? 3600,
    sequencerFeed,
    gracePeriodSeconds: o.gracePeriodSeconds ?? (sequencerFeed === ZeroAddress ? 0 : 3600),
    deviationBoundWad: o.deviationBoundWad ?? parseEther("0.05"),
  };
}

/** The resolved plan of one market: labels, engine terms, seed price and price source. */
async function marketPlan(
  w: MarketWorld,
  m: MarketOptions & { params: MarketParameters },
): Promise<MarketPlan> {
  const labels = marketLabels(m.params);
  return {
    name: m.name ?? labels.name,
    tokenName: m.tokenName ?? labels.tokenName,
    tokenSymbol: m.tokenSymbol ?? labels.tokenSymbol,
    engineParams: toEngineParams(m.params),
    twapPeriodSeconds: m.params.twapPeriodSeconds,
    seedPriceEth: await seedTokenPriceEth(w, m.params, m.seedImpliedVolatility ?? 0.8),
    cardinality: w.cardinality,
    ...(m.chainlink ? { chainlink: chainlinkPlan(w, m.chainlink) } : {}),
  };
}

/**
 * Lists markets through the Ignition market modules (token, pool at the seed price with the observation capacity a
 * full window needs, price source, `createMarket`), then seeds each: the deployer's vault mints the seed tokens and
 * half of them become the pool's full-range liquidity.
 */
async function listMarkets(
  w: MarketWorld,
  options: (MarketOptions & { params: MarketParameters })[],
  run?: IgnitionRunOptions,
): Promise<MarketDeployment[]> {
  const plans = await Promise.all(options.map((m) => marketPlan(w, m)));
  const addresses = {
    engine: await w.engine.getAddress(),
    poolInitializer: await w.poolInitializer.getAddress(),
    weth: await w.weth.getAddress(),
    usdc: await w.usdc.getAddress(),
    ethUsdcPool: w.ethUsdcPoolAddress,
    uniswapV3Factory: await w.uniswap.factory.getAddress(),
  };
  const sender = await w.deployer.getAddress();
  const listed = await deployMarketModules(w.connection, sender, addresses, plans);
  const markets: MarketDeployment[] = [];
  for (const [i, market] of listed.entries()) {
    const seed = { connection: w.connection, signer: w.deployer, uniswap: w.uniswap, ...addresses };
    await seedMarket({
      ...seed,
      lens: await w.lens.getAddress(),
      market,
      plan: plans[i],
      seedTokens: options[i].seedTokens ?? parseEther("100"),
    });
    markets.push(await marketHandles(w, market, plans[i], options[i]));
  }
  return markets;
}

/** Typed handles on a listed market. */
async function marketHandles(
  w: MarketWorld,
  market: ListedMarket,
  plan: MarketPlan,
  m: MarketOptions & { params: MarketParameters },
): Promise<MarketDeployment> {
  const { ethers } = w.connection;
  const at = <T>(name: string, address: string) =>
    ethers.getContractAt(name, address, w.deployer) as Promise<unknown> as Promise<T>;
  const sourceName = m.chainlink ? "ChainlinkTwapPrices" : "UniswapTwapPrices";
  const chainlink = m.chainlink && {
    source: await at<ChainlinkTwapPrices>("ChainlinkTwapPrices", market.priceSource),
    feed: market.feed ?? ZeroAddress,
    ...(m.chainlink.feed === undefined && market.feed !== undefined
      ? { mockFeed: await at<MockAggregator>("MockAggregator", market.feed) }
      : {}),
  };
  return {
    id: market.id,
    name: plan.name,
    params: m.params,
    token: await at<MarketToken>("MarketToken", market.token),
    pool: getPoolContract(market.pool, w.deployer),
    priceSource: await at<UniswapTwapPrices>(sourceName, market.priceSource),
    ...(chainlink ? { chainlink } : {}),
    seedVaultId: vaultIdOf(market.id, 1n),
    newVaultId: vaultIdOf(market.id, 0n),
  };
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
  const usd = await optionFairValueUsd(w.pricer, p, spot, parseEther(impliedVolatility.toString()));
  return Number(usd) / 1e18 / w.ethPriceUsd;
}

/**
 * An option market's everlasting fair value per unit of claim in USD (WAD) at ETH price `spotWad` and volatility
 * `volatilityWad`: the pricer's call or put price at the market's strike and funding period. One token is worth NF
 * times this, i.e. fair value × NF / S ETH.
 */
export async function optionFairValueUsd(
  pricer: EverlastingOptionPricer,
  p: Pick<MarketParameters, "kind" | "strikeWad" | "fundingPeriodSeconds">,
  spotWad: bigint,
  volatilityWad: bigint,
): Promise<bigint> {
  const price = p.kind === "put" ? pricer.putPrice : pricer.callPrice;
  return price(spotWad, p.strikeWad ?? 0n, volatilityWad, BigInt(p.fundingPeriodSeconds));
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
