/**
 * Market tasks: `liquidate` (anyone, against an unsafe vault; through the TypeScript client) and `price:set` (devnet
 * only: moves the ETH/USDC pool with a real swap, with the Uniswap helpers and the devnet's arbitrage bot, which work
 * with ethers contracts).
 *
 * @module
 */
import { parseEther } from "ethers";
import { maxUint256 } from "viem";

import {
  advanceTime,
  attachUniswapV3,
  getPoolContract,
  movePoolPrice,
  readPoolPrice,
  type UniswapV3,
} from "../deploy/uniswap.js";
import { PRODUCT_KINDS } from "../deploy/evergamma.js";
import { ArbitrageBot, type ArbitrageMarket, type ArbitrageTrade } from "../scripts/devnet/arbitrage.js";
import {
  action,
  DEV_CHAIN_IDS,
  loadContext,
  messageOf,
  parseAmount,
  parseVaultId,
  parseWholeNumber,
  preflight,
  FUNDING_CALL_GAS_LIMIT,
  printTransactionsSince,
  rejectNegative,
  requireEth,
  requireTokens,
  send,
  TaskInputError,
  UNESTIMATED_GAS_LIMIT,
  type TaskContext,
} from "./context.js";
import { exact, fixed, percent, usd } from "./format.js";
import { printVault } from "./views.js";

interface LiquidateArgs {
  id: string;
  max: string;
  from: string;
  market: string;
}

/** `liquidate --id N [--max TOKENS]`: repays debt of an unsafe vault with the sender's tokens, for collateral. */
export const liquidate = action<LiquidateArgs>(async (args, hre) => {
  const all = args.max.trim() === "" || args.max.trim() === "all";
  const max = all ? maxUint256 : parseAmount("max", args.max);
  const ctx = await loadContext(hre, args.from, args.market);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.client;
  const symbol = await ctx.token.symbol();
  const [preview, ratio] = await Promise.all([c.previewLiquidation(id), c.collateralRatio(id)]);
  if (!preview.liquidatable) {
    const shown = ratio === maxUint256 ? "no debt" : `collateral ratio ${percent(ratio)}`;
    throw new TaskInputError(`vault ${id} is safe (${shown}): it cannot be liquidated`);
  }
  const needed = preview.maxDebt < max ? preview.maxDebt : max;
  requireTokens(
    ctx,
    await c.tokenBalance(ctx.marketId),
    needed,
    symbol,
    `to liquidate vault ${id}: mint some with vault:mint, or pass a smaller --max`,
  );
  await preflight(`liquidating vault ${id}`, () => c.simulate.liquidate(id, max));
  const { debtRepaid, collateralPaid } = await send("liquidate", () =>
    c.liquidate(id, max, { gas: FUNDING_CALL_GAS_LIMIT }),
  );
  console.log(
    `Liquidated vault ${id}: repaid ${exact(debtRepaid)} ${symbol}, received ${exact(collateralPaid)} ETH`,
  );
  await printVault(ctx, id);
});

interface PriceArgs {
  eth: string;
  advance: string;
  arb: boolean;
  vol: string;
  from: string;
  market: string;
}

/** Parses `--eth`, `--advance` and `--vol` (all checked before anything is sent). */
function parsePriceArgs(args: PriceArgs): { target: string; advance: number; volWad: bigint } {
  const target = args.eth.trim();
  rejectNegative("eth", target, false);
  if (!/^\d+(\.\d+)?$/.test(target) || Number(target) <= 0) {
    throw new TaskInputError(`--eth must be a positive price in USD, e.g. 3500; got "${args.eth}"`);
  }
  const advance = Number(parseWholeNumber("advance", args.advance, "a whole number of seconds"));
  const volWad = parseAmount("vol", args.vol);
  return { target, advance, volWad };
}

/**
 * `price:set --eth USD [--arb [--vol σ]] [--advance SECONDS]`: swaps the ETH/USDC pool to the given spot price
 * (USDC is minted, WETH wrapped as needed); with `--arb` the `--market` market's token pool (default the first
 * market's) is then traded to the pricer's fair price at implied volatility σ (the devnet's arbitrage bot, selling
 * only tokens the account holds); then
 * optionally advances chain time so the TWAPs catch up. Devnet chains only. All or nothing: the chain is
 * snapshotted first and reverted if any step fails.
 */
export const setPrice = action<PriceArgs>(async (args, hre) => {
  const { target, advance, volWad } = parsePriceArgs(args);
  const ctx = await loadContext(hre, args.from, args.market);
  if (!DEV_CHAIN_IDS.includes(ctx.chainId)) {
    throw new TaskInputError(
      `price:set only runs on a devnet (chain id ${DEV_CHAIN_IDS.join(" or ")}); network "${ctx.networkName}" ` +
        `is chain ${ctx.chainId}`,
    );
  }
  const names = [
    "EthUsdcPool",
    "WETH",
    "USDC",
    "UniswapV3Factory",
    "SwapRouter",
    "NonfungiblePositionManager",
  ];
  if (args.arb) names.push("EverlastingOptionPricer");
  for (const name of names) {
    if (ctx.contracts[name] === undefined) throw new TaskInputError(`${ctx.deploymentPath} has no ${name}`);
  }
  await requireEth(ctx, 0n, UNESTIMATED_GAS_LIMIT);
  const uniswap = attachUniswapV3(
    {
      factory: ctx.contracts.UniswapV3Factory,
      positionManager: ctx.contracts.NonfungiblePositionManager,
      router: ctx.contracts.SwapRouter,
    },
    ctx.signer,
  );
  const pool = getPoolContract(ctx.contracts.EthUsdcPool, ctx.signer);
  const arbitrage = args.arb ? await arbitrageBot(ctx, uniswap, volWad) : undefined;
  if (arbitrage !== undefined) await requireTokensToSell(ctx, arbitrage, parseEther(target));

  const provider = ctx.ethers.provider;
  const firstBlock = await provider.getBlockNumber();
  const snapshot = (await provider.send("evm_snapshot", [])) as string;
  const before = await readPoolPrice(pool, ctx.contracts.WETH);
  let trade: ArbitrageTrade | undefined;
  try {
    await movePoolPrice({
      uniswap,
      pool,
      signer: ctx.signer,
      baseToken: ctx.contracts.WETH,
      quoteToken: ctx.contracts.USDC,
      targetPrice: target,
    });
    trade = await arbitrage?.bot.trade(parseEther(target));
  } catch (error) {
    await provider.send("evm_revert", [snapshot]);
    throw new TaskInputError(
      `moving the pools to ETH ${target} failed, nothing changed: ${messageOf(error)}`,
    );
  }
  await printTransactionsSince(ctx, firstBlock);
  const after = await readPoolPrice(pool, ctx.contracts.WETH);
  console.log(`ETH/USDC pool spot price: ${before.toFixed(2)} -> ${after.toFixed(2)} USDC per ETH`);
  if (trade !== undefined) {
    console.log(
      `${arbitrage?.symbol}/WETH pool spot price: ${trade.before.toPrecision(6)} -> ${trade.after.toPrecision(6)} ` +
        `ETH per token (fair at IV ${percent(volWad)}; fair mark ${fixed(trade.fairMark)})`,
    );
  }
  if (advance > 0) {
    await advanceTime(provider, advance);
    console.log(`Advanced chain time by ${advance} s`);
  }
  console.log(`ETH price (TWAP) now ${usd(await ctx.client.ethPrice(ctx.marketId))}`);
});

/**
 * The devnet's arbitrage bot on the task's market, built from the deployment file's addresses, trading from the
 * task's account (the bot works with ethers contracts, the engine's and the lens's among them).
 */
async function arbitrageBot(
  ctx: TaskContext,
  uniswap: UniswapV3,
  targetVolWad: bigint,
): Promise<{ bot: ArbitrageBot; symbol: string }> {
  const { ethers, contracts, signer } = ctx;
  const deployment: ArbitrageMarket = {
    pricer: await ethers.getContractAt("EverlastingOptionPricer", contracts.EverlastingOptionPricer, signer),
    engine: await ethers.getContractAt("Evergamma", contracts.Evergamma, signer),
    lens: await ethers.getContractAt("EvergammaLens", contracts.EvergammaLens, signer),
    uniswap,
    weth: await ethers.getContractAt("WETH9", contracts.WETH, signer),
    marketId: ctx.marketId,
    token: ctx.token,
    pool: getPoolContract(ctx.deployedMarket.pool, signer),
    market: {
      kind: PRODUCT_KINDS[Number(ctx.market.kind)],
      power: Number(ctx.market.power),
      indexScale: ctx.market.indexScale,
      fundingPeriodSeconds: Number(ctx.market.fundingPeriodSeconds),
      strikeWad: ctx.market.strikeWad,
    },
  };
  // inventory 0: the bot never opens a vault of the user's; it sells only tokens the account holds.
  const bot = new ArbitrageBot({ deployment, signer, targetVolWad, inventory: 0n });
  return { bot, symbol: await ctx.token.symbol() };
}

/**
 * Pushing the token pool down sells the market's tokens: checks before anything is sent that the account holds some
 * (the swap sells at most what the pool needs to reach the fair price).
 */
async function requireTokensToSell(
  ctx: TaskContext,
  arbitrage: { bot: ArbitrageBot; symbol: string },
  spotWad: bigint,
): Promise<void> {
  const nf = await ctx.client.expectedNormalizationFactor(ctx.marketId);
  const fair = await arbitrage.bot.fairPrice(spotWad, nf);
  const pool = getPoolContract(ctx.deployedMarket.pool, ctx.signer);
  const current = parseEther((await readPoolPrice(pool, ctx.deployedMarket.token)).toFixed(18));
  if (fair.ethPerToken >= current) return;
  const balance = await ctx.client.tokenBalance(ctx.marketId);
  if (balance === 0n) {
    throw new TaskInputError(
      `--arb must sell ${arbitrage.symbol} to lower its pool to its fair price, but ${ctx.account} holds ` +
        `none: mint some with vault:mint, or pass --from with an account that holds them`,
    );
  }
}
