/**
 * End-to-end tests of the devnet's dashboard in a real browser: the devnet runs as a child process (as in
 * `devnet.ts`), headless Chromium (`playwright-core`, the executable from `scripts/lib/browser.ts`) opens the URL it
 * prints, and the page is checked against the contracts read directly: no console errors, each market's figures
 * equal the lens's and the pricer's at the block the page shows, charts hold points and grow, the vault table
 * matches `vaultReport`, sorts and filters, and a price move that makes the demo vault unsafe shows the keeper's
 * liquidation in the feed within seconds. Saves a screenshot as bench/dashboard-screenshot.png (a CI artifact).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import { createPublicClient, http, type PublicClient } from "viem";

import {
  evergammaAbi,
  evergammaLensAbi,
  readDeploymentFile,
  vaultIdOf,
  type Deployment,
} from "../../client/index.js";
import { pricerAbi } from "../../dashboard/abi.js";
import * as fmt from "../../dashboard/format.js";
import { launchBrowser } from "../../scripts/lib/browser.js";
import { Background, childEnv, descendants, freePort, hardhat, PROJECT_ROOT, rpc, sleep } from "./helpers.js";

const DEVNET = path.join("scripts", "devnet.ts");
/**
 * The run's screenshot, a CI artifact (git-ignored); docs/dashboard.png, the README's picture, is a copy of one taken
 * on purpose.
 */
const SCREENSHOT = path.join(PROJECT_ROOT, "bench", "dashboard-screenshot.png");

/** A card's figures as the page shows them: text and raw WAD per field, and the block they were read at. */
interface CardReading {
  market: number;
  block: string;
  status: string;
  fields: Record<string, { text: string; wad: string }>;
}

/** Every market card, read in one evaluation (the page repaints whole cards, so one reading is one block). */
function readCards(page: Page): Promise<CardReading[]> {
  return page.$$eval(".card", (cards) =>
    cards.map((card) => ({
      market: Number(card.getAttribute("data-market")),
      block: card.getAttribute("data-block") ?? "",
      status: card.querySelector("[data-field=status]")?.textContent ?? "",
      fields: Object.fromEntries(
        [...card.querySelectorAll("dd[data-field]")].map((dd) => [
          dd.getAttribute("data-field") ?? "",
          { text: dd.textContent ?? "", wad: dd.getAttribute("data-wad") ?? "" },
        ]),
      ),
    })),
  );
}

describe("dashboard (e2e)", function () {
  this.timeout(300_000);

  let dir: string;
  let devnet: Background;
  let browser: Browser;
  let page: Page;
  let url: string;
  let rpcUrl: string;
  let deployment: Deployment;
  let chain: PublicClient;
  const consoleErrors: string[] = [];

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "evergamma-dashboard-"));
    const [port, dashboardPort] = [await freePort(), await freePort()];
    devnet = new Background(
      process.execPath,
      ["--import", "tsx", DEVNET, "--port", String(port), "--dashboard-port", String(dashboardPort)],
      { env: childEnv({ EVERGAMMA_DEPLOYMENTS_DIR: dir }) },
    );
    [, url] = await devnet.waitFor(/^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(bundle \d+ KB/m, 240_000);
    await devnet.waitFor(/^Ready\./m, 240_000);
    rpcUrl = `http://127.0.0.1:${port}`;
    deployment = readDeploymentFile(path.join(dir, "localhost.json"));
    chain = createPublicClient({ transport: http(rpcUrl, { batch: true }) });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  });

  after(async function () {
    await browser?.close();
    if (devnet !== undefined) {
      const children = devnet.running ? descendants(devnet.pid) : [];
      devnet.child.kill("SIGTERM");
      await Promise.race([devnet.exited, sleep(15_000)]);
      for (const pid of children) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      devnet.kill();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints its URL on 127.0.0.1 and serves the page, the bundle and the deployment", async function () {
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const file of ["", "dist/main.js", "dist/main.css", "deployment.json"]) {
      const response = await fetch(url + file);
      expect(response.status, file).to.equal(200);
    }
    const served = (await (await fetch(`${url}deployment.json`)).json()) as Deployment;
    expect(served.contracts.Evergamma).to.equal(deployment.contracts.Evergamma);
    expect((await fetch(`${url}main.ts`)).status).to.equal(404);
    expect((await fetch(`${url}..%2fpackage.json`)).status).to.equal(404);
  });

  it("loads with no console errors and a card per market", async function () {
    const cards = await readCards(page);
    expect(cards.map((c) => c.market)).to.deep.equal([0, 1, 2, 3]);
    expect(cards.every((c) => c.status === "active")).to.equal(true);
    expect(consoleErrors).to.deep.equal([]);
  });

  it("shows each market's figures as the lens and the pricer return them at the block shown", async function () {
    for (const card of await readCards(page)) {
      const blockNumber = BigInt(card.block);
      const lens = {
        address: deployment.contracts.EvergammaLens,
        abi: evergammaLensAbi,
        blockNumber,
      } as const;
      const r = await chain.readContract({ ...lens, functionName: "marketReport", args: [card.market] });
      const expected: Record<string, [bigint, string]> = {
        ethPrice: [r.ethPriceWad, fmt.usd(r.ethPriceWad)],
        index: [r.indexWad, fmt.wad(r.indexWad)],
        mark: [r.markWad, fmt.wad(r.markWad)],
        normalizationFactor: [r.normalizationFactor, fmt.normalizationFactor(r.normalizationFactor)],
        fundingPerDay: [r.fundingRatePerDayWad, fmt.percent(r.fundingRatePerDayWad, 4)],
        impliedVolatility: [r.impliedVolatilityWad, fmt.volatility(r.impliedVolatilityWad)],
        openInterest: [r.tokenSupply, `${fmt.wad(r.tokenSupply)} tokens`],
        fairValue: [await fairValue(card.market, r.ethPriceWad, blockNumber), ""],
        collateral: [await marketCollateral(card.market, r.vaultCount, blockNumber), ""],
      };
      for (const [field, [wad, text]] of Object.entries(expected)) {
        expect(card.fields[field]?.wad, `${card.market} ${field}`).to.equal(String(wad));
        if (text !== "") expect(card.fields[field]?.text, `${card.market} ${field}`).to.equal(text);
      }
      expect(BigInt(card.fields.fairValue.wad) > 0n, "fair value").to.equal(true);
      if (card.market >= 2) {
        const o = await chain.readContract({ ...lens, functionName: "optionReport", args: [card.market] });
        expect(card.fields.delta?.wad).to.equal(String(o.deltaWad));
        expect(card.fields.gamma?.wad).to.equal(String(o.gammaWad));
        expect(card.fields.vega?.wad).to.equal(String(o.vegaWad));
      }
    }
  });

  it("fills every chart from history, then appends each new block", async function () {
    const points = () =>
      page.$$eval(".chart", (charts) => charts.map((c) => Number(c.getAttribute("data-points"))));
    const before = await points();
    expect(before).to.have.length(4 * 4 + 2); // four time series per market, a price curve per option
    expect(Math.min(...before)).to.be.greaterThan(1);
    await rpc(rpcUrl, "evm_increaseTime", [60]);
    await rpc(rpcUrl, "evm_mine");
    await page.waitForFunction(
      `Number(document.querySelector(".chart").dataset.points) > ${before[0]}`,
      null,
      {
        timeout: 10_000,
      },
    );
  });

  it("lists every vault with the lens's figures, sorts by a column and filters by owner", async function () {
    await page.waitForSelector("body[data-liquidation-prices=true]", { timeout: 10_000 });
    const shownBlock = async () => BigInt((await page.getAttribute("#block", "data-block")) ?? "0");
    const readRows = () =>
      page.$$eval("table.vaults tbody tr", (trs) =>
        trs.map((tr) => ({
          id: tr.getAttribute("data-vault-id") ?? "",
          health: tr.getAttribute("data-health") ?? "",
          ratio: tr.querySelector("td.ratio")?.textContent ?? "",
          liquidationPrice: tr.querySelector("td.liquidationPrice")?.textContent ?? "",
          collateral: tr.querySelector("td.collateral")?.textContent ?? "",
        })),
      );
    // The rows and the block they were read at (read again if the page repainted meanwhile).
    let block = await shownBlock();
    let rows = await readRows();
    while ((await shownBlock()) !== block) [block, rows] = [await shownBlock(), await readRows()];
    // ETH2: seed, demo, keeper stock; the other markets: seed and keeper stock.
    expect(rows).to.have.length(9);
    for (const row of rows) {
      const r = await chain.readContract({
        address: deployment.contracts.EvergammaLens,
        abi: evergammaLensAbi,
        functionName: "vaultReport",
        args: [BigInt(row.id)],
        blockNumber: block,
      });
      // The page computes ratio, health and a power vault's liquidation price itself: they must equal the lens's.
      expect(row.ratio, row.id).to.equal(fmt.ratio(r.collateralRatioWad));
      expect(row.liquidationPrice, row.id).to.equal(fmt.liquidationPrice(r.liquidationPriceWad));
      expect(row.collateral, row.id).to.equal(fmt.wad(r.collateral, 4));
      expect(row.health, row.id).to.equal(r.debt === 0n ? "no debt" : r.healthy ? "safe" : "unsafe");
    }
    const demo = vaultIdOf(0, 2n); // the demo vault: ETH2, serial 2
    const report = await chain.readContract({
      address: deployment.contracts.EvergammaLens,
      abi: evergammaLensAbi,
      functionName: "vaultReport",
      args: [demo],
    });
    await page.click('th[data-key="collateral"]');
    const collaterals = await page.$$eval("table.vaults tbody td.collateral", (tds) =>
      tds.map((td) => Number((td.textContent ?? "").replace(/,/g, ""))),
    );
    expect(collaterals).to.deep.equal([...collaterals].sort((a, b) => a - b));
    await page.fill("input[type=search]", report.owner.toLowerCase());
    expect(await page.locator("table.vaults tbody tr").count()).to.equal(1);
    await page.fill("input[type=search]", "");
  });

  it("shows the keeper's liquidation of the demo vault in the feed within seconds of a price move", async function () {
    const moved = await hardhat(
      ["price:set", "--eth", "4600", "--advance", "420", "--network", "localhost"],
      {
        EVERGAMMA_DEPLOYMENTS_DIR: dir,
      },
    );
    expect(moved.code, moved.stdout + moved.stderr).to.equal(0);
    const demo = vaultIdOf(0, 2n);
    const liquidated = await waitForLiquidation(demo);
    const seenAt = Date.now();
    await page.waitForSelector(`ol.feed li.liquidation[data-vault-id="${demo}"]`, { timeout: 5_000 });
    expect(Date.now() - seenAt).to.be.lessThan(5_000);
    expect(liquidated).to.be.greaterThan(0n);
    const text = await page.locator(`ol.feed li.liquidation[data-vault-id="${demo}"]`).first().textContent();
    expect(text).to.match(/liquidation ETH2 vault #2: [\d.,]+ tokens repaid, [\d.,]+ ETH paid to 0x/);
    expect(await page.textContent("#summary")).to.match(/^\d+ vaults · \d+ unsafe · [1-9]\d* liquidations?$/);
    expect(consoleErrors).to.deep.equal([]);
  });

  it("saves a screenshot of the page", async function () {
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).to.be.greaterThan(50_000);
  });

  /** The pricer's fair value of a market at spot `s` and 80% volatility, read directly. */
  async function fairValue(marketId: number, s: bigint, blockNumber: bigint): Promise<bigint> {
    const p = deployment.markets[String(marketId)].params;
    const config = await chain.readContract({
      address: deployment.contracts.EvergammaLens,
      abi: evergammaLensAbi,
      functionName: "marketConfig",
      args: [marketId],
    });
    const c = config.params;
    const vol = (8n * fmt.WAD) / 10n; // the page's reference volatility, 80%
    const pricer = {
      address: deployment.contracts.EverlastingOptionPricer,
      abi: pricerAbi,
      blockNumber,
    } as const;
    const period = BigInt(c.fundingPeriodSeconds);
    if (p.kind === "call" || p.kind === "put") {
      const functionName = p.kind === "call" ? "callPrice" : "putPrice";
      return chain.readContract({ ...pricer, functionName, args: [s, c.strikeWad, vol, period] });
    }
    const args = [s, BigInt(c.power) * fmt.WAD, vol, period] as const;
    return (await chain.readContract({ ...pricer, functionName: "powerPerpFairPrice", args })) / c.indexScale;
  }

  /** The sum of a market's vaults' collateral, read directly. */
  async function marketCollateral(marketId: number, count: bigint, blockNumber: bigint): Promise<bigint> {
    let total = 0n;
    for (let serial = 1n; serial <= count; serial++) {
      const v = await chain.readContract({
        address: deployment.contracts.EvergammaLens,
        abi: evergammaLensAbi,
        functionName: "vaultReport",
        args: [vaultIdOf(marketId, serial)],
        blockNumber,
      });
      total += v.collateral;
    }
    return total;
  }

  /** Waits (60 s at most) for the engine's `Liquidated` event of `vaultId`; returns the debt repaid. */
  async function waitForLiquidation(vaultId: bigint): Promise<bigint> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const events = await chain.getContractEvents({
        address: deployment.contracts.Evergamma,
        abi: evergammaAbi,
        eventName: "Liquidated",
        args: { vaultId },
        fromBlock: 0n,
      });
      if (events.length > 0) return events[0].args.debtRepaid ?? 0n;
      if (Date.now() > deadline) throw new Error(`vault ${vaultId} was not liquidated:\n${devnet.output}`);
      await sleep(200);
    }
  }
});
