/**
 * The keeper's tick, in process, against a real `hardhat node` over JSON-RPC: funding after the interval,
 * liquidation of a vault made unsafe by a price move, safe vaults left alone, simulation and profitability before
 * sending, dry runs, incremental discovery, two keepers at once, and the deployless health reads.
 */
import { expect } from "chai";
import { parseEther } from "ethers";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createKeeper } from "../../scripts/keeper/keeper.js";
import { createMemoryLogger, type LogEntry } from "../../scripts/keeper/logging.js";
import { runTick } from "../../scripts/keeper/tick.js";
import { rpc, transferPowerTokens, writeDevnetDeployment } from "../../scripts/keeper/fixture.js";
import {
  KEEPER_ADDRESS,
  KEEPER_TOKENS,
  advance,
  isVaultSafe,
  keeperOptions,
  lastFundingUpdate,
  liquidationCounts,
  moveEthPriceUp,
  openVault,
  powerBalanceOf,
  revert,
  snapshot,
  startDevnet,
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

  it("applies funding once the last update is older than --funding-interval, and not before", async function () {
    const { keeper, logger } = await newKeeper({ fundingIntervalSeconds: 3600 });
    expect((await runTick(keeper)).funding).to.equal("not-due");
    expect(logger.entries.filter((e) => e.event === "funding")).to.deep.equal([]);

    await advance(devnet, 3601);
    const before = await lastFundingUpdate(devnet);
    const report = await runTick(keeper);
    expect(report.funding).to.equal("applied");
    const line = logger.entries.find((e) => e.event === "funding");
    expect(line?.status).to.equal("applied");
    expect(line?.tx).to.match(/^0x[0-9a-f]{64}$/);
    const after = await lastFundingUpdate(devnet);
    expect(after - before >= 3601n).to.equal(true);
    expect((await runTick(keeper)).funding).to.equal("not-due");
  });

  it("liquidates a vault made unsafe by a price move and leaves safe vaults alone", async function () {
    const risky = await openVault(devnet, users[0], "1", "2");
    const safe = await openVault(devnet, users[1], "4", "2");
    const { keeper, logger } = await newKeeper();

    const quiet = await runTick(keeper);
    expect(quiet.liquidatable).to.deep.equal([]);
    expect(quiet.scanned).to.equal(quiet.vaultsKnown);
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
    expect(await powerBalanceOf(devnet, KEEPER_ADDRESS)).to.equal(KEEPER_TOKENS - riskyBefore.debt / 2n);

    const after = await runTick(keeper);
    expect(after.liquidatable).to.deep.equal([]);
    expect(liquidationLines(logger.entries)).to.have.length(1);
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

  it("discovers vaults incrementally from VaultOpened events", async function () {
    const { keeper } = await newKeeper({ logBlockRange: 3n });
    const first = await runTick(keeper);
    expect(first.newVaults).to.equal(first.vaultsKnown);
    expect(keeper.discovery.lastScannedBlock).to.equal(first.blockNumber);
    const a = await openVault(devnet, users[0], "4", "1");
    const b = await openVault(devnet, users[1], "4", "1");
    const second = await runTick(keeper);
    expect(second.newVaults).to.equal(2);
    expect(second.vaultsKnown).to.equal(first.vaultsKnown + 2);
    expect(keeper.discovery.vaultIds().slice(-2)).to.deep.equal([a, b]);
    expect(keeper.discovery.vaultIds()).to.deep.equal(
      Array.from({ length: Number(b) }, (_, i) => BigInt(i + 1)),
    );
    expect((await runTick(keeper)).newVaults).to.equal(0);

    // Events missed (here: scanning from a later block) are made up for by vaultCount(): ids are sequential.
    const late = await newKeeper({ fromBlock: second.blockNumber + 1n });
    const report = await runTick(late.keeper);
    expect(report.vaultsKnown).to.equal(second.vaultsKnown);
    const warnings = late.logger.entries.filter((e) => e.event === "warning");
    expect(warnings.map((e) => String(e.message)).join()).to.include("not in the VaultOpened events");
  });

  it("runs safely twice at once: no crash, every vault liquidated once, nothing sent twice by a keeper", async function () {
    const account8 = privateKeyToAccount(ACCOUNT_8_KEY).address;
    await transferPowerTokens(devnet, devnet.accounts[0], account8, parseEther("10"));
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

  it("without power tokens it skips liquidations (logged) and still applies funding", async function () {
    const risky = await openVault(devnet, users[0], "1", "2");
    await moveEthPriceUp(devnet);
    await advance(devnet, 3600);
    const { keeper, logger } = await newKeeper({ privateKey: ACCOUNT_7_KEY });
    expect(logger.entries.some((e) => e.event === "warning")).to.equal(true);
    const report = await runTick(keeper);
    expect(report.funding).to.equal("applied");
    expect(report.liquidatable).to.deep.equal([risky]);
    expect(liquidationLines(logger.entries)[0]).to.include({
      status: "skipped",
      reason: "keeper holds no power tokens",
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
