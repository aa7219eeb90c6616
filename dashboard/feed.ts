/**
 * The feed: liquidations and funding updates, newest first, at most {@link FEED_LIMIT} entries. Liquidations stand
 * out; funding updates (one per market and block with activity) are shown small.
 *
 * @module
 */
import { serialOfVault } from "../client/index.js";
import type { DashboardMarket, FeedEvent } from "./data.js";
import { el } from "./dom.js";
import * as fmt from "./format.js";

/** Entries kept on the page. */
export const FEED_LIMIT = 200;

/** The text of one entry. */
export function feedText(e: FeedEvent, market: DashboardMarket | undefined): string {
  const name = market?.name ?? `market ${e.marketId}`;
  if (e.kind === "liquidation") {
    const serial = e.vaultId === undefined ? "?" : String(serialOfVault(e.vaultId));
    return (
      `liquidation ${name} vault #${serial}: ${fmt.wad(e.debtRepaid ?? 0n, 4)} tokens repaid, ` +
      `${fmt.wad(e.collateralPaid ?? 0n, 4)} ETH paid to ${fmt.shortAddress(e.liquidator ?? "0x")}`
    );
  }
  return `funding ${name}: NF ${fmt.normalizationFactor(e.normalizationFactor ?? 0n)}`;
}

/** The feed list. */
export class Feed {
  readonly #list: HTMLOListElement;

  constructor(
    container: HTMLElement,
    private readonly markets: readonly DashboardMarket[],
  ) {
    this.#list = el("ol", "feed");
    container.append(this.#list);
  }

  /** Adds events (chain order) at the top; `times` gives each block's timestamp. */
  add(events: readonly FeedEvent[], times: ReadonlyMap<bigint, number>): void {
    const items = events.map((e) => {
      const time = times.get(e.blockNumber);
      const li = el("li", e.kind, "", {
        kind: e.kind,
        market: String(e.marketId),
        block: String(e.blockNumber),
      });
      if (e.vaultId !== undefined) li.dataset.vaultId = String(e.vaultId);
      li.append(
        el("time", "", time === undefined ? `#${e.blockNumber}` : fmt.clock(time)),
        el(
          "span",
          "",
          feedText(
            e,
            this.markets.find((m) => m.id === e.marketId),
          ),
        ),
      );
      return li;
    });
    this.#list.prepend(...items.reverse());
    // Over the limit, the oldest funding updates go first: liquidations stay.
    const fundings = [...this.#list.querySelectorAll("li.funding")];
    for (let extra = this.#list.children.length - FEED_LIMIT; extra > 0; extra--) {
      (fundings.pop() ?? this.#list.lastElementChild)?.remove();
    }
  }
}
