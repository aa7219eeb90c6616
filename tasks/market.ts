/**
 * Market tasks: `liquidate` (anyone, against an unsafe vault) and `price:set` (devnet only: moves the
 * ETH/USDC pool with a real swap).
 *
 * @module
 */
import { MaxUint256 } from "ethers";

import {
  advanceTime,
  attachUniswapV3,
  getPoolContract,
  movePoolPrice,
  readPoolPrice,
} from "../deploy/uniswap.js";
import {
  action,
  DEV_CHAIN_IDS,
  loadContext,
  messageOf,
  parseAmount,
  parseVaultId,
  preflight,
  send,
  TaskInputError,
} from "./context.js";
import { exact, percent, usd } from "./format.js";
import { printVault } from "./views.js";

interface LiquidateArgs {
  id: string;
  max: string;
  from: string;
}

/** `liquidate --id N [--max TOKENS]`: repays debt of an unsafe vault with the sender's tokens, for collateral. */
export const liquidate = action<LiquidateArgs>(async (args, hre) => {
  const all = args.max.trim() === "" || args.max.trim() === "all";
  const max = all ? MaxUint256 : parseAmount("max", args.max);
  const ctx = await loadContext(hre, args.from);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.controller;
  const symbol = await ctx.powerToken.symbol();
  const [preview, ratio] = await Promise.all([c.previewLiquidation(id), c.collateralRatio(id)]);
  if (!preview.liquidatable) {
    const shown = ratio === MaxUint256 ? "no debt" : `collateral ratio ${percent(ratio)}`;
    throw new TaskInputError(`vault ${id} is safe (${shown}): it cannot be liquidated`);
  }
  const needed = preview.maxDebt < max ? preview.maxDebt : max;
  const balance = await ctx.powerToken.balanceOf(ctx.signer.address);
  if (balance < needed) {
    throw new TaskInputError(
      `${ctx.signer.address} holds ${exact(balance)} ${symbol}; liquidating vault ${id} needs ${exact(needed)} ` +
        `${symbol} (mint some with vault:mint, or pass a smaller --max)`,
    );
  }
  await preflight(`liquidating vault ${id}`, () => c.liquidate.staticCall(id, max));
  const [debtRepaid, collateralPaid] = await c.liquidate.staticCall(id, max);
  await send("liquidate", () => c.liquidate(id, max));
  console.log(
    `Liquidated vault ${id}: repaid ${exact(debtRepaid)} ${symbol}, received ${exact(collateralPaid)} ETH`,
  );
  await printVault(ctx, id);
});

interface PriceArgs {
  eth: string;
  advance: string;
  from: string;
}

/**
 * `price:set --eth USD [--advance SECONDS]`: swaps the ETH/USDC pool to the given spot price (USDC is minted,
 * WETH wrapped as needed), then optionally advances chain time so the TWAP catches up. Devnet chains only.
 */
export const setPrice = action<PriceArgs>(async (args, hre) => {
  const target = args.eth.trim();
  if (!/^\d+(\.\d+)?$/.test(target) || Number(target) <= 0) {
    throw new TaskInputError(`--eth must be a positive price in USD, e.g. 3500; got "${args.eth}"`);
  }
  const advanceText = args.advance.trim();
  if (!/^\d+$/.test(advanceText)) {
    throw new TaskInputError(`--advance must be a whole number of seconds, got "${args.advance}"`);
  }
  const advance = Number(advanceText);
  const ctx = await loadContext(hre, args.from);
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
  for (const name of names) {
    if (ctx.contracts[name] === undefined) throw new TaskInputError(`${ctx.deploymentPath} has no ${name}`);
  }
  const uniswap = attachUniswapV3(
    {
      factory: ctx.contracts.UniswapV3Factory,
      positionManager: ctx.contracts.NonfungiblePositionManager,
      router: ctx.contracts.SwapRouter,
    },
    ctx.signer,
  );
  const pool = getPoolContract(ctx.contracts.EthUsdcPool, ctx.signer);
  const before = await readPoolPrice(pool, ctx.contracts.WETH);
  try {
    await movePoolPrice({
      uniswap,
      pool,
      signer: ctx.signer,
      baseToken: ctx.contracts.WETH,
      quoteToken: ctx.contracts.USDC,
      targetPrice: target,
    });
  } catch (error) {
    throw new TaskInputError(`moving the ETH/USDC pool to ${target} failed: ${messageOf(error)}`);
  }
  const after = await readPoolPrice(pool, ctx.contracts.WETH);
  console.log(`ETH/USDC pool spot price: ${before.toFixed(2)} -> ${after.toFixed(2)} USDC per ETH`);
  if (advance > 0) {
    await advanceTime(ctx.ethers.provider, advance);
    console.log(`Advanced chain time by ${advance} s`);
  }
  console.log(`ETH price (TWAP) now ${usd(await ctx.controller.ethPrice())}`);
});
