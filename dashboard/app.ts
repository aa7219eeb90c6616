/**
 * The dashboard application: reads the deployment the devnet serves (`/deployment.json`), opens the typed client
 * over viem's HTTP transport to the devnet's JSON-RPC (through the dashboard server's `/rpc`), paints the market
 * cards, the vault table, the feed and the charts (history rebuilt from sampled past blocks and funding events),
 * then polls every second and appends each new block. `document.body.dataset.ready` is set once everything is
 * painted, and the `dashboard-ready` performance mark with it; the option vaults' liquidation prices (a bisection
 * in the lens per vault) follow (`data-liquidation-prices`).
 *
 * @module
 */
import { createPublicClient, getAddress, http } from "viem";

import { createEvergammaClient, parseDeployment, type Deployment } from "../client/index.js";
import { renderCard, vaultTotals } from "./cards.js";
import {
  blockTime,
  firstMarketBlock,
  historyBlocks,
  loadMarkets,
  readFeed,
  readHistory,
  readOptionDetails,
  readSnapshots,
  readVaults,
  withOptionLiquidationPrices,
  type ChainReader,
  type DashboardMarket,
  type FeedEvent,
  type MarketSnapshot,
  type OptionDetails,
} from "./data.js";
import { byId } from "./dom.js";
import { Feed } from "./feed.js";
import * as fmt from "./format.js";
import { MarketCharts } from "./marketCharts.js";
import type { VaultState } from "./vaultMath.js";
import { VaultTable } from "./vaultTable.js";

/** Past blocks read to rebuild the charts (plus the blocks of funding updates). */
export const HISTORY_SAMPLES = 48;
/** Milliseconds between two polls for a new block. */
export const POLL_MS = 1000;

/** Fetches the deployment the devnet serves, retrying while the devnet is still deploying (503). */
export async function fetchDeployment(url = "deployment.json"): Promise<Deployment> {
  for (;;) {
    const response = await fetch(url, { cache: "no-store" });
    if (response.ok) return parseDeployment(await response.json(), url);
    if (response.status !== 503) throw new Error(`${url}: HTTP ${response.status}`);
    setBanner("waiting for the devnet to deploy…");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Shows `text` in the header's banner ("" hides it). */
function setBanner(text: string): void {
  const banner = byId("banner");
  banner.textContent = text;
  banner.hidden = text === "";
}

/** The running dashboard: chain reader, markets, widgets and the last block shown. */
export class Dashboard {
  readonly #charts: MarketCharts[];
  readonly #table: VaultTable;
  readonly #feed: Feed;
  #block = 0n;
  #liquidations = 0;
  #snapshots: MarketSnapshot[] = [];
  #vaults: VaultState[] = [];
  readonly #options = new Map<number, OptionDetails>();

  private constructor(
    private readonly reader: ChainReader,
    private readonly markets: DashboardMarket[],
  ) {
    this.#table = new VaultTable(byId("vaults"), markets);
    this.#feed = new Feed(byId("feed"), markets);
    this.#charts = markets.map((m) => new MarketCharts(byId("charts"), m));
  }

  /** Connects to the chain of `deployment` through `rpcUrl` and paints everything once. */
  static async open(
    deployment: Deployment,
    rpcUrl: string,
    referenceVolatility?: bigint,
  ): Promise<Dashboard> {
    const publicClient = createPublicClient({
      transport: http(rpcUrl, { batch: { batchSize: 250 } }),
      cacheTime: 0,
    });
    const client = createEvergammaClient({ publicClient, deployment });
    const pricer = deployment.contracts.EverlastingOptionPricer;
    if (pricer === undefined) throw new Error("the deployment has no EverlastingOptionPricer");
    const reader: ChainReader = { client, pricer: getAddress(pricer), timestamps: new Map() };
    const dashboard = new Dashboard(reader, await loadMarkets(reader, referenceVolatility));
    byId("chain").textContent =
      `chain ${deployment.chainId} · engine ${fmt.shortAddress(client.addresses.engine)}`;
    await dashboard.#firstPaint(await publicClient.getBlockNumber());
    return dashboard;
  }

  /** Polls for new blocks every {@link POLL_MS} milliseconds. */
  poll(): void {
    const tick = async () => {
      try {
        const latest = await this.reader.client.publicClient.getBlockNumber();
        if (latest > this.#block) await this.#update(latest);
        setBanner("");
      } catch (error) {
        setBanner(
          `chain unavailable: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
        );
      }
      setTimeout(() => void tick(), POLL_MS);
    };
    setTimeout(() => void tick(), POLL_MS);
  }

  /**
   * Everything at `block`, in two rounds of concurrent reads: the markets, the events and the first block; then the
   * vaults, the option curves and the history (sampled blocks and funding blocks) together. Cards and the table are
   * painted as soon as their reads are in; marks `dashboard-cards`, `dashboard-vaults`, `dashboard-ready`.
   */
  async #firstPaint(block: bigint): Promise<void> {
    this.#block = block;
    const [snapshots, first, feed] = await Promise.all([
      readSnapshots(this.reader, this.markets, block),
      firstMarketBlock(this.reader),
      readFeed(this.reader, 0n, block),
    ]);
    this.#snapshots = snapshots;
    this.#paintState([]);
    performance.mark("dashboard-cards");
    const fundingBlocks = [...new Set(feed.filter((e) => e.kind === "funding").map((e) => e.blockNumber))];
    const blocks = historyBlocks(first, block, HISTORY_SAMPLES, fundingBlocks);
    const state = Promise.all([readVaults(this.reader, snapshots, block), this.#readOptions(block)]).then(
      ([vaults, options]) => {
        this.#vaults = vaults;
        this.#paintState(options);
        performance.mark("dashboard-vaults");
      },
    );
    const history = readHistory(this.reader, this.markets, blocks).then((h) =>
      h.forEach((snapshots, i) => this.#charts[i].setHistory(snapshots)),
    );
    await Promise.all([state, history, this.#addFeed(feed)]);
    document.body.dataset.ready = "true";
    performance.mark("dashboard-ready");
    void this.#fillLiquidationPrices(block);
  }

  /** Reads the option vaults' liquidation prices at `block`, then repaints unless a newer block was shown. */
  async #fillLiquidationPrices(block: bigint): Promise<void> {
    const vaults = await withOptionLiquidationPrices(this.reader, this.#vaults, block).catch(() => undefined);
    if (vaults === undefined || this.#block !== block) return;
    this.#vaults = vaults;
    this.#paintState([]);
    document.body.dataset.liquidationPrices = "true";
    performance.mark("dashboard-liquidation-prices");
  }

  async #update(block: bigint): Promise<void> {
    const from = this.#block + 1n;
    const [snapshots, feed] = await Promise.all([
      readSnapshots(this.reader, this.markets, block),
      readFeed(this.reader, from, block),
    ]);
    const [vaults, options] = await Promise.all([
      readVaults(this.reader, snapshots, block).then((v) =>
        withOptionLiquidationPrices(this.reader, v, block),
      ),
      this.#readOptions(block),
    ]);
    this.#snapshots = snapshots;
    this.#vaults = vaults;
    this.#block = block;
    this.#paintState(options);
    snapshots.forEach((s, i) => this.#charts[i].append(s));
    await this.#addFeed(feed);
  }

  /** The option markets' Greeks and curves at `block`. */
  async #readOptions(block: bigint): Promise<OptionDetails[]> {
    const options = this.markets.filter((m) => m.kind !== "power");
    return Promise.all(options.map((m) => readOptionDetails(this.reader, m, block)));
  }

  /** Header, cards, table and option curves from the current state. */
  #paintState(options: OptionDetails[]): void {
    for (const o of options) this.#options.set(o.marketId, o);
    const latest = this.#snapshots[0];
    const header = byId("block");
    header.textContent = `block ${this.#block} · ${fmt.clock(latest?.timestamp ?? 0)} UTC`;
    header.dataset.block = String(this.#block);
    byId("eth").textContent = latest === undefined ? "" : `ETH ${fmt.usd(latest.ethPrice)}`;
    this.#paintSummary();
    const cards = byId("cards");
    this.markets.forEach((m, i) => {
      const totals = vaultTotals(m.id, this.#vaults);
      const extras = {
        collateral: totals.collateral,
        unsafeVaults: totals.unsafe,
        option: this.#options.get(m.id),
      };
      renderCard(cards, m, this.#snapshots[i], extras);
    });
    const byMarket = new Map(this.markets.map((m, i) => [m.id, { market: m, snapshot: this.#snapshots[i] }]));
    this.#table.setRows(
      this.#vaults.flatMap((report) => {
        const entry = byMarket.get(report.marketId);
        return entry === undefined
          ? []
          : [{ report, market: entry.market, ethPrice: entry.snapshot.ethPrice }];
      }),
    );
    for (const o of options) this.#charts.find((c) => c.market.id === o.marketId)?.setCurve(o);
  }

  /** The header's one-look summary: vaults, unsafe vaults, liquidations seen. */
  #paintSummary(): void {
    const unsafe = this.#vaults.filter((v) => v.debt > 0n && !v.healthy).length;
    const summary = byId("summary");
    summary.textContent = `${this.#vaults.length} vaults · ${unsafe} unsafe · ${this.#liquidations} liquidation${this.#liquidations === 1 ? "" : "s"}`;
    summary.className = unsafe > 0 ? "bad" : "";
    summary.dataset.unsafe = String(unsafe);
  }

  async #addFeed(events: FeedEvent[]): Promise<void> {
    this.#liquidations += events.filter((e) => e.kind === "liquidation").length;
    const blocks = [...new Set(events.map((e) => e.blockNumber))];
    await Promise.all(blocks.map((b) => blockTime(this.reader, b)));
    this.#feed.add(events, this.reader.timestamps);
    this.#paintSummary();
  }
}
