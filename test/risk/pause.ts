/**
 * The bounded pause: at most 4 pauses, only within 182 days of deployment, unpause by the owner at any time and
 * by anyone once the pause is a day old; funding checkpointed at the pause, frozen while paused and restarted at
 * the unpause (M-2), which opens a one-hour grace period for liquidations (M-1).
 */
import { expect } from "chai";

import { setPowerPrice } from "../../deploy/evergamma.js";
import { ethers, loadProtocol, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import { GAS, inOneBlock } from "../utils/coreHelpers.js";
import { mined, PENDING, pinNextBlock } from "../utils/riskHelpers.js";

const DAY = 24 * 3600;
/** Liquidations stay closed this long after every unpause (M-1). */
const GRACE = 3600;
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
    await expect(controller.connect(carol).unpause())
      .to.emit(controller, "Unpaused")
      .withArgs(carol.address, BigInt(allowedAt + GRACE));
    expect(await controller.isPaused()).to.equal(false);
  });

  it("the owner can unpause at any time (one second after pausing)", async function () {
    const { controller, deployer } = await loadProtocol();
    await mined(controller.pause());
    const at = await pinNextBlock(1);
    await expect(controller.connect(deployer).unpause())
      .to.emit(controller, "Unpaused")
      .withArgs(await deployer.getAddress(), BigInt(at + GRACE));
    expect(await controller.isPaused()).to.equal(false);
  });

  it("M-2: pause checkpoints funding, NF stays frozen while paused, and funding restarts at unpause", async function () {
    const d = await loadProtocol();
    const { controller } = d;
    const funded = await mined(controller.applyFunding());
    const t0 = await blockTimestamp(funded.blockNumber);
    const nf0 = await controller.normalizationFactor();

    // The pause applies the hour's funding first, exactly as applyFunding would have.
    const pausedAt = await pinNextBlock(3600);
    const checkpoint = await controller.expectedNormalizationFactor(PENDING);
    expect(checkpoint).to.be.lessThan(nf0); // mark > index at the seed volatility: longs pay, NF falls
    const pause = await mined(controller.pause());
    await expect(pause)
      .to.emit(controller, "NormalizationFactorUpdated")
      .withArgs(nf0, checkpoint, BigInt(t0), BigInt(pausedAt));
    expect(await controller.lastFundingUpdate()).to.equal(BigInt(pausedAt));

    // Two days later nothing has accrued, in storage or in the views.
    await networkHelpers.time.increase(2 * DAY);
    expect(await controller.normalizationFactor()).to.equal(checkpoint);
    expect(await controller.expectedNormalizationFactor()).to.equal(checkpoint);

    // Unpause restarts funding from its own block with the frozen factor, and opens the grace period.
    const unpausedAt = await pinNextBlock(60);
    const unpause = await mined(controller.connect(d.carol).unpause());
    await expect(unpause)
      .to.emit(controller, "Unpaused")
      .withArgs(d.carol.address, BigInt(unpausedAt + GRACE));
    await expect(unpause).not.to.emit(controller, "NormalizationFactorUpdated");
    expect(await controller.lastFundingUpdate()).to.equal(BigInt(unpausedAt));
    expect(await controller.normalizationFactor()).to.equal(checkpoint);
    expect(await controller.liquidationsOpenAt()).to.equal(BigInt(unpausedAt + GRACE));

    // The next update charges only the time since the unpause, as if the pause had never happened.
    const at = await pinNextBlock(3600);
    const expected = await controller.expectedNormalizationFactor(PENDING);
    expect(expected).to.be.lessThan(checkpoint);
    await expect(mined(controller.applyFunding()))
      .to.emit(controller, "NormalizationFactorUpdated")
      .withArgs(checkpoint, expected, BigInt(unpausedAt), BigInt(at));
  });

  for (const premium of [0.8, 2]) {
    it(`M-2 the power pool held at ${premium}× index for the last window before unpause leaves NF unchanged across the pause`, async function () {
      const d = await loadProtocol();
      const { controller } = d;
      const pause = await mined(controller.pause());
      const pausedAt = await blockTimestamp(pause.blockNumber);
      const frozen = await controller.normalizationFactor();

      // Keepers cannot apply funding and nobody can arbitrage the pool while paused; the attacker holds the price.
      await expect(controller.connect(d.bob).applyFunding()).to.be.revertedWithCustomError(
        controller,
        "ProtocolPaused",
      );
      await networkHelpers.time.setNextBlockTimestamp(pausedAt + DAY - 600);
      const nf = Number(frozen) / 1e18;
      const ethUsd = Number(await controller.ethPrice()) / 1e18;
      const indexPerToken = (nf * ethUsd ** (d.market.power - 1)) / Number(d.market.indexScale);
      await setPowerPrice(d, (indexPerToken * premium).toPrecision(12));
      await networkHelpers.time.setNextBlockTimestamp(pausedAt + DAY - 1);
      await networkHelpers.mine();
      // The whole last window sits at the attacker's price, and still nothing accrues.
      const held = Number(await controller.powerTokenPrice()) / 1e18 / indexPerToken;
      expect(Math.abs(held - premium)).to.be.lessThan(0.02);
      expect(await controller.expectedNormalizationFactor()).to.equal(frozen);

      // Anyone unpauses at the first allowed second and applies funding in the same block.
      const [unpause, funding] = await inOneBlock(
        async () => [
          await controller.connect(d.carol).unpause(GAS),
          await controller.connect(d.carol).applyFunding(GAS),
        ],
        pausedAt + DAY,
      );
      expect([unpause.status, funding.status]).to.deep.equal([1, 1]);
      expect(await controller.normalizationFactor()).to.equal(frozen);
      expect(await controller.lastFundingUpdate()).to.equal(BigInt(pausedAt + DAY));
    });
  }
});
