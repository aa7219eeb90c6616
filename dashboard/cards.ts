/**
 * The market cards: per market its price, index (an option's payoff), mark, fair value, premium over fair, NF,
 * funding per day, implied volatility, open interest, collateral, vaults and status; for an option, its Greeks.
 * Each figure is a `<dd data-field=… data-wad=…>`: the text the page shows and the raw WAD it comes from.
 *
 * @module
 */
import type { DashboardMarket, MarketSnapshot, OptionDetails } from "./data.js";
import { el } from "./dom.js";
import type { VaultState } from "./vaultMath.js";
import * as fmt from "./format.js";

/** What a card shows beyond the snapshot: totals over the market's vaults and the option's Greeks. */
export interface CardExtras {
  collateral: bigint;
  unsafeVaults: number;
  option?: OptionDetails;
}

/** A short description of the market's product. */
export function productLabel(m: DashboardMarket): string {
  if (m.kind === "power")
    return m.power === 1 ? "ETH¹ perpetual" : `ETH${superscript(m.power)} power perpetual`;
  return `everlasting ${m.kind} ${fmt.wad(m.strike, 0)}`;
}

function superscript(n: number): string {
  return String(n).replace(/\d/g, (d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[Number(d)]);
}

/** The premium of mark over fair value, as a WAD fraction (0 when there is no fair value). */
export function premiumOverFair(s: MarketSnapshot): bigint {
  return s.fairValue === 0n ? 0n : ((s.mark - s.fairValue) * fmt.WAD) / s.fairValue;
}

/** Text for the funding sign: who pays whom. */
export function fundingDirection(rate: bigint): string {
  if (rate > 0n) return "longs pay shorts";
  if (rate < 0n) return "shorts pay longs";
  return "no funding";
}

/** One `<dt>`/`<dd>` row of figures. */
type Row = [field: string, label: string, text: string, raw: bigint | string, hint?: string];

function rows(m: DashboardMarket, s: MarketSnapshot, x: CardExtras): Row[] {
  const option = m.kind !== "power";
  const vol = fmt.percent(m.referenceVolatility, 0);
  const list: Row[] = [
    ["ethPrice", "ETH", fmt.usd(s.ethPrice), s.ethPrice],
    ["index", option ? "payoff" : "index", fmt.wad(s.index), s.index],
    ["mark", "mark", fmt.wad(s.mark), s.mark],
    ["fairValue", `fair @${vol} vol`, fmt.wad(s.fairValue), s.fairValue, "the pricer's value"],
    ["premium", "mark vs fair", fmt.percent(premiumOverFair(s), 2), premiumOverFair(s)],
    ["normalizationFactor", "NF", fmt.normalizationFactor(s.normalizationFactor), s.normalizationFactor],
    [
      "fundingPerDay",
      "funding/day",
      fmt.percent(s.fundingPerDay, 4),
      s.fundingPerDay,
      fundingDirection(s.fundingPerDay),
    ],
    ["impliedVolatility", "implied vol", fmt.volatility(s.impliedVolatility), s.impliedVolatility],
    ["openInterest", "open interest", `${fmt.wad(s.openInterest)} tokens`, s.openInterest],
    ["collateral", "collateral", `${fmt.wad(x.collateral)} ETH`, x.collateral],
    ["vaults", "vaults", `${s.vaultCount} (${x.unsafeVaults} unsafe)`, s.vaultCount],
  ];
  if (x.option !== undefined) {
    const o = x.option;
    list.push(
      ["delta", "delta", fmt.wad(o.delta, 4), o.delta, "per unit of claim"],
      ["gamma", "gamma", fmt.wad(o.gamma, 6), o.gamma],
      ["vega", "vega", fmt.wad(o.vega, 2), o.vega],
      ["pricingVolatility", "pricing vol", fmt.percent(o.pricingVolatility, 2), o.pricingVolatility],
    );
  }
  return list;
}

/** Builds or refreshes market `m`'s card inside `container`. */
export function renderCard(
  container: HTMLElement,
  m: DashboardMarket,
  s: MarketSnapshot,
  x: CardExtras,
): void {
  let card = container.querySelector<HTMLElement>(`.card[data-market="${m.id}"]`);
  if (card === null) {
    card = el("article", "card", "", { market: String(m.id), name: m.name });
    container.appendChild(card);
  }
  const header = el("header");
  header.append(el("h2", "", m.name), el("span", "product", productLabel(m)));
  header.append(el("span", `status status-${s.status.replace(" ", "-")}`, s.status, { field: "status" }));
  const premium = premiumOverFair(s);
  const near = premium < 0n ? -premium < fmt.WAD / 100n : premium < fmt.WAD / 100n;
  const verdict = el("p", `verdict ${near ? "good" : "warn"}`, "", { field: "verdict" });
  verdict.textContent = `mark ${near ? "near" : "off"} fair value (${fmt.percent(premium, 2)}); ${fundingDirection(s.fundingPerDay)} ${fmt.percent(s.fundingPerDay < 0n ? -s.fundingPerDay : s.fundingPerDay, 4)}/day`;
  const list = el("dl");
  for (const [field, label, text, raw, hint] of rows(m, s, x)) {
    const dt = el("dt", "", label);
    const dd = el("dd", "", text, { field, wad: String(raw) });
    if (hint !== undefined) dd.title = hint;
    list.append(dt, dd);
  }
  card.dataset.block = String(s.blockNumber);
  card.dataset.unsafe = String(x.unsafeVaults);
  card.replaceChildren(header, verdict, list);
}

/** Sums of a market's vaults: collateral and unsafe (unhealthy, with debt) vaults. */
export function vaultTotals(
  marketId: number,
  vaults: readonly VaultState[],
): { collateral: bigint; unsafe: number } {
  let collateral = 0n;
  let unsafe = 0;
  for (const v of vaults) {
    if (v.marketId !== marketId) continue;
    collateral += v.collateral;
    if (!v.healthy && v.debt > 0n) unsafe++;
  }
  return { collateral, unsafe };
}
