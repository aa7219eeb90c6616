/**
 * Mint fees of market 0 (fees are set, accrued and collected per market): the owner-only setter and its bounds,
 * the exact fee ceil(amount * price * bps / 1e4) charged from the vault's collateral at the power token's market
 * TWAP (capped at the funding band, which the seeded market is inside), accrual, and collection by anyone.
 */
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";

import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import { BPS, mined, mulDivUp, pinNextBlock, readMarket, vaultState, WAD } from "../utils/riskHelpers.js";

/**
 * The power token's price the next block's mint charges its fee at: the TWAP capped at debt value × mark cap.
 * Pins the next block.
 */
async function feePrice(d: ProtocolFixture): Promise<bigint> {
  await pinNextBlock();
  const market = await readMarket(d);
  // The seeded market trades inside the funding band: the fee is charged at the TWAP itself.
  expect(market.pricingPowerPrice).to.equal(market.powerPrice);
  return market.pricingPowerPrice;
}

/** The fee the next block's mint of `amount` must charge at `feeBps`. */
async function expectedFee(d: ProtocolFixture, amount: bigint, feeBps: bigint): Promise<bigint> {
  const price = await feePrice(d);
  return mulDivUp(amount, price * feeBps, WAD * BPS);
}

/** The next vault id of market 0 (its serial: market 0's vault ids are 1, 2, 3, …). */
async function nextVaultId(d: ProtocolFixture): Promise<bigint> {
  return (await d.lens.vaultCount(d.marketId)) + 1n;
}

describe("Risk: mint fees", function () {
  it("setFee rejects a fee above 1%, a zero recipient and any caller but the owner", async function () {
    const { engine, lens, marketId, alice, carol, deployer } = await loadProtocol();
    await expect(engine.setFee(marketId, 101n, carol))
      .to.be.revertedWithCustomError(engine, "FeeTooHigh")
      .withArgs(101n, 100n);
    await expect(engine.setFee(marketId, 1n, ZeroAddress)).to.be.revertedWithCustomError(
      engine,
      "MissingFeeRecipient",
    );
    await expect(engine.connect(alice).setFee(marketId, 1n, carol))
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    // Fees are per market: a market that does not exist has none to set.
    await expect(engine.setFee(marketId + 1, 1n, carol))
      .to.be.revertedWithCustomError(engine, "MarketNotFound")
      .withArgs(BigInt(marketId + 1));
    await expect(engine.connect(deployer).setFee(marketId, 100n, carol))
      .to.emit(engine, "FeeSet")
      .withArgs(BigInt(marketId), 100n, carol.address);
    expect(await lens.feeBps(marketId)).to.equal(100n);
    expect(await lens.feeRecipient(marketId)).to.equal(carol.address);
  });

  it("charges exactly ceil(amount * price * bps / 1e4) from the vault's collateral and accrues it", async function () {
    const d = await loadProtocol();
    const { engine, lens, marketId, alice, carol } = d;
    const m = BigInt(marketId);
    await mined(engine.setFee(marketId, 30n, carol));

    // An amount whose fee is not a whole number of wei, so the rounding direction shows.
    const amount = parseEther("3.333333333333333333");
    const price = await feePrice(d);
    const fee = mulDivUp(amount, price * 30n, WAD * BPS);
    expect((amount * price * 30n) % (WAD * BPS)).to.not.equal(0n);
    expect(fee).to.equal((amount * price * 30n) / (WAD * BPS) + 1n);

    const value = parseEther("2");
    const vaultId = await nextVaultId(d);
    const tx = engine.connect(alice).mint(d.markets[marketId].newVaultId, amount, { value });
    await expect(tx).to.emit(engine, "FeeCharged").withArgs(m, vaultId, fee);
    await expect(tx).to.emit(engine, "Minted").withArgs(m, vaultId, alice.address, amount);
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [-value, value]);
    expect(await vaultState(d, vaultId)).to.deep.include({ collateral: value - fee, debt: amount });
    expect(await lens.accruedFees(marketId)).to.equal(fee);

    // A second mint into the same vault, without ETH, takes its fee from the existing collateral.
    const amount2 = parseEther("0.7");
    const fee2 = await expectedFee(d, amount2, 30n);
    await expect(engine.connect(alice).mint(vaultId, amount2))
      .to.emit(engine, "FeeCharged")
      .withArgs(m, vaultId, fee2);
    expect(await vaultState(d, vaultId)).to.deep.include({
      collateral: value - fee - fee2,
      debt: amount + amount2,
    });
    expect(await lens.accruedFees(marketId)).to.equal(fee + fee2);

    // One token-wei still pays one wei (rounded up).
    const feeDust = await expectedFee(d, 1n, 30n);
    expect(feeDust).to.equal(1n);
    await expect(engine.connect(alice).mint(vaultId, 1n))
      .to.emit(engine, "FeeCharged")
      .withArgs(m, vaultId, 1n);
    expect(await lens.accruedFees(marketId)).to.equal(fee + fee2 + 1n);
  });

  it("the maximum fee of 100 bps is charged exactly", async function () {
    const d = await loadProtocol();
    await mined(d.engine.setFee(d.marketId, 100n, d.carol));
    const amount = parseEther("5");
    const vaultId = await nextVaultId(d);
    const fee = await expectedFee(d, amount, 100n);
    await expect(d.engine.connect(d.bob).mint(0n, amount, { value: parseEther("3") }))
      .to.emit(d.engine, "FeeCharged")
      .withArgs(BigInt(d.marketId), vaultId, fee);
    expect(fee).to.be.closeTo(parseEther("0.0155"), parseEther("0.0005")); // 1% of 5 tokens at ~0.309 ETH
  });

  it("a fee larger than the collateral reverts InsufficientCollateral", async function () {
    const d = await loadProtocol();
    await mined(d.engine.setFee(d.marketId, 100n, d.carol));
    const vaultId = await nextVaultId(d);
    const fee = await expectedFee(d, parseEther("1"), 100n);
    await expect(d.engine.connect(d.bob).mint(0n, parseEther("1")))
      .to.be.revertedWithCustomError(d.engine, "InsufficientCollateral")
      .withArgs(vaultId, fee, 0n);
  });

  it("no fee is charged at 0 bps", async function () {
    const d = await loadProtocol();
    await mined(d.engine.setFee(d.marketId, 0n, d.carol));
    await expect(d.engine.connect(d.bob).mint(0n, parseEther("1"), { value: parseEther("1") })).not.to.emit(
      d.engine,
      "FeeCharged",
    );
    expect(await d.lens.accruedFees(d.marketId)).to.equal(0n);
  });

  it("collectFees pays the recipient (any caller), resets the accrual, then reverts NoFeesToCollect", async function () {
    const d = await loadProtocol();
    const { engine, lens, marketId, alice, bob, carol, keeper } = d;
    await expect(engine.connect(keeper).collectFees(marketId)).to.be.revertedWithCustomError(
      engine,
      "NoFeesToCollect",
    );
    await mined(engine.setFee(marketId, 50n, carol));
    await mined(engine.connect(alice).mint(0n, parseEther("4"), { value: parseEther("3") }));
    await mined(engine.connect(bob).mint(0n, parseEther("2"), { value: parseEther("2") }));
    const accrued = await lens.accruedFees(marketId);
    expect(accrued).to.be.greaterThan(0n);

    const tx = engine.connect(keeper).collectFees(marketId);
    await expect(tx).to.emit(engine, "FeesCollected").withArgs(BigInt(marketId), carol.address, accrued);
    await expect(tx).to.changeEtherBalances(ethers, [carol, engine, keeper], [accrued, -accrued, 0n]);
    expect(await lens.accruedFees(marketId)).to.equal(0n);
    await expect(engine.connect(keeper).collectFees(marketId)).to.be.revertedWithCustomError(
      engine,
      "NoFeesToCollect",
    );
    // Vault collateral is untouched by the collection.
    const [v2, v3] = [await vaultState(d, 2n), await vaultState(d, 3n)];
    expect(v2.collateral + v3.collateral + accrued).to.equal(parseEther("5"));
  });
});
