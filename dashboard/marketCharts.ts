/**
 * A market's time-series charts — mark vs index vs fair value, the normalization factor, the funding rate per day,
 * the implied volatility — and, for an option, the pricer's price curve around spot with the payoff. Built from
 * {@link MarketSnapshot}s (history first, then one per new block) with the reusable {@link LineChart}.
 *
 * @module
 */
import { LineChart, type Y } from "./charts.js";
import type { DashboardMarket, MarketSnapshot, OptionDetails } from "./data.js";
import { el } from "./dom.js";
import { decimal, toNumber } from "./format.js";

const COLORS = {
  mark: "#4fc3f7",
  index: "#ffb74d",
  fair: "#81c784",
  nf: "#ce93d8",
  funding: "#f06292",
  iv: "#fff176",
};

const percentAxis = (digits: number) => (v: number) => `${decimal(v, digits)}%`;

/** One market's charts. */
export class MarketCharts {
  readonly prices: LineChart;
  readonly normalizationFactor: LineChart;
  readonly funding: LineChart;
  readonly impliedVolatility: LineChart;
  readonly curve?: LineChart;

  constructor(
    container: HTMLElement,
    readonly market: DashboardMarket,
  ) {
    const section = el("section", "market-charts", "", { market: String(market.id) });
    const option = market.kind !== "power";
    section.append(
      el(
        "h3",
        "",
        `${market.name}: ${option ? "mark vs payoff vs fair value" : "mark vs index vs fair value"}`,
      ),
    );
    const grid = el("div", "chart-grid");
    section.append(grid);
    container.append(section);
    const slot = () => grid.appendChild(el("div", "chart-slot"));
    this.prices = new LineChart(slot(), {
      title: "mark / index / fair",
      x: "time",
      series: [
        { label: "mark", color: COLORS.mark },
        { label: option ? "payoff" : "index", color: COLORS.index },
        { label: "fair", color: COLORS.fair, dash: [5, 4] },
      ],
    });
    this.normalizationFactor = new LineChart(slot(), {
      title: "normalization factor",
      x: "time",
      series: [{ label: "NF", color: COLORS.nf }],
      formatY: (v) => v.toFixed(6),
    });
    this.funding = new LineChart(slot(), {
      title: "funding per day",
      x: "time",
      series: [{ label: "funding/day", color: COLORS.funding }],
      formatY: percentAxis(4),
    });
    this.impliedVolatility = new LineChart(slot(), {
      title: "implied volatility",
      x: "time",
      series: [{ label: "IV", color: COLORS.iv }],
      formatY: percentAxis(1),
    });
    if (option) {
      this.curve = new LineChart(slot(), {
        title: "price curve around spot (USD per claim)",
        x: "number",
        series: [
          { label: "pricer", color: COLORS.fair },
          { label: "payoff", color: COLORS.index, dash: [5, 4] },
        ],
        formatX: (v) => `$${decimal(v, 0)}`,
      });
    }
  }

  /** Replaces the time series with `history` (one snapshot per block, ascending). */
  setHistory(history: readonly MarketSnapshot[]): void {
    const points = dedupeByTime(history);
    const xs = points.map((s) => s.timestamp);
    const columns = points.map(values);
    const column = (i: number) => columns.map((c) => c[i]);
    this.prices.setData(xs, [column(0), column(1), column(2)]);
    this.normalizationFactor.setData(xs, [column(3)]);
    this.funding.setData(xs, [column(4)]);
    this.impliedVolatility.setData(xs, [column(5)]);
  }

  /** Adds the snapshot of a new block. */
  append(s: MarketSnapshot): void {
    const [mark, index, fair, nf, funding, iv] = values(s);
    this.prices.append(s.timestamp, [mark, index, fair]);
    this.normalizationFactor.append(s.timestamp, [nf]);
    this.funding.append(s.timestamp, [funding]);
    this.impliedVolatility.append(s.timestamp, [iv]);
  }

  /** Redraws the option's price curve and payoff. */
  setCurve(o: OptionDetails): void {
    this.curve?.setData(o.spots.map(toNumber), [o.prices.map(toNumber), o.payoffs.map(toNumber)]);
  }

  /** Every chart of the market. */
  get charts(): LineChart[] {
    const all = [this.prices, this.normalizationFactor, this.funding, this.impliedVolatility];
    return this.curve === undefined ? all : [...all, this.curve];
  }
}

/** mark, index, fair, NF, funding %/day, IV % (null when the mark implies none). */
function values(s: MarketSnapshot): Y[] {
  return [
    toNumber(s.mark),
    toNumber(s.index),
    toNumber(s.fairValue),
    toNumber(s.normalizationFactor),
    toNumber(s.fundingPerDay) * 100,
    s.impliedVolatility === 0n ? null : toNumber(s.impliedVolatility) * 100,
  ];
}

/** The last snapshot of each timestamp, ascending (several blocks can share a second). */
function dedupeByTime(history: readonly MarketSnapshot[]): MarketSnapshot[] {
  const byTime = new Map<number, MarketSnapshot>();
  for (const s of history) byTime.set(s.timestamp, s);
  return [...byTime.values()].sort((a, b) => a.timestamp - b.timestamp);
}
