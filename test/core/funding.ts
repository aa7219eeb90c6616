/**
 * Funding through the normalization factor NF against real pools: direction, both clamps, once per block, path
 * independence for updates at most a day apart, long and multi-year gaps (bounded, I-2), the preview view and the
 * NormalizationFactorUpdated event. Expected factors
 * come from an independent decimal.js solution of d ln NF / dt = −ln(clamp(mark / index)) / T.
 */
import { expect } from "chai";
import { parseEther, type ContractTransactionReceipt } from "ethers";

import { setPowerPrice } from "../../deploy/evergamma.js";
import { loadProtocol, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import {
  Dec,
  GAS,
  PENDING,
  SECONDS_PER_DAY,
  WAD,
  advance,
  clampedFunding,
  expectClose,
  expectRel,
  inOneBlock,
  markIndexRatioWad,
  pinNextBlock,
  poolPrices,
  solveFunding,
  toDec,
} from "../utils/coreHelpers.js";

const TEN_YEARS = 10 * 365 * SECONDS_PER_DAY;

/** The NormalizationFactorUpdated events of a receipt, as [old, new, lastUpdate, now]. */
function fundingEvents(d: ProtocolFixture, receipt: ContractTransactionReceipt): bigint[][] {
  return receipt.logs.flatMap((log) => {
    if (log.address !== d.controller.target) return [];
    const parsed = d.controller.interface.parseLog(log);
    return parsed?.name === "NormalizationFactorUpdated" ? [parsed.args.toArray() as bigint[]] : [];
  });
}

/** mark / index (WAD) from the pools' TWAP ticks and the stored factor, exactly as funding computes it. */
async function currentRatio(d: ProtocolFixture): Promise<bigint> {
  const { ethPriceWad, powerPriceWad } = await poolPrices(d);
  const nf = await d.controller.normalizationFactor();
  return markIndexRatioWad(powerPriceWad, ethPriceWad, nf, d.market.power, d.market.indexScale);
}

/**
 * Moves the power pool so that mark / index ≈ `ratio`, waits until the whole TWAP window sees the new price and
 * applies funding once, so that the next interval starts with fixed prices. Returns the exact ratio.
 */
async function settleAtRatio(d: ProtocolFixture, ratio: number): Promise<bigint> {
  const s = Number(await d.controller.ethPrice()) / 1e18;
  const nf = Number(await d.controller.normalizationFactor()) / 1e18;
  const indexPerToken = (nf * s ** (d.market.power - 1)) / Number(d.market.indexScale);
  await setPowerPrice(d, (indexPerToken * ratio).toPrecision(15));
  await advance(d.market.twapPeriodSeconds + 60);
  await d.controller.applyFunding();
  return currentRatio(d);
}

/** Applies funding at `start` + the gaps, accumulated (one block each), and returns the final factor. */
async function nfAfterUpdates(d: ProtocolFixture, start: number, gaps: number[]): Promise<bigint> {
  let at = start;
  for (const gap of gaps) {
    at += gap;
    await networkHelpers.time.setNextBlockTimestamp(at);
    await d.controller.applyFunding();
  }
  return d.controller.normalizationFactor();
}

/** Applies funding in a block exactly `seconds` after the latest one and returns the mined receipt. */
async function applyFundingAfter(d: ProtocolFixture, seconds: number): Promise<ContractTransactionReceipt> {
  await pinNextBlock(seconds);
  const receipt = await (await d.controller.applyFunding()).wait();
  if (receipt === null) throw new Error("not mined");
  return receipt;
}

describe("Funding through the normalization factor", function () {
  it("mark above index: NF falls at exactly the rate the funding equation gives, rate per day > 0", async function () {
    const d = await loadProtocol();
    const ratio = await settleAtRatio(d, 1.2);
    expect(ratio).to.be.within(parseEther("1.19"), parseEther("1.21"));
    const rate = await d.controller.fundingRatePerDay();
    expect(rate).to.be.greaterThan(0n);
    const expectedRate = Dec.ln(toDec(ratio)).mul(SECONDS_PER_DAY).div(d.market.fundingPeriodSeconds);
    expectClose(rate, expectedRate.mul(1e18), 1e-15);

    const [nf1, t1] = [await d.controller.normalizationFactor(), await d.controller.lastFundingUpdate()];
    const receipt = await applyFundingAfter(d, SECONDS_PER_DAY);
    const nf2 = await d.controller.normalizationFactor();
    expect(nf2).to.be.lessThan(nf1);
    expectClose(nf2, solveFunding(nf1, ratio, SECONDS_PER_DAY, d.market), 1e-15);
    // About one day of the quoted rate (the premium itself grows by about 6% over the day, T = 17.5 days).
    expectRel(Number(nf1 - nf2) / Number(nf1), Number(rate) / 1e18, 0.05);
    const block = await receipt.getBlock();
    expect(fundingEvents(d, receipt)).to.deep.equal([[nf1, nf2, t1, BigInt(block.timestamp)]]);
  });

  it("mark below index: NF rises at the exact rate, rate per day < 0", async function () {
    const d = await loadProtocol();
    const ratio = await settleAtRatio(d, 0.9);
    expect(ratio).to.be.within(parseEther("0.89"), parseEther("0.91"));
    const rate = await d.controller.fundingRatePerDay();
    expect(rate).to.be.lessThan(0n);
    expectClose(
      rate,
      Dec.ln(toDec(ratio))
        .mul(SECONDS_PER_DAY * 1e18)
        .div(d.market.fundingPeriodSeconds),
      1e-15,
    );

    const nf1 = await d.controller.normalizationFactor();
    await applyFundingAfter(d, 2 * SECONDS_PER_DAY);
    const nf2 = await d.controller.normalizationFactor();
    expect(nf2).to.be.greaterThan(nf1);
    expectClose(nf2, solveFunding(nf1, ratio, 2 * SECONDS_PER_DAY, d.market), 1e-15);
  });

  it("mark far above index: funding is capped, NF' = NF·(1/1.4)^(dt/T)", async function () {
    const d = await loadProtocol();
    const ratio = await settleAtRatio(d, 2);
    expect(ratio).to.be.greaterThan(d.market.markRatioCapWad);
    const rate = await d.controller.fundingRatePerDay();
    expectClose(
      rate,
      Dec.ln(1.4)
        .mul(SECONDS_PER_DAY * 1e18)
        .div(d.market.fundingPeriodSeconds),
      1e-15,
    );

    const nf1 = await d.controller.normalizationFactor();
    const dt = 3 * SECONDS_PER_DAY + 17;
    await applyFundingAfter(d, dt);
    const nf2 = await d.controller.normalizationFactor();
    expectClose(nf2, clampedFunding(nf1, d.market.markRatioCapWad, dt, d.market.fundingPeriodSeconds), 1e-9);
    // Twice the premium pays no more than the cap.
    expectClose(nf2, solveFunding(nf1, parseEther("1.4"), dt, d.market), 1e-15);
  });

  it("mark far below index: funding is floored, NF' = NF·(1/0.8)^(dt/T)", async function () {
    const d = await loadProtocol();
    const ratio = await settleAtRatio(d, 0.5);
    expect(ratio).to.be.lessThan(d.market.markRatioFloorWad);
    const rate = await d.controller.fundingRatePerDay();
    expectClose(
      rate,
      Dec.ln(0.8)
        .mul(SECONDS_PER_DAY * 1e18)
        .div(d.market.fundingPeriodSeconds),
      1e-15,
    );

    const nf1 = await d.controller.normalizationFactor();
    const dt = 5 * SECONDS_PER_DAY + 3;
    await applyFundingAfter(d, dt);
    const nf2 = await d.controller.normalizationFactor();
    expectClose(
      nf2,
      clampedFunding(nf1, d.market.markRatioFloorWad, dt, d.market.fundingPeriodSeconds),
      1e-9,
    );
    expect(nf2).to.be.greaterThan(nf1);
  });

  it("applies at most once per block, whichever calls come together", async function () {
    const d = await loadProtocol();
    const { alice, bob, keeper, controller } = d;
    const [nf0, t0] = [await controller.normalizationFactor(), await controller.lastFundingUpdate()];
    const timestamp = Number(t0) + 3600;
    const receipts = await inOneBlock(
      async () => [
        await controller.connect(keeper).applyFunding(GAS),
        await controller.connect(bob).deposit(d.seedVaultId, { value: parseEther("1"), ...GAS }),
        await controller.connect(alice).openVault(GAS),
        await controller.connect(keeper).applyFunding(GAS),
      ],
      timestamp,
    );
    expect(receipts.map((r) => r.status)).to.deep.equal([1, 1, 1, 1]);
    expect(new Set(receipts.map((r) => r.blockNumber)).size).to.equal(1);
    const nf1 = await controller.normalizationFactor();
    expect(nf1).to.not.equal(nf0);
    expect(receipts.map((r) => fundingEvents(d, r))).to.deep.equal([
      [[nf0, nf1, t0, BigInt(timestamp)]],
      [],
      [],
      [],
    ]);
    expect(await controller.lastFundingUpdate()).to.equal(BigInt(timestamp));
    // The next block applies again, from this block's timestamp.
    const next = await applyFundingAfter(d, 10);
    expect(fundingEvents(d, next)).to.have.length(1);
    expect(fundingEvents(d, next)[0][2]).to.equal(BigInt(timestamp));
  });

  it("every state-changing vault call applies funding first", async function () {
    const d = await loadProtocol();
    const { alice, bob, controller } = d;
    const calls = [
      () => controller.connect(alice).openVault(),
      () => controller.connect(alice).deposit(2n, { value: parseEther("2") }),
      () => controller.connect(alice).mint(2n, parseEther("1")),
      () => controller.connect(alice).burn(2n, parseEther("0.5"), 0n),
      () => controller.connect(alice).withdraw(2n, parseEther("0.1")),
      () => controller.connect(alice).setOperator(2n, bob),
      () => controller.connect(alice).mint(0n, parseEther("1"), { value: parseEther("1") }),
      () => controller.connect(bob).applyFunding(),
    ];
    for (const [i, call] of calls.entries()) {
      const t0 = await controller.lastFundingUpdate();
      const timestamp = await pinNextBlock(600);
      const receipt = await (await call()).wait();
      if (receipt === null) throw new Error("not mined");
      const events = fundingEvents(d, receipt);
      expect(events, `call ${i}`).to.have.length(1);
      expect(events[0][2], `call ${i}`).to.equal(t0);
      expect(events[0][3], `call ${i}`).to.equal(BigInt(timestamp));
      expect(await controller.lastFundingUpdate(), `call ${i}`).to.equal(BigInt(timestamp));
    }
  });

  it("is path independent for updates at most a day apart: one update over a day equals k, daily equals half-daily", async function () {
    // Within the exact window (a day) one update equals k updates and the exact solution.
    let d = await loadProtocol();
    const [nf0, t0, ratio0] = [
      await d.controller.normalizationFactor(),
      Number(await d.controller.lastFundingUpdate()),
      await currentRatio(d),
    ];
    // Updates at fixed times after the last one (t0 + gaps; the fixture's last update is ~420 s old).
    const once = await nfAfterUpdates(d, t0, [SECONDS_PER_DAY]);
    d = await loadProtocol();
    const k = 5;
    expectClose(await nfAfterUpdates(d, t0, Array<number>(k).fill(SECONDS_PER_DAY / k)), once, 1e-12);
    expectClose(once, solveFunding(nf0, ratio0, SECONDS_PER_DAY, d.market), 1e-12);

    // Over 60 days, daily and half-daily updates agree (the premium grows from ~3% into the cap on the way).
    const days = 60;
    d = await loadProtocol();
    const daily = await nfAfterUpdates(d, t0, Array<number>(days).fill(SECONDS_PER_DAY));
    expect((await currentRatio(d)) > d.market.markRatioCapWad, "crossed into the cap").to.equal(true);
    d = await loadProtocol();
    const halfDaily = await nfAfterUpdates(d, t0, Array<number>(2 * days).fill(SECONDS_PER_DAY / 2));
    expectClose(halfDaily, daily, 1e-12);

    // One update after the same 60 days charges the rate reached after its first day (I-2), far less.
    d = await loadProtocol();
    const single = await nfAfterUpdates(d, t0, [days * SECONDS_PER_DAY]);
    expectClose(single, solveFunding(nf0, ratio0, days * SECONDS_PER_DAY, d.market), 1e-12);
    // NF ≈ 0.90 instead of ≈ 0.52 along the daily path, which followed the premium into the cap.
    expect(2n * single > 3n * daily, "one stale update charges less than the exact daily path").to.equal(
      true,
    );
  });

  it("survives a 10-year gap: NF stays positive, at its 1-wei minimum at the cap", async function () {
    // From the deployment (mark ≈ 1.03 index) the rate reached after a day, ~3.2% per period, runs for ten years.
    let d = await loadProtocol();
    const [nf0, t0, ratio0] = [
      await d.controller.normalizationFactor(),
      Number(await d.controller.lastFundingUpdate()),
      await currentRatio(d),
    ];
    let receipt = await applyFundingAfter(d, TEN_YEARS);
    const elapsed = (await receipt.getBlock()).timestamp - t0;
    const nf = await d.controller.normalizationFactor();
    expect(nf).to.be.within(10n ** 14n, 10n ** 16n);
    expectClose(nf, solveFunding(nf0, ratio0, elapsed, d.market), 1e-9, 2n);

    // At the cap ten years at 1/1.4 per 17.5 days is a factor e^−70, far below one wei of a WAD factor: the
    // contract clamps to its documented minimum instead of reverting or hitting 0.
    d = await loadProtocol();
    await settleAtRatio(d, 3);
    receipt = await applyFundingAfter(d, TEN_YEARS);
    expect(await d.controller.normalizationFactor()).to.equal(1n);
    expect(fundingEvents(d, receipt)).to.have.length(1);
    // Every view and action still works afterwards.
    expect(await d.controller.debtValuePerToken()).to.equal(1n);
    await d.controller.connect(d.alice).mint(0n, parseEther("1"), { value: parseEther("1") });
  });

  it("multi-year gaps follow the bounded solution: 3 years inside the band, at the cap, 10 years at the floor", async function () {
    const threeYears = 3 * 365 * SECONDS_PER_DAY;
    // From the deployment (mark ≈ 1.03 index): the exact flow for a day, then its rate (NF ≈ e^−2). The exact flow
    // alone would have reached the cap after ~42 days and left NF ≈ 1e9 wei.
    let d = await loadProtocol();
    const [nf0, t0, ratio0] = [
      await d.controller.normalizationFactor(),
      Number(await d.controller.lastFundingUpdate()),
      await currentRatio(d),
    ];
    const receipt = await applyFundingAfter(d, threeYears);
    const elapsed = (await receipt.getBlock()).timestamp - t0;
    const nf = await d.controller.normalizationFactor();
    expect(nf).to.be.within(parseEther("0.05"), parseEther("0.5"));
    expectClose(nf, solveFunding(nf0, ratio0, elapsed, d.market), 1e-9, 2n);

    for (const [ratio, clamp, gap, low, high] of [
      [3, parseEther("1.4"), threeYears, 10n ** 8n, 10n ** 10n],
      [0.5, parseEther("0.8"), TEN_YEARS, 10n ** 38n, 2n ** 128n - 1n],
    ] as const) {
      d = await loadProtocol();
      expect(await settleAtRatio(d, ratio)).to.satisfy((r: bigint) => (ratio > 1 ? r > clamp : r < clamp));
      const nf1 = await d.controller.normalizationFactor();
      await applyFundingAfter(d, gap);
      const nf2 = await d.controller.normalizationFactor();
      expect(nf2).to.be.within(low, high);
      expectClose(nf2, clampedFunding(nf1, clamp, gap, d.market.fundingPeriodSeconds), 1e-9, 2n);
    }
  });

  it("expectedNormalizationFactor() is the factor applyFunding writes in the next block", async function () {
    const d = await loadProtocol();
    for (const wait of [1, 3600, 40 * SECONDS_PER_DAY]) {
      await pinNextBlock(wait);
      const expected = await d.controller.expectedNormalizationFactor(PENDING);
      expect(await d.controller.applyFunding.staticCall(PENDING)).to.equal(expected);
      await d.controller.applyFunding();
      expect(await d.controller.normalizationFactor(), `after ${wait} s`).to.equal(expected);
      // In the block of the update the preview equals the stored factor.
      expect(await d.controller.expectedNormalizationFactor()).to.equal(expected);
    }
    // It moves with time while nothing is written.
    const stored = await d.controller.normalizationFactor();
    await advance(SECONDS_PER_DAY);
    expect(await d.controller.expectedNormalizationFactor()).to.be.lessThan(stored);
    expect(await d.controller.normalizationFactor()).to.equal(stored);
  });

  it("NormalizationFactorUpdated carries (old factor, new factor, previous update, now)", async function () {
    const d = await loadProtocol();
    const { controller } = d;
    const [nf0, t0] = [await controller.normalizationFactor(), await controller.lastFundingUpdate()];
    const timestamp = await pinNextBlock(7 * SECONDS_PER_DAY);
    const expected = await controller.expectedNormalizationFactor(PENDING);
    await expect(controller.applyFunding())
      .to.emit(controller, "NormalizationFactorUpdated")
      .withArgs(nf0, expected, t0, timestamp);
    expect(expected).to.be.lessThan(nf0);
    expect(expected).to.be.greaterThan((nf0 * 9n) / 10n);
    expect(nf0).to.be.at.most(WAD);
  });
});
