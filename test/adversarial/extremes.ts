/**
 * Adversarial: extreme values on the real pools. Ten years of funding pinned at either clamp (yearly updates),
 * the normalization factor at its 1-wei floor and at its uint128 ceiling, 1-wei amounts, the 96-bit collateral
 * and 128-bit debt limits, ETH at $1 and at $10,000,000, and the price above which the block cache overflows.
 * After each, the system must keep working: mint, burn, withdraw and liquidate succeed, or fail with a clear
 * custom error.
 */
import { expect } from "chai";
import { MaxUint256, parseEther } from "ethers";

import { fairPowerPriceEth, setEthPrice, setPowerPrice } from "../../deploy/evergamma.js";
import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import { advance } from "../utils/coreHelpers.js";
import { setBalance, WAD } from "./helpers.js";

const YEAR = 365 * 86_400;
const UINT128_MAX = 2n ** 128n - 1n;
/** The default deployment's one market (ETH², Squeeth's terms). */
const MARKET = 0;

/** Pins the power pool at `premium` times the fair price and lets one TWAP period pass. */
async function pinPowerPremium(d: ProtocolFixture, premium: number, ethUsd = 3000): Promise<void> {
  const nf = Number(await d.lens.expectedNormalizationFactor(MARKET)) / 1e18;
  await setPowerPrice(d, (fairPowerPriceEth(d.market, ethUsd, 0.8, nf) * premium).toPrecision(12));
  await advance(d.market.twapPeriodSeconds + 1);
}

/** A deployer rich enough to move both pools anywhere (it also mints power tokens to sell). */
async function richDeployer(d: ProtocolFixture, powerTokens = 0n): Promise<void> {
  await setBalance(await d.deployer.getAddress(), parseEther("10000000"));
  if (powerTokens > 0n) {
    const perToken = await d.lens.debtValuePerToken(MARKET);
    await (
      await d.engine
        .connect(d.deployer)
        .mint(d.seedVaultId, powerTokens, { value: (powerTokens * perToken * 3n) / WAD })
    ).wait();
  }
}

describe("Adversarial: extreme values", function () {
  it("ten years of funding at the cap (mark ≥ 1.4 index): NF falls to 1 wei, never 0, and the system keeps working", async function () {
    const d = await loadProtocol();
    const { engine, lens, alice, bob, keeper } = d;
    await (await engine.connect(alice).mint(0n, parseEther("15"), { value: parseEther("10") })).wait();
    const aliceVault = await lens.vaultCount(MARKET);
    await richDeployer(d);
    await pinPowerPremium(d, 3);
    let previous = await lens.normalizationFactor(MARKET);
    for (let year = 1; year <= 10; year++) {
      await advance(YEAR);
      await (await engine.connect(keeper).applyFunding(MARKET)).wait();
      const nf = await lens.normalizationFactor(MARKET);
      expect(nf, `year ${year}`).to.be.greaterThan(0n);
      expect(nf, `year ${year}: funding at the cap only lowers NF`).to.be.at.most(previous);
      // A year at the cap is (1/1.4)^(365/17.5) = e^-7.02 (exactly, until the 1-wei floor).
      if (nf > 10n ** 6n) {
        expect(Math.log(Number(nf) / Number(previous))).to.be.within(-7.02 - 1e-6, -7.0);
      }
      previous = nf;
    }
    expect(previous).to.equal(1n);
    // Views work: one token's debt is worth 1 wei (rounded up), mark/index is astronomically high but defined.
    expect(await lens.debtValuePerToken(MARKET)).to.equal(1n);
    expect(await lens.fundingRatePerDay(MARKET)).to.be.greaterThan(0n);
    expect(await lens.impliedVolatility(MARKET)).to.be.greaterThan(0n);
    // Alice closes her vault: full repayment always possible.
    await (await engine.connect(alice).burn(aliceVault, parseEther("15"), parseEther("10"))).wait();
    // Bob mints up to the 128-bit debt limit from 600 ETH; one more token-wei is AmountOverflow.
    await setBalance(bob.address, parseEther("1000"));
    await expect(engine.connect(bob).mint(0n, UINT128_MAX + 1n, { value: parseEther("600") }))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(UINT128_MAX + 1n);
    await (await engine.connect(bob).mint(0n, UINT128_MAX, { value: parseEther("600") })).wait();
    const bobVault = await lens.vaultCount(MARKET);
    await expect(engine.connect(bob).mint(bobVault, 1n))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(UINT128_MAX + 1n);
    // Nothing is unsafe at NF = 1: a liquidation attempt fails clearly.
    await expect(engine.connect(bob).liquidate(bobVault, MaxUint256)).to.be.revertedWithCustomError(
      engine,
      "VaultSafe",
    );
    await (await engine.connect(bob).burn(bobVault, UINT128_MAX, parseEther("600"))).wait();
    expect(await d.powerToken.totalSupply()).to.equal((await lens.getVault(d.seedVaultId)).debt);
  });

  it("ten (then fifteen) years at the floor (mark ≤ 0.8 index): NF grows to its uint128 ceiling; vaults go insolvent and are still liquidated", async function () {
    const d = await loadProtocol();
    const { engine, lens, alice, bob, keeper } = d;
    await (await engine.connect(alice).mint(0n, parseEther("15"), { value: parseEther("10") })).wait();
    const aliceVault = await lens.vaultCount(MARKET);
    await (await engine.connect(keeper).mint(0n, parseEther("40"), { value: parseEther("100") })).wait();
    await richDeployer(d, parseEther("200"));
    await pinPowerPremium(d, 0.3);
    let previous = await lens.normalizationFactor(MARKET);
    for (let year = 1; year <= 10; year++) {
      await advance(YEAR);
      await (await engine.connect(keeper).applyFunding(MARKET)).wait();
      const nf = await lens.normalizationFactor(MARKET);
      expect(nf, `year ${year}: funding at the floor only raises NF`).to.be.at.least(previous);
      // A year at the floor is (1/0.8)^(365/17.5) = e^4.654.
      expect(Math.log(Number(nf) / Number(previous))).to.be.within(4.65, 4.655);
      previous = nf;
    }
    expect(previous).to.be.within(10n ** 38n, UINT128_MAX);
    expect(await lens.isVaultSafe(aliceVault)).to.equal(false);
    // Minting now needs astronomically more collateral: a clear VaultUnsafe.
    await expect(engine.connect(bob).mint(0n, 1n, { value: parseEther("1") })).to.be.revertedWithCustomError(
      engine,
      "VaultUnsafe",
    );
    // The keeper liquidates half of Alice's debt at the (low) market price; Alice repays the rest and leaves.
    const [, , , debt0] = await lens.getVault(aliceVault);
    await (await engine.connect(keeper).liquidate(aliceVault, MaxUint256)).wait();
    const [, , collateral1, debt1] = await lens.getVault(aliceVault);
    expect(debt1).to.equal(debt0 / 2n);
    await (await engine.connect(alice).burn(aliceVault, debt1, collateral1)).wait();
    // Five more years: the factor saturates at the uint128 maximum instead of overflowing.
    await advance(5 * YEAR);
    await (await engine.connect(keeper).applyFunding(MARKET)).wait();
    expect(await lens.normalizationFactor(MARKET)).to.equal(UINT128_MAX);
    await (await engine.connect(bob).deposit(aliceVault, { value: 1n })).wait();
    expect(await lens.isVaultSafe(d.seedVaultId)).to.equal(false);
    const offer = await d.powerToken.balanceOf(keeper);
    await (await engine.connect(keeper).liquidate(d.seedVaultId, offer)).wait();
    expect(await d.powerToken.balanceOf(keeper)).to.equal(0n);
  });

  it("1-wei amounts: deposit, mint, burn, withdraw, a 1-wei liquidation offer and a 1-wei redemption", async function () {
    const d = await loadProtocol();
    const { engine, lens, alice, keeper } = d;
    await (await engine.connect(alice).mint(0n, parseEther("15"), { value: parseEther("10") })).wait();
    const id = await lens.vaultCount(MARKET);
    await (await engine.connect(alice).deposit(id, { value: 1n })).wait();
    await (await engine.connect(alice).mint(id, 1n)).wait();
    await (await engine.connect(alice).burn(id, 1n, 0n)).wait();
    await (await engine.connect(alice).withdraw(id, 1n)).wait();
    const [, , collateral, debt] = await lens.getVault(id);
    expect([collateral, debt]).to.deep.equal([parseEther("10"), parseEther("15")]);
    // ETH 3000 → 4800: unsafe; a 1-wei offer repays 1 wei of debt for 0 ETH (the payout rounds down).
    await (await engine.connect(keeper).mint(0n, parseEther("10"), { value: parseEther("100") })).wait();
    await setEthPrice(d, 4800);
    await advance(d.market.twapPeriodSeconds + 1);
    expect(await lens.isVaultSafe(id)).to.equal(false);
    const [repaid, paid] = await engine.connect(keeper).liquidate.staticCall(id, 1n);
    expect([repaid, paid]).to.deep.equal([1n, 0n]);
    await (await engine.connect(keeper).liquidate(id, 1n)).wait();
    // Shutdown: a 1-wei redemption pays 0 (rounded down) and burns the token.
    await (await engine.connect(d.deployer).shutdown(MARKET)).wait();
    await (await engine.settleVaults(MARKET, MaxUint256)).wait();
    expect(await engine.connect(keeper).redeemLong.staticCall(MARKET, 1n)).to.equal(0n);
    await (await engine.connect(keeper).redeemLong(MARKET, 1n)).wait();
  });

  it("collateral at the 96-bit limit: 2^96 − 1 wei fits, 2^96 is AmountOverflow (through mint as well as deposit)", async function () {
    const d = await loadProtocol();
    const { engine, lens, alice } = d;
    await setBalance(alice.address, 2n ** 97n);
    await expect(engine.connect(alice).mint(0n, parseEther("1"), { value: 2n ** 96n }))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(2n ** 96n);
    await (await engine.connect(alice).mint(0n, parseEther("1"), { value: 2n ** 96n - 1n })).wait();
    const id = await lens.vaultCount(MARKET);
    await expect(engine.connect(alice).deposit(id, { value: 1n }))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(2n ** 96n);
    await (await engine.connect(alice).burn(id, parseEther("1"), 2n ** 96n - 1n)).wait();
  });

  for (const ethUsd of [1, 10_000_000]) {
    it(`ETH at $${ethUsd.toLocaleString("en-US")} on the real pool: prices, minting, safety and liquidation all work`, async function () {
      const d = await loadProtocol();
      const { engine, lens, alice, keeper } = d;
      await richDeployer(d, parseEther("3000"));
      await setEthPrice(d, ethUsd);
      await pinPowerPremium(d, 1.03, ethUsd);
      const s = Number(await lens.ethPrice(MARKET)) / 1e18;
      expect(Math.abs(s / ethUsd - 1)).to.be.lessThan(1e-3);
      expect(
        Math.abs(Number(await lens.index(MARKET)) / 1e18 / ((ethUsd * ethUsd) / 1e4) - 1),
      ).to.be.lessThan(3e-3);
      const perToken = await lens.debtValuePerToken(MARKET);
      // Alice mints at 200% of 10 ETH, the keeper at 500% of 1000 ETH.
      const aliceTokens = (parseEther("10") * WAD) / (perToken * 2n);
      await (await engine.connect(alice).mint(0n, aliceTokens, { value: parseEther("10") })).wait();
      const aliceVault = await lens.vaultCount(MARKET);
      await setBalance(keeper.address, parseEther("2000"));
      await (
        await engine.connect(keeper).mint(0n, (parseEther("1000") * WAD) / (perToken * 5n), {
          value: parseEther("1000"),
        })
      ).wait();
      expect(await lens.isVaultSafe(aliceVault)).to.equal(true);
      // ETH +50%: Alice's vault (200% → 133%) becomes unsafe and is liquidated.
      await setEthPrice(d, ethUsd * 1.5);
      await pinPowerPremium(d, 1.03, ethUsd * 1.5);
      expect(await lens.isVaultSafe(aliceVault)).to.equal(false);
      const [, , , debt0] = await lens.getVault(aliceVault);
      await (await engine.connect(keeper).liquidate(aliceVault, MaxUint256)).wait();
      const [, , , debt1] = await lens.getVault(aliceVault);
      expect(debt1).to.be.lessThan(debt0);
    });
  }

  it("documented limit: above $309,485,009 per ETH the block's price cache (uint88) overflows and every priced vault action reverts AmountOverflow", async function () {
    const d = await loadProtocol();
    const { engine, lens, alice, deployer } = d;
    await richDeployer(d);
    await setEthPrice(d, 4e8);
    await advance(d.market.twapPeriodSeconds + 1);
    const price = await lens.ethPrice(MARKET);
    expect(price).to.be.greaterThan(2n ** 88n - 1n);
    await expect(engine.applyFunding(MARKET))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(price);
    // Every action that applies funding reads the price and stops there: mint (new or existing vault), burn,
    // withdraw and liquidate.
    await expect(engine.connect(alice).mint(0n, 1n, { value: parseEther("1") }))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(price);
    await expect(engine.connect(deployer).mint(d.seedVaultId, 1n))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(price);
    await expect(engine.connect(deployer).burn(d.seedVaultId, 1n, 0n))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(price);
    await expect(engine.connect(deployer).withdraw(d.seedVaultId, 1n))
      .to.be.revertedWithCustomError(engine, "AmountOverflow")
      .withArgs(price);
    await expect(engine.liquidate(d.seedVaultId, MaxUint256)).to.be.revertedWithCustomError(
      engine,
      "AmountOverflow",
    );
    // A deposit applies no funding (it reads no price), so collateral can still be added.
    const collateral = (await lens.getVault(d.seedVaultId)).collateral;
    await (await engine.connect(alice).deposit(d.seedVaultId, { value: 1n })).wait();
    expect((await lens.getVault(d.seedVaultId)).collateral).to.equal(collateral + 1n);
    // Views still answer.
    expect(await ethers.provider.getBalance(engine)).to.be.greaterThan(0n);
    expect(await lens.isVaultSafe(d.seedVaultId)).to.equal(false);
  });
});
