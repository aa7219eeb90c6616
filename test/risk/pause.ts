/**
 * The bounded pause of market 0 (the budget and the window are per market): at most 4 pauses, only within 182 days
 * of the market's creation, unpause by the owner at any time and by anyone once the pause is a day old; funding
 * checkpointed at the pause, frozen while paused and restarted at the unpause (M-2), which opens a one-hour grace
 * period for liquidations (M-1).
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

/** The timestamp of the block that created market 0 (its `MarketCreated` event): the pause window's start. */
async function createdAt(d: ProtocolFixture): Promise<number> {
  const events = await d.engine.queryFilter(d.engine.filters.MarketCreated(d.marketId));
  expect(events).to.have.length(1);
  return blockTimestamp(events[0].blockNumber);
}

describe("Risk: bounded pause", function () {
  it("allows 4 pauses, then reverts NoPausesLeft", async function () {
    const { engine, lens, marketId } = await loadProtocol();
    expect(await lens.pausesLeft(marketId)).to.equal(4n);
    for (let left = 3n; left >= 0n; left--) {
      await expect(engine.pause(marketId)).to.emit(engine, "Paused").withArgs(BigInt(marketId), left);
      expect(await lens.isPaused(marketId)).to.equal(true);
      expect(await lens.pausesLeft(marketId)).to.equal(left);
      await mined(engine.unpause(marketId));
    }
    await expect(engine.pause(marketId)).to.be.revertedWithCustomError(engine, "NoPausesLeft");
  });

  it("pause is owner-only, cannot pause twice, and unpause needs a pause", async function () {
    const { engine, lens, marketId, alice } = await loadProtocol();
    await expect(engine.connect(alice).pause(marketId))
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await expect(engine.unpause(marketId))
      .to.be.revertedWithCustomError(engine, "MarketNotPaused")
      .withArgs(BigInt(marketId));
    await mined(engine.pause(marketId));
    await expect(engine.pause(marketId))
      .to.be.revertedWithCustomError(engine, "MarketPaused")
      .withArgs(BigInt(marketId));
    expect(await lens.pausesLeft(marketId)).to.equal(3n);
  });

  it("pausing is allowed at the market's creation + 182 days and reverts PauseWindowClosed one second later", async function () {
    let d = await loadProtocol();
    const deadline = (await createdAt(d)) + PAUSE_WINDOW;
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await expect(d.engine.pause(d.marketId)).to.emit(d.engine, "Paused").withArgs(BigInt(d.marketId), 3n);

    d = await loadProtocol();
    await networkHelpers.time.setNextBlockTimestamp(deadline + 1);
    await expect(d.engine.pause(d.marketId))
      .to.be.revertedWithCustomError(d.engine, "PauseWindowClosed")
      .withArgs(deadline);
  });

  it("a stranger cannot unpause before the pause is a day old (UnpauseTooEarly), and can at exactly a day", async function () {
    const { engine, lens, marketId, carol } = await loadProtocol();
    const receipt = await mined(engine.pause(marketId));
    const allowedAt = (await blockTimestamp(receipt.blockNumber)) + DAY;

    await networkHelpers.time.setNextBlockTimestamp(allowedAt - 1);
    await expect(engine.connect(carol).unpause(marketId))
      .to.be.revertedWithCustomError(engine, "UnpauseTooEarly")
      .withArgs(allowedAt);
    expect(await lens.isPaused(marketId)).to.equal(true);

    await networkHelpers.time.setNextBlockTimestamp(allowedAt);
    await expect(engine.connect(carol).unpause(marketId))
      .to.emit(engine, "Unpaused")
      .withArgs(BigInt(marketId), carol.address, BigInt(allowedAt + GRACE));
    expect(await lens.isPaused(marketId)).to.equal(false);
  });

  it("the owner can unpause at any time (one second after pausing)", async function () {
    const { engine, lens, marketId, deployer } = await loadProtocol();
    await mined(engine.pause(marketId));
    const at = await pinNextBlock(1);
    await expect(engine.connect(deployer).unpause(marketId))
      .to.emit(engine, "Unpaused")
      .withArgs(BigInt(marketId), await deployer.getAddress(), BigInt(at + GRACE));
    expect(await lens.isPaused(marketId)).to.equal(false);
  });

  it("M-2: pause checkpoints funding, NF stays frozen while paused, and funding restarts at unpause", async function () {
    const d = await loadProtocol();
    const { engine, lens, marketId } = d;
    const m = BigInt(marketId);
    const funded = await mined(engine.applyFunding(marketId));
    const t0 = await blockTimestamp(funded.blockNumber);
    const nf0 = await lens.normalizationFactor(marketId);

    // The pause applies the hour's funding first, exactly as applyFunding would have.
    const pausedAt = await pinNextBlock(3600);
    const checkpoint = await lens.expectedNormalizationFactor(marketId, PENDING);
    expect(checkpoint).to.be.lessThan(nf0); // mark > index at the seed volatility: longs pay, NF falls
    const pause = await mined(engine.pause(marketId));
    await expect(pause).to.emit(engine, "NormalizationFactorUpdated").withArgs(m, checkpoint);
    expect(t0).to.be.lessThan(pausedAt);
    expect(await lens.lastFundingUpdate(marketId)).to.equal(BigInt(pausedAt));

    // Two days later nothing has accrued, in storage or in the views.
    await networkHelpers.time.increase(2 * DAY);
    expect(await lens.normalizationFactor(marketId)).to.equal(checkpoint);
    expect(await lens.expectedNormalizationFactor(marketId)).to.equal(checkpoint);

    // Unpause restarts funding from its own block with the frozen factor, and opens the grace period.
    const unpausedAt = await pinNextBlock(60);
    const unpause = await mined(engine.connect(d.carol).unpause(marketId));
    await expect(unpause)
      .to.emit(engine, "Unpaused")
      .withArgs(m, d.carol.address, BigInt(unpausedAt + GRACE));
    await expect(unpause).not.to.emit(engine, "NormalizationFactorUpdated");
    expect(await lens.lastFundingUpdate(marketId)).to.equal(BigInt(unpausedAt));
    expect(await lens.normalizationFactor(marketId)).to.equal(checkpoint);
    expect(await lens.liquidationsOpenAt(marketId)).to.equal(BigInt(unpausedAt + GRACE));

    // The next update charges only the time since the unpause, as if the pause had never happened.
    const at = await pinNextBlock(3600);
    const expected = await lens.expectedNormalizationFactor(marketId, PENDING);
    expect(expected).to.be.lessThan(checkpoint);
    await expect(mined(engine.applyFunding(marketId)))
      .to.emit(engine, "NormalizationFactorUpdated")
      .withArgs(m, expected);
    expect(await lens.lastFundingUpdate(marketId)).to.equal(BigInt(at));
  });

  for (const premium of [0.8, 2]) {
    it(`M-2 the power pool held at ${premium}× index for the last window before unpause leaves NF unchanged across the pause`, async function () {
      const d = await loadProtocol();
      const { engine, lens, marketId } = d;
      const m = BigInt(marketId);
      const pause = await mined(engine.pause(marketId));
      const pausedAt = await blockTimestamp(pause.blockNumber);
      const frozen = await lens.normalizationFactor(marketId);

      // Keepers cannot apply funding and nobody can arbitrage the pool while paused; the attacker holds the price.
      await expect(engine.connect(d.bob).applyFunding(marketId))
        .to.be.revertedWithCustomError(engine, "MarketPaused")
        .withArgs(m);
      await networkHelpers.time.setNextBlockTimestamp(pausedAt + DAY - 600);
      const nf = Number(frozen) / 1e18;
      const ethUsd = Number(await lens.ethPrice(marketId)) / 1e18;
      const indexPerToken = (nf * ethUsd ** (d.market.power - 1)) / Number(d.market.indexScale);
      await setPowerPrice(d, (indexPerToken * premium).toPrecision(12));
      await networkHelpers.time.setNextBlockTimestamp(pausedAt + DAY - 1);
      await networkHelpers.mine();
      // The whole last window sits at the attacker's price, and still nothing accrues.
      const held = Number(await lens.tokenPrice(marketId)) / 1e18 / indexPerToken;
      expect(Math.abs(held - premium)).to.be.lessThan(0.02);
      expect(await lens.expectedNormalizationFactor(marketId)).to.equal(frozen);

      // Anyone unpauses at the first allowed second and applies funding in the same block.
      const [unpause, funding] = await inOneBlock(
        async () => [
          await engine.connect(d.carol).unpause(marketId, GAS),
          await engine.connect(d.carol).applyFunding(marketId, GAS),
        ],
        pausedAt + DAY,
      );
      expect([unpause.status, funding.status]).to.deep.equal([1, 1]);
      expect(await lens.normalizationFactor(marketId)).to.equal(frozen);
      expect(await lens.lastFundingUpdate(marketId)).to.equal(BigInt(pausedAt + DAY));
    });
  }
});
