/**
 * End-to-end tests of the simulation report: the standalone run on an in-process chain (`npm run simulate`, run as
 * `node --import tsx scripts/simulate.ts` like the npm script does) writes a CSV, a summary, a self-contained HTML
 * page that loads in headless Chromium without errors or network requests and draws every chart, and non-blank
 * PNGs; the devnet's run (`--simulate --report DIR --keep-running`) writes CSV rows equal to the lens's
 * `marketReport` at each row's block, read back over JSON-RPC while the devnet still runs.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { expect } from "chai";
import { parseEther } from "ethers";
import type { Browser } from "playwright-core";
import { createPublicClient, getAddress, http } from "viem";

import { evergammaLensAbi } from "../../client/abi/evergammaLens.js";
import { launchBrowser } from "../../scripts/lib/browser.js";
import { parseDeployment } from "../../scripts/lib/deploymentFile.js";
import { CSV_COLUMNS, parseSeriesCsv } from "../../scripts/report/csv.js";
import { Background, childEnv, descendants, freePort, run } from "./helpers.js";

const MARKETS = ["ETH2", "ETH1", "C3500", "P2500"];
const CHART_KINDS = ["price", "nf", "funding", "iv"];

/** The summary's numbers for one market, as written to summary.json. */
interface MarketSummaryJson {
  name: string;
  trackingError: { mean: number; rms: number; max: number };
  funding: { paid: number; expected: number; ratio: number | null };
  liquidations: number;
  badDebt: string;
}

/** Distinct colours of a PNG, decoded by the browser (a canvas), and its size. */
async function pngColours(
  browser: Browser,
  file: string,
): Promise<{ width: number; height: number; colours: number }> {
  const page = await browser.newPage();
  try {
    const data = `data:image/png;base64,${readFileSync(file).toString("base64")}`;
    // The page has the DOM; this file is compiled without it, so the decoder is passed as source.
    const decode = `(async () => {
      const img = new Image();
      img.src = ${JSON.stringify(data)};
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const pixels = ctx.getImageData(0, 0, img.width, img.height).data;
      const seen = new Set();
      for (let i = 0; i < pixels.length; i += 4) seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
      return { width: img.width, height: img.height, colours: seen.size };
    })()`;
    return (await page.evaluate(decode)) as { width: number; height: number; colours: number };
  } finally {
    await page.close();
  }
}

describe("simulation report (e2e)", function () {
  this.timeout(180_000);

  let dir: string;
  let browser: Browser | undefined;
  const started: Background[] = [];

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "evergamma-simulate-"));
    browser = await launchBrowser();
  });

  after(async function () {
    await browser?.close();
    for (const b of started) {
      for (const pid of b.running ? descendants(b.pid) : []) process.kill(pid, "SIGKILL");
      b.kill();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("npm run simulate writes the CSV, a summary, an offline HTML report with every chart drawn and PNGs", async function () {
    const out = path.join(dir, "standalone");
    const steps = 6;
    const t0 = Date.now();
    const r = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/simulate.ts",
        "--report",
        out,
        "--steps",
        String(steps),
        "--regime",
        "mixed",
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(Date.now() - t0).to.be.lessThan(60_000);
    expect(r.stdout).to.match(
      /^Simulation summary \(6 steps, 0\.2\d days of chain time, regime mixed, seed 1\)$/m,
    );
    expect(r.stdout).to.match(
      /^Report: .*report\.html, .*series\.csv \(28 rows\), .*summary\.json, 16 PNG charts/m,
    );

    // The CSV: a row per market per step (and step 0), in step order.
    const rows = parseSeriesCsv(readFileSync(path.join(out, "series.csv"), "utf8"));
    expect(Object.keys(rows[0])).to.deep.equal([...CSV_COLUMNS]);
    expect(rows).to.have.length((steps + 1) * MARKETS.length);
    expect(rows.map((row) => row.market).slice(0, 4)).to.deep.equal(MARKETS);
    // Mixed: calm, normal and stressed steps in turn.
    expect([...new Set(rows.map((row) => row.regime))]).to.deep.equal(["calm", "normal", "stressed"]);

    // The summary: finite numbers, the mark within a sane distance of fair value, options paying about W/T.
    const summary = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8")) as {
      markets: MarketSummaryJson[];
    };
    expect(summary.markets.map((m) => m.name)).to.deep.equal(MARKETS);
    for (const m of summary.markets) {
      for (const x of [m.trackingError.mean, m.trackingError.rms, m.trackingError.max, m.funding.paid]) {
        expect(Number.isFinite(x), m.name).to.equal(true);
      }
      expect(m.trackingError.rms, m.name).to.be.lessThan(0.05);
      expect(m.trackingError.max, m.name).to.be.lessThan(0.1);
      expect(BigInt(m.badDebt), m.name).to.equal(0n);
    }
    for (const m of summary.markets.slice(2)) expect(m.funding.ratio, m.name).to.be.within(0.9, 1.1);

    // The page: loads offline (no request leaves file://), no console errors, every chart holds every point.
    const page = await (browser as Browser).newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (q) => {
      if (!q.url().startsWith("file:")) requests.push(q.url());
    });
    await page.goto(pathToFileURL(path.join(out, "report.html")).href, { waitUntil: "load" });
    await page.waitForFunction("window.__report !== undefined && window.__report.ready === true");
    const charts = await page.$$eval(".chart", (els) =>
      els.map((e) => ({
        id: e.id,
        points: Number(e.getAttribute("data-points")),
        canvas: e.querySelector("canvas") !== null,
      })),
    );
    const tableRows = await page.$$eval("#summary tbody tr", (trs) => trs.length);
    await page.close();
    expect(errors).to.deep.equal([]);
    expect(requests).to.deep.equal([]);
    expect(tableRows).to.equal(MARKETS.length);
    expect(charts.map((c) => c.id)).to.deep.equal(
      MARKETS.flatMap((m) => CHART_KINDS.map((k) => `chart-${m}-${k}`)),
    );
    for (const c of charts) {
      expect(c.canvas, c.id).to.equal(true);
      expect(c.points, c.id).to.equal((steps + 1) * (c.id.endsWith("-price") ? 3 : 1));
    }

    // The PNGs: one per chart, real images with more than a background colour.
    const pngs = readdirSync(path.join(out, "charts")).sort();
    expect(pngs).to.have.length(16);
    for (const name of pngs) {
      const file = path.join(out, "charts", name);
      expect(readFileSync(file).subarray(1, 4).toString("latin1"), name).to.equal("PNG");
      const image = await pngColours(browser as Browser, file);
      expect(image.width, name).to.be.greaterThan(400);
      expect(image.height, name).to.be.greaterThan(200);
      expect(image.colours, name).to.be.greaterThan(10);
    }
  });

  it("the devnet's --simulate --report writes CSV rows equal to the lens at each row's block", async function () {
    const port = await freePort();
    const out = path.join(dir, "devnet");
    const d = new Background(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join("scripts", "devnet.ts"),
        "--port",
        String(port),
        "--no-keeper",
        "--simulate",
        "--steps",
        "3",
        "--step-delay",
        "0",
        "--keep-running",
        "--report",
        out,
      ],
      { env: childEnv({ EVERGAMMA_DEPLOYMENTS_DIR: dir }) },
    );
    started.push(d);
    await d.waitFor(/^Report: .*series\.csv \(16 rows\)/m, 150_000);
    expect(existsSync(path.join(out, "report.html"))).to.equal(true);

    const file = path.join(dir, "localhost.json");
    const deployment = parseDeployment(JSON.parse(readFileSync(file, "utf8")), file);
    const lens = getAddress(deployment.contracts.EvergammaLens);
    const client = createPublicClient({ transport: http(`http://127.0.0.1:${port}`) });
    const rows = parseSeriesCsv(readFileSync(path.join(out, "series.csv"), "utf8"));
    expect(rows).to.have.length(16);
    for (const row of rows) {
      const blockNumber = BigInt(row.block);
      const report = await client.readContract({
        address: lens,
        abi: evergammaLensAbi,
        functionName: "marketReport",
        args: [Number(row.market_id)],
        blockNumber,
      });
      const block = await client.getBlock({ blockNumber });
      const where = `${row.market} step ${row.step} block ${row.block}`;
      expect(BigInt(row.timestamp), where).to.equal(block.timestamp);
      expect(parseEther(row.eth_price), where).to.equal(report.ethPriceWad);
      expect(parseEther(row.index), where).to.equal(report.indexWad);
      expect(parseEther(row.mark), where).to.equal(report.markWad);
      expect(parseEther(row.normalization_factor), where).to.equal(report.normalizationFactor);
      expect(parseEther(row.funding_rate_per_day), where).to.equal(report.fundingRatePerDayWad);
      expect(parseEther(row.implied_volatility), where).to.equal(report.impliedVolatilityWad);
      expect(parseEther(row.total_bad_debt), where).to.equal(report.totalBadDebt);
    }
    d.child.kill("SIGTERM");
    const exit = await d.exited;
    expect(exit.code, d.output).to.equal(0);
  });

  it("npm run simulate rejects a bad flag with one line, the usage and exit code 2", async function () {
    const r = await run(process.execPath, ["--import", "tsx", "scripts/simulate.ts", "--regime", "wild"]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^Error: --regime must be one of calm, normal, stressed, mixed, got "wild"$/m);
    expect(r.stderr).to.match(/Usage: npm run simulate -- \[flags\]/);
    const vol = await run(process.execPath, [
      "--import",
      "tsx",
      "scripts/simulate.ts",
      "--regime",
      "mixed",
      "--vol",
      "1",
    ]);
    expect(vol.code).to.equal(2);
    expect(vol.stderr).to.match(/^Error: --vol does not apply to --regime mixed$/m);
  });
});
