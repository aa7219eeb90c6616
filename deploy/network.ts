/**
 * Deployment onto an existing chain from a parameters file (`npx hardhat evergamma:deploy`): the parameters are
 * checked against the chain first (nothing is sent when one is wrong), then the Ignition modules deploy the engine's
 * side and the markets, each new market's pool is seeded, ownership is offered to the final owner (`Ownable2Step`:
 * it accepts), and the deployment file's contents are returned.
 *
 * @module
 */
import type { Signer } from "ethers";

import type { Deployment } from "../client/deployment.js";
import { checkDeployParameters } from "./check.js";
import type { HexAddress } from "./deploymentRecord.js";
import {
  deployedMarketParams,
  deployOnExistingChain,
  type EvergammaConnection,
  type ExistingChainDeployment,
  type MarketOptions,
  type MarketParameters,
} from "./evergamma.js";
import type { IgnitionRunOptions } from "./ignition.js";
import type { DeployParameters, MarketSpec } from "./parameters.js";

/** Options of {@link deployFromParameters}. */
export interface NetworkDeployOptions {
  /** Sends every transaction and owns the engine until the final owner accepts. */
  deployer: Signer;
  /** The JSON-RPC URL written to the deployment file. */
  rpcUrl: string;
  /** The Ignition journal and progress display. */
  run?: IgnitionRunOptions;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** A market of the parameters file as `deployEvergamma`'s market options. */
function marketOptions(p: DeployParameters, m: MarketSpec): MarketOptions & { params: MarketParameters } {
  const cl = p.chainlink;
  const chainlink =
    m.priceSource === "chainlink" && cl !== undefined
      ? {
          feed: cl.ethUsdFeed,
          heartbeatSeconds: cl.heartbeatSeconds,
          ...(cl.sequencerUptimeFeed === undefined ? {} : { sequencerFeed: cl.sequencerUptimeFeed }),
          gracePeriodSeconds: cl.gracePeriodSeconds,
          deviationBoundWad: cl.deviationBoundWad,
        }
      : undefined;
  return {
    name: m.name,
    params: m.params,
    ...(m.tokenName === undefined ? {} : { tokenName: m.tokenName }),
    ...(m.tokenSymbol === undefined ? {} : { tokenSymbol: m.tokenSymbol }),
    seedTokens: m.seedTokens,
    seedImpliedVolatility: m.seedImpliedVolatility,
    ...(chainlink === undefined ? {} : { chainlink }),
  };
}

/** The deployment file's contents. */
async function record(d: ExistingChainDeployment, p: DeployParameters, rpcUrl: string): Promise<Deployment> {
  const address = async (c: { getAddress(): Promise<string> }) => (await c.getAddress()) as HexAddress;
  const contracts: Record<string, HexAddress> = {
    Evergamma: await address(d.engine),
    EvergammaLens: await address(d.lens),
    EverlastingOptionPricer: await address(d.pricer),
    KeeperHelper: await address(d.keeperHelper),
    MarketPoolInitializer: await address(d.poolInitializer),
    WETH: p.world.weth as HexAddress,
    USDC: p.world.usdc as HexAddress,
    UniswapV3Factory: p.world.uniswapV3Factory as HexAddress,
    SwapRouter: p.world.swapRouter as HexAddress,
    NonfungiblePositionManager: p.world.nonfungiblePositionManager as HexAddress,
    EthUsdcPool: p.world.ethUsdcPool as HexAddress,
  };
  const markets: Deployment["markets"] = {};
  for (const m of d.markets) {
    const [token, pool, priceSource] = await Promise.all([m.token, m.pool, m.priceSource].map(address));
    markets[String(m.id)] = {
      id: m.id,
      name: m.name,
      token,
      pool,
      priceSource,
      params: deployedMarketParams(m.params),
    };
  }
  return { chainId: p.chainId, rpcUrl, contracts, markets };
}

/** Offers the engine's and the keeper helper's ownership to `owner` (it calls `acceptOwnership`). */
async function offerOwnership(d: ExistingChainDeployment, owner: string, log: (line: string) => void) {
  for (const [name, c] of [
    ["Evergamma", d.engine],
    ["KeeperHelper", d.keeperHelper],
  ] as const) {
    if ((await c.pendingOwner()).toLowerCase() === owner.toLowerCase()) continue;
    await (await c.transferOwnership(owner)).wait();
    log(`${name}: ownership offered to ${owner} (it must call acceptOwnership())`);
  }
}

/**
 * Checks the parameters against the chain, deploys through the Ignition modules, seeds the new markets, offers
 * ownership to `p.owner` when given, and returns the deployment file's contents.
 *
 * @throws DeployCheckError (nothing sent) when the parameters do not fit the chain.
 */
export async function deployFromParameters(
  connection: EvergammaConnection,
  p: DeployParameters,
  o: NetworkDeployOptions,
): Promise<Deployment> {
  const log = o.log ?? (() => undefined);
  await checkDeployParameters(p, connection.ethers.provider);
  log(`Parameters checked against chain ${p.chainId}: deploying ${p.markets.map((m) => m.name).join(", ")}`);
  const d = await deployOnExistingChain(connection, {
    deployer: o.deployer,
    world: p.world,
    markets: p.markets.map((m) => marketOptions(p, m)),
    ...(p.keeperRecipient === undefined ? {} : { keeperRecipient: p.keeperRecipient }),
    ...(o.run === undefined ? {} : { run: o.run }),
  });
  if (p.owner !== undefined) await offerOwnership(d, p.owner, log);
  return record(d, p, o.rpcUrl);
}
