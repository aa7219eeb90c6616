/**
 * The vault table: every vault of every market with owner, collateral, debt, ratio, liquidation price, the ETH
 * move that would make it unsafe, and health; sortable by any column (click its header), filtered by owner or id
 * text, market and "unsafe only". Unsafe vaults are highlighted.
 *
 * @module
 */
import { serialOfVault } from "../client/index.js";
import type { DashboardMarket } from "./data.js";
import { el } from "./dom.js";
import type { VaultState } from "./vaultMath.js";
import * as fmt from "./format.js";

/** A vault's health as the table names it. */
export type Health = "no debt" | "safe" | "unsafe" | "liquidatable";

/** What the table knows of a vault: the lens's report and its market's ETH price. */
export interface VaultRow {
  report: VaultState;
  market: DashboardMarket;
  ethPrice: bigint;
}

/** The vault's health. */
export function health(v: VaultState): Health {
  if (v.debt === 0n) return "no debt";
  if (v.liquidatable) return "liquidatable";
  return v.healthy ? "safe" : "unsafe";
}

/** How far ETH may move before the vault is unsafe, as a WAD fraction of the price; undefined without a price. */
export function distanceToLiquidation(row: VaultRow): bigint | undefined {
  const p = row.report.liquidationPriceWad;
  if (p === undefined || p === 0n || p === fmt.MAX_UINT256 || row.ethPrice === 0n) return undefined;
  return ((p - row.ethPrice) * fmt.WAD) / row.ethPrice;
}

interface Column {
  key: string;
  label: string;
  text: (r: VaultRow) => string;
  sort: (r: VaultRow) => bigint | string;
}

const COLUMNS: Column[] = [
  {
    key: "vault",
    label: "vault",
    text: (r) => `${r.market.name} #${serialOfVault(r.report.vaultId)}`,
    sort: (r) => r.report.vaultId,
  },
  {
    key: "owner",
    label: "owner",
    text: (r) => fmt.shortAddress(r.report.owner),
    sort: (r) => r.report.owner.toLowerCase(),
  },
  { key: "market", label: "market", text: (r) => r.market.name, sort: (r) => BigInt(r.market.id) },
  {
    key: "collateral",
    label: "collateral (ETH)",
    text: (r) => fmt.wad(r.report.collateral, 4),
    sort: (r) => r.report.collateral,
  },
  { key: "debt", label: "debt (tokens)", text: (r) => fmt.wad(r.report.debt, 4), sort: (r) => r.report.debt },
  {
    key: "ratio",
    label: "ratio",
    text: (r) => fmt.ratio(r.report.collateralRatioWad),
    sort: (r) => r.report.collateralRatioWad,
  },
  {
    key: "liquidationPrice",
    label: "liq. price",
    text: (r) => fmt.liquidationPrice(r.report.liquidationPriceWad),
    sort: (r) => r.report.liquidationPriceWad ?? fmt.MAX_UINT256,
  },
  {
    key: "distance",
    label: "ETH move to liq.",
    text: (r) => {
      const d = distanceToLiquidation(r);
      return d === undefined ? "–" : `${d > 0n ? "+" : ""}${fmt.percent(d, 1)}`;
    },
    sort: (r) => {
      const d = distanceToLiquidation(r);
      return d === undefined ? fmt.MAX_UINT256 : d < 0n ? -d : d;
    },
  },
  {
    key: "health",
    label: "health",
    text: (r) => health(r.report),
    sort: (r) => HEALTH_ORDER[health(r.report)],
  },
];

const HEALTH_ORDER: Record<Health, bigint> = { liquidatable: 0n, unsafe: 1n, safe: 2n, "no debt": 3n };

/** The vault table with its controls. */
export class VaultTable {
  #rows: VaultRow[] = [];
  #sortKey = "ratio";
  #ascending = true;
  readonly #body: HTMLTableSectionElement;
  readonly #count: HTMLElement;
  readonly #filter: HTMLInputElement;
  readonly #market: HTMLSelectElement;
  readonly #unsafeOnly: HTMLInputElement;
  readonly #headers = new Map<string, HTMLTableCellElement>();

  constructor(container: HTMLElement, markets: readonly DashboardMarket[]) {
    const controls = el("div", "controls");
    this.#filter = el("input", "", "", { role: "filter" });
    this.#filter.placeholder = "owner address or vault #";
    this.#filter.type = "search";
    this.#market = el("select");
    this.#market.append(new Option("all markets", ""));
    for (const m of markets) this.#market.append(new Option(m.name, String(m.id)));
    this.#unsafeOnly = el("input");
    this.#unsafeOnly.type = "checkbox";
    const unsafeLabel = el("label", "", "");
    unsafeLabel.append(this.#unsafeOnly, " unsafe only");
    this.#count = el("span", "count");
    controls.append(this.#filter, this.#market, unsafeLabel, this.#count);
    for (const input of [this.#filter, this.#market, this.#unsafeOnly])
      input.addEventListener("input", () => this.render());
    const table = el("table", "vaults");
    const head = el("tr");
    for (const c of COLUMNS) {
      const th = el("th", "", c.label, { key: c.key });
      th.addEventListener("click", () => this.sortBy(c.key));
      this.#headers.set(c.key, th);
      head.append(th);
    }
    table.append(el("thead"), (this.#body = el("tbody")));
    table.tHead?.append(head);
    const scroll = el("div", "table-scroll");
    scroll.append(table);
    container.append(controls, scroll);
  }

  /** Replaces the vaults and redraws. */
  setRows(rows: VaultRow[]): void {
    this.#rows = rows;
    this.render();
  }

  /** Sorts by `key`; the same key again flips the order. */
  sortBy(key: string): void {
    this.#ascending = key === this.#sortKey ? !this.#ascending : true;
    this.#sortKey = key;
    this.render();
  }

  /** The rows that pass the filters, sorted. */
  visibleRows(): VaultRow[] {
    const text = this.#filter.value.trim().toLowerCase();
    const market = this.#market.value;
    const column = COLUMNS.find((c) => c.key === this.#sortKey) ?? COLUMNS[0];
    const rows = this.#rows.filter(
      (r) =>
        (market === "" || String(r.market.id) === market) &&
        (!this.#unsafeOnly.checked || !r.report.healthy) &&
        (text === "" || matches(r, text)),
    );
    const sign = this.#ascending ? 1 : -1;
    return rows.sort((a, b) => sign * compare(column.sort(a), column.sort(b)));
  }

  render(): void {
    const rows = this.visibleRows();
    this.#body.replaceChildren(...rows.map(renderRow));
    this.#count.textContent = `${rows.length} of ${this.#rows.length} vaults`;
    for (const [key, th] of this.#headers) {
      th.dataset.sorted = key === this.#sortKey ? (this.#ascending ? "asc" : "desc") : "";
    }
  }
}

function matches(r: VaultRow, text: string): boolean {
  const serial = String(serialOfVault(r.report.vaultId));
  return (
    r.report.owner.toLowerCase().includes(text) ||
    String(r.report.vaultId) === text ||
    `#${serial}` === text ||
    `${r.market.name} #${serial}`.toLowerCase() === text
  );
}

function compare(a: bigint | string, b: bigint | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function renderRow(r: VaultRow): HTMLTableRowElement {
  const h = health(r.report);
  const tr = el("tr", h === "unsafe" || h === "liquidatable" ? "unsafe" : "", "", {
    vaultId: String(r.report.vaultId),
    health: h,
  });
  for (const c of COLUMNS) {
    const td = el("td", c.key, c.text(r));
    if (c.key === "owner") td.title = r.report.owner;
    if (c.key === "vault") td.title = `vault id ${r.report.vaultId}`;
    tr.append(td);
  }
  return tr;
}
