/**
 * One market of an existing engine: its token (minted only by the engine), its token/WETH Uniswap v3 pool created at
 * the seed price with the observation capacity its TWAP window needs, its price source (TWAP-only
 * `UniswapTwapPrices`, or `ChainlinkTwapPrices` with a feed and safe mode) and `createMarket`. Seeding the pool
 * with liquidity (the owner's seed vault) follows the deployment (`deploy/ignition.ts`).
 *
 * Parameters of module `EvergammaMarket_<name>` (the shared addresses usually come from `$global`):
 *
 * - `engine`, `poolInitializer` (module `EvergammaCore`), `weth`, `usdc`, `ethUsdcPool`, `uniswapV3Factory`;
 * - `tokenName`, `tokenSymbol`, `params` (the engine's `MarketParams`), `twapPeriodSeconds`, `poolFee` (3000),
 *   `sqrtPriceTokenIs0` / `sqrtPriceTokenIs1` (the seed price for either token order), `cardinality`;
 * - Chainlink+TWAP: `feed`, `heartbeatSeconds`, `sequencerFeed`, `gracePeriodSeconds`, `deviationBoundWad`; with a
 *   mock feed (local chains only) `mockFeedDecimals` and `mockFeedAnswer` instead of `feed`.
 *
 * The default export is a TWAP-only market named "Market" for `npx hardhat ignition deploy`; `npx hardhat
 * evergamma:deploy` builds one module per market of its parameters file.
 *
 * @module
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModule, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

import { uniswapV3Artifacts } from "../../deploy/uniswap.js";

/** The build-time shape of a market module: which price source, and whether it deploys its own mock feed. */
export interface MarketModuleShape {
  /** "twap" (`UniswapTwapPrices`) or "chainlink" (`ChainlinkTwapPrices`). */
  priceSource: "twap" | "chainlink";
  /** Chainlink only: deploy a `MockAggregator` as the feed (local chains). */
  mockFeed?: boolean;
  /** A market module whose `createMarket` must come first (market ids follow the order of the modules). */
  after?: IgnitionModule;
}

/** The Ignition module id of market `name` (letters, digits and underscores). */
export function marketModuleId(name: string): string {
  return `EvergammaMarket_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** A local mock ETH/USD feed (`MockAggregator`) answering `mockFeedAnswer` with `mockFeedDecimals` (8). */
function mockFeed(m: IgnitionModuleBuilder) {
  return m.contract("MockAggregator", [
    m.getParameter<number>("mockFeedDecimals", 8),
    m.getParameter<bigint>("mockFeedAnswer"),
  ]);
}

/** The Chainlink feed parameters (`ChainlinkTwapPrices.FeedParams`) with the given feed. */
function feedParams(m: IgnitionModuleBuilder, feed: ReturnType<typeof mockFeed> | string | FeedParameter) {
  return {
    feed,
    heartbeatSeconds: m.getParameter<number>("heartbeatSeconds", 3600),
    sequencerFeed: m.getParameter<string>("sequencerFeed", "0x0000000000000000000000000000000000000000"),
    gracePeriodSeconds: m.getParameter<number>("gracePeriodSeconds", 0),
    deviationBoundWad: m.getParameter<bigint>("deviationBoundWad", 50_000_000_000_000_000n),
  };
}

/** An address given as a module parameter. */
type FeedParameter = ReturnType<IgnitionModuleBuilder["getParameter"]>;

/** The module listing market `name` with the given price source. */
export function marketModule(name: string, shape: MarketModuleShape) {
  return buildModule(marketModuleId(name), (m) => {
    const engine = m.contractAt("Evergamma", m.getParameter<string>("engine"));
    const initializer = m.contractAt("MarketPoolInitializer", m.getParameter<string>("poolInitializer"));
    const [weth, usdc, ethUsdcPool] = ["weth", "usdc", "ethUsdcPool"].map((p) => m.getParameter<string>(p));
    const token = m.contract("MarketToken", [
      m.getParameter<string>("tokenName"),
      m.getParameter<string>("tokenSymbol"),
      engine,
    ]);
    const createPool = m.call(initializer, "createPool", [
      m.getParameter<string>("uniswapV3Factory"),
      token,
      weth,
      m.getParameter<number>("poolFee", 3000),
      m.getParameter<bigint>("sqrtPriceTokenIs0"),
      m.getParameter<bigint>("sqrtPriceTokenIs1"),
      m.getParameter<number>("cardinality"),
    ]);
    const poolAddress = m.readEventArgument(createPool, "PoolReady", "pool");
    const pool = m.contractAt("UniswapV3Pool", uniswapV3Artifacts.pool, poolAddress);
    const twapArgs = [weth, usdc, ethUsdcPool, token, pool, m.getParameter<number>("twapPeriodSeconds")];
    const contractName = shape.priceSource === "chainlink" ? "ChainlinkTwapPrices" : "UniswapTwapPrices";
    const feed = shape.priceSource === "chainlink" && shape.mockFeed === true ? mockFeed(m) : undefined;
    const template =
      shape.priceSource === "chainlink"
        ? m.contract(contractName, [...twapArgs, feedParams(m, feed ?? m.getParameter<string>("feed"))])
        : m.contract(contractName, twapArgs);
    const create = m.call(engine, "createMarket", [m.getParameter("params"), token, template], {
      after: shape.after === undefined ? [] : [shape.after],
    });
    // The engine runs the source from its market account, a copy of the template's code with the configuration.
    const account = m.readEventArgument(create, "MarketCreated", "priceSource");
    const priceSource = m.contractAt(contractName, account, { id: "PriceSourceAccount" });
    return { token, pool, template, priceSource, ...(feed === undefined ? {} : { feed }) };
  });
}

export default marketModule("Market", { priceSource: "twap" });
