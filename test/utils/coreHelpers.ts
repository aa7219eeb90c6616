/**
 * Shared helpers of the vault-engine tests (test/core): exact bigint replicas of the on-chain price and vault
 * math (so that expectations come from the pools' ticks, not from round numbers), a decimal.js solution of the
 * funding equation, block and time control, and small vault shortcuts on top of `loadProtocol()` (market 0 of the engine).
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { Decimal } from "decimal.js";
import {
  MaxUint256,
  parseEther,
  type AddressLike,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
} from "ethers";

import { vaultIdOf } from "../../deploy/evergamma.js";
import { priceToSqrtPriceX96, sortTokens, type UniswapV3Pool } from "../../deploy/uniswap.js";
import { ethers, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import { referenceTwap, type PoolToken } from "./twapReference.js";

/** 1e18: the fixed-point unit of prices, ratios and the normalization factor. */
export const WAD = 10n ** 18n;
/** 1 ETH in wei. */
export const ETH = WAD;
export const SECONDS_PER_DAY = 86_400;
export const SECONDS_PER_YEAR = 365 * SECONDS_PER_DAY;

/** Decimal with enough digits for 1e-30 comparisons of exponentials and logarithms. */
export const Dec = Decimal.clone({ precision: 80 });
export type Dec = Decimal;

/** A call override that reads the pending block (the one `pinNextBlock` fixed the timestamp of). */
export const PENDING = { blockTag: "pending" } as const;

// ---------------------------------------------------------------------------------------------------------
// Exact replicas of the on-chain math (floor / ceil exactly as the contracts round)
// ---------------------------------------------------------------------------------------------------------

export const mulDiv = (a: bigint, b: bigint, d: bigint): bigint => (a * b) / d;
export const mulDivUp = (a: bigint, b: bigint, d: bigint): bigint => (a * b + d - 1n) / d;

/** S^k in WAD (`PowerPerpMath.ethPowerWad`). */
export function ethPowerWad(ethPriceWad: bigint, k: number, roundUp: boolean): bigint {
  let result = WAD;
  for (let i = 0; i < k; i++) {
    result = roundUp ? mulDivUp(result, ethPriceWad, WAD) : mulDiv(result, ethPriceWad, WAD);
  }
  return result;
}

/** index = S^n / scale (WAD), floored. */
export function indexWad(ethPriceWad: bigint, power: number, indexScale: bigint): bigint {
  return mulDiv(ethPowerWad(ethPriceWad, power - 1, false), ethPriceWad, WAD) / indexScale;
}

/** mark = q · S / NF (WAD), floored. */
export function markWad(powerPriceWad: bigint, ethPriceWad: bigint, normalizationFactor: bigint): bigint {
  return mulDiv(powerPriceWad, ethPriceWad, normalizationFactor);
}

/** mark / index = q · scale / (NF · S^(n−1)) (WAD), floored in two steps like the contract. */
export function markIndexRatioWad(
  powerPriceWad: bigint,
  ethPriceWad: bigint,
  normalizationFactor: bigint,
  power: number,
  indexScale: bigint,
): bigint {
  const perNf = mulDiv(powerPriceWad, indexScale * WAD, normalizationFactor);
  return mulDiv(perNf, WAD, ethPowerWad(ethPriceWad, power - 1, false));
}

/** Debt value of one token in ETH: NF · S^(n−1) / scale (WAD), rounded up. */
export function debtValuePerTokenWad(
  normalizationFactor: bigint,
  ethPriceWad: bigint,
  power: number,
  indexScale: bigint,
): bigint {
  return mulDivUp(normalizationFactor, ethPowerWad(ethPriceWad, power - 1, true), indexScale * WAD);
}

/** ETH value of `debt` tokens, rounded up. */
export const debtValueWei = (debt: bigint, perTokenWad: bigint): bigint => mulDivUp(debt, perTokenWad, WAD);

/** collateral / debt value (WAD), floored; MaxUint256 without debt value. */
export const collateralRatioWad = (collateral: bigint, debtValue: bigint): bigint =>
  debtValue === 0n ? MaxUint256 : mulDiv(collateral, WAD, debtValue);

/** The largest debt the collateral supports at the minimum ratio (`VaultMath.maxDebt`). */
export const maxDebt = (collateral: bigint, perTokenWad: bigint, minRatioWad: bigint): bigint =>
  mulDiv(mulDiv(collateral, WAD, minRatioWad), WAD, perTokenWad);

// ---------------------------------------------------------------------------------------------------------
// Prices from the pools
// ---------------------------------------------------------------------------------------------------------

/** The TWAP ticks of both pools over the market's window and the prices its price source derives from them. */
export interface PoolPrices {
  ethTick: number;
  powerTick: number;
  /** S, USD per ETH (WAD). */
  ethPriceWad: bigint;
  /** q, ETH per power token (WAD). */
  powerPriceWad: bigint;
}

/** WETH, USDC and the power token of a deployment, with the decimals their contracts report. */
export async function marketTokens(
  d: ProtocolFixture,
): Promise<{ weth: PoolToken; usdc: PoolToken; power: PoolToken }> {
  const token = async (c: { getAddress(): Promise<string>; decimals(): Promise<bigint> }) => ({
    address: await c.getAddress(),
    decimals: Number(await c.decimals()),
  });
  const [weth, usdc, power] = await Promise.all([token(d.weth), token(d.usdc), token(d.powerToken)]);
  return { weth, usdc, power };
}

/**
 * S and q computed in TypeScript from both pools' `observe()` over the market's window at the latest block
 * (see test/utils/twapReference.ts; the pools must hold a full window of history).
 */
export async function poolPrices(d: ProtocolFixture): Promise<PoolPrices> {
  const window = d.market.twapPeriodSeconds;
  const { weth, usdc, power } = await marketTokens(d);
  const [eth, powerTwap] = await Promise.all([
    referenceTwap(d.ethUsdcPool, window, weth, usdc),
    referenceTwap(d.powerWethPool, window, power, weth),
  ]);
  return {
    ethTick: eth.meanTick,
    powerTick: powerTwap.meanTick,
    ethPriceWad: eth.priceWad,
    powerPriceWad: powerTwap.priceWad,
  };
}

/** S and q as decimals (for readable tolerance checks). */
export const toDec = (wad: bigint): Dec => new Dec(wad.toString()).div(1e18);

// ---------------------------------------------------------------------------------------------------------
// Funding: an independent decimal.js solution of d ln NF / dt = −ln(clamp(mark / index)) / T
// ---------------------------------------------------------------------------------------------------------

/** The funding clamp and period of a market. */
export interface FundingParams {
  fundingPeriodSeconds: number;
  markRatioFloorWad: bigint;
  markRatioCapWad: bigint;
}

/** The longest gap one funding update integrates exactly (FundingMath.EXACT_GAP_MAX_SECONDS): one day. */
export const EXACT_GAP_MAX_SECONDS = 86_400;

/**
 * NF after `elapsed` seconds of funding, starting at mark / index = `ratioWad` (computed with `nf`). With
 * z = ln(mark / index) and τ = t / T: dz/dτ = clamp(z) with the pool prices fixed, so z = z0·e^τ inside the
 * clamp and z grows linearly at the clamp. That exact flow runs for at most τ_b = 1 day / T; beyond it the rate
 * clamp(z(τ_b)) continues (I-2): NF_new = NF · e^−((z(τ_b) − z0) + clamp(z(τ_b))·(τ − τ_b)).
 */
export function solveFunding(nf: bigint, ratioWad: bigint, elapsed: number, p: FundingParams): Dec {
  const lnFloor = Dec.ln(toDec(p.markRatioFloorWad));
  const lnCap = Dec.ln(toDec(p.markRatioCapWad));
  let z0 = Dec.ln(toDec(ratioWad));
  if (z0.lt(lnFloor)) z0 = lnFloor;
  if (z0.gt(lnCap)) z0 = lnCap;
  if (z0.isZero()) return new Dec(nf.toString());
  const bound = z0.gt(0) ? lnCap : lnFloor;
  const exactSeconds = Math.min(elapsed, EXACT_GAP_MAX_SECONDS);
  const tau = new Dec(exactSeconds).div(p.fundingPeriodSeconds);
  let deltaZ: Dec;
  let rate: Dec;
  if (z0.eq(bound)) [deltaZ, rate] = [bound.mul(tau), bound];
  else {
    const z = z0.mul(Dec.exp(tau));
    if (z.abs().lt(bound.abs())) [deltaZ, rate] = [z.sub(z0), z];
    else {
      const tauToClamp = Dec.ln(bound.div(z0));
      [deltaZ, rate] = [bound.sub(z0).add(bound.mul(tau.sub(tauToClamp))), bound];
    }
  }
  const linearTau = new Dec(elapsed - exactSeconds).div(p.fundingPeriodSeconds);
  return new Dec(nf.toString()).mul(Dec.exp(deltaZ.add(rate.mul(linearTau)).neg()));
}

/** NF · (1 / clampRatio)^(dt / T): funding with the mark pinned at a clamp. */
export function clampedFunding(
  nf: bigint,
  clampRatioWad: bigint,
  elapsed: number,
  periodSeconds: number,
): Dec {
  return new Dec(nf.toString()).mul(Dec.pow(toDec(clampRatioWad), new Dec(-elapsed).div(periodSeconds)));
}

// ---------------------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------------------

/** Asserts |actual − expected| <= max(rel · |expected|, absWei). */
export function expectClose(actual: bigint, expected: Dec | bigint, rel: number, absWei = 0n): void {
  const e = typeof expected === "bigint" ? new Dec(expected.toString()) : expected;
  const diff = new Dec(actual.toString()).sub(e).abs();
  const tolerance = Dec.max(e.abs().mul(rel), new Dec(absWei.toString()));
  expect(
    diff.lte(tolerance),
    `${actual} vs ${e.toFixed(3)} (|diff| ${diff.toFixed(3)} > ${tolerance.toFixed(3)})`,
  ).to.equal(true);
}

/** Asserts |actual / expected − 1| <= rel for plain numbers. */
export function expectRel(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual / expected - 1), `${actual} vs ${expected}`).to.be.at.most(rel);
}

// ---------------------------------------------------------------------------------------------------------
// Blocks and time
// ---------------------------------------------------------------------------------------------------------

/** The latest block's timestamp. */
export const latestTimestamp = (): Promise<number> => networkHelpers.time.latest();

/**
 * Fixes the next block's timestamp to `latest + seconds` (so that views read with {@link PENDING} see exactly
 * the state the next transaction will see) and returns it.
 */
export async function pinNextBlock(seconds = 1): Promise<number> {
  const timestamp = (await latestTimestamp()) + seconds;
  await networkHelpers.time.setNextBlockTimestamp(timestamp);
  return timestamp;
}

/** Mines one block `seconds` after the latest one. */
export const advance = (seconds: number): Promise<number> => networkHelpers.time.increase(seconds);

/**
 * Runs `send` with automine off, so that every transaction it sends lands in one block, mines that block and
 * returns the receipts in order. Transactions need an explicit gasLimit (estimation would see the pending
 * state). Automine is switched back on even when `send` throws.
 */
export async function inOneBlock(
  send: () => Promise<ContractTransactionResponse[]>,
  timestamp?: number,
): Promise<ContractTransactionReceipt[]> {
  await ethers.provider.send("evm_setAutomine", [false]);
  let responses: ContractTransactionResponse[];
  try {
    responses = await send();
    if (timestamp !== undefined) await networkHelpers.time.setNextBlockTimestamp(timestamp);
    await ethers.provider.send("evm_mine", []);
  } finally {
    await ethers.provider.send("evm_setAutomine", [true]);
  }
  const receipts = await Promise.all(responses.map((r) => ethers.provider.getTransactionReceipt(r.hash)));
  return receipts.map((r) => {
    if (r === null) throw new Error("transaction not mined");
    return r as ContractTransactionReceipt;
  });
}

/** A gas limit for transactions sent without estimation. */
export const GAS = { gasLimit: 3_000_000n } as const;
/** The gas limit of swaps sent into a block under construction (which cannot be estimated). */
export const SWAP_GAS = { gasLimit: 5_000_000n } as const;

// ---------------------------------------------------------------------------------------------------------
// Vaults and state snapshots
// ---------------------------------------------------------------------------------------------------------

/** `getVault` as a plain object. */
export interface VaultState {
  owner: string;
  operator: string;
  collateral: bigint;
  debt: bigint;
}

/** The lens's `getVault` (zeros for an id that was never opened). */
export async function vaultState(d: ProtocolFixture, vaultId: bigint): Promise<VaultState> {
  const [owner, operator, collateral, debt] = await d.lens.getVault(vaultId);
  return { owner, operator, collateral, debt };
}

/** The id of the next vault market 0 opens (its vault count + 1). */
export async function nextVaultId(d: ProtocolFixture): Promise<bigint> {
  return vaultIdOf(d.marketId, (await d.lens.vaultCount(d.marketId)) + 1n);
}

/**
 * Opens a vault of market 0 for `owner` holding `collateral` wei and owing `debt` tokens (mint with the market's
 * new-vault id, or openVault + deposit without debt) and returns its id.
 */
export async function openVault(
  d: ProtocolFixture,
  owner: HardhatEthersSigner,
  collateral: bigint,
  debt = 0n,
): Promise<bigint> {
  const vaultId = await nextVaultId(d);
  const engine = d.engine.connect(owner);
  if (debt > 0n) {
    await (await engine.mint(d.markets[0].newVaultId, debt, { value: collateral })).wait();
  } else {
    await (await engine.openVault(d.marketId)).wait();
    if (collateral > 0n) await (await engine.deposit(vaultId, { value: collateral })).wait();
  }
  return vaultId;
}

/** Everything a reverted call must leave untouched. */
export interface ProtocolState {
  vaults: VaultState[];
  vaultCount: bigint;
  engineBalance: bigint;
  powerSupply: bigint;
  normalizationFactor: bigint;
  lastFundingUpdate: bigint;
  nftSupply: bigint[];
}

/** Reads the state of every vault of market 0 and the protocol totals. */
export async function protocolState(d: ProtocolFixture, accounts: AddressLike[]): Promise<ProtocolState> {
  const vaultCount = await d.lens.vaultCount(d.marketId);
  const vaults: VaultState[] = [];
  for (let serial = 1n; serial <= vaultCount; serial++) {
    vaults.push(await vaultState(d, vaultIdOf(d.marketId, serial)));
  }
  return {
    vaults,
    vaultCount,
    engineBalance: await ethers.provider.getBalance(d.engine),
    powerSupply: await d.powerToken.totalSupply(),
    normalizationFactor: await d.lens.normalizationFactor(d.marketId),
    lastFundingUpdate: await d.lens.lastFundingUpdate(d.marketId),
    nftSupply: await Promise.all(accounts.map((a) => d.engine.balanceOf(a))),
  };
}

/** Asserts that the engine holds exactly the sum of every market's vault collateral plus its uncollected fees. */
export async function expectEthBacked(d: ProtocolFixture): Promise<void> {
  const marketCount = Number(await d.engine.marketCount());
  let total = 0n;
  for (let marketId = 0; marketId < marketCount; marketId++) {
    total += await d.lens.accruedFees(marketId);
    const vaultCount = await d.lens.vaultCount(marketId);
    for (let serial = 1n; serial <= vaultCount; serial++) {
      total += (await d.lens.getVault(vaultIdOf(marketId, serial))).collateral;
    }
  }
  expect(await ethers.provider.getBalance(d.engine)).to.equal(total);
}

// ---------------------------------------------------------------------------------------------------------
// Pool moves inside a block
// ---------------------------------------------------------------------------------------------------------

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
    SWAP_GAS,
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
