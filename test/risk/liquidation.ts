/**
 * Liquidations against the real Uniswap v3 pools: exact payouts after ETH doubles, insolvency and bad debt,
 * the dust rule at its ±1 wei boundaries, and self-liquidation. Expected values come from an independent
 * bigint model of the specification fed with the on-chain TWAPs of the liquidation block.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { MaxUint256, parseEther } from "ethers";

import { vaultIdOf } from "../../deploy/evergamma.js";
import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import {
  expectedLiquidationOf,
  fundWithTokens,
  gasCost,
  isInsolventAtIndex,
  mined,
  movePrices,
  mulDivUp,
  openVault,
  payPerToken,
  PENDING,
  pinNextBlock,
  readMarket,
  takeSnapshot,
  vaultState,
  walletValue,
  BPS,
  WAD,
  type LiquidationOutcome,
  type Snapshot,
} from "../utils/riskHelpers.js";

type Kind = LiquidationOutcome["kind"];

/**
 * Liquidates `vaultId` in the next block and checks everything against the model: the `Liquidated` event,
 * the ETH the liquidator and the engine gain or lose, the tokens burned (with no allowance), the supply
 * and the vault left behind.
 */
async function expectLiquidation(
  d: ProtocolFixture,
  liquidator: HardhatEthersSigner,
  vaultId: bigint,
  maxDebtAmount: bigint,
  kind: Kind,
): Promise<LiquidationOutcome> {
  const { engine, powerToken } = d;
  await pinNextBlock();
  const market = await readMarket(d);
  const before = await vaultState(d, vaultId);
  const expected = expectedLiquidationOf(d, market, before, maxDebtAmount);
  expect(expected.kind, "scenario").to.equal(kind);
  expect(expected.leavesDust, "scenario leaves dust").to.equal(false);
  expect(await powerToken.allowance(liquidator, engine)).to.equal(0n);
  const supply = await powerToken.totalSupply();

  const tx = engine.connect(liquidator).liquidate(vaultId, maxDebtAmount);
  await expect(tx)
    .to.emit(engine, "Liquidated")
    .withArgs(BigInt(d.marketId), vaultId, liquidator.address, expected.debtRepaid, expected.collateralPaid);
  await expect(tx).to.changeEtherBalances(
    ethers,
    [liquidator, engine],
    [expected.collateralPaid, -expected.collateralPaid],
  );
  await expect(tx).to.changeTokenBalance(ethers, powerToken, liquidator, -expected.debtRepaid);

  const after = await vaultState(d, vaultId);
  expect(after.collateral).to.equal(before.collateral - expected.collateralPaid);
  expect(after.debt).to.equal(before.debt - expected.debtRepaid);
  expect(await powerToken.totalSupply()).to.equal(supply - expected.debtRepaid);
  return expected;
}

describe("Risk: liquidations after ETH doubles (3000 → 6000)", function () {
  let d: ProtocolFixture;
  let snapshot: Snapshot;
  const ids = { half: 0n, dust: 0n, insolvent: 0n, safe: 0n };

  before(async function () {
    d = await loadProtocol();
    // At ETH 3000 one token's debt is worth ~0.3 ETH: every vault is safe (≥ 166%) when opened.
    ids.half = await openVault(d, d.alice, parseEther("8"), parseEther("10"));
    ids.dust = await openVault(d, d.alice, parseEther("0.8"), parseEther("1"));
    ids.insolvent = await openVault(d, d.alice, parseEther("1"), parseEther("2"));
    ids.safe = await openVault(d, d.alice, parseEther("10"), parseEther("2"));
    await fundWithTokens(d, d.keeper, parseEther("20"));
    await movePrices(d, 6000);
    snapshot = await takeSnapshot();
  });

  beforeEach(async function () {
    await snapshot.restore();
  });

  it("moved the TWAPs: ETH ≈ 6000 and the power token at its fair price", async function () {
    const market = await readMarket(d);
    expect(market.ethPrice).to.be.closeTo(parseEther("6000"), parseEther("1"));
    expect(market.powerPrice).to.be.closeTo(parseEther("0.6187"), parseEther("0.001"));
    for (const id of [ids.half, ids.dust, ids.insolvent]) {
      expect(await d.lens.isVaultSafe(id, PENDING), `vault ${id}`).to.equal(false);
    }
    expect(await d.lens.isVaultSafe(ids.safe, PENDING)).to.equal(true);
  });

  it("a half liquidation repays ceil(debt / 2) and pays floor(repay * floor(price * 1.1))", async function () {
    const r = await expectLiquidation(d, d.keeper, ids.half, MaxUint256, "half");
    const price = await d.lens.tokenPrice(d.marketId);
    const perToken = (price * (WAD + parseEther("0.1"))) / WAD;
    expect(r.debtRepaid).to.equal(parseEther("5"));
    expect(r.collateralPaid).to.equal((parseEther("5") * perToken) / WAD);
    expect(await vaultState(d, ids.half)).to.deep.include({
      collateral: parseEther("8") - r.collateralPaid,
      debt: parseEther("5"),
    });
  });

  it("a half liquidation caps at the offered amount", async function () {
    const r = await expectLiquidation(d, d.keeper, ids.half, parseEther("1.5"), "capped-by-offer");
    expect(r.debtRepaid).to.equal(parseEther("1.5"));
  });

  it("a full liquidation when half would leave dust (collateral below 0.5 ETH)", async function () {
    const r = await expectLiquidation(d, d.keeper, ids.dust, MaxUint256, "full-dust");
    expect(r.debtRepaid).to.equal(parseEther("1"));
    const after = await vaultState(d, ids.dust);
    expect(after.debt).to.equal(0n);
    expect(after.collateral).to.equal(parseEther("0.8") - r.collateralPaid);
    expect(after.collateral).to.be.greaterThan(0n);
    // The debt-free remainder belongs to the owner again.
    await expect(d.engine.connect(d.alice).withdraw(ids.dust, after.collateral)).to.changeEtherBalance(
      ethers,
      d.alice,
      after.collateral,
    );
  });

  it("a full liquidation pays all collateral when it cannot cover the debt plus bonus", async function () {
    const r = await expectLiquidation(d, d.keeper, ids.insolvent, MaxUint256, "full-insolvent");
    expect(r).to.deep.include({ debtRepaid: parseEther("2"), collateralPaid: parseEther("1") });
    expect(await vaultState(d, ids.insolvent)).to.deep.include({ collateral: 0n, debt: 0n });
    expect(await d.lens.totalBadDebt(d.marketId)).to.equal(0n);
  });

  it("a safe vault reverts VaultSafe with its collateral ratio", async function () {
    await pinNextBlock();
    const ratio = await d.lens.collateralRatio(ids.safe, PENDING);
    expect(ratio).to.be.greaterThan(parseEther("1.5"));
    await expect(d.engine.connect(d.keeper).liquidate(ids.safe, MaxUint256))
      .to.be.revertedWithCustomError(d.engine, "VaultSafe")
      .withArgs(ids.safe, ratio);
    // A vault without debt is safe with ratio type(uint256).max.
    const empty = await openVault(d, d.bob, parseEther("1"), 1n);
    await mined(d.engine.connect(d.bob).burn(empty, 1n, 0n));
    await expect(d.engine.connect(d.keeper).liquidate(empty, MaxUint256))
      .to.be.revertedWithCustomError(d.engine, "VaultSafe")
      .withArgs(empty, MaxUint256);
  });

  it("an offer of zero reverts ZeroAmount", async function () {
    await expect(d.engine.connect(d.keeper).liquidate(ids.half, 0n)).to.be.revertedWithCustomError(
      d.engine,
      "ZeroAmount",
    );
  });

  it("an unknown vault reverts VaultNotFound, a vault id of an unknown market MarketNotFound", async function () {
    const count = await d.lens.vaultCount(d.marketId);
    for (const id of [vaultIdOf(d.marketId, 0n), vaultIdOf(d.marketId, count + 1n)]) {
      await expect(d.engine.connect(d.keeper).liquidate(id, MaxUint256))
        .to.be.revertedWithCustomError(d.engine, "VaultNotFound")
        .withArgs(id);
    }
    const otherMarket = d.marketId + 1;
    await expect(d.engine.connect(d.keeper).liquidate(vaultIdOf(otherMarket, 1n), MaxUint256))
      .to.be.revertedWithCustomError(d.engine, "MarketNotFound")
      .withArgs(BigInt(otherMarket));
  });

  it("previewLiquidation matches liquidate(id, MaxUint256) in the same block", async function () {
    for (const id of [ids.half, ids.dust, ids.insolvent]) {
      await pinNextBlock();
      const [liquidatable, maxDebt, paid] = await d.lens.previewLiquidation(id, PENDING);
      expect(liquidatable, `vault ${id}`).to.equal(true);
      const tx = d.engine.connect(d.keeper).liquidate(id, MaxUint256);
      await expect(tx)
        .to.emit(d.engine, "Liquidated")
        .withArgs(BigInt(d.marketId), id, d.keeper.address, maxDebt, paid);
    }
    expect(await d.lens.previewLiquidation(ids.safe, PENDING)).to.deep.equal([false, 0n, 0n]);
  });

  it("a liquidator without enough tokens reverts (the burn needs the balance, not an allowance)", async function () {
    await expect(d.engine.connect(d.carol).liquidate(ids.half, MaxUint256)).to.be.revertedWithCustomError(
      d.powerToken,
      "ERC20InsufficientBalance",
    );
  });
});

describe("Risk: crash to insolvency and bad debt", function () {
  let d: ProtocolFixture;
  let snapshot: Snapshot;
  let vaultId: bigint;
  const collateral = parseEther("1");
  const debt = parseEther("2");

  before(async function () {
    d = await loadProtocol();
    vaultId = await openVault(d, d.alice, collateral, debt);
    await fundWithTokens(d, d.keeper, parseEther("10"));
    await fundWithTokens(d, d.carol, parseEther("1"));
    // ETH × 2.5: one token's debt is worth ~0.75 ETH, its market price + bonus ~0.85 ETH: 2 tokens >> 1 ETH.
    await movePrices(d, 7500);
    snapshot = await takeSnapshot();
  });

  beforeEach(async function () {
    await snapshot.restore();
  });

  /** The smallest offer that takes all the collateral: ceil(collateral / payPerToken). */
  async function minimalFullOffer(): Promise<{ offer: bigint; perToken: bigint }> {
    await pinNextBlock();
    const { powerPrice } = await readMarket(d);
    const perToken = payPerToken(powerPrice, d.market.liquidationBonusWad);
    expect((debt * perToken) / WAD).to.be.greaterThanOrEqual(collateral);
    return { offer: (collateral * WAD + perToken - 1n) / perToken, perToken };
  }

  it("a liquidator offering less than the debt takes all collateral; the rest is recorded as bad debt", async function () {
    const { offer } = await minimalFullOffer();
    expect(offer).to.be.lessThan(debt);
    const tx = d.engine.connect(d.keeper).liquidate(vaultId, offer);
    await expect(tx)
      .to.emit(d.engine, "BadDebtRecorded")
      .withArgs(BigInt(d.marketId), vaultId, debt - offer);
    await expect(tx)
      .to.emit(d.engine, "Liquidated")
      .withArgs(BigInt(d.marketId), vaultId, d.keeper.address, offer, collateral);
    await expect(tx).to.changeEtherBalance(ethers, d.keeper, collateral);
    await expect(tx).to.changeTokenBalance(ethers, d.powerToken, d.keeper, -offer);
    expect(await vaultState(d, vaultId)).to.deep.include({ collateral: 0n, debt: debt - offer });
    expect(await d.lens.totalBadDebt(d.marketId)).to.equal(debt - offer);
    // The empty vault stays unsafe (below the dust floor); a keeper preview shows the debt and no payout.
    expect(await d.lens.isVaultSafe(vaultId)).to.equal(false);
    await pinNextBlock();
    expect(await d.lens.previewLiquidation(vaultId, PENDING)).to.deep.equal([true, debt - offer, 0n]);
  });

  // On an insolvent vault the error names the minimal offer that takes all collateral (less than the debt).
  it("one token-wei less than the minimal full offer would leave 1 wei of dust: LiquidationLeavesDust", async function () {
    const { offer, perToken } = await minimalFullOffer();
    const left = collateral - ((offer - 1n) * perToken) / WAD;
    expect(left).to.be.greaterThan(0n);
    expect(left).to.be.lessThan(d.market.minCollateralWei);
    expect(offer).to.be.lessThan(debt);
    await expect(d.engine.connect(d.keeper).liquidate(vaultId, offer - 1n))
      .to.be.revertedWithCustomError(d.engine, "LiquidationLeavesDust")
      .withArgs(vaultId, offer);
  });

  it("liquidating the whole debt of an insolvent vault leaves no bad debt", async function () {
    const tx = d.engine.connect(d.keeper).liquidate(vaultId, MaxUint256);
    await expect(tx)
      .to.emit(d.engine, "Liquidated")
      .withArgs(BigInt(d.marketId), vaultId, d.keeper.address, debt, collateral);
    await expect(tx).not.to.emit(d.engine, "BadDebtRecorded");
    expect(await d.lens.totalBadDebt(d.marketId)).to.equal(0n);
  });

  it("repaying part of an already recorded bad debt lowers it by the amount, never records it again", async function () {
    const { offer } = await minimalFullOffer();
    await mined(d.engine.connect(d.keeper).liquidate(vaultId, offer));
    const badDebt = debt - offer;
    expect(await d.lens.totalBadDebt(d.marketId)).to.equal(badDebt);

    // Carol donates 1 token-wei against the collateral-less vault: no collateral is left without debt by this
    // call, so no new bad debt exists. (Cumulative bad debt may stay, but the same debt must not count twice.)
    const tx = d.engine.connect(d.carol).liquidate(vaultId, 1n);
    await expect(tx)
      .to.emit(d.engine, "Liquidated")
      .withArgs(BigInt(d.marketId), vaultId, d.carol.address, 1n, 0n);
    expect(await vaultState(d, vaultId)).to.deep.include({ collateral: 0n, debt: badDebt - 1n });
    // totalBadDebt is the debt now unbacked (L-1): the repaid token-wei leaves it, nothing is counted twice.
    expect(await d.lens.totalBadDebt(d.marketId), "totalBadDebt after re-liquidating bad debt").to.equal(
      badDebt - 1n,
    );
    await expect(tx).not.to.emit(d.engine, "BadDebtRecorded");
  });
});

describe("Risk: dust rule at its ±1 wei boundaries", function () {
  let d: ProtocolFixture;
  let snapshot: Snapshot;
  let perToken: bigint;
  const ids = { exact: 0n, minusOne: 0n, coverEdge: 0n, coverEdgePlusOne: 0n };
  const debt = parseEther("1.2");
  const half = parseEther("0.6");
  const bigDebt = parseEther("4");
  const floor = parseEther("0.5");

  before(async function () {
    d = await loadProtocol();
    ids.exact = await openVault(d, d.alice, parseEther("0.6"), debt);
    ids.minusOne = await openVault(d, d.alice, parseEther("0.6"), debt);
    ids.coverEdge = await openVault(d, d.alice, parseEther("2"), bigDebt);
    ids.coverEdgePlusOne = await openVault(d, d.alice, parseEther("2"), bigDebt);
    await fundWithTokens(d, d.keeper, parseEther("20"));
    await movePrices(d, 6000);
    perToken = payPerToken(await d.lens.tokenPrice(d.marketId), d.market.liquidationBonusWad);
    // Top the vaults up (anyone may deposit) to collateral chosen against the now known payout per token.
    const payHalf = (half * perToken) / WAD;
    const wholeDebtValue = (bigDebt * perToken) / WAD;
    const target: [bigint, bigint][] = [
      [ids.exact, floor + payHalf],
      [ids.minusOne, floor + payHalf - 1n],
      [ids.coverEdge, wholeDebtValue],
      [ids.coverEdgePlusOne, wholeDebtValue + 1n],
    ];
    for (const [id, collateral] of target) {
      const { collateral: now } = await vaultState(d, id);
      await mined(d.engine.connect(d.bob).deposit(id, { value: collateral - now }));
    }
    snapshot = await takeSnapshot();
  });

  beforeEach(async function () {
    await snapshot.restore();
    expect(payPerToken(await d.lens.tokenPrice(d.marketId), d.market.liquidationBonusWad)).to.equal(perToken);
  });

  it("all four vaults are unsafe after the move and the top-ups", async function () {
    for (const id of Object.values(ids)) {
      expect(await d.lens.isVaultSafe(id, PENDING), `vault ${id}`).to.equal(false);
    }
  });

  it("half liquidation leaving exactly 0.5 ETH is allowed", async function () {
    await expectLiquidation(d, d.keeper, ids.exact, MaxUint256, "half");
    expect(await vaultState(d, ids.exact)).to.deep.include({ collateral: floor, debt: debt - half });
  });

  it("half liquidation leaving 0.5 ETH − 1 wei becomes a full liquidation", async function () {
    const { collateral } = await vaultState(d, ids.minusOne);
    const r = await expectLiquidation(d, d.keeper, ids.minusOne, MaxUint256, "full-dust");
    expect(r.debtRepaid).to.equal(debt);
    expect(await vaultState(d, ids.minusOne)).to.deep.include({
      collateral: collateral - (debt * perToken) / WAD,
      debt: 0n,
    });
  });

  it("an offer too small to avoid dust reverts LiquidationLeavesDust(id, debt)", async function () {
    for (const offer of [half, half + 1n, debt - 1n]) {
      await expect(d.engine.connect(d.keeper).liquidate(ids.minusOne, offer), `offer ${offer}`)
        .to.be.revertedWithCustomError(d.engine, "LiquidationLeavesDust")
        .withArgs(ids.minusOne, debt);
    }
    // The same offers are fine on the vault that keeps exactly the floor (they are capped at half).
    await expectLiquidation(d, d.keeper, ids.exact, debt - 1n, "half");
  });

  it("a smaller offer that leaves at least 0.5 ETH is a plain partial liquidation", async function () {
    const offer = parseEther("0.5");
    await expectLiquidation(d, d.keeper, ids.minusOne, offer, "capped-by-offer");
    const after = await vaultState(d, ids.minusOne);
    expect(after.collateral).to.be.greaterThanOrEqual(floor);
  });

  it("whole debt when floor(debt * payPerToken) == collateral; half when collateral is 1 wei more", async function () {
    const full = await expectLiquidation(d, d.keeper, ids.coverEdge, MaxUint256, "full-insolvent");
    expect(full.debtRepaid).to.equal(bigDebt);
    expect(await vaultState(d, ids.coverEdge)).to.deep.include({ collateral: 0n, debt: 0n });

    const halfResult = await expectLiquidation(d, d.keeper, ids.coverEdgePlusOne, MaxUint256, "half");
    expect(halfResult.debtRepaid).to.equal(bigDebt / 2n);
  });
});

describe("Risk: self-liquidation is never more profitable than repaying", function () {
  let d: ProtocolFixture;
  let snapshot: Snapshot;
  const ids = { half: 0n, insolvent: 0n };

  before(async function () {
    d = await loadProtocol();
    ids.half = await openVault(d, d.alice, parseEther("8"), parseEther("10"));
    ids.insolvent = await openVault(d, d.alice, parseEther("1"), parseEther("2"));
    await movePrices(d, 6000);
    snapshot = await takeSnapshot();
  });

  interface Position {
    /** ETH (gas added back) plus tokens valued at the market price. */
    wallet: bigint;
    /** Wallet plus the vault's collateral minus its debt at the market price. */
    total: bigint;
  }

  async function position(vaultId: bigint, gas: bigint, price: bigint): Promise<Position> {
    const wallet = (await walletValue(d, d.alice, price)) + gas;
    const vault = await vaultState(d, vaultId);
    return { wallet, total: wallet + vault.collateral - (vault.debt * price) / WAD };
  }

  for (const name of ["half", "insolvent"] as const) {
    it(`owner liquidating its own ${name} vault ends no richer than burning the same debt and withdrawing`, async function () {
      await snapshot.restore();
      const vaultId = ids[name];
      await pinNextBlock();
      const { powerPrice } = await readMarket(d);
      const [, repaid, paid] = await d.lens.previewLiquidation(vaultId, PENDING);
      const liquidation = await mined(d.engine.connect(d.alice).liquidate(vaultId, MaxUint256));
      const selfLiquidated = await position(vaultId, gasCost(liquidation), powerPrice);

      await snapshot.restore();
      const repay = await mined(d.engine.connect(d.alice).burn(vaultId, repaid, paid));
      const repaidInstead = await position(vaultId, gasCost(repay), powerPrice);

      expect(selfLiquidated.wallet).to.be.lessThanOrEqual(repaidInstead.wallet);
      expect(selfLiquidated.total).to.be.lessThanOrEqual(repaidInstead.total);
    });
  }
});

describe("Risk: H-1, no sequence of liquidations turns a vault solvent at index into bad debt", function () {
  let d: ProtocolFixture;
  let snapshot: Snapshot;
  /** Both opened at 150% and 182%; after ETH × 1.4 at about 107% and 130% of their debt at index. */
  const ids = { wholeOnly: 0n, halves: 0n };

  before(async function () {
    d = await loadProtocol();
    const perToken = await d.lens.debtValuePerToken(d.marketId);
    const atRatio = (collateral: bigint, ratioBps: bigint): bigint =>
      (collateral * WAD * BPS) / (ratioBps * perToken);
    ids.wholeOnly = await openVault(d, d.alice, parseEther("100"), atRatio(parseEther("100"), 15_000n));
    ids.halves = await openVault(d, d.alice, parseEther("10"), atRatio(parseEther("10"), 18_200n));
    await fundWithTokens(d, d.keeper, parseEther("400"));
    await movePrices(d, 4200); // mark / index ≈ 1.03: a payout of 1.1 · 1.03 per token of debt value
    snapshot = await takeSnapshot();
  });

  beforeEach(async function () {
    await snapshot.restore();
  });

  it("audit A's two-step attack now reverts LiquidationLeavesDust(id, debt) at its first step", async function () {
    const id = ids.wholeOnly;
    await pinNextBlock();
    const market = await readMarket(d);
    const { collateral, debt } = await vaultState(d, id);
    const ppt = payPerToken(market.pricingPowerPrice, d.market.liquidationBonusWad);
    expect(isInsolventAtIndex(collateral, debt, market.debtValuePerToken), "solvent at index").to.equal(
      false,
    );
    expect((debt * ppt) / WAD, "cannot cover the debt plus bonus").to.be.greaterThanOrEqual(collateral);
    // Step 1 of the attack: leave exactly the dust floor, which would leave the vault insolvent at index.
    const stepOne = ((collateral - d.market.minCollateralWei) * WAD) / ppt;
    await expect(d.engine.connect(d.keeper).liquidate(id, stepOne))
      .to.be.revertedWithCustomError(d.engine, "LiquidationLeavesDust")
      .withArgs(id, debt);
    const tx = d.engine.connect(d.keeper).liquidate(id, MaxUint256);
    await expect(tx)
      .to.emit(d.engine, "Liquidated")
      .withArgs(BigInt(d.marketId), id, d.keeper.address, debt, collateral);
    await expect(tx).not.to.emit(d.engine, "BadDebtRecorded");
    expect(await d.lens.totalBadDebt(d.marketId)).to.equal(0n);
  });

  /**
   * Alice keeps the tokens she minted and liquidates her own vault with a sequence of offers (the attack's
   * step, halves, a tenth, then whatever is left). Each step goes through, reverts `LiquidationLeavesDust` or,
   * once the ratio has risen back above 150%, `VaultSafe`; after every step her vault is debt-free or solvent at
   * index. Valued at index (tokens
   * and debt at one token's debt value, the vault counted only when its equity is positive, since she may walk
   * away), she ends no richer than by repaying the whole debt and withdrawing everything.
   */
  for (const name of ["wholeOnly", "halves"] as const) {
    it(`self-liquidating the ${name} vault in steps never beats repaying`, async function () {
      const id = ids[name];
      const start = await vaultState(d, id);
      const tokensAtStart = await d.powerToken.balanceOf(d.alice);
      let gas = 0n;
      let steps = 0;
      let perToken = 0n;
      for (const offer of [0n, start.debt / 2n, start.debt / 2n, start.debt / 10n, MaxUint256]) {
        const vault = await vaultState(d, id);
        if (vault.debt === 0n) break;
        await pinNextBlock();
        const market = await readMarket(d);
        perToken = market.debtValuePerToken;
        const ppt = payPerToken(market.pricingPowerPrice, d.market.liquidationBonusWad);
        const amount = offer === 0n ? ((vault.collateral - d.market.minCollateralWei) * WAD) / ppt : offer;
        const liquidate = d.engine.connect(d.alice).liquidate;
        try {
          await liquidate.staticCall(id, amount, PENDING);
        } catch (error) {
          const reason = d.engine.interface.parseError((error as { data: string }).data)?.name;
          // Refused as a partial liquidation of a solvent vault, or the vault is safe again (its ratio rose).
          expect(reason).to.be.oneOf(["LiquidationLeavesDust", "VaultSafe"]);
          if (reason === "VaultSafe") break;
          continue;
        }
        gas += gasCost(await mined(liquidate(id, amount)));
        steps++;
        const after = await vaultState(d, id);
        const solvent = !isInsolventAtIndex(after.collateral, after.debt, perToken);
        expect(after.debt === 0n || solvent, `step ${steps} left the vault insolvent at index`).to.equal(
          true,
        );
      }
      expect(steps, "at least the final whole liquidation went through").to.be.greaterThan(0);
      expect(await d.lens.totalBadDebt(d.marketId)).to.equal(0n);

      const end = await vaultState(d, id);
      const equity = end.collateral - mulDivUp(end.debt, perToken, WAD);
      const selfLiquidated = (await walletValue(d, d.alice, perToken)) + gas + (equity > 0n ? equity : 0n);

      await snapshot.restore();
      const repay = await mined(d.engine.connect(d.alice).burn(id, start.debt, start.collateral));
      const repaid = (await walletValue(d, d.alice, perToken)) + gasCost(repay);
      expect(await d.powerToken.balanceOf(d.alice)).to.equal(tokensAtStart - start.debt);
      expect(selfLiquidated).to.be.lessThanOrEqual(repaid);
    });
  }
});
