/**
 * Shared helpers of the risk tests (liquidations, fees, pause, shutdown and settlement): an independent bigint
 * model of the liquidation rules, price moves on the real Uniswap v3 pools, block pinning so that views read
 * at the "pending" block see exactly what the next transaction will see, and vault/token set-up shortcuts. The
 * market helpers act on the deployment's first market (`d.marketId`, 0): actions go to the engine, views to the
 * lens.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { parseEther, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";

import {
  advanceTime,
  fairPowerPriceEth,
  setEthPrice,
  setPowerPrice,
  vaultIdOf,
} from "../../deploy/evergamma.js";
import { ethers, networkHelpers, type ProtocolFixture } from "../fixtures.js";

export const WAD = 10n ** 18n;
export const BPS = 10_000n;
/** The implied volatility `deployEvergamma` seeds the power pool at. */
export const SEED_IMPLIED_VOLATILITY = 0.8;
/** Tells view calls to run against the block the next transaction will be mined in. */
export const PENDING = { blockTag: "pending" } as const;

/* ---------------------------------------------------------------------------------------------------------- */
/* Integer helpers                                                                                             */
/* ---------------------------------------------------------------------------------------------------------- */

export function mulDivDown(a: bigint, b: bigint, d: bigint): bigint {
  return (a * b) / d;
}

export function mulDivUp(a: bigint, b: bigint, d: bigint): bigint {
  const p = a * b;
  return p === 0n ? 0n : (p - 1n) / d + 1n;
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Liquidation model, written from the specification (not from the Solidity)                                   */
/* ---------------------------------------------------------------------------------------------------------- */

export interface LiquidationParams {
  collateral: bigint;
  debt: bigint;
  maxDebtAmount: bigint;
  /** The payout price, ETH per token (WAD): the power TWAP capped at the funding band ({@link MarketSnapshot}). */
  powerPrice: bigint;
  /** collateral < the debt's value at index ({@link isInsolventAtIndex}). */
  insolventAtIndex: boolean;
  bonusWad: bigint;
  minCollateral: bigint;
}

export interface LiquidationOutcome {
  debtRepaid: bigint;
  collateralPaid: bigint;
  /** The offered amount cannot avoid a dust vault: the call must revert `LiquidationLeavesDust`. */
  leavesDust: boolean;
  /** Which rule set the size of the liquidation. */
  kind: "half" | "full-dust" | "full-insolvent" | "capped-by-offer";
}

/** payPerToken = floor(price * (1 + bonus)). */
export function payPerToken(powerPrice: bigint, bonusWad: bigint): bigint {
  return (powerPrice * (WAD + bonusWad)) / WAD;
}

/** Whether `collateral` is below the value at index of `debt` tokens, ceil(debt * debtValuePerToken / 1e18). */
export function isInsolventAtIndex(collateral: bigint, debt: bigint, debtValuePerToken: bigint): boolean {
  return collateral < mulDivUp(debt, debtValuePerToken, WAD);
}

/**
 * The specified liquidation: pay = floor(repay * payPerToken / 1e18) capped at the collateral; close factor
 * ceil(debt / 2); the whole debt when half would leave 0 < collateral < floor, or when
 * floor(debt * payPerToken / 1e18) >= collateral (the collateral cannot cover the debt plus bonus). In that
 * last case a vault solvent at index accepts only the whole debt (H-1): a smaller offer leaves dust.
 */
export function expectedLiquidation(p: LiquidationParams): LiquidationOutcome {
  const ppt = payPerToken(p.powerPrice, p.bonusWad);
  const insolvent = (p.debt * ppt) / WAD >= p.collateral;
  if (insolvent && !p.insolventAtIndex && p.maxDebtAmount < p.debt) {
    return { debtRepaid: 0n, collateralPaid: 0n, leavesDust: true, kind: "full-insolvent" };
  }
  const settle = (repayWanted: bigint): { debtRepaid: bigint; collateralPaid: bigint } => {
    const repay = minBig(repayWanted, p.debt);
    return { debtRepaid: repay, collateralPaid: minBig((repay * ppt) / WAD, p.collateral) };
  };
  const isDust = (r: { debtRepaid: bigint; collateralPaid: bigint }): boolean => {
    const left = p.collateral - r.collateralPaid;
    return r.debtRepaid < p.debt && left !== 0n && left < p.minCollateral;
  };
  const half = (p.debt + 1n) / 2n;
  const first = settle(minBig(p.maxDebtAmount, insolvent ? p.debt : half));
  if (!isDust(first)) {
    const kind = insolvent ? "full-insolvent" : p.maxDebtAmount >= half ? "half" : "capped-by-offer";
    return { ...first, leavesDust: false, kind };
  }
  const whole = settle(p.maxDebtAmount);
  return { ...whole, leavesDust: isDust(whole), kind: "full-dust" };
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Settlement model                                                                                            */
/* ---------------------------------------------------------------------------------------------------------- */

/** One token's ETH value at settlement, NF * S / indexScale (n = 2), rounded up (debts) or down (claims). */
export function settlementValuePerToken(
  normalizationFactor: bigint,
  ethPrice: bigint,
  indexScale: bigint,
  roundUp: boolean,
): bigint {
  return roundUp
    ? mulDivUp(normalizationFactor, ethPrice, indexScale * WAD)
    : mulDivDown(normalizationFactor, ethPrice, indexScale * WAD);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Chain helpers                                                                                               */
/* ---------------------------------------------------------------------------------------------------------- */

/** A restorable chain snapshot (see `networkHelpers.takeSnapshot`). */
export type Snapshot = Awaited<ReturnType<typeof networkHelpers.takeSnapshot>>;

export function takeSnapshot(): Promise<Snapshot> {
  return networkHelpers.takeSnapshot();
}

export async function latestTimestamp(): Promise<number> {
  const block = await ethers.provider.getBlock("latest");
  if (block === null) throw new Error("no latest block");
  return block.timestamp;
}

/**
 * Fixes the timestamp of the next block (`seconds` after the latest) and returns it. Views called with
 * {@link PENDING} afterwards compute at that timestamp, so they see what the next transaction will see.
 */
export async function pinNextBlock(seconds = 1): Promise<number> {
  const next = (await latestTimestamp()) + seconds;
  await networkHelpers.time.setNextBlockTimestamp(next);
  return next;
}

export async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction not mined");
  return receipt;
}

/** ETH spent on gas by a mined transaction. */
export function gasCost(receipt: ContractTransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

/** The market as the next transaction will see it (call {@link pinNextBlock} first). */
export interface MarketSnapshot {
  ethPrice: bigint;
  powerPrice: bigint;
  normalizationFactor: bigint;
  debtValuePerToken: bigint;
  /** The price of liquidation payouts and the mint fee: min(powerPrice, debtValuePerToken * markRatioCap). */
  pricingPowerPrice: bigint;
}

export async function readMarket(d: ProtocolFixture): Promise<MarketSnapshot> {
  const { lens, marketId } = d;
  const [ethPrice, powerPrice, normalizationFactor, debtValuePerToken] = await Promise.all([
    lens.ethPrice(marketId, PENDING),
    lens.tokenPrice(marketId, PENDING),
    lens.expectedNormalizationFactor(marketId, PENDING),
    lens.debtValuePerToken(marketId, PENDING),
  ]);
  const cap = mulDivDown(debtValuePerToken, d.market.markRatioCapWad, WAD);
  const pricingPowerPrice = minBig(powerPrice, cap);
  return { ethPrice, powerPrice, normalizationFactor, debtValuePerToken, pricingPowerPrice };
}

/**
 * Moves the ETH/USDC pool to `ethUsd`, the power pool to its fair price (at the current normalization factor)
 * times `powerPremium`, and waits a full TWAP window (plus one second) so that the engine sees both (market 0,
 * the deployment's default market).
 */
export async function movePrices(d: ProtocolFixture, ethUsd: number, powerPremium = 1): Promise<void> {
  await setEthPrice(d, ethUsd);
  const nf = Number(await d.lens.expectedNormalizationFactor(d.marketId)) / 1e18;
  const fair = fairPowerPriceEth(d.market, ethUsd, SEED_IMPLIED_VOLATILITY, nf) * powerPremium;
  await setPowerPrice(d, fair.toPrecision(12));
  await advanceTime(d, d.market.twapPeriodSeconds + 1);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Vault helpers                                                                                               */
/* ---------------------------------------------------------------------------------------------------------- */

export interface VaultState {
  owner: string;
  collateral: bigint;
  debt: bigint;
}

/** What the engine's liquidation of `vault` for an offer of `maxDebtAmount` does in the `market` it will see. */
export function expectedLiquidationOf(
  d: ProtocolFixture,
  market: MarketSnapshot,
  vault: VaultState,
  maxDebtAmount: bigint,
): LiquidationOutcome {
  return expectedLiquidation({
    collateral: vault.collateral,
    debt: vault.debt,
    maxDebtAmount,
    powerPrice: market.pricingPowerPrice,
    insolventAtIndex: isInsolventAtIndex(vault.collateral, vault.debt, market.debtValuePerToken),
    bonusWad: d.market.liquidationBonusWad,
    minCollateral: d.market.minCollateralWei,
  });
}

export async function vaultState(d: ProtocolFixture, vaultId: bigint): Promise<VaultState> {
  const [owner, , collateral, debt] = await d.lens.getVault(vaultId);
  return { owner, collateral, debt };
}

/** Opens a vault in market 0 for `signer` with `collateral` wei and `debt` power tokens minted to the signer. */
export async function openVault(
  d: ProtocolFixture,
  signer: HardhatEthersSigner,
  collateral: bigint,
  debt: bigint,
): Promise<bigint> {
  await mined(d.engine.connect(signer).mint(vaultIdOf(d.marketId, 0n), debt, { value: collateral }));
  return vaultIdOf(d.marketId, await d.lens.vaultCount(d.marketId));
}

/** Gives `signer` `amount` power tokens from a new vault collateralised at 400% of the current debt value. */
export async function fundWithTokens(
  d: ProtocolFixture,
  signer: HardhatEthersSigner,
  amount: bigint,
): Promise<bigint> {
  const perToken = await d.lens.debtValuePerToken(d.marketId);
  return openVault(d, signer, (amount * perToken * 4n) / WAD + parseEther("1"), amount);
}

/** Sum of an account's ETH and power tokens valued at `powerPrice` (ETH per token). */
export async function walletValue(
  d: ProtocolFixture,
  account: HardhatEthersSigner,
  powerPrice: bigint,
): Promise<bigint> {
  const [eth, tokens] = await Promise.all([
    ethers.provider.getBalance(account),
    d.powerToken.balanceOf(account),
  ]);
  return eth + (tokens * powerPrice) / WAD;
}
