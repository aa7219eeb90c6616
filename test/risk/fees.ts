/**
 * Mint fees: the owner-only setter and its bounds, the exact fee ceil(amount * price * bps / 1e4) charged from
 * the vault's collateral at the power token's market TWAP, accrual, and collection by anyone.
 */
import { expect } from "chai";
import { parseEther, ZeroAddress } from "ethers";

import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import { BPS, mined, mulDivUp, PENDING, pinNextBlock, vaultState, WAD } from "../utils/riskHelpers.js";

/** The fee the next block's mint of `amount` must charge at `feeBps`. */
async function expectedFee(d: ProtocolFixture, amount: bigint, feeBps: bigint): Promise<bigint> {
  await pinNextBlock();
  const price = await d.controller.powerTokenPrice(PENDING);
  return mulDivUp(amount, price * feeBps, WAD * BPS);
}

describe("Risk: mint fees", function () {
  it("setFee rejects a fee above 1%, a zero recipient and any caller but the owner", async function () {
    const { controller, alice, carol, deployer } = await loadProtocol();
    await expect(controller.setFee(101n, carol))
      .to.be.revertedWithCustomError(controller, "FeeTooHigh")
      .withArgs(101n, 100n);
    await expect(controller.setFee(1n, ZeroAddress)).to.be.revertedWithCustomError(
      controller,
      "MissingFeeRecipient",
    );
    await expect(controller.connect(alice).setFee(1n, carol))
      .to.be.revertedWithCustomError(controller, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await expect(controller.connect(deployer).setFee(100n, carol))
      .to.emit(controller, "FeeSet")
      .withArgs(100n, carol.address);
    expect(await controller.feeBps()).to.equal(100n);
    expect(await controller.feeRecipient()).to.equal(carol.address);
  });

  it("charges exactly ceil(amount * price * bps / 1e4) from the vault's collateral and accrues it", async function () {
    const d = await loadProtocol();
    const { controller, alice, carol } = d;
    await mined(controller.setFee(30n, carol));

    // An amount whose fee is not a whole number of wei, so the rounding direction shows.
    const amount = parseEther("3.333333333333333333");
    const fee = await expectedFee(d, amount, 30n);
    const price = await controller.powerTokenPrice(PENDING);
    expect((amount * price * 30n) % (WAD * BPS)).to.not.equal(0n);
    expect(fee).to.equal((amount * price * 30n) / (WAD * BPS) + 1n);

    const value = parseEther("2");
    const vaultId = (await controller.vaultCount()) + 1n;
    const tx = controller.connect(alice).mint(0n, amount, { value });
    await expect(tx).to.emit(controller, "FeeCharged").withArgs(vaultId, fee);
    await expect(tx).to.emit(controller, "Minted").withArgs(vaultId, alice.address, amount);
    await expect(tx).to.changeEtherBalances(ethers, [alice, controller], [-value, value]);
    expect(await vaultState(d, vaultId)).to.deep.include({ collateral: value - fee, debt: amount });
    expect(await controller.accruedFees()).to.equal(fee);

    // A second mint into the same vault, without ETH, takes its fee from the existing collateral.
    const amount2 = parseEther("0.7");
    const fee2 = await expectedFee(d, amount2, 30n);
    await expect(controller.connect(alice).mint(vaultId, amount2))
      .to.emit(controller, "FeeCharged")
      .withArgs(vaultId, fee2);
    expect(await vaultState(d, vaultId)).to.deep.include({
      collateral: value - fee - fee2,
      debt: amount + amount2,
    });
    expect(await controller.accruedFees()).to.equal(fee + fee2);

    // One token-wei still pays one wei (rounded up).
    const feeDust = await expectedFee(d, 1n, 30n);
    expect(feeDust).to.equal(1n);
    await expect(controller.connect(alice).mint(vaultId, 1n))
      .to.emit(controller, "FeeCharged")
      .withArgs(vaultId, 1n);
    expect(await controller.accruedFees()).to.equal(fee + fee2 + 1n);
  });

  it("the maximum fee of 100 bps is charged exactly", async function () {
    const d = await loadProtocol();
    await mined(d.controller.setFee(100n, d.carol));
    const amount = parseEther("5");
    const fee = await expectedFee(d, amount, 100n);
    const vaultId = (await d.controller.vaultCount()) + 1n;
    await expect(d.controller.connect(d.bob).mint(0n, amount, { value: parseEther("3") }))
      .to.emit(d.controller, "FeeCharged")
      .withArgs(vaultId, fee);
    expect(fee).to.be.closeTo(parseEther("0.0155"), parseEther("0.0005")); // 1% of 5 tokens at ~0.309 ETH
  });

  it("a fee larger than the collateral reverts InsufficientCollateral", async function () {
    const d = await loadProtocol();
    await mined(d.controller.setFee(100n, d.carol));
    const vaultId = (await d.controller.vaultCount()) + 1n;
    const fee = await expectedFee(d, parseEther("1"), 100n);
    await expect(d.controller.connect(d.bob).mint(0n, parseEther("1")))
      .to.be.revertedWithCustomError(d.controller, "InsufficientCollateral")
      .withArgs(vaultId, fee, 0n);
  });

  it("no fee is charged at 0 bps", async function () {
    const d = await loadProtocol();
    await mined(d.controller.setFee(0n, d.carol));
    await expect(
      d.controller.connect(d.bob).mint(0n, parseEther("1"), { value: parseEther("1") }),
    ).not.to.emit(d.controller, "FeeCharged");
    expect(await d.controller.accruedFees()).to.equal(0n);
  });

  it("collectFees pays the recipient (any caller), resets the accrual, then reverts NoFeesToCollect", async function () {
    const d = await loadProtocol();
    const { controller, alice, bob, carol, keeper } = d;
    await expect(controller.connect(keeper).collectFees()).to.be.revertedWithCustomError(
      controller,
      "NoFeesToCollect",
    );
    await mined(controller.setFee(50n, carol));
    await mined(controller.connect(alice).mint(0n, parseEther("4"), { value: parseEther("3") }));
    await mined(controller.connect(bob).mint(0n, parseEther("2"), { value: parseEther("2") }));
    const accrued = await controller.accruedFees();
    expect(accrued).to.be.greaterThan(0n);

    const tx = controller.connect(keeper).collectFees();
    await expect(tx).to.emit(controller, "FeesCollected").withArgs(carol.address, accrued);
    await expect(tx).to.changeEtherBalances(ethers, [carol, controller, keeper], [accrued, -accrued, 0n]);
    expect(await controller.accruedFees()).to.equal(0n);
    await expect(controller.connect(keeper).collectFees()).to.be.revertedWithCustomError(
      controller,
      "NoFeesToCollect",
    );
    // Vault collateral is untouched by the collection.
    const [v2, v3] = [await vaultState(d, 2n), await vaultState(d, 3n)];
    expect(v2.collateral + v3.collateral + accrued).to.equal(parseEther("5"));
  });
});
