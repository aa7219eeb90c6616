/**
 * Shutdown and global settlement of market 0: funding applied up to shutdown (none for a paused interval), the
 * settlement price fixed at the ETH TWAP, paged `settleVaults`, `SettlementIncomplete` before the last page, and
 * redemptions that pay exactly their value in every order when every vault is solvent, and pro rata without ever
 * paying out more than the engine holds when one is not.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { parseEther } from "ethers";

import { vaultIdOf } from "../../deploy/evergamma.js";
import { ethers, loadProtocol, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import {
  fundWithTokens,
  mined,
  movePrices,
  mulDivDown,
  mulDivUp,
  openVault,
  payPerToken,
  pinNextBlock,
  readMarket,
  settlementValuePerToken,
  takeSnapshot,
  vaultState,
  WAD,
  type Snapshot,
} from "../utils/riskHelpers.js";

interface Scenario {
  d: ProtocolFixture;
  /** The redeemers and the vaults each owns. */
  redeemers: { name: string; signer: HardhatEthersSigner; vaults: bigint[] }[];
}

/**
 * Three users with two or three vaults each (fees on), the market moved to `ethUsd`. With `insolvent`, bob's
 * first vault ends under water and one of carol's is liquidated down to bad debt (no collateral left).
 */
async function buildScenario(ethUsd: number, insolvent: boolean): Promise<Scenario> {
  const d = await loadProtocol();
  const { alice, bob, carol, keeper } = d;
  await mined(d.engine.setFee(d.marketId, 30n, keeper));
  const e = parseEther;
  const a = [await openVault(d, alice, e("5"), e("6")), await openVault(d, alice, e("1"), e("1"))];
  const b = [
    await openVault(d, bob, insolvent ? e("1") : e("3"), e("2")),
    await openVault(d, bob, e("2"), e("1")),
  ];
  const c = [await openVault(d, carol, e("2"), e("2")), await openVault(d, carol, e("1"), e("1"))];
  if (insolvent) {
    c.push(await openVault(d, carol, e("1"), e("2")));
    await fundWithTokens(d, keeper, e("5"));
  }
  await movePrices(d, ethUsd);
  if (insolvent) {
    // The smallest offer that takes all of carol's third vault's collateral leaves the rest as bad debt.
    await pinNextBlock();
    const perToken = payPerToken((await readMarket(d)).powerPrice, d.market.liquidationBonusWad);
    const { collateral } = await vaultState(d, c[2]);
    await mined(d.engine.connect(keeper).liquidate(c[2], (collateral * WAD + perToken - 1n) / perToken));
    expect((await vaultState(d, c[2])).collateral).to.equal(0n);
    expect(await d.lens.totalBadDebt(d.marketId)).to.be.greaterThan(0n);
  }
  return {
    d,
    redeemers: [
      { name: "alice", signer: alice, vaults: a },
      { name: "bob", signer: bob, vaults: b },
      { name: "carol", signer: carol, vaults: c },
    ],
  };
}

/** Shuts down in the next block and settles every vault; returns the settlement terms. */
async function shutdownAndSettle(d: ProtocolFixture): Promise<Settlement> {
  await mined(d.engine.shutdown(d.marketId));
  await mined(d.engine.connect(d.keeper).settleVaults(d.marketId, 1000n));
  return readSettlement(d);
}

interface Settlement {
  normalizationFactor: bigint;
  ethPrice: bigint;
  supply: bigint;
  /** Per-token value for debts (rounded up) and for long claims (rounded down). */
  debtPerToken: bigint;
  claimPerToken: bigint;
  shortfall: bigint;
  pool: bigint;
}

async function readSettlement(d: ProtocolFixture): Promise<Settlement> {
  const filter = d.engine.filters.Shutdown(d.marketId);
  const [event] = await d.engine.queryFilter(filter);
  expect(event.args.marketId).to.equal(BigInt(d.marketId));
  const { ethPriceWad: ethPrice, normalizationFactor } = event.args;
  const indexScale = d.market.indexScale;
  return {
    normalizationFactor,
    ethPrice,
    supply: await d.powerToken.totalSupply(),
    debtPerToken: settlementValuePerToken(normalizationFactor, ethPrice, indexScale, true),
    claimPerToken: settlementValuePerToken(normalizationFactor, ethPrice, indexScale, false),
    shortfall: await d.lens.settlementShortfall(d.marketId),
    pool: await d.lens.longPayoutPool(d.marketId),
  };
}

/** What a short redemption of `vaultId` must pay: collateral minus the debt's value (rounded up), or zero. */
async function shortValue(d: ProtocolFixture, s: Settlement, vaultId: bigint): Promise<bigint> {
  const { collateral, debt } = await vaultState(d, vaultId);
  const debtValue = mulDivUp(debt, s.debtPerToken, WAD);
  return collateral > debtValue ? collateral - debtValue : 0n;
}

/** What a long redemption of `amount` must pay. */
function longValue(s: Settlement, amount: bigint): bigint {
  return s.shortfall === 0n ? mulDivDown(amount, s.claimPerToken, WAD) : mulDivDown(amount, s.pool, s.supply);
}

/**
 * Asserts that the engine can still pay everyone it owes: every unredeemed token (wherever it is held,
 * including the power pool), every unredeemed vault's equity and the accrued fees.
 */
async function expectSolvent(d: ProtocolFixture, s: Settlement, label: string): Promise<void> {
  const balance = await ethers.provider.getBalance(d.engine);
  const longOwed = longValue(s, await d.powerToken.totalSupply());
  let shortOwed = 0n;
  for (let serial = 1n; serial <= (await d.lens.vaultCount(d.marketId)); serial++) {
    shortOwed += await shortValue(d, s, vaultIdOf(d.marketId, serial));
  }
  const fees = await d.lens.accruedFees(d.marketId);
  expect(
    balance,
    `${label}: balance ${balance} < owed ${longOwed} + ${shortOwed} + fees ${fees}`,
  ).to.be.at.least(longOwed + shortOwed + fees);
}

type Action = { kind: "long" | "short"; who: number };

/** Six different interleavings of the three redeemers' long and short redemptions. */
const ORDERS: Action[][] = [
  [0, 1, 2, 3, 4, 5],
  [5, 4, 3, 2, 1, 0],
  [3, 0, 4, 1, 5, 2],
  [2, 5, 1, 4, 0, 3],
  [1, 3, 2, 0, 5, 4],
  [4, 2, 0, 5, 3, 1],
].map((order) => order.map((i) => ({ kind: i < 3 ? "long" : "short", who: i % 3 })));

/**
 * Runs one redemption order from the settled snapshot and checks each payout exactly; returns the long payouts
 * per token (WAD) and the total paid.
 */
async function runOrder(
  scenario: Scenario,
  s: Settlement,
  order: Action[],
): Promise<{ perToken: bigint[]; total: bigint; payouts: Record<string, bigint> }> {
  const { d, redeemers } = scenario;
  const { engine, lens, marketId, powerToken } = d;
  const startBalance = await ethers.provider.getBalance(engine);
  const perToken: bigint[] = [];
  const payouts: Record<string, bigint> = {};
  let total = 0n;
  for (const [step, action] of order.entries()) {
    const { name, signer, vaults } = redeemers[action.who];
    const label = `step ${step}: ${action.kind} ${name}`;
    if (action.kind === "long") {
      const amount = await powerToken.balanceOf(signer);
      const payout = longValue(s, amount);
      const tx = engine.connect(signer).redeemLong(marketId, amount);
      await expect(tx, label)
        .to.emit(engine, "LongRedeemed")
        .withArgs(BigInt(marketId), signer.address, amount, payout);
      await expect(tx, label).to.changeEtherBalances(ethers, [signer, engine], [payout, -payout]);
      expect(await powerToken.balanceOf(signer)).to.equal(0n);
      perToken.push((payout * WAD) / amount);
      payouts[`long ${name}`] = payout;
      total += payout;
    } else {
      for (const vaultId of vaults) {
        const payout = await shortValue(d, s, vaultId);
        const tx = engine.connect(signer).redeemShort(vaultId);
        await expect(tx, label)
          .to.emit(engine, "ShortRedeemed")
          .withArgs(BigInt(marketId), vaultId, signer.address, payout);
        await expect(tx, label).to.changeEtherBalances(ethers, [signer, engine], [payout, -payout]);
        expect(await vaultState(d, vaultId), label).to.deep.include({ collateral: 0n, debt: 0n });
        payouts[`short ${name} #${vaultId}`] = payout;
        total += payout;
      }
    }
    await expectSolvent(d, s, label);
  }
  expect(total).to.be.at.most(startBalance - (await lens.accruedFees(marketId)));
  expect(await ethers.provider.getBalance(engine)).to.equal(startBalance - total);
  return { perToken, total, payouts };
}

/** Runs every order from `settled` and asserts each redeemer is paid the same in all of them. */
async function expectOrderIndependent(scenario: Scenario, s: Settlement, settled: Snapshot): Promise<void> {
  let first: Record<string, bigint> | undefined;
  for (const order of ORDERS) {
    await settled.restore();
    const { payouts } = await runOrder(scenario, s, order);
    if (first === undefined) first = payouts;
    else expect(payouts).to.deep.equal(first);
  }
}

/**
 * Shuts down in the next block and checks the transaction: funding is applied from the last update to that block,
 * then the settlement price and factor are fixed at the block's ETH TWAP and expected factor.
 */
async function expectShutdownApplyingFunding(
  d: ProtocolFixture,
): Promise<{ nfBefore: bigint; normalizationFactor: bigint; at: number }> {
  const { engine, lens, marketId } = d;
  const nfBefore = await lens.normalizationFactor(marketId);
  const lastUpdate = await lens.lastFundingUpdate(marketId);
  const at = await pinNextBlock();
  const { ethPrice, normalizationFactor } = await readMarket(d);
  const tx = engine.shutdown(marketId);
  await expect(tx).to.emit(engine, "Shutdown").withArgs(BigInt(marketId), ethPrice, normalizationFactor);
  await expect(tx)
    .to.emit(engine, "NormalizationFactorUpdated")
    .withArgs(BigInt(marketId), normalizationFactor);
  expect(lastUpdate).to.be.lessThan(BigInt(at));
  expect(await lens.isShutDown(marketId)).to.equal(true);
  expect(await lens.settlementEthPrice(marketId)).to.equal(ethPrice);
  expect(await lens.normalizationFactor(marketId)).to.equal(normalizationFactor);
  return { nfBefore, normalizationFactor, at };
}

describe("Risk: shutdown", function () {
  it("applies funding first and fixes the settlement price at the ETH TWAP (Shutdown event)", async function () {
    const d = await loadProtocol();
    await networkHelpers.time.increase(3600);
    const { nfBefore, normalizationFactor } = await expectShutdownApplyingFunding(d);
    expect(normalizationFactor).to.be.lessThan(nfBefore);
  });

  it("is owner-only and irreversible", async function () {
    const { engine, marketId, alice } = await loadProtocol();
    await expect(engine.connect(alice).shutdown(marketId))
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await mined(engine.shutdown(marketId));
    for (const call of [engine.shutdown, engine.unpause, engine.pause]) {
      await expect(call(marketId))
        .to.be.revertedWithCustomError(engine, "MarketShutDown")
        .withArgs(BigInt(marketId));
    }
  });

  it("M-2: works while paused, charges no funding for the paused interval and settles at the fresh ETH TWAP", async function () {
    const d = await loadProtocol();
    const { engine, lens, marketId } = d;
    await networkHelpers.time.increase(3600);
    await mined(engine.pause(marketId)); // applies the hour's funding, then freezes NF
    const frozen = await lens.normalizationFactor(marketId);
    // A week passes; ETH and the power token move (the power pool at 2x its fair price for the last window).
    await networkHelpers.time.increase(7 * 24 * 3600);
    await movePrices(d, 3600, 2);
    const { nfBefore, normalizationFactor } = await expectShutdownApplyingFunding(d);
    expect(await lens.isPaused(marketId)).to.equal(false);
    expect([nfBefore, normalizationFactor]).to.deep.equal([frozen, frozen]);
    const settledAt = Number(await lens.settlementEthPrice(marketId)) / 1e18;
    expect(Math.abs(settledAt - 3600)).to.be.lessThan(1);
  });
});

describe("Risk: settlement with every vault solvent (ETH 3000 → 4000)", function () {
  let scenario: Scenario;
  let shutDown: Snapshot;
  let settled: Snapshot;
  let s: Settlement;

  before(async function () {
    scenario = await buildScenario(4000, false);
    const { d } = scenario;
    await mined(d.engine.shutdown(d.marketId));
    shutDown = await takeSnapshot();
    await mined(d.engine.settleVaults(d.marketId, 1000n));
    s = await readSettlement(d);
    settled = await takeSnapshot();
  });

  it("the settlement price is the ETH TWAP at shutdown and no vault is short", async function () {
    await settled.restore();
    const { d } = scenario;
    expect(await d.lens.settlementEthPrice(d.marketId)).to.equal(s.ethPrice);
    expect(s.ethPrice).to.be.closeTo(parseEther("4000"), parseEther("1"));
    expect(s.shortfall).to.equal(0n);
    expect(s.pool).to.equal(mulDivUp(s.supply, s.claimPerToken, WAD));
    await expectSolvent(d, s, "after settlement");
  });

  for (const [i, order] of ORDERS.entries()) {
    it(`order ${i + 1}: longs get exactly amount * NF * S / 1e4, shorts collateral − debt value`, async function () {
      await settled.restore();
      const { perToken } = await runOrder(scenario, s, order);
      // amount * value rounded down: the per-token rate can only be a hair below the claim value.
      for (const rate of perToken) expect(rate).to.be.closeTo(s.claimPerToken, 1n);
    });
  }

  it("after every redemption the engine still holds at least the accrued fees, which remain collectable", async function () {
    await settled.restore();
    const { d } = scenario;
    await runOrder(scenario, s, ORDERS[0]);
    const fees = await d.lens.accruedFees(d.marketId);
    expect(fees).to.be.greaterThan(0n);
    expect(await ethers.provider.getBalance(d.engine)).to.be.at.least(fees);
    await expect(d.engine.collectFees(d.marketId)).to.changeEtherBalance(ethers, d.keeper, fees);
    await expectSolvent(d, s, "after collecting fees");
  });
  it("every redeemer gets the same payout in every order", async function () {
    await expectOrderIndependent(scenario, s, settled);
  });

  // Last: restoring the pre-settlement snapshot invalidates the later `settled` one.
  it("settles in pages; redemptions revert SettlementIncomplete until the last page", async function () {
    await shutDown.restore();
    const { d, redeemers } = scenario;
    const { engine, lens, marketId } = d;
    const count = await lens.vaultCount(marketId);
    const m = BigInt(marketId);
    expect(count).to.equal(7n);
    const [alice] = redeemers;
    await expect(engine.connect(alice.signer).redeemLong(marketId, 1n))
      .to.be.revertedWithCustomError(engine, "SettlementIncomplete")
      .withArgs(0n, count);

    expect(await engine.settleVaults.staticCall(marketId, 3n)).to.equal(false);
    await expect(engine.settleVaults(marketId, 3n)).not.to.emit(engine, "SettlementCompleted");
    expect(await lens.settledVaults(marketId)).to.equal(3n);
    await expect(engine.connect(alice.signer).redeemShort(alice.vaults[0]))
      .to.be.revertedWithCustomError(engine, "SettlementIncomplete")
      .withArgs(3n, count);
    await mined(engine.settleVaults(marketId, 0n));
    expect(await lens.settledVaults(marketId)).to.equal(3n);

    await mined(engine.connect(d.carol).settleVaults(marketId, 3n));
    expect(await lens.settledVaults(marketId)).to.equal(6n);
    await expect(engine.connect(alice.signer).redeemLong(marketId, 1n))
      .to.be.revertedWithCustomError(engine, "SettlementIncomplete")
      .withArgs(6n, count);

    expect(await engine.settleVaults.staticCall(marketId, 3n)).to.equal(true);
    const claims = mulDivUp(s.supply, s.claimPerToken, WAD);
    await expect(engine.settleVaults(marketId, 3n))
      .to.emit(engine, "SettlementCompleted")
      .withArgs(m, claims, 0n);
    expect(await lens.settledVaults(marketId)).to.equal(count);
    expect(await engine.settleVaults.staticCall(marketId, 1n)).to.equal(true);
    await expect(engine.settleVaults(marketId, 1n)).not.to.emit(engine, "SettlementCompleted");
  });
});

describe("Risk: settlement with an insolvent vault and bad debt (ETH 3000 → 6000)", function () {
  let scenario: Scenario;
  let settled: Snapshot;
  let s: Settlement;
  let heldAtSettlement: bigint;

  before(async function () {
    scenario = await buildScenario(6000, true);
    s = await shutdownAndSettle(scenario.d);
    heldAtSettlement = await ethers.provider.getBalance(scenario.d.engine);
    settled = await takeSnapshot();
  });

  it("records the shortfall of every insolvent vault and shrinks the longs' pool by it", async function () {
    await settled.restore();
    const { d } = scenario;
    let shortfall = 0n;
    for (let serial = 1n; serial <= (await d.lens.vaultCount(d.marketId)); serial++) {
      const { collateral, debt } = await vaultState(d, vaultIdOf(d.marketId, serial));
      const debtValue = mulDivUp(debt, s.debtPerToken, WAD);
      if (debtValue > collateral) shortfall += debtValue - collateral;
    }
    expect(shortfall).to.be.greaterThan(0n);
    expect(s.shortfall).to.equal(shortfall);
    expect(s.pool).to.equal(mulDivUp(s.supply, s.claimPerToken, WAD) - shortfall);
    await expectSolvent(d, s, "after settlement");
  });

  for (const [i, order] of ORDERS.entries()) {
    it(`order ${i + 1}: longs are paid pro rata and total payouts stay within what the engine held`, async function () {
      await settled.restore();
      const { perToken, total } = await runOrder(scenario, s, order);
      expect(total).to.be.at.most(heldAtSettlement);
      // Every long gets the same payout per token: pool / supply, whatever the order.
      for (const rate of perToken) {
        expect(rate).to.be.closeTo((s.pool * WAD) / s.supply, 1n);
        expect(rate).to.be.lessThan(s.claimPerToken); // the shortfall is a haircut on every long
      }
      expect(Math.max(...perToken.map(Number)) - Math.min(...perToken.map(Number))).to.be.at.most(1);
    });
  }

  it("every redeemer gets the same payout in every order", async function () {
    await expectOrderIndependent(scenario, s, settled);
  });

  it("the insolvent vault's owner gets nothing back and the bad-debt vault pays zero", async function () {
    await settled.restore();
    const { d, redeemers } = scenario;
    const bob = redeemers[1];
    const carol = redeemers[2];
    for (const [signer, vaultId] of [
      [bob.signer, bob.vaults[0]],
      [carol.signer, carol.vaults[2]],
    ] as const) {
      await expect(d.engine.connect(signer).redeemShort(vaultId))
        .to.emit(d.engine, "ShortRedeemed")
        .withArgs(BigInt(d.marketId), vaultId, signer.address, 0n);
    }
  });
});
