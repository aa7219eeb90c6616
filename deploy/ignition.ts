/**
 * Runs the Hardhat Ignition modules of `ignition/modules/` (the one deploy path of tests, the devnet and real
 * networks) and does what follows a market's deployment: the owner's seed vault mints tokens and half of them become
 * the token/WETH pool's full-range liquidity.
 *
 * Deployments are ephemeral (nothing written) unless a journal directory is given; `evergamma:deploy` gives one, so
 * an interrupted deployment on a real network resumes where it stopped.
 *
 * @module
 */
import {
  deploy,
  DeploymentResultType,
  type DeploymentParameters,
  type ExecutionEventListener,
  type IgnitionModule,
  type IgnitionModuleResult,
  type ModuleParameters,
} from "@nomicfoundation/ignition-core";
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { parseEther, type Signer } from "ethers";
import type { EIP1193Provider } from "hardhat/types/providers";

import CoreModule from "../ignition/modules/Core.js";
import { marketModule, marketModuleId } from "../ignition/modules/Market.js";
import WorldModule from "../ignition/modules/World.js";
import type { Evergamma, EvergammaLens } from "../types/ethers-contracts/index.js";
import type { HexAddress } from "./deploymentRecord.js";
import type { EvergammaConnection } from "./evergamma.js";
import { createPoolWithLiquidity, priceToSqrtPriceX96, type UniswapV3 } from "./uniswap.js";

/** How an Ignition deployment runs: where its journal goes and who watches it. */
export interface IgnitionRunOptions {
  /** The journal directory (resumable); none: an ephemeral deployment. */
  deploymentDir?: string;
  /** Progress events (for example Ignition's own terminal UI). */
  listener?: ExecutionEventListener;
}

/** The addresses of a module's results, by result name. */
export type ModuleAddresses<K extends string> = Record<K, HexAddress>;

/** What a connection offers a deployment: its EIP-1193 provider. */
export interface ProviderConnection {
  provider: EIP1193Provider;
}

/** Whether the chain mines every transaction at once (Hardhat's networks): no block polling delay is needed. */
async function isAutomined(provider: EIP1193Provider): Promise<boolean> {
  try {
    return Boolean(await provider.request({ method: "hardhat_getAutomine" }));
  } catch {
    return false;
  }
}

/**
 * Deploys an Ignition module with `sender` as the default sender and returns its results' addresses.
 *
 * @throws Error with Ignition's explanation when validation or execution fails.
 */
export async function runIgnitionModule<
  M extends IgnitionModule<string, string, IgnitionModuleResult<string>>,
>(
  connection: ProviderConnection,
  module: M,
  parameters: DeploymentParameters,
  sender: string,
  run: IgnitionRunOptions = {},
): Promise<ModuleAddresses<keyof M["results"] & string>> {
  const { artifacts } = await import("hardhat");
  const helpers = await import("@nomicfoundation/hardhat-ignition/helpers");
  const provider = connection.provider;
  const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
  const fast = await isAutomined(provider);
  const result = await deploy({
    config: fast ? { blockPollingInterval: 1 } : {},
    artifactResolver: new helpers.HardhatArtifactResolver(artifacts),
    provider,
    deploymentDir: run.deploymentDir,
    executionEventListener: run.listener,
    ignitionModule: module,
    deploymentParameters: parameters,
    accounts,
    defaultSender: accounts.find((a) => a.toLowerCase() === sender.toLowerCase()) ?? sender,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    const message = helpers.errorDeploymentResultToExceptionMessage(result).replace(/\s*\n\s*/g, " ");
    throw new Error(`Ignition module ${module.id} failed: ${message}`);
  }
  const entries = Object.entries(module.results).map(([name, future]) => {
    const deployed = result.contracts[(future as { id: string }).id];
    return [name, deployed.address as HexAddress] as const;
  });
  return Object.fromEntries(entries) as ModuleAddresses<keyof M["results"] & string>;
}

/** The local world's addresses (module `EvergammaWorld`). */
export type WorldAddresses = ModuleAddresses<"weth" | "usdc" | "factory" | "positionManager" | "router">;

/** Deploys WETH9, TestUSDC and Uniswap v3 (tests and the devnet only). */
export function deployWorldModule(
  connection: ProviderConnection,
  sender: string,
  run?: IgnitionRunOptions,
): Promise<WorldAddresses> {
  return runIgnitionModule(connection, WorldModule, {}, sender, run);
}

/** The engine's side (module `EvergammaCore`). */
export type CoreAddresses = ModuleAddresses<
  "pricer" | "engine" | "lens" | "keeperHelper" | "poolInitializer"
>;

/** Parameters of module `EvergammaCore`. */
export interface CoreParameters {
  /** The engine's and keeper helper's owner: the deploying account (it lists the markets). */
  owner: string;
  /** Where the keeper helper's liquidation proceeds go. */
  keeperRecipient: string;
  /** Default 3600. */
  keeperFundingIntervalSeconds?: number;
}

/** Deploys the pricer, the engine, the lens, the keeper helper and the pool initializer. */
export function deployCoreModule(
  connection: ProviderConnection,
  sender: string,
  parameters: CoreParameters,
  run?: IgnitionRunOptions,
): Promise<CoreAddresses> {
  const core = { ...parameters } as Record<string, string | number>;
  return runIgnitionModule(connection, CoreModule, { EvergammaCore: core }, sender, run);
}

/** The addresses every market module reads (its `$global` parameters). */
export interface MarketWorldAddresses {
  engine: string;
  poolInitializer: string;
  weth: string;
  usdc: string;
  ethUsdcPool: string;
  uniswapV3Factory: string;
}

/** The Chainlink side of a market plan: a given feed, or a mock feed answering `mockFeedAnswer` (8 decimals). */
export interface ChainlinkPlan {
  feed?: string;
  mockFeedAnswer?: bigint;
  heartbeatSeconds: number;
  sequencerFeed: string;
  gracePeriodSeconds: number;
  deviationBoundWad: bigint;
}

/** One market to list, fully resolved. */
export interface MarketPlan {
  name: string;
  tokenName: string;
  tokenSymbol: string;
  /** The engine's `MarketParams` struct (`toEngineParams`). */
  engineParams: Record<string, bigint | number>;
  twapPeriodSeconds: number;
  /** The token's seed price in ETH (its pool starts there). */
  seedPriceEth: number;
  /** Observation capacity of the token pool. */
  cardinality: number;
  chainlink?: ChainlinkPlan;
}

/** One listed market's addresses, with its engine id. */
export interface ListedMarket {
  id: number;
  token: HexAddress;
  pool: HexAddress;
  /** The price source template (the engine runs a copy at `priceSource`). */
  template: HexAddress;
  priceSource: HexAddress;
  /** Chainlink markets: the feed (deployed mock or given). */
  feed?: HexAddress;
}

/** sqrtPriceX96 of the token in WETH for either token order (both tokens have 18 decimals). */
export function seedSqrtPrices(priceEth: number): { sqrtPriceTokenIs0: bigint; sqrtPriceTokenIs1: bigint } {
  return {
    sqrtPriceTokenIs0: priceToSqrtPriceX96(priceEth.toPrecision(17), 18, 18),
    sqrtPriceTokenIs1: priceToSqrtPriceX96((1 / priceEth).toPrecision(17), 18, 18),
  };
}

/** The Ignition parameters of one market module. */
function marketParameters(plan: MarketPlan): ModuleParameters {
  const base = {
    tokenName: plan.tokenName,
    tokenSymbol: plan.tokenSymbol,
    params: plan.engineParams,
    twapPeriodSeconds: plan.twapPeriodSeconds,
    cardinality: plan.cardinality,
    ...seedSqrtPrices(plan.seedPriceEth),
  };
  const cl = plan.chainlink;
  if (cl === undefined) return base;
  const feed: ModuleParameters =
    cl.feed === undefined ? { mockFeedAnswer: cl.mockFeedAnswer ?? 0n } : { feed: cl.feed };
  const { heartbeatSeconds, sequencerFeed, gracePeriodSeconds, deviationBoundWad } = cl;
  return { ...base, ...feed, heartbeatSeconds, sequencerFeed, gracePeriodSeconds, deviationBoundWad };
}

/** The root module listing `plans` in order: one submodule per market, each `createMarket` after the previous one. */
function marketsModule(plans: MarketPlan[]) {
  return buildModule("EvergammaMarkets", (m) => {
    let previous: IgnitionModule | undefined;
    const results: Record<string, ReturnType<typeof m.useModule>[string]> = {};
    for (const plan of plans) {
      const priceSource = plan.chainlink === undefined ? "twap" : "chainlink";
      const mockFeed = plan.chainlink !== undefined && plan.chainlink.feed === undefined;
      const module = marketModule(plan.name, { priceSource, mockFeed, after: previous });
      for (const [key, future] of Object.entries(m.useModule(module)))
        results[`${plan.name}:${key}`] = future;
      previous = module;
    }
    return results;
  });
}

/** The id of the market whose token is `token`, from the engine's `MarketCreated` event. */
async function marketIdOf(engine: Evergamma, token: string): Promise<number> {
  const events = await engine.queryFilter(engine.filters.MarketCreated(undefined, token));
  if (events.length === 0) throw new Error(`no MarketCreated event for token ${token}`);
  return Number(events[0].args.marketId);
}

/**
 * Lists `plans` on the engine with one Ignition deployment (module `EvergammaMarkets`, a submodule per market; market
 * ids follow the plans' order) and returns each market's addresses and id.
 */
export async function deployMarketModules(
  connection: EvergammaConnection,
  sender: string,
  world: MarketWorldAddresses,
  plans: MarketPlan[],
  run?: IgnitionRunOptions,
): Promise<ListedMarket[]> {
  const parameters: DeploymentParameters = { $global: { ...world } };
  for (const plan of plans) parameters[marketModuleId(plan.name)] = marketParameters(plan);
  const a: Record<string, HexAddress> = await runIgnitionModule(
    connection,
    marketsModule(plans),
    parameters,
    sender,
    run,
  );
  const engine = (await connection.ethers.getContractAt("Evergamma", world.engine)) as unknown as Evergamma;
  return Promise.all(
    plans.map(async (plan) => {
      const at = (key: string) => a[`${plan.name}:${key}`];
      const feed = plan.chainlink?.feed ?? at("feed");
      const { token, pool, template, priceSource } = {
        token: at("token"),
        pool: at("pool"),
        template: at("template"),
        priceSource: at("priceSource"),
      };
      const id = await marketIdOf(engine, token);
      return { id, token, pool, template, priceSource, ...(feed ? { feed: feed as HexAddress } : {}) };
    }),
  );
}

/** What {@link seedMarket} needs. */
export interface SeedOptions {
  connection: EvergammaConnection;
  /** The engine's owner: opens the seed vault and provides the liquidity. */
  signer: Signer;
  uniswap: UniswapV3;
  engine: string;
  lens: string;
  weth: string;
  market: ListedMarket;
  plan: MarketPlan;
  /** Tokens the seed vault mints: half go into the pool, half stay for price moves. */
  seedTokens: bigint;
}

/**
 * Opens the market's seed vault (serial 1) at three times the debt's value (at least twice the dust floor), then adds
 * half of its tokens to the token/WETH pool as full-range liquidity at the seed price.
 */
export async function seedMarket(o: SeedOptions): Promise<void> {
  const { ethers } = o.connection;
  const engine = (await ethers.getContractAt("Evergamma", o.engine, o.signer)) as unknown as Evergamma;
  const lens = (await ethers.getContractAt("EvergammaLens", o.lens, o.signer)) as unknown as EvergammaLens;
  const debtValue = await lens.debtValuePerToken(o.market.id);
  const threeTimesValue = (o.seedTokens * debtValue * 3n) / parseEther("1");
  const floor = BigInt(o.plan.engineParams.minCollateralWei) * 2n;
  const collateral = threeTimesValue > floor ? threeTimesValue : floor;
  await (await engine.mint(vaultIdOf(o.market.id, 0n), o.seedTokens, { value: collateral })).wait();
  await createPoolWithLiquidity({
    uniswap: o.uniswap,
    signer: o.signer,
    tokenA: o.market.token,
    tokenB: o.weth,
    priceAInB: o.plan.seedPriceEth.toPrecision(17),
    amountA: o.seedTokens / 2n,
    cardinality: o.plan.cardinality,
  });
}

/** The id of a market's `serial`-th vault (`VaultIdLib`: the market id above 64 serial bits). */
function vaultIdOf(marketId: number, serial: bigint): bigint {
  return (BigInt(marketId) << 64n) | serial;
}
