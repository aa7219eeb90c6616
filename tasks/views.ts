/**
 * Read-only tasks: `vault:status`, `vault:list` and `funding:status`, plus the vault report the
 * state-changing tasks print after each transaction.
 *
 * Units, as Squeeth users know them: a vault's debt is held in its market's tokens, the *normalized* amount
 * (what the ERC-20 balance shows); its *nominal* amount is normalized × NF, the exposure to Sⁿ/scale that funding
 * has left it. One token's debt is worth NF · Sⁿ⁻¹ / scale ETH. Every figure comes from the lens: a vault's from
 * `vaultReport(vaultId)`, a market's from `marketReport(marketId)`.
 *
 * @module
 */
import { MaxUint256, ZeroAddress } from "ethers";

import { vaultIdOf } from "../deploy/evergamma.js";
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
  /** The vault's market id and name. */
  marketId: number;
  marketName: string;
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

/** Reads one vault (the lens's `vaultReport`) and the market quantities its report needs (in its market). */
export async function readVault(ctx: TaskContext, id: bigint): Promise<VaultReport> {
  const [vault, nf, ethPrice] = await Promise.all([
    ctx.lens.vaultReport(id),
    ctx.lens.expectedNormalizationFactor(ctx.marketId),
    ctx.lens.ethPrice(ctx.marketId),
  ]);
  const debt = vault.debt;
  const ratio = vault.collateralRatioWad;
  return {
    id,
    marketId: Number(vault.marketId),
    marketName: ctx.deployedMarket.name,
    owner: vault.owner,
    operator: vault.operator,
    collateral: vault.collateral,
    debt,
    nominalDebt: wadMul(debt, nf),
    normalizationFactor: nf,
    debtValue: vault.debtValue,
    ethPrice,
    collateralRatio: debt === 0n || ratio === MaxUint256 ? null : ratio,
    minCollateralRatio: ctx.market.minCollateralRatioWad,
    liquidationPrice: debt === 0n || vault.liquidationPriceWad === 0n ? null : vault.liquidationPriceWad,
    safe: vault.healthy,
    liquidatable: vault.liquidatable,
    maxMintable: vault.maxMintable,
  };
}

/** The human-readable vault report (one `label value` pair a line). */
export function formatVault(r: VaultReport, symbol: string): string[] {
  return [
    `Vault ${r.id}`,
    `  market               ${r.marketId} (${r.marketName})`,
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
    marketId: r.marketId,
    market: r.marketName,
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
  const symbol = await ctx.token.symbol();
  console.log(formatVault(await readVault(ctx, id), symbol).join("\n"));
}

interface StatusArgs {
  id: string;
  json: boolean;
  market: string;
}

/** `vault:status --id N [--market M] [--json]` */
export const vaultStatus = action<StatusArgs>(async (args, hre) => {
  const ctx = await loadContext(hre, "", args.market);
  const id = await parseVaultId(ctx, args.id);
  const report = await readVault(ctx, id);
  if (args.json) console.log(toJson(vaultJson(report)));
  else console.log(formatVault(report, await ctx.token.symbol()).join("\n"));
});

interface ListArgs {
  owner: string;
  from: string;
  json: boolean;
  market: string;
}

/**
 * `vault:list [--owner ADDRESS|INDEX] [--market M] [--json]`: the vaults an account owns in the market (default:
 * the --from account, the first market).
 */
export const vaultList = action<ListArgs>(async (args, hre) => {
  const ctx = await loadContext(hre, args.from, args.market);
  const owner = args.owner.trim() === "" ? ctx.signer.address : await parseAccount(ctx, "owner", args.owner);
  const count = await ctx.lens.vaultCount(ctx.marketId);
  const ids = Array.from({ length: Number(count) }, (_, i) => vaultIdOf(ctx.marketId, BigInt(i + 1)));
  const vaults = await Promise.all(ids.map((id) => ctx.lens.getVault(id)));
  const owned = ids.filter((_, i) => vaults[i].owner === owner);
  const reports = await Promise.all(owned.map((id) => readVault(ctx, id)));
  const where = `market ${ctx.marketId} (${ctx.deployedMarket.name})`;
  if (args.json) {
    console.log(
      toJson({
        owner,
        marketId: ctx.marketId,
        market: ctx.deployedMarket.name,
        vaults: reports.map(vaultJson),
      }),
    );
    return;
  }
  const symbol = await ctx.token.symbol();
  if (reports.length === 0) {
    console.log(`No vaults owned by ${owner} in ${where} (${count} vaults in all)`);
    return;
  }
  console.log(`${reports.length} vault${reports.length === 1 ? "" : "s"} owned by ${owner} in ${where}`);
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
  marketId: number;
  market: string;
  ethPrice: bigint;
  tokenPrice: bigint;
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

/** Reads the market's funding state (the lens's `marketReport`, and the stored NF). */
export async function readFunding(ctx: TaskContext): Promise<FundingReport> {
  const [r, nf, block] = await Promise.all([
    ctx.lens.marketReport(ctx.marketId),
    ctx.lens.normalizationFactor(ctx.marketId),
    ctx.ethers.provider.getBlock("latest"),
  ]);
  return {
    marketId: ctx.marketId,
    market: ctx.deployedMarket.name,
    ethPrice: r.ethPriceWad,
    tokenPrice: r.tokenPriceWad,
    index: r.indexWad,
    mark: r.markWad,
    normalizationFactor: nf,
    expectedNormalizationFactor: r.normalizationFactor,
    fundingRatePerDay: r.fundingRatePerDayWad,
    impliedVolatility: r.impliedVolatilityWad,
    lastFundingUpdate: r.lastFundingUpdate,
    now: BigInt(block?.timestamp ?? 0),
    fundingPeriodSeconds: ctx.market.fundingPeriodSeconds,
    power: ctx.market.power,
  };
}

interface FundingArgs {
  json: boolean;
  market: string;
}

/** `funding:status [--market M] [--json]` */
export const fundingStatus = action<FundingArgs>(async (args, hre) => {
  const ctx = await loadContext(hre, "", args.market);
  const f = await readFunding(ctx);
  if (args.json) {
    console.log(toJson({ ...f, secondsSinceLastUpdate: f.now - f.lastFundingUpdate }));
    return;
  }
  const premium = f.index === 0n ? 0n : (f.mark * WAD) / f.index - WAD;
  const symbol = await ctx.token.symbol();
  console.log(
    [
      `Funding of market ${f.marketId} (${f.market}: power ${f.power}, funding period ${duration(f.fundingPeriodSeconds)})`,
      `  ETH price (TWAP)         ${usd(f.ethPrice)}`,
      `  ${`${symbol} price (TWAP)`.padEnd(24)} ${exact(f.tokenPrice)} ETH`,
      `  index                    ${fixed(f.index, 4)}`,
      `  mark                     ${fixed(f.mark, 4)} (${premium >= 0n ? "+" : ""}${percent(premium, 4)} vs index)`,
      `  normalization factor     ${significant(f.normalizationFactor, 12)} (now ${significant(f.expectedNormalizationFactor, 12)})`,
      `  funding per day          ${percent(f.fundingRatePerDay, 4)} ${f.fundingRatePerDay >= 0n ? "(longs pay shorts)" : "(shorts pay longs)"}`,
      `  implied volatility       ${impliedVolatilityText(f.impliedVolatility, f.mark, f.index)}`,
      `  last update              ${duration(f.now - f.lastFundingUpdate)} ago (at ${f.lastFundingUpdate})`,
    ].join("\n"),
  );
});
