/**
 * Read-only tasks: `vault:status`, `vault:list` and `funding:status`, plus the vault report the
 * state-changing tasks print after each transaction.
 *
 * Units, as Squeeth users know them: a vault's debt is held in its market's tokens, the *normalized* amount
 * (what the ERC-20 balance shows); its *nominal* amount is normalized × NF, the exposure to Sⁿ/scale that funding
 * has left it. One token's debt is worth NF · Sⁿ⁻¹ / scale ETH. Every figure comes from the lens, read through the
 * TypeScript client (`ctx.client`): a vault's from `vaultReport(vaultId)`, a market's from `marketReport(marketId)`.
 *
 * @module
 */
import { getAddress, maxUint256, zeroAddress } from "viem";

import { FUNDING_RULES } from "../deploy/evergamma.js";
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
  /** Option markets only (null for a power market): the option and the short position's Greeks. */
  option: OptionVaultView | null;
}

/** An option vault's view: the market's option report (`optionReport`) and the vault's Greeks (`vaultGreeks`). */
export interface OptionVaultView {
  kind: "call" | "put";
  /** Strike, payoff, mark per unit of claim and fair value at the pricing volatility (USD, WAD). */
  strike: bigint;
  payoff: bigint;
  mark: bigint;
  fairValue: bigint;
  /** The mark's implied volatility (0: none) and the volatility the fair value and Greeks use (WAD). */
  impliedVolatility: bigint;
  pricingVolatility: bigint;
  /** Funding per day (WAD, positive: longs pay). */
  fundingRatePerDay: bigint;
  /** The short position's delta (ETH), gamma (ETH per USD) and vega (USD per 1.0 of volatility), WAD, signed. */
  delta: bigint;
  gamma: bigint;
  vega: bigint;
}

/** Reads an option vault's view from the lens. */
async function readOptionVault(ctx: TaskContext, id: bigint): Promise<OptionVaultView> {
  const [r, { delta, gamma, vega }] = await Promise.all([
    ctx.client.optionReport(ctx.marketId),
    ctx.client.vaultGreeks(id),
  ]);
  return {
    kind: r.isCall ? "call" : "put",
    strike: r.strikeWad,
    payoff: r.payoffWad,
    mark: r.markWad,
    fairValue: r.fairValueWad,
    impliedVolatility: r.impliedVolatilityWad,
    pricingVolatility: r.pricingVolatilityWad,
    fundingRatePerDay: r.fundingRatePerDayWad,
    delta,
    gamma,
    vega,
  };
}

/** Whether the task's market is an everlasting option (`ProductKind` Call = 1 or Put = 2). */
export function isOptionContext(ctx: TaskContext): boolean {
  return Number(ctx.market.kind) !== 0;
}

/** A liquidation price for people: "none", "never (…)" for the lens's sentinel, or "$2,345.67 per ETH". */
function liquidationPriceText(price: bigint | null): string {
  if (price === null) return "none";
  if (price === maxUint256) return "never (healthy at every ETH price within 1024x of now)";
  return `${usd(price)} per ETH`;
}

/** The option lines of a vault report. */
function formatOptionVault(o: OptionVaultView): string[] {
  const iv =
    o.impliedVolatility === 0n
      ? `floor volatility ${percent(o.pricingVolatility)}`
      : `IV ${percent(o.impliedVolatility)}`;
  return [
    `  option               ${o.kind}, strike ${usd(o.strike)}: payoff ${usd(o.payoff)}, mark ${usd(o.mark)}, fair value ${usd(o.fairValue)} at ${iv}`,
    `  funding per day      ${percent(o.fundingRatePerDay, 4)} ${o.fundingRatePerDay >= 0n ? "(longs pay shorts)" : "(shorts pay longs)"}`,
    `  short delta          ${fixed(o.delta, 6)} ETH (position value change per $1 of ETH)`,
    `  short gamma          ${fixed(o.gamma, 8)} ETH per $`,
    `  short vega           ${usd(o.vega / 100n)} per volatility point`,
  ];
}

/** Reads one vault (the lens's `vaultReport`) and the market quantities its report needs (in its market). */
export async function readVault(ctx: TaskContext, id: bigint): Promise<VaultReport> {
  const [vault, nf, ethPrice] = await Promise.all([
    ctx.client.vaultReport(id),
    ctx.client.expectedNormalizationFactor(ctx.marketId),
    ctx.client.ethPrice(ctx.marketId),
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
    collateralRatio: debt === 0n || ratio === maxUint256 ? null : ratio,
    minCollateralRatio: ctx.market.minCollateralRatioWad,
    liquidationPrice: debt === 0n || vault.liquidationPriceWad === 0n ? null : vault.liquidationPriceWad,
    safe: vault.healthy,
    liquidatable: vault.liquidatable,
    maxMintable: vault.maxMintable,
    option: isOptionContext(ctx) ? await readOptionVault(ctx, id) : null,
  };
}

/** The human-readable vault report (one `label value` pair a line). */
export function formatVault(r: VaultReport, symbol: string): string[] {
  return [
    `Vault ${r.id}`,
    `  market               ${r.marketId} (${r.marketName})`,
    `  owner                ${r.owner}`,
    `  operator             ${r.operator === zeroAddress ? "none" : r.operator}`,
    `  collateral           ${exact(r.collateral)} ETH (${usd(wadMul(r.collateral, r.ethPrice))})`,
    `  debt (normalized)    ${exact(r.debt)} ${symbol}`,
    `  debt (nominal)       ${exact(r.nominalDebt)} (normalized × NF ${significant(r.normalizationFactor, 10)})`,
    `  debt value           ${exact(r.debtValue)} ETH (${usd(wadMul(r.debtValue, r.ethPrice))})`,
    `  collateral ratio     ${r.collateralRatio === null ? "no debt" : percent(r.collateralRatio)} (minimum ${percent(r.minCollateralRatio)})`,
    `  liquidation price    ${liquidationPriceText(r.liquidationPrice)} (ETH now ${usd(r.ethPrice)})`,
    `  status               ${r.liquidatable ? "UNSAFE: can be liquidated" : r.safe ? "safe" : "unsafe"}`,
    `  can still mint       ${exact(r.maxMintable)} ${symbol}`,
    ...(r.option === null ? [] : formatOptionVault(r.option)),
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
    ...(r.option === null ? {} : { option: r.option }),
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
  const owner =
    args.owner.trim() === "" ? getAddress(ctx.signer.address) : await parseAccount(ctx, "owner", args.owner);
  const count = await ctx.client.vaultCount(ctx.marketId);
  const owned = await ctx.client.vaults(ctx.marketId, { count, owner });
  const reports = await Promise.all(owned.map((vault) => readVault(ctx, vault.vaultId)));
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
    const liq =
      r.liquidationPrice === null
        ? "-"
        : r.liquidationPrice === maxUint256
          ? "never"
          : usd(r.liquidationPrice);
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
  /** Power markets with the exchanges' rule only: I and c per period, and the bounds of the rate per period (WAD). */
  premiumIndex: { interest: bigint; clamp: bigint; rateFloor: bigint; rateCap: bigint } | null;
  /** Option markets only: kind, strike, fair value at the pricing volatility and that volatility (USD, WAD). */
  option: { kind: "call" | "put"; strike: bigint; fairValue: bigint; pricingVolatility: bigint } | null;
}

/** Reads the market's funding state (the lens's `marketReport`, and the stored NF). */
export async function readFunding(ctx: TaskContext): Promise<FundingReport> {
  const [r, nf, block, o] = await Promise.all([
    ctx.client.marketReport(ctx.marketId),
    ctx.client.normalizationFactor(ctx.marketId),
    ctx.ethers.provider.getBlock("latest"),
    isOptionContext(ctx) ? ctx.client.optionReport(ctx.marketId) : null,
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
    fundingPeriodSeconds: BigInt(ctx.market.fundingPeriodSeconds),
    power: BigInt(ctx.market.power),
    premiumIndex:
      Number(ctx.market.fundingRule) === PREMIUM_INDEX_RULE
        ? {
            interest: ctx.market.interestRatePerPeriodWad,
            clamp: ctx.market.premiumClampWad,
            rateFloor: ctx.market.markRatioFloorWad - WAD,
            rateCap: ctx.market.markRatioCapWad - WAD,
          }
        : null,
    option:
      o === null
        ? null
        : {
            kind: o.isCall ? "call" : "put",
            strike: o.strikeWad,
            fairValue: o.fairValueWad,
            pricingVolatility: o.pricingVolatilityWad,
          },
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
  console.log(formatFunding(f, await ctx.token.symbol()).join("\n"));
});

/** The engine's `FundingRule.PremiumIndex`. */
const PREMIUM_INDEX_RULE = FUNDING_RULES.indexOf("premiumIndex");

/** The exchanges' rule in one line: "F = P + clamp(0.0100% − P, ±0.0500%) per 8h, within [-0.7500%, 0.7500%]". */
function premiumIndexRuleText(r: NonNullable<FundingReport["premiumIndex"]>, period: bigint): string {
  return (
    `exchanges' premium index: F = P + clamp(${percent(r.interest, 4)} − P, ±${percent(r.clamp, 4)}) per ` +
    `${duration(period)}, within [${percent(r.rateFloor, 4)}, ${percent(r.rateCap, 4)}]`
  );
}

/** The human-readable funding report; an option market names its payoff and adds its fair value. */
export function formatFunding(f: FundingReport, symbol: string): string[] {
  const premium = f.index === 0n ? 0n : (f.mark * WAD) / f.index - WAD;
  const o = f.option;
  const product = o === null ? `power ${f.power}` : `${o.kind}, strike ${usd(o.strike)}`;
  const versus =
    o !== null && f.index === 0n ? "" : ` (${premium >= 0n ? "+" : ""}${percent(premium, 4)} vs index)`;
  return [
    `Funding of market ${f.marketId} (${f.market}: ${product}, funding period ${duration(f.fundingPeriodSeconds)})`,
    `  ETH price (TWAP)         ${usd(f.ethPrice)}`,
    `  ${`${symbol} price (TWAP)`.padEnd(24)} ${exact(f.tokenPrice)} ETH`,
    `  ${o === null ? "index   " : "payoff  "}                 ${fixed(f.index, 4)}`,
    `  mark                     ${fixed(f.mark, 4)}${versus}`,
    ...(o === null
      ? []
      : [
          `  fair value               ${fixed(o.fairValue, 4)} at ${percent(o.pricingVolatility)} volatility`,
        ]),
    `  normalization factor     ${significant(f.normalizationFactor, 12)} (now ${significant(f.expectedNormalizationFactor, 12)})`,
    ...(f.premiumIndex === null
      ? []
      : [`  funding rule             ${premiumIndexRuleText(f.premiumIndex, f.fundingPeriodSeconds)}`]),
    `  funding per day          ${percent(f.fundingRatePerDay, 4)} ${f.fundingRatePerDay >= 0n ? "(longs pay shorts)" : "(shorts pay longs)"}`,
    `  implied volatility       ${impliedVolatilityText(f.impliedVolatility, f.mark, f.index)}`,
    `  last update              ${duration(f.now - f.lastFundingUpdate)} ago (at ${f.lastFundingUpdate})`,
  ];
}
