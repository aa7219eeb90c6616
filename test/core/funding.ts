/**
 * Funding through the normalization factor NF against real pools: direction, both clamps, once per block, path
 * independence for updates at most a day apart, long and multi-year gaps (bounded, I-2), the preview view and the
 * NormalizationFactorUpdated event. Expected factors
 * come from an independent decimal.js solution of d ln NF / dt = −ln(clamp(mark / index)) / T.
 */
import { expect } from "chai";
import { parseEther, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";

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

/** The default deployment's one market. */
const MARKET = 0;

/**
 * The engine's NormalizationFactorUpdated events of a receipt, as [new factor]; every one must be
 * market 0's (the event's first argument).
 */
function fundingEvents(d: ProtocolFixture, receipt: ContractTransactionReceipt): bigint[][] {
  return receipt.logs.flatMap((log) => {
    if (log.address !== d.engine.target) return [];
    const parsed = d.engine.interface.parseLog(log);
    if (parsed?.name !== "NormalizationFactorUpdated") return [];
    const [marketId, ...args] = parsed.args.toArray() as bigint[];
    expect(marketId, "NormalizationFactorUpdated market id").to.equal(BigInt(MARKET));
    return [args];
  });
}

/** mark / index (WAD) from the pools' TWAP ticks and the stored factor, exactly as funding computes it. */
async function currentRatio(d: ProtocolFixture): Promise<bigint> {
  const { ethPriceWad, powerPriceWad } = await poolPrices(d);
  const nf = await d.lens.normalizationFactor(MARKET);
  return markIndexRatioWad(powerPriceWad, ethPriceWad, nf, d.market.power, d.market.indexScale);
}

/**
 * Moves the power pool so that mark / index ≈ `ratio`, waits until the whole TWAP window sees the new price and
 * applies funding once, so that the next interval starts with fixed prices. Returns the exact ratio.
 */
async function settleAtRatio(d: ProtocolFixture, ratio: number): Promise<bigint> {
  const s = Number(await d.lens.ethPrice(MARKET)) / 1e18;
  const nf = Number(await d.lens.normalizationFactor(MARKET)) / 1e18;
  const indexPerToken = (nf * s ** (d.market.power - 1)) / Number(d.market.indexScale);
  await setPowerPrice(d, (indexPerToken * ratio).toPrecision(15));
  await advance(d.market.twapPeriodSeconds + 60);
  await d.engine.applyFunding(MARKET);
  return currentRatio(d);
}

/** Applies funding at `start` + the gaps, accumulated (one block each), and returns the final factor. */
async function nfAfterUpdates(d: ProtocolFixture, start: number, gaps: number[]): Promise<bigint> {
  let at = start;
  for (const gap of gaps) {
    at += gap;
    await networkHelpers.time.setNextBlockTimestamp(at);
    await d.engine.applyFunding(MARKET);
  }
  return d.lens.normalizationFactor(MARKET);
}

/** Applies funding in a block exactly `seconds` after the latest one and returns the mined receipt. */
async function applyFundingAfter(d: ProtocolFixture, seconds: number): Promise<ContractTransactionReceipt> {
  await pinNextBlock(seconds);
  const receipt = await (await d.engine.applyFunding(MARKET)).wait();
  if (receipt === null) throw new Error("not mined");
  return receipt;
}

describe("Funding through the normalization factor", function () {
  it("mark above index: NF falls at exactly the rate the funding equation gives, rate per day > 0", async function () {
    const d = await loadProtocol();
    const ratio = await settleAtRatio(d, 1.2);
    expect(ratio).to.be.within(parseEther("1.19"), parseEther("1.21"));
    const rate = await d.lens.fundingRatePerDay(MARKET);
    expect(rate).to.be.greaterThan(0n);
    const expectedRate = Dec.ln(toDec(ratio)).mul(SECONDS_PER_DAY).div(d.market.fundingPeriodSeconds);
    expectClose(rate, expectedRate.mul(1e18), 1e-15);

    const [nf1, t1] = [await d.lens.normalizationFactor(MARKET), await d.lens.lastFundingUpdate(MARKET)];
    const receipt = await applyFundingAfter(d, SECONDS_PER_DAY);
    const nf2 = await d.lens.normalizationFactor(MARKET);
    expect(nf2).to.be.lessThan(nf1);
    expectClose(nf2, solveFunding(nf1, ratio, SECONDS_PER_DAY, d.market), 1e-15);
    // About one day of the quoted rate (the premium itself grows by about 6% over the day, T = 17.5 days).
    expectRel(Number(nf1 - nf2) / Number(nf1), Number(rate) / 1e18, 0.05);
    const block = await receipt.getBlock();
    expect(fundingEvents(d, receipt)).to.deep.equal([[nf2]]);
    expect(await d.lens.lastFundingUpdate(MARKET)).to.equal(BigInt(block.timestamp));
    expect(t1).to.be.lessThan(BigInt(block.timestamp));
  });

  it("mark below index: NF rises at the exact rate, rate per day < 0", async function () {
    const d = await loadProtocol();
    const ratio = await settleAtRatio(d, 0.9);
    expect(ratio).to.be.within(parseEther("0.89"), parseEther("0.91"));
    const rate = await d.lens.fundingRatePerDay(MARKET);
    expect(rate).to.be.lessThan(0n);
    expectClose(
      rate,
      Dec.ln(toDec(ratio))
        .mul(SECONDS_PER_DAY * 1e18)
        .div(d.market.fundingPeriodSeconds),
      1e-15,
    );

    const nf1 = await d.lens.normalizationFactor(MARKET);
    await applyFundingAfter(d, 2 * SECONDS_PER_DAY);
    const nf2 = await d.lens.normalizationFactor(MARKET);
    expect(nf2).to.be.greaterThan(nf1);
    expectClose(nf2, solveFunding(nf1, ratio, 2 * SECONDS_PER_DAY, d.market), 1e-15);
  });

  it("mark far above index: funding is capped, NF' = NF·(1/1.4)^(dt/T)", async function () {
    const d = await loadProtocol();
    const ratio = await settleAtRatio(d, 2);
    expect(ratio).to.be.greaterThan(d.market.markRatioCapWad);
    const rate = await d.lens.fundingRatePerDay(MARKET);
    expectClose(
      rate,
      Dec.ln(1.4)
        .mul(SECONDS_PER_DAY * 1e18)
        .div(d.market.fundingPeriodSeconds),
      1e-15,
    );

    const nf1 = await d.lens.normalizationFactor(MARKET);
    const dt = 3 * SECONDS_PER_DAY + 17;
    await applyFundingAfter(d, dt);
    const nf2 = await d.lens.normalizationFactor(MARKET);
    expectClose(nf2, clampedFunding(nf1, d.market.markRatioCapWad, dt, d.market.fundingPeriodSeconds), 1e-9);
    // Twice the premium pays no more than the cap.
    expectClose(nf2, solveFunding(nf1, parseEther("1.4"), dt, d.market), 1e-15);
  });

  it("mark far below index: funding is floored, NF' = NF·(1/0.8)^(dt/T)", async function () {
    const d = await loadProtocol();
    const ratio = await settleAtRatio(d, 0.5);
    expect(ratio).to.be.lessThan(d.market.markRatioFloorWad);
    const rate = await d.lens.fundingRatePerDay(MARKET);
    expectClose(
      rate,
      Dec.ln(0.8)
        .mul(SECONDS_PER_DAY * 1e18)
        .div(d.market.fundingPeriodSeconds),
      1e-15,
    );

    const nf1 = await d.lens.normalizationFactor(MARKET);
    const dt = 5 * SECONDS_PER_DAY + 3;
    await applyFundingAfter(d, dt);
    const nf2 = await d.lens.normalizationFactor(MARKET);
    expectClose(
      nf2,
      clampedFunding(nf1, d.market.markRatioFloorWad, dt, d.market.fundingPeriodSeconds),
      1e-9,
    );
    expect(nf2).to.be.greaterThan(nf1);
  });

  it("applies at most once per block, whichever calls come together", async function () {
    const d = await loadProtocol();
    const { alice, bob, keeper, engine, lens } = d;
    const [nf0, t0] = [await lens.normalizationFactor(MARKET), await lens.lastFundingUpdate(MARKET)];
    const timestamp = Number(t0) + 3600;
    const receipts = await inOneBlock(
      async () => [
        await engine.connect(keeper).applyFunding(MARKET, GAS),
        await engine.connect(bob).deposit(d.seedVaultId, { value: parseEther("1"), ...GAS }),
        await engine.connect(alice).openVault(MARKET, GAS),
        // mint and burn apply funding too, but not a second time in the block.
        await engine.connect(d.deployer).mint(d.seedVaultId, parseEther("1"), GAS),
        await engine.connect(d.deployer).burn(d.seedVaultId, parseEther("1"), 0n, GAS),
        await engine.connect(keeper).applyFunding(MARKET, GAS),
      ],
      timestamp,
    );
    expect(receipts.map((r) => r.status)).to.deep.equal([1, 1, 1, 1, 1, 1]);
    expect(new Set(receipts.map((r) => r.blockNumber)).size).to.equal(1);
    const nf1 = await lens.normalizationFactor(MARKET);
    expect(nf1).to.not.equal(nf0);
    expect(receipts.map((r) => fundingEvents(d, r))).to.deep.equal([[[nf1]], [], [], [], [], []]);
    expect(await lens.lastFundingUpdate(MARKET)).to.equal(BigInt(timestamp));
    // The next block applies again, from this block's timestamp.
    const next = await applyFundingAfter(d, 10);
    expect(fundingEvents(d, next)).to.have.length(1);
    const nextTimestamp = BigInt((await next.getBlock()).timestamp);
    expect(nextTimestamp).to.be.greaterThan(BigInt(timestamp));
    expect(await lens.lastFundingUpdate(MARKET)).to.equal(nextTimestamp);
  });

  it("mint, burn, withdraw and applyFunding apply funding first; openVault, deposit and setOperator do not", async function () {
    // The engine applies funding on the calls whose health check needs the debt value (mint, burn, withdraw, and
    // liquidate) and on applyFunding; opening a vault, adding collateral and naming an operator leave the funding
    // state untouched (the Controller applied funding on every call).
    const d = await loadProtocol();
    const { alice, bob, engine, lens } = d;
    const calls: [string, () => Promise<ContractTransactionResponse>, boolean][] = [
      ["openVault", () => engine.connect(alice).openVault(MARKET), false],
      ["deposit", () => engine.connect(alice).deposit(2n, { value: parseEther("2") }), false],
      ["mint", () => engine.connect(alice).mint(2n, parseEther("1")), true],
      ["burn", () => engine.connect(alice).burn(2n, parseEther("0.5"), 0n), true],
      ["withdraw", () => engine.connect(alice).withdraw(2n, parseEther("0.1")), true],
      ["setOperator", () => engine.connect(alice).setOperator(2n, bob), false],
      [
        "mint into a new vault",
        () => engine.connect(alice).mint(0n, parseEther("1"), { value: parseEther("1") }),
        true,
      ],
      ["applyFunding", () => engine.connect(bob).applyFunding(MARKET), true],
    ];
    for (const [label, call, applies] of calls) {
      const [t0, nf0] = [await lens.lastFundingUpdate(MARKET), await lens.normalizationFactor(MARKET)];
      const timestamp = await pinNextBlock(600);
      const receipt = await (await call()).wait();
      if (receipt === null) throw new Error("not mined");
      expect(receipt.status, label).to.equal(1);
      const events = fundingEvents(d, receipt);
      if (applies) {
        expect(events, label).to.have.length(1);
        expect(t0, label).to.be.lessThan(BigInt(timestamp));
        expect(await lens.lastFundingUpdate(MARKET), label).to.equal(BigInt(timestamp));
        expect(await lens.normalizationFactor(MARKET), label).to.equal(events[0][0]);
        expect(events[0][0], label).to.not.equal(nf0);
      } else {
        expect(events, label).to.deep.equal([]);
        expect(await lens.lastFundingUpdate(MARKET), label).to.equal(t0);
        expect(await lens.normalizationFactor(MARKET), label).to.equal(nf0);
      }
    }
  });

  it("is path independent for updates at most a day apart: one update over a day equals k, daily equals half-daily", async function () {
    // Within the exact window (a day) one update equals k updates and the exact solution.
    let d = await loadProtocol();
    const [nf0, t0, ratio0] = [
      await d.lens.normalizationFactor(MARKET),
      Number(await d.lens.lastFundingUpdate(MARKET)),
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
      await d.lens.normalizationFactor(MARKET),
      Number(await d.lens.lastFundingUpdate(MARKET)),
      await currentRatio(d),
    ];
    let receipt = await applyFundingAfter(d, TEN_YEARS);
    const elapsed = (await receipt.getBlock()).timestamp - t0;
    const nf = await d.lens.normalizationFactor(MARKET);
    expect(nf).to.be.within(10n ** 14n, 10n ** 16n);
    expectClose(nf, solveFunding(nf0, ratio0, elapsed, d.market), 1e-9, 2n);

    // At the cap ten years at 1/1.4 per 17.5 days is a factor e^−70, far below one wei of a WAD factor: the
    // contract clamps to its documented minimum instead of reverting or hitting 0.
    d = await loadProtocol();
    await settleAtRatio(d, 3);
    receipt = await applyFundingAfter(d, TEN_YEARS);
    expect(await d.lens.normalizationFactor(MARKET)).to.equal(1n);
    expect(fundingEvents(d, receipt)).to.have.length(1);
    // Every view and action still works afterwards.
    expect(await d.lens.debtValuePerToken(MARKET)).to.equal(1n);
    await d.engine.connect(d.alice).mint(0n, parseEther("1"), { value: parseEther("1") });
  });

  it("multi-year gaps follow the bounded solution: 3 years inside the band, at the cap, 10 years at the floor", async function () {
    const threeYears = 3 * 365 * SECONDS_PER_DAY;
    // From the deployment (mark ≈ 1.03 index): the exact flow for a day, then its rate (NF ≈ e^−2). The exact flow
    // alone would have reached the cap after ~42 days and left NF ≈ 1e9 wei.
    let d = await loadProtocol();
    const [nf0, t0, ratio0] = [
      await d.lens.normalizationFactor(MARKET),
      Number(await d.lens.lastFundingUpdate(MARKET)),
      await currentRatio(d),
    ];
    const receipt = await applyFundingAfter(d, threeYears);
    const elapsed = (await receipt.getBlock()).timestamp - t0;
    const nf = await d.lens.normalizationFactor(MARKET);
    expect(nf).to.be.within(parseEther("0.05"), parseEther("0.5"));
    expectClose(nf, solveFunding(nf0, ratio0, elapsed, d.market), 1e-9, 2n);

    for (const [ratio, clamp, gap, low, high] of [
      [3, parseEther("1.4"), threeYears, 10n ** 8n, 10n ** 10n],
      [0.5, parseEther("0.8"), TEN_YEARS, 10n ** 38n, 2n ** 128n - 1n],
    ] as const) {
      d = await loadProtocol();
      expect(await settleAtRatio(d, ratio)).to.satisfy((r: bigint) => (ratio > 1 ? r > clamp : r < clamp));
      const nf1 = await d.lens.normalizationFactor(MARKET);
      await applyFundingAfter(d, gap);
      const nf2 = await d.lens.normalizationFactor(MARKET);
      expect(nf2).to.be.within(low, high);
      expectClose(nf2, clampedFunding(nf1, clamp, gap, d.market.fundingPeriodSeconds), 1e-9, 2n);
    }
  });

  it("expectedNormalizationFactor() is the factor applyFunding writes in the next block", async function () {
    const d = await loadProtocol();
    for (const wait of [1, 3600, 40 * SECONDS_PER_DAY]) {
      await pinNextBlock(wait);
      const expected = await d.lens.expectedNormalizationFactor(MARKET, PENDING);
      expect(await d.engine.applyFunding.staticCall(MARKET, PENDING)).to.equal(expected);
      await d.engine.applyFunding(MARKET);
      expect(await d.lens.normalizationFactor(MARKET), `after ${wait} s`).to.equal(expected);
      // In the block of the update the preview equals the stored factor.
      expect(await d.lens.expectedNormalizationFactor(MARKET)).to.equal(expected);
    }
    // It moves with time while nothing is written.
    const stored = await d.lens.normalizationFactor(MARKET);
    await advance(SECONDS_PER_DAY);
    expect(await d.lens.expectedNormalizationFactor(MARKET)).to.be.lessThan(stored);
    expect(await d.lens.normalizationFactor(MARKET)).to.equal(stored);
  });

  it("NormalizationFactorUpdated carries (market, new factor); the update time is the block's", async function () {
    const d = await loadProtocol();
    const { engine, lens } = d;
    const [nf0, t0] = [await lens.normalizationFactor(MARKET), await lens.lastFundingUpdate(MARKET)];
    const timestamp = await pinNextBlock(7 * SECONDS_PER_DAY);
    const expected = await lens.expectedNormalizationFactor(MARKET, PENDING);
    await expect(engine.applyFunding(MARKET))
      .to.emit(engine, "NormalizationFactorUpdated")
      .withArgs(MARKET, expected);
    expect(await lens.lastFundingUpdate(MARKET)).to.equal(BigInt(timestamp));
    expect(t0).to.be.lessThan(BigInt(timestamp));
    expect(expected).to.be.lessThan(nf0);
    expect(expected).to.be.greaterThan((nf0 * 9n) / 10n);
    expect(nf0).to.be.at.most(WAD);
  });
});
