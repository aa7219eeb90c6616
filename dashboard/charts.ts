/**
 * Line charts (uPlot) with a small API shared by the live dashboard and any static report: a {@link LineChart}
 * is made from a container and a {@link ChartSpec} (title, series, x axis as time or numbers), filled with
 * {@link LineChart.setData}, grown with {@link LineChart.append}, and exported as a PNG data URL with
 * {@link LineChart.toPng}. The chart element carries `data-points` (points held) for tests.
 *
 * @module
 */
import uPlot from "uplot";

/** One line of a chart. */
export interface SeriesSpec {
  label: string;
  /** A CSS colour. */
  color: string;
  /** Dash pattern, e.g. [4, 4]. */
  dash?: number[];
  /** Draw points only (no line), for sparse events. */
  pointsOnly?: boolean;
}

/** A chart's look: title, series, the x axis's kind and how y values are printed. */
export interface ChartSpec {
  title: string;
  series: SeriesSpec[];
  /** "time": x in unix seconds; "number": plain numbers (e.g. an ETH price). */
  x: "time" | "number";
  /** Prints a y value on the axis and in the legend (default: 4 significant digits). */
  formatY?: (value: number) => string;
  /** Prints an x value in the legend (number axes; default: 2 decimals). */
  formatX?: (value: number) => string;
  /** Pixels (default 180). */
  height?: number;
  /** Pixels (default: the container's width, followed as it changes). */
  width?: number;
}

/** A y value, or null for a gap. */
export type Y = number | null;

const defaultFormatY = (value: number) => Number(value.toPrecision(4)).toLocaleString("en-US");
const defaultFormatX = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 2 });

/** A line chart of one or more series over a shared x axis. */
export class LineChart {
  readonly element: HTMLElement;
  readonly #plot: uPlot;
  readonly #xs: number[] = [];
  readonly #ys: Y[][];

  constructor(container: HTMLElement, spec: ChartSpec) {
    this.element = document.createElement("div");
    this.element.className = "chart";
    this.element.dataset.title = spec.title;
    this.element.dataset.points = "0";
    container.appendChild(this.element);
    this.#ys = spec.series.map(() => []);
    const width = spec.width ?? Math.max(240, container.clientWidth || 320);
    this.#plot = new uPlot(options(spec, width), [[], ...this.#ys], this.element);
    if (spec.width === undefined && typeof ResizeObserver !== "undefined") {
      // A grid lays its cells out as charts are added: follow the container's width.
      new ResizeObserver(() => {
        const w = container.clientWidth;
        if (w > 0 && w !== this.#plot.width) this.resize(w);
      }).observe(container);
    }
  }

  /** Points held (x values). */
  get points(): number {
    return this.#xs.length;
  }

  /** Replaces the data: `ys[i]` is series i, one value per x. */
  setData(xs: readonly number[], ys: readonly (readonly Y[])[]): void {
    this.#xs.splice(0, this.#xs.length, ...xs);
    ys.forEach((values, i) => this.#ys[i]?.splice(0, this.#ys[i].length, ...values));
    this.#redraw();
  }

  /** Adds one x with a value per series (ignored when x is not after the last x). */
  append(x: number, ys: readonly Y[]): void {
    const last = this.#xs[this.#xs.length - 1];
    if (last !== undefined && x <= last) return;
    this.#xs.push(x);
    this.#ys.forEach((values, i) => values.push(ys[i] ?? null));
    this.#redraw();
  }

  /** Fits the chart to `width` pixels. */
  resize(width: number): void {
    this.#plot.setSize({ width, height: this.#plot.height });
  }

  /** The chart as a PNG data URL. */
  toPng(): string {
    return this.#plot.ctx.canvas.toDataURL("image/png");
  }

  destroy(): void {
    this.#plot.destroy();
    this.element.remove();
  }

  #redraw(): void {
    this.#plot.setData([this.#xs, ...this.#ys] as uPlot.AlignedData);
    this.element.dataset.points = String(this.#xs.length);
  }
}

function options(spec: ChartSpec, width: number): uPlot.Options {
  const formatY = spec.formatY ?? defaultFormatY;
  const formatX = spec.formatX ?? defaultFormatX;
  const time = spec.x === "time";
  return {
    title: spec.title,
    width,
    height: spec.height ?? 180,
    scales: { x: { time } },
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    series: [
      time ? {} : { value: (_u, v) => (v === null ? "" : formatX(v)) },
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 1.5,
        dash: s.dash,
        spanGaps: true,
        points: s.pointsOnly ? { show: true, size: 6, fill: s.color } : { show: false },
        paths: s.pointsOnly ? () => null : undefined,
        value: (_u: uPlot, v: number | null) => (v === null ? "–" : formatY(v)),
      })),
    ],
    axes: [
      { stroke: "#9aa4b2", grid: { stroke: "#2a3140" }, ticks: { stroke: "#2a3140" } },
      {
        stroke: "#9aa4b2",
        grid: { stroke: "#2a3140" },
        ticks: { stroke: "#2a3140" },
        size: (_u, values) => 20 + 8 * Math.max(4, ...(values ?? []).map((v) => v.length)),
        values: (_u, values) => values.map((v) => formatY(v)),
      },
    ],
  };
}
