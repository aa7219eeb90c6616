/**
 * The keeper's tick, in process, against a real `hardhat node` over JSON-RPC with two markets (ETH² and ETH¹):
 * funding of every market after the interval, liquidation of a vault made unsafe by a price move, safe vaults left
 * alone, liquidations in both markets in one tick, simulation and profitability before sending, dry runs, health
 * scans up to each market's vault count, two keepers at once, and the deployless health reads.
 */
import { expect } from "chai";
import { parseEther } from "ethers";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createKeeper } from "../../scripts/keeper/keeper.js";
import { createMemoryLogger, type LogEntry } from "../../scripts/keeper/logging.js";
import { runTick } from "../../scripts/keeper/tick.js";
import { rpc, transferTokens, writeDevnetDeployment } from "../../scripts/keeper/fixture.js";
import { vaultIdOf } from "../../deploy/evergamma.js";
import {
  ETH1_MARKET,
  KEEPER_ADDRESS,
  KEEPER_TOKENS,
  advance,
  isVaultSafe,
  keeperOptions,
  lastFundingUpdate,
  liquidationCounts,
  moveEthPriceUp,
  openVault,
  raiseEth1Funding,
  revert,
  snapshot,
  startDevnet,
  tokenBalanceOf,
  vaultOf,
  type TestDevnet,
} from "./support.js";

/** Hardhat development accounts #8 and #7 (neither the deployer, the test users nor the default keeper). */
const ACCOUNT_8_KEY: Hex = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";
const ACCOUNT_7_KEY: Hex = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";

const liquidationLines = (entries: LogEntry[]) => entries.filter((e) => e.event === "liquidation");

describe("keeper tick (hardhat node over JSON-RPC)", function () {
  this.timeout(60_000);
  let devnet: TestDevnet;
  let base: string;
  let users: `0x${string}`[];

  before(async function () {
    devnet = await startDevnet();
    users = devnet.accounts.slice(1, 5);
    base = await snapshot(devnet);
  });

  beforeEach(async function () {
    await revert(devnet, base);
    base = await snapshot(devnet);
  });

  after(async function () {
    await devnet?.stop();
  });

  async function newKeeper(overrides: Parameters<typeof keeperOptions>[1] = {}) {
    const logger = createMemoryLogger();
    const keeper = await createKeeper(keeperOptions(devnet, overrides), logger);
    return { keeper, logger };
  }

  it("applies every market's funding once its last update is older than --funding-interval, and not before", async function () {
    const { keeper, logger } = await newKeeper({ fundingIntervalSeconds: 3600 });
    expect((await runTick(keeper)).funding).to.deep.equal({ ETH2: "not-due", ETH1: "not-due" });
    expect(logger.entries.filter((e) => e.event === "funding")).to.deep.equal([]);

    await advance(devnet, 3601);
    const before = [await lastFundingUpdate(devnet, 0), await lastFundingUpdate(devnet, ETH1_MARKET)];
    const report = await runTick(keeper);
    expect(report.funding).to.deep.equal({ ETH2: "applied", ETH1: "applied" });
    const lines = logger.entries.filter((e) => e.event === "funding");
    expect(lines.map((e) => [e.market, e.marketId, e.status])).to.deep.equal([
      ["ETH2", 0, "applied"],
      ["ETH1", 1, "applied"],
    ]);
    for (const line of lines) expect(line.tx).to.match(/^0x[0-9a-f]{64}$/);
    const after = [await lastFundingUpdate(devnet, 0), await lastFundingUpdate(devnet, ETH1_MARKET)];
    for (const i of [0, 1]) expect(after[i] - before[i] >= 3601n, `market ${i}`).to.equal(true);
    expect((await runTick(keeper)).funding).to.deep.equal({ ETH2: "not-due", ETH1: "not-due" });
  });

  it("liquidates a vault made unsafe by a price move and leaves safe vaults alone", async function () {
    const risky = await openVault(devnet, users[0], "1", "2");
    const safe = await openVault(devnet, users[1], "4", "2");
    const { keeper, logger } = await newKeeper();

    const quiet = await runTick(keeper);
    expect(quiet.liquidatable).to.deep.equal([]);
    expect(quiet.scanned).to.equal(quiet.vaults);
    expect(liquidationLines(logger.entries)).to.deep.equal([]);

    await moveEthPriceUp(devnet);
    const safeBefore = await vaultOf(devnet, safe);
    const riskyBefore = await vaultOf(devnet, risky);
    const report = await runTick(keeper);
    expect(report.liquidatable).to.deep.equal([risky]);
    expect(report.liquidations.confirmed).to.equal(1);
    const [line] = liquidationLines(logger.entries);
    expect(line).to.include({ status: "confirmed", vaultId: risky });
    expect(BigInt(String(line.debtRepaid))).to.equal(riskyBefore.debt / 2n);
    expect(BigInt(String(line.bonusWei)) > 0n).to.equal(true);
    expect(await isVaultSafe(devnet, risky)).to.equal(true);
    expect(await vaultOf(devnet, safe)).to.deep.equal(safeBefore);
    expect(await tokenBalanceOf(devnet, KEEPER_ADDRESS)).to.equal(KEEPER_TOKENS - riskyBefore.debt / 2n);
    expect(await tokenBalanceOf(devnet, KEEPER_ADDRESS, ETH1_MARKET)).to.equal(KEEPER_TOKENS);

    const after = await runTick(keeper);
    expect(after.liquidatable).to.deep.equal([]);
    expect(liquidationLines(logger.entries)).to.have.length(1);
  });

  it("liquidates in every market in one tick, each with the market's own token, and names the market", async function () {
    const risky2 = await openVault(devnet, users[0], "1", "2");
    const risky1 = await openVault(devnet, users[1], "1", "0.665", ETH1_MARKET);
    const safe1 = await openVault(devnet, users[2], "3", "1", ETH1_MARKET);
    expect(risky1).to.equal(vaultIdOf(ETH1_MARKET, 2n));
    const { keeper, logger } = await newKeeper();
    expect((await runTick(keeper)).liquidatable).to.deep.equal([]);

    await moveEthPriceUp(devnet);
    await raiseEth1Funding(devnet);
    const before = { risky2: await vaultOf(devnet, risky2), risky1: await vaultOf(devnet, risky1) };
    const safeBefore = await vaultOf(devnet, safe1);
    const report = await runTick(keeper);
    expect(report.liquidatable).to.deep.equal([risky2, risky1]);
    expect(report.markets.map((m) => [m.name, m.liquidatable, m.liquidations.confirmed])).to.deep.equal([
      ["ETH2", [risky2], 1],
      ["ETH1", [risky1], 1],
    ]);
    expect(report.liquidations.confirmed).to.equal(2);
    const lines = liquidationLines(logger.entries);
    expect(lines.map((e) => [e.market, e.vaultId, e.status])).to.deep.equal([
      ["ETH2", risky2, "confirmed"],
      ["ETH1", risky1, "confirmed"],
    ]);
    const approvals = logger.entries.filter((e) => e.event === "approval");
    expect(approvals.map((e) => [e.market, String(e.token).toLowerCase()])).to.deep.equal([
      ["ETH2", devnet.tokens[0].toLowerCase()],
      ["ETH1", devnet.tokens[ETH1_MARKET].toLowerCase()],
    ]);
    const repaid2 = BigInt(String(lines[0].debtRepaid));
    const repaid1 = BigInt(String(lines[1].debtRepaid));
    expect(repaid2).to.equal(before.risky2.debt / 2n);
    expect(repaid1 > 0n).to.equal(true);
    expect(await tokenBalanceOf(devnet, KEEPER_ADDRESS, 0)).to.equal(KEEPER_TOKENS - repaid2);
    expect(await tokenBalanceOf(devnet, KEEPER_ADDRESS, ETH1_MARKET)).to.equal(KEEPER_TOKENS - repaid1);
    expect((await vaultOf(devnet, risky1)).debt).to.equal(before.risky1.debt - repaid1);
    expect(await isVaultSafe(devnet, risky2)).to.equal(true);
    expect(await isVaultSafe(devnet, risky1)).to.equal(true);
    expect(await vaultOf(devnet, safe1)).to.deep.equal(safeBefore);
    expect(report.tokenBalances).to.deep.equal({
      ETH2: KEEPER_TOKENS - repaid2,
      ETH1: KEEPER_TOKENS - repaid1,
    });
  });

  it("simulates before sending: skips unprofitable liquidations, sends nothing in --dry-run", async function () {
    const risky = await openVault(devnet, users[0], "1", "2");
    await moveEthPriceUp(devnet);
    const nonce = await rpc(devnet.url, "eth_getTransactionCount", [KEEPER_ADDRESS, "latest"]);

    const picky = await newKeeper({ minProfitFactor: 1e9 });
    const pickyReport = await runTick(picky.keeper);
    expect(pickyReport.liquidations.skipped).to.equal(1);
    expect(liquidationLines(picky.logger.entries)[0]).to.include({
      status: "skipped",
      reason: "unprofitable",
    });

    const dry = await newKeeper({ dryRun: true });
    const dryReport = await runTick(dry.keeper);
    expect(dryReport.liquidations.dryRun).to.equal(1);
    const [line] = liquidationLines(dry.logger.entries);
    expect(line).to.include({ status: "dry-run", vaultId: risky });
    expect(BigInt(String(line.collateralPaid)) > 0n).to.equal(true);

    expect(await rpc(devnet.url, "eth_getTransactionCount", [KEEPER_ADDRESS, "latest"])).to.equal(nonce);
    expect(await isVaultSafe(devnet, risky)).to.equal(false);
  });

  it("scans every vault of every market, serials 1 to the lens's vaultCount, new vaults included", async function () {
    const { keeper } = await newKeeper({ pageSize: 2 });
    const first = await runTick(keeper);
    const counts = first.markets.map((m) => m.vaults);
    expect(counts.every((n) => n >= 1)).to.equal(true);
    expect(first.markets.map((m) => m.scanned)).to.deep.equal(counts);
    expect(first.vaults).to.equal(counts[0] + counts[1]);
    expect(first.scanned).to.equal(first.vaults);
    expect(first.healthPages).to.equal(Math.ceil(counts[0] / 2) + Math.ceil(counts[1] / 2));
    const a = await openVault(devnet, users[0], "4", "1");
    const b = await openVault(devnet, users[1], "4", "1", ETH1_MARKET);
    const c = await openVault(devnet, users[2], "4", "1", ETH1_MARKET);
    expect([a, b, c]).to.deep.equal([
      vaultIdOf(0, BigInt(counts[0] + 1)),
      vaultIdOf(ETH1_MARKET, BigInt(counts[1] + 1)),
      vaultIdOf(ETH1_MARKET, BigInt(counts[1] + 2)),
    ]);
    const second = await runTick(keeper);
    expect(second.markets.map((m) => m.vaults)).to.deep.equal([counts[0] + 1, counts[1] + 2]);
    expect(second.scanned).to.equal(first.scanned + 3);
    expect(second.withDebt).to.equal(first.withDebt + 3);
  });

  it("runs safely twice at once: no crash, every vault liquidated once, nothing sent twice by a keeper", async function () {
    const account8 = privateKeyToAccount(ACCOUNT_8_KEY).address;
    await transferTokens(devnet, devnet.accounts[0], account8, parseEther("10"));
    const risky = [
      await openVault(devnet, users[0], "1", "2"),
      await openVault(devnet, users[1], "1", "2"),
      await openVault(devnet, users[2], "1", "2"),
    ];
    await moveEthPriceUp(devnet);
    // Two keepers on the same key (nonce clashes) and one on another key, all ticking at once.
    const keepers = [await newKeeper(), await newKeeper(), await newKeeper({ privateKey: ACCOUNT_8_KEY })];
    const reports = await Promise.all(keepers.map(({ keeper }) => runTick(keeper)));

    const counts = await liquidationCounts(devnet);
    for (const id of risky) expect(counts.get(id), `vault ${id}`).to.equal(1);
    expect(reports.reduce((sum, r) => sum + r.liquidations.confirmed, 0)).to.equal(risky.length);
    for (const { logger } of keepers) {
      const sentIds = liquidationLines(logger.entries)
        .filter((e) => e.status !== "skipped")
        .map((e) => e.vaultId);
      expect(new Set(sentIds).size, "one attempt per vault and tick").to.equal(sentIds.length);
    }
    for (const id of risky) expect(await isVaultSafe(devnet, id)).to.equal(true);
    // And a second round finds nothing to do.
    const again = await Promise.all(keepers.map(({ keeper }) => runTick(keeper)));
    for (const report of again) expect(report.liquidatable).to.deep.equal([]);
  });

  it("without a market's tokens it skips that market's liquidations (logged) and still applies funding", async function () {
    const risky = await openVault(devnet, users[0], "1", "2");
    await moveEthPriceUp(devnet);
    await advance(devnet, 3600);
    const { keeper, logger } = await newKeeper({ privateKey: ACCOUNT_7_KEY });
    const warnings = logger.entries.filter((e) => e.event === "warning");
    expect(warnings.map((e) => e.market)).to.deep.equal(["ETH2", "ETH1"]);
    const report = await runTick(keeper);
    expect(report.funding).to.deep.equal({ ETH2: "applied", ETH1: "applied" });
    expect(report.liquidatable).to.deep.equal([risky]);
    expect(liquidationLines(logger.entries)[0]).to.include({
      market: "ETH2",
      status: "skipped",
      reason: "keeper holds no tokens of the market",
    });
  });

  it("reads health deployless when the deployment file has no KeeperHelper", async function () {
    const path = devnet.deploymentPath.replace(/\.json$/, ".nohelper.json");
    await writeDevnetDeployment(devnet, path, ["KeeperHelper"]);
    const risky = await openVault(devnet, users[0], "1", "2");
    await moveEthPriceUp(devnet);
    const { keeper } = await newKeeper({ deploymentPath: path });
    expect(keeper.health.mode).to.equal("deployless");
    const report = await runTick(keeper);
    expect(report.liquidatable).to.deep.equal([risky]);
    expect(report.liquidations.confirmed).to.equal(1);
  });
});
