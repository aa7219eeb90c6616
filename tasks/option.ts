/**
 * `option:quote --market M [--spot S] [--volatility V] [--json]`: an everlasting option market's quote per unit of
 * claim (one token is a claim on NF units): payoff, mark, the mark's implied volatility, the fair value at that
 * volatility split into payoff and time value, funding per day, and the Greeks — from the lens's `optionReport`
 * (the engine's own pricer at the market's prices), read through the TypeScript client. `--spot` and `--volatility`
 * price a scenario instead with the same pricer (`EverlastingOptionPricer`, the engine's `optionPricer`, called with
 * ethers: the client has no pricer): the fair value, its funding at fair value ((fair − payoff) / T, the gamma rent
 * W / T) and its Greeks at that ETH price and volatility.
 *
 * @module
 */
import type { EverlastingOptionPricer } from "../types/ethers-contracts/index.js";
import { action, loadContext, parseAmount, TaskInputError, type TaskContext } from "./context.js";
import { duration, fixed, percent, toJson, usd, WAD } from "./format.js";
import { isOptionContext } from "./views.js";

/** What `option:quote` prints, raw (USD and volatilities WAD; Greeks per unit of claim). */
export interface OptionQuote {
  marketId: number;
  market: string;
  kind: "call" | "put";
  strike: bigint;
  fundingPeriodSeconds: bigint;
  /** Whether the quote is a `--spot` / `--volatility` scenario rather than the market's prices. */
  scenario: boolean;
  ethPrice: bigint;
  payoff: bigint;
  /** The market's mark per unit of claim (q · S / NF); null in a scenario. */
  mark: bigint | null;
  /** The mark's implied volatility (0: none in the pricer's domain); null in a scenario. */
  impliedVolatility: bigint | null;
  /** The volatility the fair value and Greeks use. */
  pricingVolatility: bigint;
  fairValue: bigint;
  timeValue: bigint;
  /** Funding per day as a fraction of NF (at the mark; at fair value in a scenario), WAD. */
  fundingRatePerDay: bigint;
  delta: bigint;
  gamma: bigint;
  vega: bigint;
}

interface QuoteArgs {
  market: string;
  spot: string;
  volatility: string;
  json: boolean;
}

/** `option:quote` */
export const optionQuote = action<QuoteArgs>(async (args, hre) => {
  const ctx = await loadContext(hre, "", args.market);
  if (!isOptionContext(ctx)) {
    throw new TaskInputError(
      `market ${ctx.marketId} (${ctx.deployedMarket.name}) is a power perpetual; option:quote needs an option market`,
    );
  }
  const spot = args.spot === "" ? null : parseAmount("spot", args.spot);
  const volatility = args.volatility === "" ? null : parseAmount("volatility", args.volatility);
  const quote =
    spot === null && volatility === null
      ? await marketQuote(ctx)
      : await scenarioQuote(ctx, spot, volatility);
  console.log(args.json ? toJson(quote) : formatQuote(quote).join("\n"));
});

/** The market's own quote: the lens's `optionReport`. */
async function marketQuote(ctx: TaskContext): Promise<OptionQuote> {
  const r = await ctx.client.optionReport(ctx.marketId);
  return {
    ...header(ctx),
    scenario: false,
    ethPrice: r.ethPriceWad,
    payoff: r.payoffWad,
    mark: r.markWad,
    impliedVolatility: r.impliedVolatilityWad,
    pricingVolatility: r.pricingVolatilityWad,
    fairValue: r.fairValueWad,
    timeValue: r.fairValueWad - r.payoffWad,
    fundingRatePerDay: r.fundingRatePerDayWad,
    delta: r.deltaWad,
    gamma: r.gammaWad,
    vega: r.vegaWad,
  };
}

/** A scenario's quote from the engine's pricer: the market's ETH price and pricing volatility unless given. */
async function scenarioQuote(
  ctx: TaskContext,
  spotGiven: bigint | null,
  volatilityGiven: bigint | null,
): Promise<OptionQuote> {
  const pricer = (await ctx.ethers.getContractAt(
    "EverlastingOptionPricer",
    await ctx.client.optionPricer(),
  )) as unknown as EverlastingOptionPricer;
  const report = await ctx.client.optionReport(ctx.marketId);
  const spot = spotGiven ?? report.ethPriceWad;
  const volatility = volatilityGiven ?? report.pricingVolatilityWad;
  const { strike, fundingPeriodSeconds: period } = header(ctx);
  const isCall = isCallMarket(ctx);
  const args = [spot, strike, volatility, period] as const;
  const [fairValue, timeValue, delta, gamma, vega] = await Promise.all([
    isCall ? pricer.callPrice(...args) : pricer.putPrice(...args),
    pricer.timeValue(...args),
    isCall ? pricer.callDelta(...args) : pricer.putDelta(...args),
    pricer.gamma(...args),
    pricer.vega(...args),
  ]);
  return {
    ...header(ctx),
    scenario: true,
    ethPrice: spot,
    payoff: fairValue - timeValue,
    mark: null,
    impliedVolatility: null,
    pricingVolatility: volatility,
    fairValue,
    timeValue,
    // At fair value longs pay (fair − payoff) / T per unit of claim: as a fraction of NF, W / fair per T.
    fundingRatePerDay: fairValue === 0n ? 0n : (timeValue * WAD * 86_400n) / (fairValue * period),
    delta,
    gamma,
    vega,
  };
}

/** Whether the task's market is an everlasting call (`ProductKind` Call = 1). */
function isCallMarket(ctx: TaskContext): boolean {
  return Number(ctx.market.kind) === 1;
}

function header(ctx: TaskContext) {
  return {
    marketId: ctx.marketId,
    market: ctx.deployedMarket.name,
    kind: isCallMarket(ctx) ? ("call" as const) : ("put" as const),
    strike: ctx.market.strikeWad,
    fundingPeriodSeconds: BigInt(ctx.market.fundingPeriodSeconds),
  };
}

/** The human-readable quote. */
export function formatQuote(q: OptionQuote): string[] {
  const at = q.scenario ? "scenario" : "market";
  const markLines =
    q.mark === null
      ? []
      : [
          `  mark                 ${usd(q.mark)}`,
          `  implied volatility   ${q.impliedVolatility === 0n ? "none in the pricer's domain" : percent(q.impliedVolatility ?? 0n)}`,
        ];
  return [
    `Quote of market ${q.marketId} (${q.market}: ${q.kind}, strike ${usd(q.strike)}, funding period ${duration(q.fundingPeriodSeconds)}), ${at}, per unit of claim`,
    `  ETH price            ${usd(q.ethPrice)}${q.scenario ? "" : " (TWAP)"}`,
    `  payoff               ${usd(q.payoff)}`,
    ...markLines,
    `  fair value           ${usd(q.fairValue)} at ${percent(q.pricingVolatility)} volatility (time value ${usd(q.timeValue)})`,
    `  funding per day      ${percent(q.fundingRatePerDay, 4)} of NF ${q.fundingRatePerDay >= 0n ? "(longs pay shorts)" : "(shorts pay longs)"}${q.scenario ? " at fair value" : ""}`,
    `  delta                ${fixed(q.delta, 6)}`,
    `  gamma                ${fixed(q.gamma, 8)} per $`,
    `  vega                 ${usd(q.vega / 100n)} per volatility point`,
  ];
}
