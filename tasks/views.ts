/**
 * Read-only tasks: `vault:status`, `vault:list` and `funding:status`, plus the vault report the
 * state-changing tasks print after each transaction.
 *
 * Units, as Squeeth users know them: a vault's debt is held in power tokens, the *normalized* amount (what
 * the ERC-20 balance shows); its *nominal* amount is normalized × NF, the exposure to Sⁿ/scale that funding
 * has left it. One token's debt is worth NF · Sⁿ⁻¹ / scale ETH.
 *
 * @module
 */
import { MaxUint256, ZeroAddress } from "ethers";

import { action, loadContext, parseAccount, parseVaultId, type TaskContext } from "./context.js";
import {
  duration,
  exact,
  fixed,
  impliedVolatilityText,
  percent,
  significant,
  toJson,
  usd,
  wadMul,
  WAD,
} from "./format.js";

/** Everything `vault:status` shows, in raw units (wei, token units, WAD). */
export interface VaultReport {
  id: bigint;
  owner: string;
  operator: string;
  /** ETH collateral, wei. */
  collateral: bigint;
  /** Debt in power tokens (normalized units, 18 decimals). */
  debt: bigint;
  /** Debt × NF (nominal units, 18 decimals). */
  nominalDebt: bigint;
  /** NF as if funding were applied now (WAD). */
  normalizationFactor: bigint;
  /** Debt value in ETH at the index, wei. */
  debtValue: bigint;
  /** ETH/USD TWAP (WAD). */
  ethPrice: bigint;
  /** Collateral / debt value (WAD); null without debt. */
  collateralRatio: bigint | null;
  minCollateralRatio: bigint;
  /** ETH price (USD, WAD) at which the vault becomes unsafe; null without debt. */
  liquidationPrice: bigint | null;
  safe: boolean;
  liquidatable: boolean;
  /** Power tokens the vault could still mint without more collateral. */
  maxMintable: bigint;
}

/** Reads one vault and the market quantities its report needs. */
export async function readVault(ctx: TaskContext, id: bigint): Promise<VaultReport> {
  const c = ctx.controller;
  const [vault, nf, perToken, ethPrice, ratio, liqPrice, safe, preview, maxMintable] = await Promise.all([
    c.getVault(id),
    c.expectedNormalizationFactor(),
    c.debtValuePerToken(),
    c.ethPrice(),
    c.collateralRatio(id),
    c.liquidationPrice(id),
    c.isVaultSafe(id),
    c.previewLiquidation(id),
    c.maxMintable(id),
  ]);
  const debt = vault.debt;
  return {
    id,
    owner: vault.owner,
    operator: vault.operator,
    collateral: vault.collateral,
    debt,
    nominalDebt: wadMul(debt, nf),
    normalizationFactor: nf,
    debtValue: (debt * perToken + WAD - 1n) / WAD,
    ethPrice,
    collateralRatio: debt === 0n || ratio === MaxUint256 ? null : ratio,
    minCollateralRatio: ctx.market.minCollateralRatioWad,
    liquidationPrice: debt === 0n || liqPrice === 0n ? null : liqPrice,
    safe,
    liquidatable: preview.liquidatable,
    maxMintable,
  };
}

/** The human-readable vault report (one `label value` pair a line). */
export function formatVault(r: VaultReport, symbol: string): string[] {
  return [
    `Vault ${r.id}`,
    `  owner                ${r.owner}`,
    `  operator             ${r.operator === ZeroAddress ? "none" : r.operator}`,
    `  collateral           ${exact(r.collateral)} ETH (${usd(wadMul(r.collateral, r.ethPrice))})`,
    `  debt (normalized)    ${exact(r.debt)} ${symbol}`,
    `  debt (nominal)       ${exact(r.nominalDebt)} (normalized × NF ${significant(r.normalizationFactor, 10)})`,
    `  debt value           ${exact(r.debtValue)} ETH (${usd(wadMul(r.debtValue, r.ethPrice))})`,
    `  collateral ratio     ${r.collateralRatio === null ? "no debt" : percent(r.collateralRatio)} (minimum ${percent(r.minCollateralRatio)})`,
    `  liquidation price    ${r.liquidationPrice === null ? "none" : `${usd(r.liquidationPrice)} per ETH`} (ETH now ${usd(r.ethPrice)})`,
    `  status               ${r.liquidatable ? "UNSAFE: can be liquidated" : r.safe ? "safe" : "unsafe"}`,
    `  can still mint       ${exact(r.maxMintable)} ${symbol}`,
  ];
}

/** The machine-readable vault report (`--json`). */
export function vaultJson(r: VaultReport): Record<string, unknown> {
  return {
    id: r.id,
    owner: r.owner,
    operator: r.operator,
    collateralWei: r.collateral,
    debt: r.debt,
    nominalDebt: r.nominalDebt,
    normalizationFactorWad: r.normalizationFactor,
    debtValueWei: r.debtValue,
    ethPriceWad: r.ethPrice,
    collateralRatioWad: r.collateralRatio,
    liquidationPriceWad: r.liquidationPrice,
    safe: r.safe,
    liquidatable: r.liquidatable,
    maxMintable: r.maxMintable,
  };
}

/** Prints the report of a vault after a transaction changed it. */
export async function printVault(ctx: TaskContext, id: bigint): Promise<void> {
  const symbol = await ctx.powerToken.symbol();
  console.log(formatVault(await readVault(ctx, id), symbol).join("\n"));
}

interface StatusArgs {
  id: string;
  json: boolean;
}

/** `vault:status --id N [--json]` */
export const vaultStatus = action<StatusArgs>(async (args, hre) => {
  const ctx = await loadContext(hre);
  const id = await parseVaultId(ctx, args.id);
  const report = await readVault(ctx, id);
  if (args.json) console.log(toJson(vaultJson(report)));
  else console.log(formatVault(report, await ctx.powerToken.symbol()).join("\n"));
});

interface ListArgs {
  owner: string;
  from: string;
  json: boolean;
}

/** `vault:list [--owner ADDRESS|INDEX] [--json]`: the vaults an account owns (default: the --from account). */
export const vaultList = action<ListArgs>(async (args, hre) => {
  const ctx = await loadContext(hre, args.from);
  const owner = args.owner.trim() === "" ? ctx.signer.address : await parseAccount(ctx, "owner", args.owner);
  const count = await ctx.controller.vaultCount();
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const vaults = await Promise.all(ids.map((id) => ctx.controller.getVault(id)));
  const owned = ids.filter((_, i) => vaults[i].owner === owner);
  const reports = await Promise.all(owned.map((id) => readVault(ctx, id)));
  if (args.json) {
    console.log(toJson({ owner, vaults: reports.map(vaultJson) }));
    return;
  }
  const symbol = await ctx.powerToken.symbol();
  if (reports.length === 0) {
    console.log(`No vaults owned by ${owner} (${count} vaults in all)`);
    return;
  }
  console.log(`${reports.length} vault${reports.length === 1 ? "" : "s"} owned by ${owner}`);
  console.log(
    `  ${"id".padStart(4)}  ${"collateral (ETH)".padStart(20)}  ${`debt (${symbol})`.padStart(20)}  ` +
      `${"ratio".padStart(10)}  ${"liq. price".padStart(12)}  status`,
  );
  for (const r of reports) {
    const ratio = r.collateralRatio === null ? "-" : percent(r.collateralRatio);
    const liq = r.liquidationPrice === null ? "-" : usd(r.liquidationPrice);
    const status = r.liquidatable ? "UNSAFE" : r.safe ? "safe" : "unsafe";
    console.log(
      `  ${String(r.id).padStart(4)}  ${exact(r.collateral).padStart(20)}  ${exact(r.debt).padStart(20)}  ` +
        `${ratio.padStart(10)}  ${liq.padStart(12)}  ${status}`,
    );
  }
});

/** Everything `funding:status` shows, raw. */
export interface FundingReport {
  ethPrice: bigint;
  powerTokenPrice: bigint;
  index: bigint;
  mark: bigint;
  normalizationFactor: bigint;
  expectedNormalizationFactor: bigint;
  fundingRatePerDay: bigint;
  impliedVolatility: bigint;
  lastFundingUpdate: bigint;
  now: bigint;
  fundingPeriodSeconds: bigint;
  power: bigint;
}

/** Reads the market's funding state. */
export async function readFunding(ctx: TaskContext): Promise<FundingReport> {
  const c = ctx.controller;
  const [ethPrice, powerTokenPrice, index, mark, nf, expected, rate, iv, last, block] = await Promise.all([
    c.ethPrice(),
    c.powerTokenPrice(),
    c.index(),
    c.mark(),
    c.normalizationFactor(),
    c.expectedNormalizationFactor(),
    c.fundingRatePerDay(),
    c.impliedVolatility(),
    c.lastFundingUpdate(),
    ctx.ethers.provider.getBlock("latest"),
  ]);
  return {
    ethPrice,
    powerTokenPrice,
    index,
    mark,
    normalizationFactor: nf,
    expectedNormalizationFactor: expected,
    fundingRatePerDay: rate,
    impliedVolatility: iv,
    lastFundingUpdate: last,
    now: BigInt(block?.timestamp ?? 0),
    fundingPeriodSeconds: ctx.market.fundingPeriodSeconds,
    power: ctx.market.power,
  };
}

interface FundingArgs {
  json: boolean;
}

/** `funding:status [--json]` */
export const fundingStatus = action<FundingArgs>(async (args, hre) => {
  const ctx = await loadContext(hre);
  const f = await readFunding(ctx);
  if (args.json) {
    console.log(toJson({ ...f, secondsSinceLastUpdate: f.now - f.lastFundingUpdate }));
    return;
  }
  const premium = f.index === 0n ? 0n : (f.mark * WAD) / f.index - WAD;
  const symbol = await ctx.powerToken.symbol();
  console.log(
    [
      `Funding (power ${f.power}, funding period ${duration(f.fundingPeriodSeconds)})`,
      `  ETH price (TWAP)         ${usd(f.ethPrice)}`,
      `  ${`${symbol} price (TWAP)`.padEnd(24)} ${exact(f.powerTokenPrice)} ETH`,
      `  index                    ${fixed(f.index, 4)}`,
      `  mark                     ${fixed(f.mark, 4)} (${premium >= 0n ? "+" : ""}${percent(premium, 4)} vs index)`,
      `  normalization factor     ${significant(f.normalizationFactor, 12)} (now ${significant(f.expectedNormalizationFactor, 12)})`,
      `  funding per day          ${percent(f.fundingRatePerDay, 4)} ${f.fundingRatePerDay >= 0n ? "(longs pay shorts)" : "(shorts pay longs)"}`,
      `  implied volatility       ${impliedVolatilityText(f.impliedVolatility, f.mark, f.index)}`,
      `  last update              ${duration(f.now - f.lastFundingUpdate)} ago (at ${f.lastFundingUpdate})`,
    ].join("\n"),
  );
});
