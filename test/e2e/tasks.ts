/**
 * End-to-end tests of the Hardhat tasks: `npx hardhat <task> --network localhost` as child processes against
 * a `hardhat node` with the protocol deployed and a deployment file in a temporary folder
 * (`EVERGAMMA_DEPLOYMENTS_DIR`), checking what they print against the chain, and that bad arguments exit
 * non-zero with a clear message and send nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import {
  deployEvergamma,
  deploymentRecord,
  optionMarketParameters,
  perpetualFutureParameters,
  vaultIdOf,
  type EvergammaDeployment,
} from "../../deploy/evergamma.js";
import { getPoolContract } from "../../deploy/uniswap.js";
import { readDeploymentFile, writeDeploymentFile } from "../../scripts/lib/deploymentFile.js";
import { startHardhatNode, type HardhatNode } from "../../scripts/lib/hardhatNode.js";
import { fixed, percent, significant, usd } from "../../tasks/format.js";
import { Background, childEnv, freePort, hardhat, HARDHAT_CLI, type RunResult } from "./helpers.js";

/** A deployed protocol on a node, with its deployment file. */
interface Devchain {
  url: string;
  connection: NetworkConnection;
  deployment: EvergammaDeployment;
  dir: string;
}

/**
 * Deploys ETH² (market 0), ETH¹ with the exchanges' funding rule (market 1) and a 3500 call (market 2, C3500), and
 * writes the deployment file.
 */
async function deployTo(url: string, chainId: number): Promise<Devchain> {
  const connection = await network.create({ network: "localhost", override: { url } });
  const deployment = await deployEvergamma(connection, {
    markets: [
      { name: "ETH2", tokenName: "Evergamma Squared ETH", tokenSymbol: "eSQTH" },
      { name: "ETH1", params: perpetualFutureParameters() },
      { params: optionMarketParameters("call", 3500) },
    ],
  });
  const record = await deploymentRecord(deployment);
  const dir = mkdtempSync(path.join(tmpdir(), "evergamma-tasks-"));
  await writeDeploymentFile(path.join(dir, "localhost.json"), { chainId, rpcUrl: url, ...record });
  return { url, connection, deployment, dir };
}

const readDeployment = (dir: string) => readDeploymentFile(path.join(dir, "localhost.json"));

/** Runs up to `limit` promises at a time. */
async function pooled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

describe("Hardhat tasks against a hardhat node (e2e)", function () {
  this.timeout(120_000);

  let node: HardhatNode;
  let chain: Devchain;
  let d: EvergammaDeployment;
  let aliceVault: bigint;

  const task = (args: string[], dir = chain.dir): Promise<RunResult> =>
    hardhat([...args, "--network", "localhost"], { EVERGAMMA_DEPLOYMENTS_DIR: dir });
  const ok = async (args: string[]): Promise<string> => {
    const result = await task(args);
    expect(result.code, `${args.join(" ")}\n${result.stdout}\n${result.stderr}`).to.equal(0);
    return result.stdout;
  };
  const json = async (args: string[]): Promise<Record<string, unknown>> =>
    JSON.parse(await ok([...args, "--json"])) as Record<string, unknown>;
  const wei = (value: unknown): bigint => BigInt(value as string);
  /** Each transaction line names a mined transaction of the task's and its real gas used. */
  const expectTransactionLines = async (out: string, labels: string[]): Promise<void> => {
    const lines = [...out.matchAll(/^tx (.+) (0x[0-9a-f]{64}) \(gas used ([\d,]+)\)$/gm)];
    expect(
      lines.map((m) => m[1]),
      out,
    ).to.deep.equal(labels);
    for (const [, , hash, gas] of lines) {
      const receipt = await d.connection.ethers.provider.getTransactionReceipt(hash);
      expect(receipt?.status, hash).to.equal(1);
      expect(receipt?.gasUsed, hash).to.equal(BigInt(gas.replaceAll(",", "")));
    }
  };

  before(async function () {
    node = await startHardhatNode();
    chain = await deployTo(node.url, 31337);
    d = chain.deployment;
  });

  after(async function () {
    await chain?.connection.close();
    await node?.stop();
    if (chain !== undefined) rmSync(chain.dir, { recursive: true, force: true });
  });

  it("funding:status prints index, mark, normalization factor, funding and implied volatility", async function () {
    const l = d.lens;
    const [index, mark, nf, rate, iv] = await Promise.all([
      l.index(0),
      l.mark(0),
      l.normalizationFactor(0),
      l.fundingRatePerDay(0),
      l.impliedVolatility(0),
    ]);
    const raw = await json(["funding:status"]);
    expect(wei(raw.index)).to.equal(index);
    expect(wei(raw.mark)).to.equal(mark);
    expect(wei(raw.normalizationFactor)).to.equal(nf);
    expect(wei(raw.fundingRatePerDay)).to.equal(rate);
    expect(wei(raw.impliedVolatility)).to.equal(iv);
    expect(wei(raw.secondsSinceLastUpdate) >= 0n).to.equal(true);
    expect([raw.marketId, raw.market]).to.deep.equal([0, "ETH2"]);

    const text = await ok(["funding:status"]);
    expect(text).to.include(`index                    ${fixed(index, 4)}`);
    expect(text).to.include(`mark                     ${fixed(mark, 4)}`);
    expect(text).to.include(`normalization factor     ${significant(nf, 12)}`);
    expect(text).to.include(`funding per day          ${percent(rate, 4)}`);
    expect(text).to.include(`implied volatility       ${percent(iv)}`);
    expect(text).to.match(/last update\s+[\dsmhd ]+ ago \(at \d+\)/);
    expect(text).to.include("Funding of market 0 (ETH2: power 2,");
  });

  it("vault:open opens a vault and mints; vault:status shows it in normalized and nominal units", async function () {
    const [, alice] = await d.connection.ethers.getSigners();
    const out = await ok(["vault:open", "--collateral", "10", "--mint", "15", "--from", "1"]);
    const match =
      /Opened vault (\d+) in market 0 \(ETH2\) for (0x[0-9a-fA-F]{40}), deposited 10 ETH, minted 15 eSQTH/.exec(
        out,
      );
    expect(match, out).to.not.equal(null);
    aliceVault = BigInt((match as RegExpExecArray)[1]);
    expect((match as RegExpExecArray)[2]).to.equal(alice.address);
    await expectTransactionLines(out, ["mint"]);

    const vault = await d.lens.getVault(aliceVault);
    expect(vault.owner).to.equal(alice.address);
    expect(vault.collateral).to.equal(parseEther("10"));
    expect(vault.debt).to.equal(parseEther("15"));
    expect(await d.powerToken.balanceOf(alice.address)).to.equal(parseEther("15"));

    const raw = await json(["vault:status", "--id", String(aliceVault)]);
    const [nf, ratio, liquidationPrice, ethPrice] = await Promise.all([
      d.lens.expectedNormalizationFactor(0),
      d.lens.collateralRatio(aliceVault),
      d.lens.liquidationPrice(aliceVault),
      d.lens.ethPrice(0),
    ]);
    expect(raw.owner).to.equal(alice.address);
    expect(wei(raw.collateralWei)).to.equal(parseEther("10"));
    expect(wei(raw.debt)).to.equal(parseEther("15"));
    expect(wei(raw.nominalDebt)).to.equal((parseEther("15") * nf) / 10n ** 18n);
    expect(wei(raw.collateralRatioWad)).to.equal(ratio);
    expect(wei(raw.liquidationPriceWad)).to.equal(liquidationPrice);
    expect(raw.safe).to.equal(true);

    const text = await ok(["vault:status", "--id", String(aliceVault)]);
    expect(text).to.include(`Vault ${aliceVault}`);
    expect(text).to.match(/collateral\s+10 ETH \(\$[\d,]+\.\d\d\)/);
    expect(text).to.include("debt (normalized)    15 eSQTH");
    expect(text).to.match(/debt \(nominal\)\s+14\.99\d+ \(normalized × NF 0\.9999\d+\)/);
    expect(text).to.include(`collateral ratio     ${percent(ratio)} (minimum 150.00%)`);
    expect(text).to.include(
      `liquidation price    ${usd(liquidationPrice)} per ETH (ETH now ${usd(ethPrice)})`,
    );
    expect(text).to.include("status               safe");
  });

  it("vault:deposit, vault:withdraw, vault:mint and vault:burn change the vault as asked", async function () {
    const id = String(aliceVault);
    const [, alice] = await d.connection.ethers.getSigners();
    const state = async () => {
      const v = await d.lens.getVault(aliceVault);
      return [v.collateral, v.debt, await d.powerToken.balanceOf(alice.address)];
    };
    const deposited = await ok(["vault:deposit", "--id", id, "--amount", "2", "--from", "3"]);
    expect(deposited).to.include(`Deposited 2 ETH into vault ${id}`);
    await expectTransactionLines(deposited, ["deposit"]);
    expect(await state()).to.deep.equal([parseEther("12"), parseEther("15"), parseEther("15")]);
    expect(await ok(["vault:withdraw", "--id", id, "--amount", "1", "--from", "1"])).to.include(
      `Withdrew 1 ETH from vault ${id}`,
    );
    expect(await state()).to.deep.equal([parseEther("11"), parseEther("15"), parseEther("15")]);
    expect(await ok(["vault:mint", "--id", id, "--amount", "1", "--from", "1"])).to.include(
      `Minted 1 eSQTH from vault ${id}`,
    );
    expect(await state()).to.deep.equal([parseEther("11"), parseEther("16"), parseEther("16")]);
    const burned = await ok(["vault:burn", "--id", id, "--amount", "6", "--withdraw", "0.5", "--from", "1"]);
    expect(burned).to.include(`Burned 6 eSQTH against vault ${id} and withdrew 0.5 ETH`);
    await expectTransactionLines(burned, ["burn"]);
    expect(await state()).to.deep.equal([parseEther("10.5"), parseEther("10"), parseEther("10")]);
  });

  it("vault:list lists an owner's vaults", async function () {
    const alice = await json(["vault:list", "--owner", "1"]);
    expect((alice.vaults as { id: string }[]).map((v) => v.id)).to.deep.equal([String(aliceVault)]);
    const deployer = await json(["vault:list"]);
    expect((deployer.vaults as { id: string }[]).map((v) => v.id)).to.deep.equal([String(d.seedVaultId)]);
    const text = await ok(["vault:list", "--owner", "1"]);
    expect(text).to.match(new RegExp(`1 vault owned by 0x[0-9a-fA-F]{40}`));
    expect(text).to.match(new RegExp(`^\\s+${aliceVault}\\s+10\\.5\\s+10\\s+[\\d.]+%`, "m"));
  });

  it("price:set swaps the ETH/USDC pool to the price, and --advance lets the index follow", async function () {
    const out = await ok(["price:set", "--eth", "3300", "--advance", "420"]);
    expect(out).to.match(/ETH\/USDC pool spot price: \d+\.\d\d -> 3300\.00 USDC per ETH/);
    expect(out).to.match(/^tx to SwapRouter 0x[0-9a-f]{64} \(gas used [\d,]+\)$/m);
    const price = Number(await d.lens.ethPrice(0)) / 1e18;
    expect(Math.abs(price / 3300 - 1)).to.be.lessThan(1e-3);
  });

  it("liquidate liquidates an unsafe vault with the sender's tokens", async function () {
    // Bob's vault at ~156% of its debt value, then ETH +9%: the ratio falls to ~143% (< 150%).
    const perToken = await d.lens.debtValuePerToken(0);
    const collateral = (((parseEther("10") * perToken) / 10n ** 18n) * 156n) / 100n;
    const opened = await ok([
      "vault:open",
      "--collateral",
      (Number(collateral) / 1e18).toFixed(6),
      "--mint",
      "10",
      "--from",
      "2",
    ]);
    const bobVault = BigInt((/Opened vault (\d+)/.exec(opened) as RegExpExecArray)[1]);
    await ok(["price:set", "--eth", "3600", "--advance", "420"]);
    expect(await d.lens.isVaultSafe(bobVault)).to.equal(false);
    const status = await ok(["vault:status", "--id", String(bobVault)]);
    expect(status).to.include("UNSAFE: can be liquidated");

    const before = await d.lens.getVault(bobVault);
    const out = await ok(["liquidate", "--id", String(bobVault), "--from", "1"]);
    const match = /Liquidated vault \d+: repaid ([\d.]+) eSQTH, received ([\d.]+) ETH/.exec(out);
    expect(match, out).to.not.equal(null);
    const after = await d.lens.getVault(bobVault);
    const repaid = parseEther((match as RegExpExecArray)[1]);
    expect(before.debt - after.debt).to.equal(repaid);
    expect(before.collateral - after.collateral).to.equal(parseEther((match as RegExpExecArray)[2]));
    expect(repaid > 0n).to.equal(true);
  });

  it("vault:open never half-acts: without the ETH it opens nothing and uses no nonce", async function () {
    const signers = await d.connection.ethers.getSigners();
    const poor = signers[5];
    const provider = d.connection.ethers.provider;
    const [count, nonce, balance] = await Promise.all([
      d.lens.vaultCount(0),
      provider.getTransactionCount(poor.address),
      provider.getBalance(poor.address),
    ]);
    expect(balance < parseEther("100000")).to.equal(true);
    for (const args of [
      ["vault:open", "--collateral", "100000", "--from", "5"],
      ["vault:open", "--collateral", "100000", "--mint", "1", "--from", "5"],
      ["vault:mint", "--id", String(aliceVault), "--amount", "1", "--collateral", "100000", "--from", "5"],
      ["vault:deposit", "--id", String(aliceVault), "--amount", "100000", "--from", "5"],
    ]) {
      const r = await task(args);
      expect(r.code, r.stdout + r.stderr).to.equal(1);
      expect(r.stderr).to.match(
        /^Error: account #5 \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\) has [\d,]+(\.\d\d)? ETH; this needs 100,000 ETH \(\+ gas\)$/m,
      );
      expect(r.stderr).to.not.match(/\d{19,}/);
    }
    expect(await d.lens.vaultCount(0)).to.equal(count);
    expect(await provider.getTransactionCount(poor.address)).to.equal(nonce);
    expect(await provider.getBalance(poor.address)).to.equal(balance);
  });

  it("vault:operator, vault:transfer and vault:history", async function () {
    const signers = await d.connection.ethers.getSigners();
    const [owner, operator, buyer] = [signers[6], signers[7], signers[8]];
    const opened = await ok(["vault:open", "--collateral", "2", "--mint", "1", "--from", "6"]);
    const id = (/Opened vault (\d+)/.exec(opened) as RegExpExecArray)[1];

    const named = await ok(["vault:operator", "--id", id, "--operator", "7", "--from", "6"]);
    expect(named).to.include(`${operator.address} is now operator of vault ${id}`);
    await expectTransactionLines(named, ["setOperator"]);
    expect((await d.lens.getVault(id)).operator).to.equal(operator.address);
    // The operator may now act for the owner.
    await ok(["vault:withdraw", "--id", id, "--amount", "0.1", "--from", "7"]);
    const revoked = await ok(["vault:operator", "--id", id, "--revoke", "--from", "6"]);
    expect(revoked).to.include(`Vault ${id} has no operator now`);
    expect((await d.lens.getVault(id)).operator).to.equal(ZeroAddress);
    await ok(["vault:operator", "--id", id, "--operator", operator.address, "--from", "6"]);

    const transferBlock = (await d.connection.ethers.provider.getBlockNumber()) + 1;
    const moved = await ok(["vault:transfer", "--id", id, "--to", buyer.address, "--from", "6"]);
    expect(moved).to.include(`Transferred vault ${id} from ${owner.address} to ${buyer.address}`);
    await expectTransactionLines(moved, ["safeTransferFrom"]);
    const after = await d.lens.getVault(id);
    expect([after.owner, after.operator]).to.deep.equal([buyer.address, ZeroAddress]);

    const events = (await json(["vault:history", "--id", id])) as unknown as {
      event: string;
      account: string;
      amount: string | null;
      block: number;
    }[];
    expect(events.map((e) => e.event)).to.deep.equal([
      "VaultOpened",
      "Deposited",
      "Minted",
      "OperatorSet",
      "Withdrawn",
      "OperatorSet",
      "OperatorSet",
      "VaultTransferred",
      "OperatorSet",
    ]);
    expect(events.map((e) => e.account)).to.deep.equal([
      owner.address,
      owner.address,
      owner.address,
      operator.address,
      operator.address,
      ZeroAddress,
      operator.address,
      buyer.address,
      ZeroAddress,
    ]);
    expect(events[1].amount).to.equal(parseEther("2").toString());
    expect(events[4].amount).to.equal(parseEther("0.1").toString());
    const blocks = events.map((e) => e.block);
    expect(blocks).to.deep.equal([...blocks].sort((a, b) => a - b));

    const csv = (await ok(["vault:history", "--id", id, "--csv"])).trim().split("\n");
    expect(csv[0]).to.equal("block,timestamp,transactionHash,event,account,amount,collateral");
    expect(csv).to.have.length(events.length + 1);
    expect(csv[2]).to.match(
      new RegExp(`^\\d+,\\d+,0x[0-9a-f]{64},Deposited,${owner.address},2000000000000000000,$`),
    );

    const recent = await json(["vault:history", "--id", id, "--from-block", String(transferBlock)]);
    expect((recent as unknown as { event: string }[]).map((e) => e.event)).to.deep.equal([
      "VaultTransferred",
      "OperatorSet",
    ]);
    const text = await ok(["vault:history", "--id", id]);
    expect(text).to.include(`Vault ${id}: 9 events since block 0`);
    expect(text).to.match(/Deposited\s+deposit of 2 ETH by 0x/);
    expect(text).to.include(`transferred to ${buyer.address}`);
    expect(text).to.include("operator removed");
  });

  it("funding:history lists every NF update, chained, with the rate it implies", async function () {
    await (await d.engine.applyFunding(0)).wait();
    const updates = (await json(["funding:history"])) as unknown as {
      oldFactor: string;
      newFactor: string;
      elapsedSeconds: string;
      timestamp: string;
      ratePerDay: number | null;
    }[];
    expect(updates.length).to.be.greaterThan(3);
    for (const [i, u] of updates.entries()) {
      if (i > 0) expect(u.oldFactor).to.equal(updates[i - 1].newFactor);
      const ratio = Number(BigInt(u.newFactor) - BigInt(u.oldFactor)) / Number(u.oldFactor);
      if (u.elapsedSeconds !== "0") {
        const expected = (-Math.log1p(ratio) * 86400) / Number(u.elapsedSeconds);
        expect(Math.abs((u.ratePerDay as number) - expected)).to.be.lessThan(1e-9);
      }
    }
    expect(BigInt(updates[updates.length - 1].newFactor)).to.equal(await d.lens.normalizationFactor(0));
    const csv = (await ok(["funding:history", "--csv"])).trim().split("\n");
    expect(csv[0]).to.equal("block,timestamp,transactionHash,oldFactor,newFactor,elapsedSeconds,ratePerDay");
    expect(csv).to.have.length(updates.length + 1);
    const text = await ok(["funding:history"]);
    expect(text).to.include(`${updates.length} funding updates of market 0 (ETH2) since block 0`);
    expect(text).to.match(
      /^\s+\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+0\.9\d+\s+0\.9\d+\s+[\dsmhd ]+\s+-?\d+\.\d{4}%$/m,
    );
  });

  it("price:set moves only ETH (IV n/a), and --arb trades the power pool back to fair value", async function () {
    await ok(["price:set", "--eth", "4600", "--advance", "420"]);
    const [index, mark] = await Promise.all([d.lens.index(0), d.lens.mark(0)]);
    expect(Number(mark) / Number(index)).to.be.lessThan(0.9);
    const status = await ok(["funding:status"]);
    expect(status).to.include("implied volatility       n/a (mark below index)");

    const out = await ok(["price:set", "--eth", "4600", "--arb", "--advance", "420"]);
    expect(out).to.match(/eSQTH\/WETH pool spot price: [\d.]+ -> [\d.]+ ETH per token \(fair at IV 80\.00%/);
    expect(out).to.match(/^tx to SwapRouter 0x[0-9a-f]{64} \(gas used [\d,]+\)$/m);
    const [index2, mark2] = await Promise.all([d.lens.index(0), d.lens.mark(0)]);
    const n = Number(d.market.power);
    const fairRatio = Math.exp((n * (n - 1) * 0.8 ** 2 * d.market.fundingPeriodSeconds) / (365 * 86400) / 2);
    expect(Math.abs(Number(mark2) / Number(index2) / fairRatio - 1)).to.be.lessThan(0.01);
    const iv = /implied volatility\s+([\d.]+)%/.exec(await ok(["funding:status"]));
    expect(Math.abs(Number((iv as RegExpExecArray)[1]) - 80)).to.be.lessThan(4);
  });

  it("--market selects the ETH¹ market: vault:open, vault:status, vault:list, funding:status, funding:history", async function () {
    const eth1 = d.markets[1];
    const [, alice] = await d.connection.ethers.getSigners();
    const out = await ok([
      "vault:open",
      "--market",
      "ETH1",
      "--collateral",
      "3",
      "--mint",
      "1",
      "--from",
      "1",
    ]);
    const match =
      /Opened vault (\d+) in market 1 \(ETH1\) for (0x[0-9a-fA-F]{40}), deposited 3 ETH, minted 1 eETH1/.exec(
        out,
      );
    expect(match, out).to.not.equal(null);
    const id = BigInt((match as RegExpExecArray)[1]);
    expect(id).to.equal(vaultIdOf(1, 2n)); // the market's seed vault is its serial 1
    const vault = await d.lens.getVault(id);
    expect([vault.owner, vault.collateral, vault.debt]).to.deep.equal([
      alice.address,
      parseEther("3"),
      parseEther("1"),
    ]);
    expect(await eth1.token.balanceOf(alice.address)).to.equal(parseEther("1"));

    // A full vault id names its market; a serial names a vault of --market.
    const full = await json(["vault:status", "--id", String(id)]);
    expect(await json(["vault:status", "--market", "1", "--id", "2"])).to.deep.equal(full);
    const report = await d.lens.vaultReport(id);
    expect([full.marketId, full.market, full.owner]).to.deep.equal([1, "ETH1", alice.address]);
    expect(wei(full.collateralWei)).to.equal(report.collateral);
    expect(wei(full.debt)).to.equal(report.debt);
    expect(wei(full.debtValueWei)).to.equal(report.debtValue);
    expect(wei(full.collateralRatioWad)).to.equal(report.collateralRatioWad);
    expect(wei(full.maxMintable)).to.equal(report.maxMintable);
    expect(full.safe).to.equal(report.healthy);
    const text = await ok(["vault:status", "--id", String(id)]);
    expect(text).to.include("market               1 (ETH1)");
    expect(text).to.include("debt (normalized)    1 eETH1");

    const listed = await json(["vault:list", "--owner", "1", "--market", "eth1"]);
    expect((listed.vaults as { id: string }[]).map((v) => v.id)).to.deep.equal([String(id)]);
    const deployer = await json(["vault:list", "--market", "1"]);
    expect((deployer.vaults as { id: string }[]).map((v) => v.id)).to.deep.equal([String(eth1.seedVaultId)]);

    const funding = await json(["funding:status", "--market", "ETH1"]);
    const [index, mark, nf] = await Promise.all([
      d.lens.index(1),
      d.lens.mark(1),
      d.lens.normalizationFactor(1),
    ]);
    expect([funding.marketId, funding.market, funding.power]).to.deep.equal([1, "ETH1", "1"]);
    expect(wei(funding.index)).to.equal(index);
    expect(wei(funding.mark)).to.equal(mark);
    expect(wei(funding.normalizationFactor)).to.equal(nf);
    expect(wei(funding.index)).to.equal(await d.lens.ethPrice(1)); // n = 1, scale 1: the index is S

    // funding:history reads the market's own NF updates only.
    await (await d.engine.applyFunding(1)).wait();
    const updates = (await json(["funding:history", "--market", "ETH1"])) as unknown as {
      oldFactor: string;
      newFactor: string;
      transactionHash: string;
    }[];
    const events = await d.engine.queryFilter(d.engine.filters.NormalizationFactorUpdated(1));
    expect(updates.map((u) => u.transactionHash)).to.deep.equal(events.map((e) => e.transactionHash));
    expect(updates.length).to.be.at.least(3);
    for (const [i, u] of updates.entries()) if (i > 0) expect(u.oldFactor).to.equal(updates[i - 1].newFactor);
    expect(BigInt(updates[updates.length - 1].newFactor)).to.equal(await d.lens.normalizationFactor(1));
    const market0 = (await json(["funding:history"])) as unknown as { transactionHash: string }[];
    const ours = new Set(updates.map((u) => u.transactionHash));
    expect(market0.filter((u) => ours.has(u.transactionHash))).to.deep.equal([]);

    const history = (await json(["vault:history", "--id", String(id)])) as unknown as { event: string }[];
    expect(history.map((e) => e.event)).to.deep.equal(["VaultOpened", "Deposited", "Minted"]);
  });

  it("option markets: option:quote prints the lens's quote and scenarios; vault:open, vault:status, funding:status", async function () {
    const call = d.markets[2];
    const quote = await json(["option:quote", "--market", "C3500"]);
    const r = await d.lens.optionReport(2);
    expect([quote.marketId, quote.market, quote.kind, quote.scenario]).to.deep.equal([
      2,
      "C3500",
      "call",
      false,
    ]);
    expect(wei(quote.strike)).to.equal(parseEther("3500"));
    expect(wei(quote.fairValue)).to.equal(r.fairValueWad);
    expect(wei(quote.mark)).to.equal(r.markWad);
    expect(wei(quote.impliedVolatility)).to.equal(r.impliedVolatilityWad);
    expect(wei(quote.delta)).to.equal(r.deltaWad);
    expect(wei(quote.vega)).to.equal(r.vegaWad);
    const text = await ok(["option:quote", "--market", "C3500"]);
    expect(text).to.match(
      /^Quote of market 2 \(C3500: call, strike \$3,500\.00, funding period 7d\), market/m,
    );
    expect(text).to.match(/^ {2}fair value {11}\$[\d,.]+ at [\d.]+% volatility \(time value \$[\d,.]+\)$/m);

    // A scenario at ETH 4000 and 60% volatility: the pricer's fair value, in the money, paying W / T at fair value.
    const pricer = await d.connection.ethers.getContractAt(
      "EverlastingOptionPricer",
      await d.engine.optionPricer(),
    );
    const scenario = await json(["option:quote", "--market", "2", "--spot", "4000", "--volatility", "0.6"]);
    const args = [parseEther("4000"), parseEther("3500"), parseEther("0.6"), 7n * 86_400n] as const;
    expect(wei(scenario.fairValue)).to.equal(await pricer.callPrice(...args));
    expect(wei(scenario.payoff)).to.equal(parseEther("500"));
    expect(wei(scenario.delta)).to.equal(await pricer.callDelta(...args));
    expect(scenario.mark).to.equal(null);

    // The tasks work on the option market like on a power market.
    const out = await ok([
      "vault:open",
      "--market",
      "C3500",
      "--collateral",
      "2",
      "--mint",
      "1",
      "--from",
      "1",
    ]);
    const id = BigInt((/Opened vault (\d+) in market 2 \(C3500\)/.exec(out) as RegExpExecArray)[1]);
    expect(id).to.equal(vaultIdOf(2, 2n));
    expect((await d.lens.getVault(id)).debt).to.equal(parseEther("1"));
    expect(await call.token.balanceOf((await d.connection.ethers.getSigners())[1].address)).to.equal(
      parseEther("1"),
    );
    const status = await ok(["vault:status", "--id", String(id)]);
    expect(status).to.match(/^ {2}option {15}call, strike \$3,500\.00: payoff \$[\d,.]+, mark \$[\d,.]+/m);
    expect(status).to.match(/^ {2}short delta {10}-[\d.]+ ETH/m);
    const funding = await ok(["funding:status", "--market", "C3500"]);
    expect(funding).to.include("Funding of market 2 (C3500: call, strike $3,500.00, funding period 7d)");

    // ETH¹ runs the exchanges' funding rule, and funding:status says so.
    const perpetual = await ok(["funding:status", "--market", "ETH1"]);
    expect(perpetual).to.match(
      /^ {2}funding rule {13}exchanges' premium index: F = P \+ clamp\(0\.0100% − P, ±0\.0500%\) per 8h, within \[-0\.7500%, 0\.7500%\]$/m,
    );

    // option:quote refuses a power market and a bad volatility, sending nothing.
    const power = await task(["option:quote", "--market", "ETH2"]);
    expect([power.code, power.stderr.trim()]).to.deep.equal([
      1,
      "Error: market 0 (ETH2) is a power perpetual; option:quote needs an option market",
    ]);
    const bad = await task(["option:quote", "--market", "C3500", "--volatility", "-1"]);
    expect([bad.code, bad.stderr.trim()]).to.deep.equal([1, 'Error: --volatility must be > 0, got "-1"']);
  });

  describe("bad arguments", function () {
    it("exit non-zero with a clear message and send nothing", async function () {
      this.timeout(600_000);
      const id = String(aliceVault);
      const cases: [string[], RegExp][] = [
        [
          ["vault:open", "--collateral", "abc"],
          /--collateral must be a non-negative decimal number, got "abc"/,
        ],
        [["vault:open", "--collateral", "1.0000000000000000001"], /--collateral has more than 18 decimals/],
        [
          ["vault:open", "--collateral", "1", "--mint", "100"],
          /would revert: Vault(Unsafe|BelowMinCollateral)/,
        ],
        [["vault:open", "--collateral", "1", "--from", "99"], /--from 99: the network has only 20 accounts/],
        [["vault:deposit", "--id", id], /--amount is required/],
        [
          ["vault:deposit", "--id", "0", "--amount", "1"],
          /--id must be a positive integer vault id, got "0"/,
        ],
        [["vault:withdraw", "--id", "999", "--amount", "1"], /vault 999 does not exist/],
        [
          ["vault:withdraw", "--id", id, "--amount", "10", "--from", "1"],
          /would revert: VaultUnsafe\(.*below the minimum/,
        ],
        [["vault:withdraw", "--id", id, "--amount", "1", "--from", "3"], /NotVaultOwnerOrOperator/],
        [
          ["vault:withdraw", "--id", id, "--amount", "100", "--from", "1"],
          /vault \d+ holds 10\.5 ETH; this needs 100 ETH/,
        ],
        [["vault:mint", "--id", id, "--amount", "1000", "--from", "1"], /would revert: VaultUnsafe/],
        [["vault:burn", "--id", id, "--amount", "11", "--from", "1"], /owes 10 eSQTH, cannot burn 11/],
        [
          ["vault:burn", "--id", id, "--amount", "1", "--from", "4"],
          /account #4 \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\) has 0 eSQTH; this needs 1$/m,
        ],
        [["vault:deposit", "--id", id, "--amount", "-1"], /--amount must be > 0, got "-1"/],
        [["vault:open", "--collateral", "-2"], /--collateral must be ≥ 0, got "-2"/],
        [["vault:status", "--id", "-1"], /--id must be > 0, got "-1"/],
        [["price:set", "--eth", "3000", "--advance", "-1"], /--advance must be ≥ 0, got "-1"/],
        [["price:set", "--eth", "-3"], /--eth must be > 0, got "-3"/],
        [["price:set", "--eth", "3000", "--arb", "--vol", "-1"], /--vol must be > 0, got "-1"/],
        [["liquidate", "--id", id, "--max", "-1"], /--max must be > 0, got "-1"/],
        [["vault:operator", "--id", id, "--from", "1"], /give either --operator .* or --revoke/],
        [["vault:operator", "--id", id, "--operator", "2", "--revoke", "--from", "1"], /give either/],
        [["vault:operator", "--id", id, "--operator", "2", "--from", "3"], /NotVaultOwner/],
        [
          ["vault:operator", "--id", id, "--operator", "0xabc", "--from", "1"],
          /--operator must be an address/,
        ],
        [["vault:transfer", "--id", id, "--from", "1"], /--to is required/],
        [
          ["vault:transfer", "--id", id, "--to", ZeroAddress, "--from", "1"],
          /--to cannot be the zero address/,
        ],
        [
          ["vault:transfer", "--id", id, "--to", "2", "--from", "3"],
          /vault \d+ belongs to 0x.*not account #3/,
        ],
        [["vault:transfer", "--id", id, "--to", "1", "--from", "1"], /already belongs to/],
        [["vault:history", "--id", id, "--json", "--csv"], /give --json or --csv, not both/],
        [["vault:history", "--id", "999"], /vault 999 does not exist/],
        [["funding:history", "--from-block", "-5"], /--from-block must be ≥ 0, got "-5"/],
        [["funding:history", "--from-block", "abc"], /--from-block must be a block number/],
        [["funding:history", "--from-block", "99999999"], /--from-block 99999999 is past the latest block/],
        [["vault:status", "--id", "abc"], /--id must be a positive integer vault id/],
        [["vault:list", "--owner", "0x123"], /--owner must be an address or an account index/],
        [["liquidate", "--id", id, "--from", "1"], /vault \d+ is safe .*cannot be liquidated/],
        [["price:set", "--eth", "abc"], /--eth must be a positive price in USD/],
        [["price:set", "--eth", "0"], /--eth must be a positive price in USD/],
        [["price:set", "--eth", "3000", "--advance", "1.5"], /--advance must be a whole number of seconds/],
        [
          ["funding:status", "--market", "ETH9"],
          /--market: unknown market "ETH9"; this deployment has 0 \(ETH2\), 1 \(ETH1\)/,
        ],
        [
          ["vault:status", "--market", "0", "--id", String(vaultIdOf(1, 1n))],
          /vault \d+ belongs to market 1, not to --market 0 \(ETH2\)/,
        ],
        [["vault:status", "--id", String(vaultIdOf(3, 1n))], /market 3, which this deployment does not have/],
        [
          ["vault:status", "--market", "ETH1", "--id", "99"],
          /vault \d+ does not exist \(\d+ vaults? in market 1 \(ETH1\) so far\)/,
        ],
      ];
      const provider = d.connection.ethers.provider;
      const blockBefore = await provider.getBlockNumber();
      const vaultBefore = await d.lens.getVault(aliceVault);
      const results = await pooled(cases, 4, ([args]) => task(args));
      for (const [i, [args, message]] of cases.entries()) {
        const r = results[i];
        const shown = `${args.join(" ")}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
        expect(r.code, shown).to.not.equal(0);
        expect(r.stderr, shown).to.match(message);
        expect(r.stderr, shown).to.match(/^Error: /m);
      }
      expect(await provider.getBlockNumber()).to.equal(blockBefore);
      expect(await d.lens.getVault(aliceVault)).to.deep.equal(vaultBefore);
    });

    it("fail clearly without a deployment file, or when its chain is not running", async function () {
      const empty = mkdtempSync(path.join(tmpdir(), "evergamma-empty-"));
      try {
        const missing = await task(["funding:status"], empty);
        expect(missing.code).to.equal(1);
        expect(missing.stderr).to.match(/cannot read the deployment of network "localhost" .*file not found/);
        expect(missing.stderr).to.include("./evergamma devnet");

        const stale = readDeployment(chain.dir);
        await writeDeploymentFile(path.join(empty, "localhost.json"), {
          ...stale,
          rpcUrl: `http://127.0.0.1:${await freePort()}`,
        });
        const stopped = await task(["vault:status", "--id", "1"], empty);
        expect(stopped.code).to.equal(1);
        expect(stopped.stderr).to.match(
          /cannot reach network "localhost" at http:\/\/127\.0\.0\.1:\d+: is the devnet running\?/,
        );
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });

    it("price:set refuses to run on a chain that is not a devnet", async function () {
      const port = await freePort();
      const other = new Background(
        process.execPath,
        [HARDHAT_CLI, "node", "--chain-id", "4242", "--hostname", "127.0.0.1", "--port", String(port)],
        { env: childEnv() },
      );
      let foreign: Devchain | undefined;
      try {
        await other.waitFor(/Started HTTP/);
        foreign = await deployTo(`http://127.0.0.1:${port}`, 4242);
        const pool = getPoolContract(
          await foreign.deployment.ethUsdcPool.getAddress(),
          foreign.connection.ethers.provider,
        );
        const before = await pool.slot0();
        const r = await task(["price:set", "--eth", "3500"], foreign.dir);
        expect(r.code, r.stdout + r.stderr).to.equal(1);
        expect(r.stderr).to.match(/price:set only runs on a devnet \(chain id 31337 or 1337\).*chain 4242/);
        expect((await pool.slot0()).sqrtPriceX96).to.equal(before.sqrtPriceX96);
      } finally {
        await foreign?.connection.close();
        if (foreign !== undefined) rmSync(foreign.dir, { recursive: true, force: true });
        other.kill();
        await other.exited;
      }
    });
  });
});
