/**
 * Helpers of the adversarial scenarios: swaps sent without waiting (so that several land in one block),
 * balances for the attacker, and small numeric checks.
 */
import { expect } from "chai";
import { MaxUint256, parseEther, type ContractTransactionResponse } from "ethers";

import { priceToSqrtPriceX96, sortTokens, type UniswapV3Pool } from "../../deploy/uniswap.js";
import { ethers, type ProtocolFixture } from "../fixtures.js";

export const WAD = 10n ** 18n;
/** An explicit gas limit: transactions sent into a block under construction cannot be estimated. */
export const GAS = { gasLimit: 5_000_000n } as const;

/** Gives `account` `eth` ETH (hardhat_setBalance). */
export async function setBalance(account: string, eth: bigint): Promise<void> {
  await ethers.provider.send("hardhat_setBalance", [account, "0x" + eth.toString(16)]);
}

/**
 * Funds the deployer (the pools' liquidity provider, who also holds half of the seed vault's power tokens) for
 * swaps in both pools in both directions, and approves the router for USDC, WETH and the power token.
 */
export async function fundSwaps(d: ProtocolFixture, wethAmount = parseEther("5000")): Promise<void> {
  const deployer = await d.deployer.getAddress();
  const router = await d.uniswap.router.getAddress();
  await setBalance(deployer, wethAmount * 2n + parseEther("1000000"));
  await (await d.usdc.connect(d.deployer).mint(deployer, 10n ** 18n)).wait();
  await (await d.usdc.connect(d.deployer).approve(router, MaxUint256)).wait();
  await (await d.weth.connect(d.deployer).deposit({ value: wethAmount })).wait();
  await (await d.weth.connect(d.deployer).approve(router, MaxUint256)).wait();
  await (await d.powerToken.connect(d.deployer).approve(router, MaxUint256)).wait();
}

/**
 * Sends (without waiting) one router swap that moves `pool`'s spot price of `base` in `quote` (human units) to
 * `target`: the swap stops at the price limit and takes only what it needs from a generous `amountIn`.
 */
export async function sendSwapToPrice(
  d: ProtocolFixture,
  pool: UniswapV3Pool,
  base: { getAddress(): Promise<string> },
  quote: { getAddress(): Promise<string> },
  baseDecimals: number,
  quoteDecimals: number,
  target: number,
  direction?: "up" | "down",
): Promise<ContractTransactionResponse> {
  const [b, q] = [await base.getAddress(), await quote.getAddress()];
  const [token0] = sortTokens(b, q);
  const baseIs0 = token0 === b;
  const limit = baseIs0
    ? priceToSqrtPriceX96(target.toPrecision(15), baseDecimals, quoteDecimals)
    : priceToSqrtPriceX96((1 / target).toPrecision(15), quoteDecimals, baseDecimals);
  const { sqrtPriceX96 } = await pool.slot0();
  // The base price rises when quote goes in (base leaves the pool). Inside a block of several swaps slot0 is
  // read before the earlier ones run, so a swap back must name its direction.
  const priceUp = direction === undefined ? limit > sqrtPriceX96 === baseIs0 : direction === "up";
  const [tokenIn, tokenOut] = priceUp ? [q, b] : [b, q];
  const tokenInContract = new ethers.Contract(
    tokenIn,
    ["function balanceOf(address) view returns (uint256)"],
    ethers.provider,
  );
  const amountIn = (await tokenInContract.balanceOf(await d.deployer.getAddress())) as bigint;
  return d.uniswap.router.connect(d.deployer).exactInputSingle(
    {
      tokenIn,
      tokenOut,
      fee: 3000,
      recipient: await d.deployer.getAddress(),
      deadline: MaxUint256,
      amountIn,
      amountOutMinimum: 0n,
      sqrtPriceLimitX96: limit,
    },
    GAS,
  );
}

/** Sends the ETH/USDC swap to `usdPerEth`. */
export function sendEthSwap(
  d: ProtocolFixture,
  usdPerEth: number,
  direction?: "up" | "down",
): Promise<ContractTransactionResponse> {
  return sendSwapToPrice(d, d.ethUsdcPool, d.weth, d.usdc, 18, 6, usdPerEth, direction);
}

/** Sends the power/WETH swap to `ethPerToken`. */
export function sendPowerSwap(d: ProtocolFixture, ethPerToken: number): Promise<ContractTransactionResponse> {
  return sendSwapToPrice(d, d.powerWethPool, d.powerToken, d.weth, 18, 18, ethPerToken);
}

/** |actual / expected − 1| ≤ rel. */
export function expectRelClose(actual: bigint, expected: bigint, rel: number, what: string): void {
  const a = Number(actual);
  const e = Number(expected);
  const err = Math.abs(a / e - 1);
  expect(err, `${what}: ${actual} vs ${expected} (relative error ${err})`).to.be.at.most(rel);
}

/** |actual − expected| ≤ tolerance, for plain numbers (chai's closeTo is taken over by the bigint matchers). */
export function expectNear(actual: number, expected: number, tolerance: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).to.be.at.most(tolerance);
}

/** ln(a / b) for two WAD values. */
export function lnRatio(a: bigint, b: bigint): number {
  return Math.log(Number((a * 10n ** 18n) / b) / 1e18);
}
