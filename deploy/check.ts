/**
 * Checks a deployment's parameters against the chain before anything is sent (reads only): every address holds a
 * contract, WETH has 18 decimals, the ETH/USDC pool holds exactly WETH and USDC and comes from the factory, the
 * position manager and router belong to that factory and WETH, the ETH pool's observation capacity and history cover
 * the longest TWAP window, and the Chainlink feed answers with the expected decimals, a positive and fresh answer
 * (and, on an L2, the sequencer is up). Every problem is one line.
 *
 * @module
 */
import { Contract, getAddress, type Provider } from "ethers";

import type { DeployParameters } from "./parameters.js";

/** Thrown with every problem found, one per line, when the parameters do not fit the chain. */
export class DeployCheckError extends Error {
  override name = "DeployCheckError";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

const ABI = [
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function token0() view returns (address)",
  "function token1() view returns (address)",
  "function fee() view returns (uint24)",
  "function slot0() view returns (uint160,int24,uint16,uint16 observationCardinality,uint16 observationCardinalityNext,uint8,bool)",
  "function observe(uint32[]) view returns (int56[],uint160[])",
  "function getPool(address,address,uint24) view returns (address)",
  "function factory() view returns (address)",
  "function WETH9() view returns (address)",
  "function latestRoundData() view returns (uint80,int256 answer,uint256 startedAt,uint256 updatedAt,uint80)",
];

/** A read-only handle (every function of {@link ABI}; a missing one reverts or returns no data). */
const at = (address: string, provider: Provider) => new Contract(address, ABI, provider);

/** Calls `fn`; undefined when it reverts or the contract lacks the function. */
async function tryRead<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

/** The named addresses of the parameters that must hold code. */
function namedAddresses(p: DeployParameters): [string, string][] {
  const named: [string, string][] = Object.entries(p.world).map(([k, v]) => [`world.${k}`, v]);
  if (p.chainlink) named.push(["chainlink.ethUsdFeed", p.chainlink.ethUsdFeed]);
  if (p.chainlink?.sequencerUptimeFeed)
    named.push(["chainlink.sequencerUptimeFeed", p.chainlink.sequencerUptimeFeed]);
  return named;
}

/** The ETH/USDC pool: its pair, its factory, and observations covering `window` seconds. */
async function checkEthPool(p: DeployParameters, provider: Provider, window: number): Promise<string[]> {
  const { ethUsdcPool, weth, usdc, uniswapV3Factory } = p.world;
  const pool = at(ethUsdcPool, provider);
  const [token0, token1, fee] = await Promise.all([
    tryRead(() => pool.token0() as Promise<string>),
    tryRead(() => pool.token1() as Promise<string>),
    tryRead(() => pool.fee() as Promise<bigint>),
  ]);
  if (token0 === undefined || token1 === undefined || fee === undefined)
    return [`world.ethUsdcPool ${ethUsdcPool} is not a Uniswap v3 pool`];
  const pair = [token0, token1].map((t) => getAddress(t)).sort();
  if (pair.join() !== [weth, usdc].sort().join())
    return [
      `world.ethUsdcPool ${ethUsdcPool} does not hold the pair WETH/USDC (it holds ${token0}/${token1})`,
    ];
  const fromFactory = await tryRead(
    () => at(uniswapV3Factory, provider).getPool(weth, usdc, fee) as Promise<string>,
  );
  if (fromFactory === undefined || getAddress(fromFactory) !== ethUsdcPool)
    return [`world.ethUsdcPool ${ethUsdcPool} is not world.uniswapV3Factory's WETH/USDC pool of fee ${fee}`];
  const slot0 = (await pool.slot0()) as { observationCardinalityNext: bigint };
  const next = Number(slot0.observationCardinalityNext);
  if (next <= window)
    return [
      `world.ethUsdcPool observation cardinality ${next} is below the TWAP window's ${window + 1} ` +
        `(call increaseObservationCardinalityNext(${window + 1}) on the pool, then wait ${window} s)`,
    ];
  if ((await tryRead(() => pool.observe([window]))) === undefined)
    return [`world.ethUsdcPool history does not cover the ${window} s TWAP window yet (wait, then retry)`];
  return [];
}

/** The position manager and router are built on the factory and WETH of the parameters. */
async function checkPeriphery(p: DeployParameters, provider: Provider): Promise<string[]> {
  const problems: string[] = [];
  for (const field of ["nonfungiblePositionManager", "swapRouter"] as const) {
    const c = at(p.world[field], provider);
    const [factory, weth] = await Promise.all([
      tryRead(() => c.factory() as Promise<string>),
      tryRead(() => c.WETH9() as Promise<string>),
    ]);
    if (factory === undefined || getAddress(factory) !== p.world.uniswapV3Factory)
      problems.push(`world.${field} ${p.world[field]} does not use world.uniswapV3Factory`);
    else if (weth === undefined || getAddress(weth) !== p.world.weth)
      problems.push(`world.${field} ${p.world[field]} does not wrap ETH with world.weth`);
  }
  return problems;
}

/** The ETH/USD feed's decimals and latest answer, and an L2's sequencer status. */
async function checkFeeds(p: DeployParameters, provider: Provider): Promise<string[]> {
  const cl = p.chainlink;
  if (cl === undefined) return [];
  const feed = at(cl.ethUsdFeed, provider);
  const decimals = await tryRead(() => feed.decimals() as Promise<bigint>);
  if (decimals === undefined) return [`chainlink.ethUsdFeed ${cl.ethUsdFeed} is not a Chainlink aggregator`];
  if (Number(decimals) !== cl.feedDecimals)
    return [
      `chainlink.ethUsdFeed answers with ${decimals} decimals, expected ${cl.feedDecimals} (feedDecimals)`,
    ];
  const round = await tryRead(() => feed.latestRoundData() as Promise<{ answer: bigint; updatedAt: bigint }>);
  const now = BigInt((await provider.getBlock("latest"))?.timestamp ?? 0);
  if (round === undefined || round.answer <= 0n) return [`chainlink.ethUsdFeed has no positive answer`];
  if (now - round.updatedAt > BigInt(cl.heartbeatSeconds))
    return [
      `chainlink.ethUsdFeed answer is ${now - round.updatedAt} s old, above heartbeatSeconds ${cl.heartbeatSeconds}`,
    ];
  if (cl.sequencerUptimeFeed === undefined) return [];
  const status = await tryRead(
    () => at(cl.sequencerUptimeFeed!, provider).latestRoundData() as Promise<{ answer: bigint }>,
  );
  if (status === undefined) return [`chainlink.sequencerUptimeFeed is not a sequencer-uptime feed`];
  return status.answer === 0n ? [] : [`chainlink.sequencerUptimeFeed reports the sequencer down`];
}

/**
 * Checks the parameters against the chain behind `provider`; sends nothing.
 *
 * @throws DeployCheckError listing every problem found.
 */
export async function checkDeployParameters(p: DeployParameters, provider: Provider): Promise<void> {
  const chainId = Number((await provider.getNetwork()).chainId);
  if (chainId !== p.chainId)
    throw new DeployCheckError([
      `chainId ${p.chainId} of the parameters, but the network is chain ${chainId}`,
    ]);
  const problems: string[] = [];
  for (const [field, address] of namedAddresses(p)) {
    if ((await provider.getCode(address)) === "0x") problems.push(`${field} ${address} is not a contract`);
  }
  if (problems.length > 0) throw new DeployCheckError(problems);
  const wethDecimals = await tryRead(() => at(p.world.weth, provider).decimals() as Promise<bigint>);
  if (wethDecimals !== 18n) problems.push(`world.weth ${p.world.weth} is not an 18-decimal token`);
  if ((await tryRead(() => at(p.world.usdc, provider).decimals() as Promise<bigint>)) === undefined)
    problems.push(`world.usdc ${p.world.usdc} is not an ERC-20 token`);
  const window = Math.max(...p.markets.map((m) => m.params.twapPeriodSeconds));
  problems.push(...(await checkEthPool(p, provider, window)));
  problems.push(...(await checkPeriphery(p, provider)));
  problems.push(...(await checkFeeds(p, provider)));
  if (problems.length > 0) throw new DeployCheckError(problems);
}
