/**
 * The dashboard's DOM-free parts, in process: the vault math against the engine's rules (integer roots, ratio,
 * health, a power vault's liquidation price), the history's block sampling, the formatting, the devnet's dashboard
 * flags and the dashboard server (static files, `/deployment.json` before and after the deployment, the `/rpc`
 * proxy, the port rules).
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { parseEther } from "ethers";

import { historyBlocks } from "../../dashboard/data.js";
import * as fmt from "../../dashboard/format.js";
import {
  cbrt,
  collateralRatio,
  isHealthy,
  isLiquidatable,
  liquidationRatio,
  powerLiquidationPrice,
  sqrt,
  type VaultMarket,
} from "../../dashboard/vaultMath.js";
import { DevnetArgsError, parseDevnetArgs } from "../../scripts/devnet/args.js";
import { DashboardPortInUseError, startDashboardServer } from "../../scripts/devnet/dashboard.js";
import { expectNear } from "../utils/near.js";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** ETH² with Squeeth's terms at ETH = 3000 and NF = 1: a token's debt is worth NF · S / scale = 0.3 ETH. */
const ETH2: VaultMarket = {
  kind: 0,
  power: 2,
  indexScale: 10_000n,
  minCollateralRatioWad: parseEther("1.5"),
  minCollateralWei: parseEther("0.5"),
  debtValuePerTokenWad: parseEther("0.3"),
  normalizationFactor: parseEther("1"),
  status: 0,
  liquidationsOpenAt: 0n,
  timestamp: 1000n,
};

describe("dashboard units", function () {
  it("takes integer square and cube roots exactly", function () {
    for (const x of [0n, 1n, 2n, 3n, 4n, 99n, 100n, 10n ** 36n, 10n ** 36n + 1n, 2n ** 200n - 1n]) {
      const r = sqrt(x);
      expect(r * r <= x && (r + 1n) * (r + 1n) > x, `sqrt ${x}`).to.equal(true);
      const c = cbrt(x);
      expect(c * c * c <= x && (c + 1n) ** 3n > x, `cbrt ${x}`).to.equal(true);
    }
  });

  it("computes ratio, health and a power vault's liquidation price by the engine's rules", function () {
    // The demo vault: 10 ETH, 15 tokens at 0.3 ETH each: 222.22%, liquidation at (10 · 1e4 / (15 · 1.5))^1 = 4444.44.
    const [c, d] = [parseEther("10"), parseEther("15")];
    expect(fmt.ratio(collateralRatio(c, d, ETH2))).to.equal("222.22%");
    expect(fmt.liquidationPrice(powerLiquidationPrice(c, d, ETH2))).to.equal("$4,444.44");
    expect(isHealthy(c, d, ETH2)).to.equal(true);
    expect(isHealthy(parseEther("6.74"), d, ETH2)).to.equal(false); // 6.75 ETH is exactly 150%
    expect(isHealthy(parseEther("6.75"), d, ETH2)).to.equal(true);
    expect(isHealthy(parseEther("0.4"), 1n, ETH2)).to.equal(false); // below the dust floor
    expect(isLiquidatable(parseEther("6.74"), d, ETH2)).to.equal(true);
    expect(isLiquidatable(parseEther("6.74"), d, { ...ETH2, status: 1 })).to.equal(false); // paused
    expect(isLiquidatable(parseEther("6.74"), d, { ...ETH2, liquidationsOpenAt: 2000n })).to.equal(false);
    expect(isLiquidatable(parseEther("6.74"), d, { ...ETH2, status: 3 })).to.equal(true); // safe mode runs
    // An option market: unhealthy below 150%, liquidatable only below 150% / 1.2 = 125% (5.625 ETH here).
    const option = { ...ETH2, kind: 1 };
    expect(liquidationRatio(option)).to.equal(parseEther("1.25"));
    expect([
      isHealthy(parseEther("6.74"), d, option),
      isLiquidatable(parseEther("6.74"), d, option),
    ]).to.deep.equal([false, false]);
    expect(isLiquidatable(parseEther("5.625"), d, option)).to.equal(false);
    expect(isLiquidatable(parseEther("5.624"), d, option)).to.equal(true);
    expect(collateralRatio(c, 0n, ETH2)).to.equal(fmt.MAX_UINT256);
    expect(powerLiquidationPrice(c, d, { ...ETH2, power: 1 })).to.equal(0n);
    // n = 3: the square root of S² in WAD.
    const cube = { ...ETH2, power: 3, indexScale: 10n ** 8n };
    const expected = Math.sqrt((10 * 1e8) / (15 * 1.5));
    expectNear(Number(fmt.wad(powerLiquidationPrice(c, d, cube), 2).replace(/,/g, "")), expected, 0.01);
  });

  it("samples history blocks evenly, with the funding blocks, ascending and distinct", function () {
    expect(historyBlocks(10n, 20n, 3)).to.deep.equal([10n, 15n, 20n]);
    expect(historyBlocks(10n, 20n, 3, [12n, 15n, 30n, 5n])).to.deep.equal([10n, 12n, 15n, 20n]);
    expect(historyBlocks(10n, 10n, 48)).to.deep.equal([10n]);
    expect(historyBlocks(20n, 10n, 48)).to.deep.equal([]);
    expect(historyBlocks(0n, 1000n, 48)).to.have.length(48);
  });

  it("formats figures as the page shows them", function () {
    expect(fmt.usd(parseEther("2999.8"))).to.equal("$2,999.80");
    expect(fmt.percent(parseEther("0.00176"), 4)).to.equal("0.1760%");
    expect(fmt.percent(-parseEther("0.012751"), 4)).to.equal("-1.2751%");
    expect(fmt.volatility(0n)).to.equal("n/a");
    expect(fmt.liquidationPrice(fmt.MAX_UINT256)).to.equal("never");
    expect(fmt.liquidationPrice(undefined)).to.equal("…");
    expect(fmt.normalizationFactor(parseEther("0.99999047"))).to.equal("0.99999047");
  });

  it("parses the dashboard flags of the devnet", function () {
    expect(parseDevnetArgs([], ROOT)).to.include({ dashboard: true, dashboardPort: undefined });
    expect(parseDevnetArgs(["--dashboard-port", "9000"], ROOT)).to.include({ dashboardPort: 9000 });
    expect(parseDevnetArgs(["--no-dashboard"], ROOT)).to.include({ dashboard: false });
    for (const bad of ["0", "70000", "abc", "-1"]) {
      expect(() => parseDevnetArgs(["--dashboard-port", bad], ROOT)).to.throw(
        DevnetArgsError,
        /--dashboard-port must be a port number/,
      );
    }
  });

  describe("server", function () {
    const closers: (() => Promise<void>)[] = [];
    afterEach(async function () {
      for (const close of closers.splice(0)) await close();
    });

    it("serves the page, answers 503 for the deployment until it is set, and never files outside dashboard/", async function () {
      const server = await startDashboardServer({ projectRoot: ROOT, port: 0 });
      closers.push(server.close);
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(server.url);
      expect(index.status).to.equal(200);
      expect(index.headers.get("content-type")).to.match(/text\/html/);
      expect(await index.text()).to.match(/dist\/main\.js/);
      expect((await fetch(`${server.url}deployment.json`)).status).to.equal(503);
      expect((await fetch(`${server.url}rpc`, { method: "POST", body: "{}" })).status).to.equal(503);
      server.setDeployment({ chainId: 31337, big: 1n }, "http://127.0.0.1:1");
      expect(await (await fetch(`${server.url}deployment.json`)).json()).to.deep.equal({
        chainId: 31337,
        big: "1",
      });
      for (const bad of ["main.ts", "..%2Fpackage.json", "%2e%2e/package.json", "nothing.js"]) {
        expect((await fetch(server.url + bad)).status, bad).to.equal(404);
      }
      expect((await fetch(server.url, { method: "POST" })).status).to.equal(405);
    });

    it("forwards /rpc to the devnet's JSON-RPC endpoint", async function () {
      const node: Server = createHttpServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        request.on("end", () => {
          const { id } = JSON.parse(body) as { id: number };
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x7a69" }));
        });
      });
      await new Promise<void>((resolve) => node.listen(0, "127.0.0.1", () => resolve()));
      closers.push(() => new Promise((resolve) => node.close(() => resolve())));
      const address = node.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      const server = await startDashboardServer({ projectRoot: ROOT, port: 0 });
      closers.push(server.close);
      server.setDeployment({}, `http://127.0.0.1:${port}`);
      const answer = await fetch(`${server.url}rpc`, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_chainId", params: [] }),
      });
      expect(await answer.json()).to.deep.equal({ jsonrpc: "2.0", id: 7, result: "0x7a69" });
      expect((await fetch(`${server.url}rpc`)).status).to.equal(405);
    });

    it("takes a free port when the default one is taken, and refuses an explicit one that is", async function () {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
      closers.push(() => new Promise((resolve) => blocker.close(() => resolve())));
      const address = blocker.address();
      const taken = typeof address === "object" && address !== null ? address.port : 0;
      const fallback = await startDashboardServer({
        projectRoot: ROOT,
        port: taken,
        fallbackToFreePort: true,
      });
      closers.push(fallback.close);
      expect(fallback.port).to.not.equal(taken);
      let error: unknown;
      await startDashboardServer({ projectRoot: ROOT, port: taken }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(DashboardPortInUseError);
      expect((error as Error).message).to.equal(
        `dashboard port ${taken} on 127.0.0.1 is already in use: pass another --dashboard-port or --no-dashboard`,
      );
    });
  });
});
