/**
 * The bounded pause: at most 4 pauses, only within 182 days of deployment, unpause by the owner at any time and
 * by anyone once the pause is a day old, and funding for the paused interval applied exactly once afterwards.
 */
import { expect } from "chai";

import { ethers, loadProtocol, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import { mined, PENDING, pinNextBlock, takeSnapshot } from "../utils/riskHelpers.js";

const DAY = 24 * 3600;
const PAUSE_WINDOW = 182 * DAY;

async function blockTimestamp(blockNumber: number): Promise<number> {
  const block = await ethers.provider.getBlock(blockNumber);
  if (block === null) throw new Error(`no block ${blockNumber}`);
  return block.timestamp;
}

/** The timestamp of the Controller's deployment block. */
async function deployedAt(d: ProtocolFixture): Promise<number> {
  const tx = d.controller.deploymentTransaction();
  if (tx === null) throw new Error("no deployment transaction");
  const receipt = await ethers.provider.getTransactionReceipt(tx.hash);
  if (receipt === null) throw new Error("deployment not mined");
  return blockTimestamp(receipt.blockNumber);
}

describe("Risk: bounded pause", function () {
  it("allows 4 pauses, then reverts NoPausesLeft", async function () {
    const { controller } = await loadProtocol();
    expect(await controller.pausesLeft()).to.equal(4n);
    for (let left = 3n; left >= 0n; left--) {
      await expect(controller.pause()).to.emit(controller, "Paused").withArgs(left);
      expect(await controller.isPaused()).to.equal(true);
      expect(await controller.pausesLeft()).to.equal(left);
      await mined(controller.unpause());
    }
    await expect(controller.pause()).to.be.revertedWithCustomError(controller, "NoPausesLeft");
  });

  it("pause is owner-only, cannot pause twice, and unpause needs a pause", async function () {
    const { controller, alice } = await loadProtocol();
    await expect(controller.connect(alice).pause())
      .to.be.revertedWithCustomError(controller, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await expect(controller.unpause()).to.be.revertedWithCustomError(controller, "ProtocolNotPaused");
    await mined(controller.pause());
    await expect(controller.pause()).to.be.revertedWithCustomError(controller, "ProtocolPaused");
    expect(await controller.pausesLeft()).to.equal(3n);
  });

  it("pausing is allowed at deployment + 182 days and reverts PauseWindowClosed one second later", async function () {
    let d = await loadProtocol();
    const deadline = (await deployedAt(d)) + PAUSE_WINDOW;
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await expect(d.controller.pause()).to.emit(d.controller, "Paused").withArgs(3n);

    d = await loadProtocol();
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1);
    await expect(d.controller.pause())
      .to.be.revertedWithCustomError(d.controller, "PauseWindowClosed")
      .withArgs(deadline);
  });

  it("a stranger cannot unpause before the pause is a day old (UnpauseTooEarly), and can at exactly a day", async function () {
    const { controller, carol } = await loadProtocol();
    const receipt = await mined(controller.pause());
    const allowedAt = (await blockTimestamp(receipt.blockNumber)) + DAY;

    await networkHelpers.time.setNextBlockTimestamp(allowedAt - 1);
    await expect(controller.connect(carol).unpause())
      .to.be.revertedWithCustomError(controller, "UnpauseTooEarly")
      .withArgs(allowedAt);
    expect(await controller.isPaused()).to.equal(true);

    await networkHelpers.time.setNextBlockTimestamp(allowedAt);
    await expect(controller.connect(carol).unpause()).to.emit(controller, "Unpaused").withArgs(carol.address);
    expect(await controller.isPaused()).to.equal(false);
  });

  it("the owner can unpause at any time (one second after pausing)", async function () {
    const { controller, deployer } = await loadProtocol();
    await mined(controller.pause());
    await expect(controller.connect(deployer).unpause())
      .to.emit(controller, "Unpaused")
      .withArgs(await deployer.getAddress());
    expect(await controller.isPaused()).to.equal(false);
  });

  it("funding for the paused interval is applied exactly once, by the first call after unpause", async function () {
    const d = await loadProtocol();
    const { controller } = d;
    const funded = await mined(controller.applyFunding());
    const t0 = await blockTimestamp(funded.blockNumber);
    const nf0 = await controller.normalizationFactor();
    const start = await takeSnapshot();

    const pause = await mined(controller.pause());
    await expect(pause).not.to.emit(controller, "NormalizationFactorUpdated");
    await networkHelpers.time.increase(2 * DAY);
    const unpause = await mined(controller.connect(d.carol).unpause());
    await expect(unpause).not.to.emit(controller, "NormalizationFactorUpdated");
    expect(await controller.lastFundingUpdate()).to.equal(BigInt(t0));

    const t3 = await pinNextBlock(3600);
    const expected = await controller.expectedNormalizationFactor(PENDING);
    expect(expected).to.be.lessThan(nf0); // mark > index at the seed volatility: longs pay, NF falls
    const first = await mined(controller.applyFunding());
    await expect(first)
      .to.emit(controller, "NormalizationFactorUpdated")
      .withArgs(nf0, expected, BigInt(t0), BigInt(t3));
    expect(await controller.normalizationFactor()).to.equal(expected);

    // Exactly one update covered [t0, t3]; the next block's update starts at t3.
    const updates = await controller.queryFilter(
      controller.filters.NormalizationFactorUpdated(),
      funded.blockNumber + 1,
      first.blockNumber,
    );
    expect(updates.map((e) => [e.args.lastUpdate, e.args.now_])).to.deep.equal([[BigInt(t0), BigInt(t3)]]);
    const second = await mined(controller.applyFunding());
    const secondAt = await blockTimestamp(second.blockNumber);
    await expect(second)
      .to.emit(controller, "NormalizationFactorUpdated")
      .withArgs(expected, await controller.normalizationFactor(), BigInt(t3), BigInt(secondAt));

    // The same factor as if there had been no pause: the interval is funded once, like any other.
    await start.restore();
    await networkHelpers.time.setNextBlockTimestamp(t3);
    expect(await controller.expectedNormalizationFactor(PENDING)).to.equal(expected);
    await mined(controller.applyFunding());
    expect(await controller.normalizationFactor()).to.equal(expected);
  });
});
