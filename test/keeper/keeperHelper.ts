/**
 * KeeperHelper on the in-process chain with the real pools and two markets (ETH², market 0, and ETH¹, market 1):
 * the paged health views agree with the lens market by market, pages are bounded, the Chainlink (`checkUpkeep` /
 * `performUpkeep`) and Gelato (`checker`, `checkerPage`) entry points apply every market's stale funding and
 * liquidate with the helper's own tokens of each vault's market, performUpkeep re-checks its untrusted perform data,
 * never liquidates at a loss, and forwards the proceeds to the recipient.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { AbiCoder, MaxUint256, parseEther, ZeroAddress } from "ethers";

import {
  advanceTime,
  fairPowerPriceEth,
  setEthPrice,
  setPowerPrice,
  setTokenPrice,
  vaultIdOf,
} from "../../deploy/evergamma.js";
import type { KeeperHelper } from "../../types/ethers-contracts/index.js";
import { loadEngine, type EngineFixture } from "../engine/fixture.js";
import { ethers, networkHelpers } from "../fixtures.js";

const coder = AbiCoder.defaultAbiCoder();
const FUNDING_INTERVAL = 3600;
const encodePerform = (fundingMarketIds: number[], vaultIds: bigint[]) =>
  coder.encode(["uint32[]", "uint256[]"], [fundingMarketIds, vaultIds]);
const decodePerform = (data: string) => {
  const [markets, ids] = coder.decode(["uint32[]", "uint256[]"], data) as unknown as [bigint[], bigint[]];
  return { fundingMarketIds: markets.map(Number), vaultIds: [...ids] };
};
const encodeCheck = (marketId: number, startSerial: bigint, count: bigint) =>
  coder.encode(["uint32", "uint256", "uint256"], [marketId, startSerial, count]);

interface HelperFixture extends EngineFixture {
  helper: KeeperHelper;
  recipient: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
  /** Market 0: 10 ETH / 10 tokens (~333% at ETH = 3000). */
  safeId: bigint;
  /** Market 0: 1 ETH / 2 tokens (~167%): unsafe once ETH trades at 3400. */
  riskyId: bigint;
  /** Market 0: collateral, no debt. */
  emptyId: bigint;
  /** Market 1: 3 ETH / 1 token (~300%). */
  eth1SafeId: bigint;
  /** Market 1: 1 ETH / 0.665 tokens (~150.4%): unsafe once funding has raised NF by 0.3%. */
  eth1RiskyId: bigint;
}

async function deployHelper(): Promise<HelperFixture> {
  const d = await loadEngine();
  const [, , , , , recipient, stranger] = await ethers.getSigners();
  const helper = (await ethers.deployContract(
    "KeeperHelper",
    [d.engine, recipient.address, FUNDING_INTERVAL, d.deployer],
    d.deployer,
  )) as unknown as KeeperHelper;
  const open = async (signer: HardhatEthersSigner, marketId: number, collateral: string, debt: string) => {
    await (
      await d.engine
        .connect(signer)
        .mint(d.markets[marketId].newVaultId, parseEther(debt), { value: parseEther(collateral) })
    ).wait();
    return vaultIdOf(marketId, await d.lens.vaultCount(marketId));
  };
  const safeId = await open(d.alice, 0, "10", "10");
  const riskyId = await open(d.bob, 0, "1", "2");
  await (await d.engine.connect(d.carol).openVault(0)).wait();
  const emptyId = vaultIdOf(0, await d.lens.vaultCount(0));
  await (await d.engine.connect(d.carol).deposit(emptyId, { value: parseEther("1") })).wait();
  const eth1SafeId = await open(d.alice, 1, "3", "1");
  const eth1RiskyId = await open(d.bob, 1, "1", "0.665");
  return { ...d, helper, recipient, stranger, safeId, riskyId, emptyId, eth1SafeId, eth1RiskyId };
}

const load = () => networkHelpers.loadFixture(deployHelper);

/** ETH to 3400 (the TWAP follows in 600 s, well within the funding interval). */
async function makeRiskyUnsafe(f: HelperFixture): Promise<void> {
  await setEthPrice(f, 3400);
  await advanceTime(f, 600);
}

/**
 * The ETH¹ token at 0.8 ETH (mark / index at the floor) for a day: funding raises NF ~1.3%, and the 150.4% ETH¹
 * vault becomes unsafe (funding is due in both markets by then).
 */
async function makeEth1RiskyUnsafe(f: HelperFixture): Promise<void> {
  await setTokenPrice(f, f.eth1, "0.8");
  await advanceTime(f, 600);
  await advanceTime(f, 86_400);
}

async function fundHelper(f: HelperFixture, tokens: string, marketId = 0): Promise<void> {
  await (await f.markets[marketId].token.connect(f.deployer).transfer(f.helper, parseEther(tokens))).wait();
}

describe("KeeperHelper", function () {
  it("reports every vault's health in each market exactly as the engine would liquidate it", async function () {
    const f = await load();
    await makeRiskyUnsafe(f);
    for (const marketId of [0, 1]) {
      const count = await f.lens.vaultCount(marketId);
      const page = await f.helper.getVaultHealth(marketId, 1n, 100n);
      expect(page.length).to.equal(Number(count));
      expect(page.map((e) => e.vaultId)).to.deep.equal(
        Array.from({ length: Number(count) }, (_, i) => vaultIdOf(marketId, BigInt(i + 1))),
      );
      for (const entry of page) {
        const [, , collateral, debt] = await f.lens.getVault(entry.vaultId);
        const [liquidatable] = await f.lens.previewLiquidation(entry.vaultId);
        expect(entry.collateral).to.equal(collateral);
        expect(entry.debt).to.equal(debt);
        expect(entry.liquidatable, `vault ${entry.vaultId}`).to.equal(liquidatable);
        if (debt > 0n) expect(entry.liquidatable).to.equal(!(await f.lens.isVaultSafe(entry.vaultId)));
      }
      const expected = marketId === 0 ? [f.riskyId] : [];
      expect(page.filter((e) => e.liquidatable).map((e) => e.vaultId)).to.deep.equal(expected);
      const [ids, withDebt] = await f.helper.getLiquidatableVaults(marketId, 1n, 100n);
      expect(ids).to.deep.equal(expected);
      expect(withDebt).to.equal(BigInt(page.filter((e) => e.debt > 0n).length));
    }
    await makeEth1RiskyUnsafe(f);
    expect((await f.helper.getLiquidatableVaults(1, 1n, 100n))[0]).to.deep.equal([f.eth1RiskyId]);
    expect((await f.lens.previewLiquidation(f.eth1RiskyId))[0]).to.equal(true);
  });

  it("bounds pages: at most MAX_PAGE_SIZE serials, clipped to the market's vaults, serial 0 read as 1", async function () {
    const f = await load();
    const count = await f.lens.vaultCount(0);
    expect(await f.helper.MAX_PAGE_SIZE()).to.equal(1000n);
    expect(await f.helper.CHECK_PAGE_SIZE()).to.equal(500n);
    expect((await f.helper.getVaultHealth(0, 0n, 1000n)).map((e) => e.vaultId)).to.deep.equal(
      Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1)),
    );
    expect(await f.helper.getVaultHealth(0, count + 5n, 10n)).to.deep.equal([]);
    expect((await f.helper.getVaultHealth(0, 2n, 2n)).map((e) => e.vaultId)).to.deep.equal([2n, 3n]);
    expect((await f.helper.getVaultHealth(1, 2n, 1n)).map((e) => e.vaultId)).to.deep.equal([
      vaultIdOf(1, 2n),
    ]);
    await expect(f.helper.getVaultHealth(0, 1n, 1001n))
      .to.be.revertedWithCustomError(f.helper, "PageTooLarge")
      .withArgs(1001n, 1000n);
    await expect(f.helper.getLiquidatableVaults(1, 1n, 1001n)).to.be.revertedWithCustomError(
      f.helper,
      "PageTooLarge",
    );
    await expect(f.helper.checkUpkeep(encodeCheck(0, 1n, 1001n))).to.be.revertedWithCustomError(
      f.helper,
      "PageTooLarge",
    );
    await expect(f.helper.getLiquidatableVaults(2, 1n, 10n))
      .to.be.revertedWithCustomError(f.lens, "MarketNotFound")
      .withArgs(2n);
  });

  it("has nothing to do while every vault is safe and funding is fresh", async function () {
    const f = await load();
    const [needed, data] = await f.helper.checkUpkeep("0x");
    expect(needed).to.equal(false);
    expect(decodePerform(data)).to.deep.equal({ fundingMarketIds: [], vaultIds: [] });
    expect((await f.helper.checkUpkeep(encodeCheck(1, 1n, 100n)))[0]).to.equal(false);
    expect((await f.helper.checker())[0]).to.equal(false);
    await expect(f.helper.performUpkeep(encodePerform([0, 1], []))).to.be.revertedWithCustomError(
      f.helper,
      "UpkeepNotNeeded",
    );
  });

  it("applies every market's funding once its last update is older than the interval, and only then", async function () {
    const f = await load();
    await advanceTime(f, FUNDING_INTERVAL);
    expect(await f.helper.fundingDue(0)).to.equal(true);
    expect(await f.helper.fundingDue(1)).to.equal(true);
    const [needed, data] = await f.helper.checkUpkeep("0x");
    expect(needed).to.equal(true);
    expect(decodePerform(data)).to.deep.equal({ fundingMarketIds: [0, 1], vaultIds: [] });
    // A page of another market checks every market's funding too.
    expect((await f.helper.checkUpkeep(encodeCheck(1, 1n, 10n)))[1]).to.equal(data);
    const tx = await f.helper.connect(f.stranger).performUpkeep(data);
    await expect(tx).to.emit(f.helper, "FundingApplied").withArgs(0n, anyValue);
    await expect(tx).to.emit(f.helper, "FundingApplied").withArgs(1n, anyValue);
    await expect(tx).to.emit(f.engine, "NormalizationFactorUpdated");
    const receipt = await tx.wait();
    const block = await ethers.provider.getBlock(receipt?.blockNumber ?? "latest");
    for (const marketId of [0, 1]) {
      expect(await f.lens.lastFundingUpdate(marketId)).to.equal(BigInt(block?.timestamp ?? 0));
    }
    // The same perform data again: funding is fresh now, so there is nothing to do.
    await expect(f.helper.performUpkeep(data)).to.be.revertedWithCustomError(f.helper, "UpkeepNotNeeded");
  });

  it("applies only the listed markets' funding", async function () {
    const f = await load();
    await advanceTime(f, FUNDING_INTERVAL);
    const before = await f.lens.lastFundingUpdate(0);
    const tx = await f.helper.performUpkeep(encodePerform([1], []));
    await expect(tx).to.emit(f.helper, "FundingApplied").withArgs(1n, anyValue);
    expect(await f.lens.lastFundingUpdate(0)).to.equal(before);
    expect(await f.helper.fundingDue(0)).to.equal(true);
    expect(await f.helper.fundingDue(1)).to.equal(false);
    expect(decodePerform((await f.helper.checkUpkeep("0x"))[1]).fundingMarketIds).to.deep.equal([0]);
  });

  it("lists unsafe vaults only once it holds tokens, liquidates them and forwards the proceeds", async function () {
    const f = await load();
    await makeRiskyUnsafe(f);
    expect((await f.helper.checkUpkeep("0x"))[0], "no tokens, no upkeep").to.equal(false);
    await fundHelper(f, "5", 1);
    expect((await f.helper.checkUpkeep("0x"))[0], "no tokens of this market, no upkeep").to.equal(false);

    await fundHelper(f, "5");
    const [needed, data] = await f.helper.checkUpkeep("0x");
    expect(needed).to.equal(true);
    expect(decodePerform(data)).to.deep.equal({ fundingMarketIds: [], vaultIds: [f.riskyId] });

    const recipientBefore = await ethers.provider.getBalance(f.recipient);
    const [, , , debtBefore] = await f.lens.getVault(f.riskyId);
    const tx = await f.helper.connect(f.stranger).performUpkeep(data);
    const receipt = await tx.wait();
    const engineAddress = (await f.engine.getAddress()).toLowerCase();
    const liquidated = receipt?.logs
      .filter((log) => log.address.toLowerCase() === engineAddress)
      .map((log) => {
        try {
          return f.engine.interface.parseLog(log);
        } catch {
          return null;
        }
      })
      .find((parsed) => parsed?.name === "Liquidated");
    const [marketId, vaultId, liquidator, debtRepaid, collateralPaid] = liquidated?.args ?? [];
    expect([marketId, vaultId]).to.deep.equal([0n, f.riskyId]);
    expect(liquidator).to.equal(await f.helper.getAddress());
    expect(debtRepaid).to.equal(debtBefore / 2n);
    await expect(tx).to.emit(f.helper, "VaultLiquidated").withArgs(f.riskyId, debtRepaid, collateralPaid);
    await expect(tx).to.emit(f.helper, "ProceedsSent").withArgs(f.recipient.address, collateralPaid);
    expect(await ethers.provider.getBalance(f.recipient)).to.equal(
      recipientBefore + (collateralPaid as bigint),
    );
    expect(await ethers.provider.getBalance(f.helper)).to.equal(0n);
    expect(await f.powerToken.balanceOf(f.helper)).to.equal(parseEther("5") - (debtRepaid as bigint));
    expect(await f.eth1.token.balanceOf(f.helper), "the other market's tokens are untouched").to.equal(
      parseEther("5"),
    );
    expect(await f.lens.isVaultSafe(f.riskyId)).to.equal(true);
    expect((await f.helper.checkUpkeep("0x"))[0]).to.equal(false);
  });

  it("liquidates in each market with that market's tokens: one upkeep for vaults of both markets", async function () {
    const f = await load();
    await makeRiskyUnsafe(f);
    await makeEth1RiskyUnsafe(f);
    await fundHelper(f, "5", 0);
    await fundHelper(f, "5", 1);
    const [needed, data] = await f.helper.checkUpkeep(encodeCheck(1, 1n, 100n));
    expect(needed).to.equal(true);
    expect(decodePerform(data)).to.deep.equal({ fundingMarketIds: [0, 1], vaultIds: [f.eth1RiskyId] });
    expect(decodePerform((await f.helper.checkUpkeep("0x"))[1]).vaultIds).to.deep.equal([f.riskyId]);
    const [, , , debt1Before] = await f.lens.getVault(f.eth1RiskyId);
    const [, , , debt0Before] = await f.lens.getVault(f.riskyId);

    const tx = await f.helper.performUpkeep(encodePerform([], [f.riskyId, f.eth1RiskyId]));
    await expect(tx).to.emit(f.helper, "VaultLiquidated").withArgs(f.riskyId, anyValue, anyValue);
    await expect(tx).to.emit(f.helper, "VaultLiquidated").withArgs(f.eth1RiskyId, anyValue, anyValue);
    await expect(tx).to.not.emit(f.helper, "FundingApplied");
    const [, , , debt0After] = await f.lens.getVault(f.riskyId);
    const [, , , debt1After] = await f.lens.getVault(f.eth1RiskyId);
    expect(await f.powerToken.balanceOf(f.helper)).to.equal(parseEther("5") - (debt0Before - debt0After));
    expect(await f.eth1.token.balanceOf(f.helper)).to.equal(parseEther("5") - (debt1Before - debt1After));
    expect(debt1After < debt1Before).to.equal(true);
    expect(await f.lens.isVaultSafe(f.riskyId)).to.equal(true);
    expect(await f.lens.isVaultSafe(f.eth1RiskyId)).to.equal(true);
    expect(await ethers.provider.getBalance(f.helper)).to.equal(0n);
  });

  it("stops at its balance: checks list what the tokens cover, performUpkeep skips the rest", async function () {
    const f = await load();
    await (
      await f.engine.connect(f.carol).mint(f.eth2.newVaultId, parseEther("2"), { value: parseEther("1") })
    ).wait();
    const secondRiskyId = vaultIdOf(0, await f.lens.vaultCount(0));
    await makeRiskyUnsafe(f);
    await fundHelper(f, "1"); // half of one risky vault's debt: exactly one liquidation

    const [needed, data] = await f.helper.checkUpkeep("0x");
    expect(needed).to.equal(true);
    expect(decodePerform(data).vaultIds).to.deep.equal([f.riskyId]);

    const tx = await f.helper.performUpkeep(encodePerform([], [f.riskyId, secondRiskyId]));
    await expect(tx)
      .to.emit(f.helper, "VaultLiquidated")
      .withArgs(f.riskyId, parseEther("1"), (paid: bigint) => paid > 0n);
    await expect(tx).to.emit(f.helper, "LiquidationSkipped").withArgs(secondRiskyId, "0x");
    expect(await f.powerToken.balanceOf(f.helper)).to.equal(0n);
    const [, , collateral, debt] = await f.lens.getVault(secondRiskyId);
    expect([collateral, debt], "the second vault is untouched").to.deep.equal([
      parseEther("1"),
      parseEther("2"),
    ]);
  });

  it("reverts the whole upkeep when the recipient refuses the proceeds", async function () {
    const f = await load();
    const refuser = await ethers.deployContract("NonReceiver", [f.engine, 0], f.deployer);
    await (await f.helper.setRecipient(await refuser.getAddress())).wait();
    await makeRiskyUnsafe(f);
    await fundHelper(f, "5");
    const [, data] = await f.helper.checkUpkeep("0x");
    const [, , collateralBefore, debtBefore] = await f.lens.getVault(f.riskyId);

    await expect(f.helper.performUpkeep(data))
      .to.be.revertedWithCustomError(f.helper, "EthTransferFailed")
      .withArgs(await refuser.getAddress(), (proceeds: bigint) => proceeds > 0n);
    const [, , collateral, debt] = await f.lens.getVault(f.riskyId);
    expect([collateral, debt], "nothing was liquidated").to.deep.equal([collateralBefore, debtBefore]);
    expect(await f.powerToken.balanceOf(f.helper)).to.equal(parseEther("5"));
  });

  it("re-checks untrusted perform data: safe, empty and unknown vaults are skipped, too many ids rejected", async function () {
    const f = await load();
    await makeRiskyUnsafe(f);
    await fundHelper(f, "5");
    await fundHelper(f, "5", 1);
    await expect(
      f.helper.performUpkeep(
        encodePerform([], [f.safeId, f.emptyId, 999n, f.eth1SafeId, vaultIdOf(1, 999n)]),
      ),
    ).to.be.revertedWithCustomError(f.helper, "UpkeepNotNeeded");
    await expect(f.helper.performUpkeep(encodePerform([0, 1], [f.safeId]))).to.be.revertedWithCustomError(
      f.helper,
      "UpkeepNotNeeded",
    );
    const tooMany = Array.from({ length: 21 }, () => f.riskyId);
    await expect(f.helper.performUpkeep(encodePerform([], tooMany)))
      .to.be.revertedWithCustomError(f.helper, "TooManyVaults")
      .withArgs(21n, 20n);

    const tx = await f.helper.performUpkeep(encodePerform([], [f.safeId, f.riskyId]));
    const safeError = f.engine.interface.getError("VaultSafe");
    await expect(tx).to.emit(f.helper, "VaultLiquidated");
    await expect(tx)
      .to.emit(f.helper, "LiquidationSkipped")
      .withArgs(f.safeId, (reason: string) => reason.startsWith(safeError?.selector ?? "0x?"));
  });

  it("never liquidates at a loss: an insolvent vault is left out of checks and skipped by performUpkeep", async function () {
    const f = await load();
    // At ETH = 5500 (one token's debt 0.55 ETH, the power pool at its fair price): 0.8 ETH / 1 token is unsafe but
    // solvent, while the risky vault (1 ETH / 2 tokens) cannot pay its debt plus bonus: liquidating it loses money.
    await (
      await f.engine.connect(f.alice).mint(f.eth2.newVaultId, parseEther("1"), { value: parseEther("0.8") })
    ).wait();
    const solventId = vaultIdOf(0, await f.lens.vaultCount(0));
    await setEthPrice(f, 5500);
    await setPowerPrice(f, fairPowerPriceEth(f.market, 5500, 0.8).toPrecision(12));
    await advanceTime(f, 600);
    await fundHelper(f, "10");

    const [needed, data] = await f.helper.checkUpkeep("0x");
    expect(needed).to.equal(true);
    expect(decodePerform(data).vaultIds).to.deep.equal([solventId]);
    expect((await f.lens.previewLiquidation(f.riskyId))[0], "the engine would liquidate it").to.equal(true);

    await expect(f.helper.performUpkeep(encodePerform([], [f.riskyId]))).to.be.revertedWithCustomError(
      f.helper,
      "UpkeepNotNeeded",
    );
    const unprofitable = f.helper.interface.getError("UnprofitableLiquidation");
    const tx = await f.helper.performUpkeep(encodePerform([], [f.riskyId, solventId]));
    await expect(tx)
      .to.emit(f.helper, "LiquidationSkipped")
      .withArgs(f.riskyId, (reason: string) => reason.startsWith(unprofitable?.selector ?? "0x?"));
    await expect(tx).to.emit(f.helper, "VaultLiquidated");
    const [, , collateral] = await f.lens.getVault(f.riskyId);
    expect(collateral, "the insolvent vault is untouched").to.equal(parseEther("1"));
  });

  it("serves Gelato: checker's payload is the performUpkeep call and executes", async function () {
    const f = await load();
    await makeRiskyUnsafe(f);
    await fundHelper(f, "5");
    const [canExec, payload] = await f.helper.checker();
    const [, performData] = await f.helper.checkUpkeep("0x");
    expect(canExec).to.equal(true);
    expect(payload).to.equal(f.helper.interface.encodeFunctionData("performUpkeep", [performData]));
    const riskySerial = f.riskyId; // market 0: the serial is the id
    expect((await f.helper.checkerPage(0, riskySerial, 1n))[1]).to.equal(payload);
    expect((await f.helper.checkerPage(0, riskySerial + 1n, 10n))[0]).to.equal(false);
    expect((await f.helper.checkerPage(1, 1n, 10n))[0]).to.equal(false);
    const tx = await f.stranger.sendTransaction({ to: await f.helper.getAddress(), data: payload });
    await expect(tx).to.emit(f.helper, "VaultLiquidated");
  });

  it("does nothing in a paused market, and keeps the other market's funding", async function () {
    const f = await load();
    await makeRiskyUnsafe(f);
    await fundHelper(f, "5");
    await advanceTime(f, FUNDING_INTERVAL);
    await (await f.engine.connect(f.deployer).pause(0)).wait();
    expect(await f.helper.fundingDue(0)).to.equal(false);
    expect(await f.helper.fundingDue(1)).to.equal(true);
    expect((await f.helper.getLiquidatableVaults(0, 1n, 100n))[0]).to.deep.equal([]);
    const [needed, data] = await f.helper.checkUpkeep("0x");
    expect(needed).to.equal(true);
    expect(decodePerform(data)).to.deep.equal({ fundingMarketIds: [1], vaultIds: [] });
    await expect(f.helper.performUpkeep(encodePerform([0], [f.riskyId]))).to.be.revertedWithCustomError(
      f.helper,
      "UpkeepNotNeeded",
    );
  });

  it("M-1 skips vaults during the grace period after an unpause, and lists them once it is over", async function () {
    const f = await load();
    await makeRiskyUnsafe(f);
    await fundHelper(f, "5");
    await (await f.engine.connect(f.deployer).pause(0)).wait();
    await (await f.engine.connect(f.deployer).unpause(0)).wait();
    const opensAt = await f.lens.liquidationsOpenAt(0);
    expect(await f.lens.isVaultSafe(f.riskyId)).to.equal(false);
    expect((await f.helper.getLiquidatableVaults(0, 1n, 100n))[0]).to.deep.equal([]);
    expect((await f.helper.getVaultHealth(0, f.riskyId, 1n))[0].liquidatable).to.equal(false);
    expect((await f.helper.checkUpkeep("0x"))[0]).to.equal(false);
    // Listed anyway, the liquidation is skipped (the engine reverts LiquidationGracePeriod): nothing to do.
    await expect(f.helper.performUpkeep(encodePerform([], [f.riskyId]))).to.be.revertedWithCustomError(
      f.helper,
      "UpkeepNotNeeded",
    );
    await networkHelpers.time.increaseTo(opensAt);
    expect((await f.helper.getLiquidatableVaults(0, 1n, 100n))[0]).to.deep.equal([f.riskyId]);
    expect((await f.helper.checkUpkeep("0x"))[0]).to.equal(true);
  });

  it("guards its entry points and lets only the owner configure it and withdraw tokens", async function () {
    const f = await load();
    const helperAddress = await f.helper.getAddress();
    await expect(f.helper.liquidateChecked(f.riskyId, 1n, 1n))
      .to.be.revertedWithCustomError(f.helper, "OnlySelf")
      .withArgs(f.deployer);
    await expect(f.stranger.sendTransaction({ to: helperAddress, value: 1n }))
      .to.be.revertedWithCustomError(f.helper, "UnexpectedEthSender")
      .withArgs(f.stranger.address);
    for (const call of [
      f.helper.connect(f.stranger).setRecipient(f.stranger.address),
      f.helper.connect(f.stranger).setFundingInterval(60n),
      f.helper.connect(f.stranger).withdrawTokens(f.powerToken, f.stranger.address, 1n),
    ]) {
      await expect(call).to.be.revertedWithCustomError(f.helper, "OwnableUnauthorizedAccount");
    }
    await expect(f.helper.setRecipient(ZeroAddress)).to.be.revertedWithCustomError(f.helper, "ZeroAddress");
    await expect(f.helper.setFundingInterval(0n)).to.be.revertedWithCustomError(
      f.helper,
      "InvalidFundingInterval",
    );
    await expect(f.helper.setRecipient(f.stranger.address))
      .to.emit(f.helper, "RecipientSet")
      .withArgs(f.stranger.address);
    expect(await f.helper.recipient()).to.equal(f.stranger.address);
    await expect(f.helper.setFundingInterval(60n)).to.emit(f.helper, "FundingIntervalSet").withArgs(60n);
    expect(await f.helper.fundingInterval()).to.equal(60n);

    await fundHelper(f, "2");
    await fundHelper(f, "3", 1);
    await expect(f.helper.withdrawTokens(f.powerToken, f.carol.address, parseEther("2")))
      .to.emit(f.helper, "TokensWithdrawn")
      .withArgs(await f.powerToken.getAddress(), f.carol.address, parseEther("2"));
    await expect(f.helper.withdrawTokens(f.eth1.token, f.carol.address, parseEther("3")))
      .to.emit(f.helper, "TokensWithdrawn")
      .withArgs(await f.eth1.token.getAddress(), f.carol.address, parseEther("3"));
    expect(await f.powerToken.balanceOf(f.helper)).to.equal(0n);
    expect(await f.eth1.token.balanceOf(f.helper)).to.equal(0n);

    expect(await f.helper.engine()).to.equal(await f.engine.getAddress());
    expect(await f.helper.MAX_LIQUIDATIONS_PER_UPKEEP()).to.equal(20n);
    const factory = await ethers.getContractFactory("KeeperHelper", f.deployer);
    await expect(
      factory.deploy(f.engine, ZeroAddress, FUNDING_INTERVAL, f.deployer),
    ).to.be.revertedWithCustomError(f.helper, "ZeroAddress");
    await expect(factory.deploy(f.engine, f.deployer, 0n, f.deployer)).to.be.revertedWithCustomError(
      f.helper,
      "InvalidFundingInterval",
    );
  });
  describe("liquidateWithLimits (the keeper's guarded route)", function () {
    /** The stranger as an off-chain keeper: 5 tokens from the deployer, the helper approved once. */
    async function keeperReady(f: HelperFixture) {
      await (await f.powerToken.connect(f.deployer).transfer(f.stranger, parseEther("5"))).wait();
      await (await f.powerToken.connect(f.stranger).approve(f.helper, MaxUint256)).wait();
      await makeRiskyUnsafe(f);
      const [debtRepaid, collateralPaid] = await f.engine
        .connect(f.stranger)
        .liquidate.staticCall(f.riskyId, parseEther("5"));
      const now = BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0);
      return { debtRepaid, collateralPaid, deadline: now + 60n };
    }

    /** Everything a failed attempt must leave unchanged. */
    async function state(f: HelperFixture) {
      const [, , collateral, debt] = await f.lens.getVault(f.riskyId);
      return {
        collateral,
        debt,
        keeperTokens: await f.powerToken.balanceOf(f.stranger),
        helperTokens: await f.powerToken.balanceOf(f.helper),
        helperEth: await ethers.provider.getBalance(f.helper),
        allowance: await f.powerToken.allowance(f.stranger, f.helper),
      };
    }

    it("keeper: I-4 takes at most maxDebtAmount, returns the unused tokens and sends the ETH to the caller", async function () {
      const f = await load();
      await fundHelper(f, "3"); // the upkeep's own tokens must not be touched
      const { debtRepaid, collateralPaid, deadline } = await keeperReady(f);
      const before = await state(f);
      const offered = parseEther("5");
      expect(debtRepaid < offered).to.equal(true);
      const tx = f.helper
        .connect(f.stranger)
        .liquidateWithLimits(f.riskyId, offered, collateralPaid, deadline);
      await expect(tx)
        .to.emit(f.helper, "LiquidatedWithLimits")
        .withArgs(f.riskyId, f.stranger.address, debtRepaid, collateralPaid);
      await expect(tx).to.changeEtherBalances(ethers, [f.stranger, f.helper], [collateralPaid, 0n], {
        includeFee: false,
      });
      const after = await state(f);
      expect(before.keeperTokens - after.keeperTokens).to.equal(debtRepaid);
      expect(after.helperTokens).to.equal(before.helperTokens);
      expect(after.helperEth).to.equal(0n);
      expect(before.debt - after.debt).to.equal(debtRepaid);
      expect(before.collateral - after.collateral).to.equal(collateralPaid);
    });

    it("keeper: I-4 reverts with the numbers below minCollateralOut or after the deadline, changing nothing", async function () {
      const f = await load();
      const { debtRepaid, collateralPaid, deadline } = await keeperReady(f);
      const before = await state(f);
      await expect(
        f.helper
          .connect(f.stranger)
          .liquidateWithLimits(f.riskyId, debtRepaid, collateralPaid + 1n, deadline),
      )
        .to.be.revertedWithCustomError(f.helper, "InsufficientCollateralOut")
        .withArgs(f.riskyId, collateralPaid, collateralPaid + 1n);
      await networkHelpers.time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.helper.connect(f.stranger).liquidateWithLimits(f.riskyId, debtRepaid, 0n, deadline))
        .to.be.revertedWithCustomError(f.helper, "LiquidationDeadlinePassed")
        .withArgs(deadline, deadline + 1n);
      expect(await state(f)).to.deep.equal(before);
      // The same liquidation with a later deadline goes through.
      const later = deadline + 100n;
      await expect(f.helper.connect(f.stranger).liquidateWithLimits(f.riskyId, debtRepaid, 0n, later))
        .to.emit(f.helper, "LiquidatedWithLimits")
        .withArgs(f.riskyId, f.stranger.address, debtRepaid, anyValue);
    });

    it("keeper: I-4 takes tokens only with the caller's approval", async function () {
      const f = await load();
      await makeRiskyUnsafe(f);
      await (await f.powerToken.connect(f.deployer).transfer(f.stranger, parseEther("5"))).wait();
      const far = 2n ** 40n;
      await expect(
        f.helper.connect(f.stranger).liquidateWithLimits(f.riskyId, parseEther("1"), 0n, far),
      ).to.be.revertedWithCustomError(f.powerToken, "ERC20InsufficientAllowance");
    });
  });
});
