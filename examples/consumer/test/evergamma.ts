/**
 * Uses evergamma the way another project's test suite would: deploy the engine with real Uniswap v3 pools, open a
 * vault and mint power tokens, read it back through the lens, list a second market (ETH¹, with the exchanges'
 * funding rule) and an everlasting call next to ETH², write a call and read its quote, then move the ETH price with
 * the package's price helpers.
 */
import { expect } from "chai";
import { parseEther } from "ethers";
import { network } from "hardhat";

import {
  advanceTime,
  deployEvergamma,
  fairPowerPriceEth,
  optionMarketParameters,
  perpetualFutureParameters,
  setEthPrice,
  vaultIdOf,
  type EvergammaDeployment,
} from "evergamma";

const connection = await network.getOrCreate();
const { ethers } = connection;

describe("evergamma, installed from its npm tarball", function () {
  let d: EvergammaDeployment;

  before(async function () {
    d = await deployEvergamma(connection, {
      markets: [
        { name: "ETH2" },
        { name: "ETH1", params: perpetualFutureParameters() },
        { params: optionMarketParameters("call", 3500) },
      ],
    });
  });

  it("deploys an ETH² market priced at the index with the default parameters, and an ETH¹ market", async function () {
    expect(d.markets.map((m) => [m.id, m.name, m.params.power])).to.deep.equal([
      [0, "ETH2", 2],
      [1, "ETH1", 1],
      [2, "C3500", 0],
    ]);
    expect(d.market.power).to.equal(2);
    const index = Number(ethers.formatEther(await d.lens.index(0)));
    expect(Math.abs(index - 900)).to.be.lessThan(1); // (3000 USD)² / 1e4
    const fair = fairPowerPriceEth(d.market, 3000, 0.8);
    expect(Math.abs(fair - 0.3 * Math.exp(0.64 * (420 / 8760)))).to.be.lessThan(1e-12);
    const index1 = Number(ethers.formatEther(await d.lens.index(1)));
    expect(Math.abs(index1 - 3000)).to.be.lessThan(3); // 3000 USD / 1
    const config = await d.lens.marketConfig(1);
    expect([config.params.power, config.params.indexScale, config.params.fundingRule]).to.deep.equal([
      1n,
      1n,
      1n,
    ]);
    // The exchanges' resting rate: 0.01% per 8 hours at mark = index, 0.03% a day.
    expect((await d.lens.marketReport(1)).fundingRatePerDayWad).to.equal(parseEther("0.0003"));
  });

  it("writes an everlasting call and reads its quote and the short's Greeks", async function () {
    const [, , bob] = await ethers.getSigners();
    const call = d.markets[2];
    const id = await d.engine
      .connect(bob)
      .mint.staticCall(call.newVaultId, parseEther("1"), { value: parseEther("2") });
    await (
      await d.engine.connect(bob).mint(call.newVaultId, parseEther("1"), { value: parseEther("2") })
    ).wait();
    expect(await call.token.balanceOf(bob.address)).to.equal(parseEther("1"));
    const quote = await d.lens.optionReport(call.id);
    expect([quote.isCall, quote.strikeWad, quote.payoffWad]).to.deep.equal([true, parseEther("3500"), 0n]);
    // Seeded at the fair value for 80% volatility: the mark implies it, and longs pay the gamma rent.
    expect(Number(ethers.formatEther(quote.impliedVolatilityWad))).to.be.within(0.79, 0.81);
    expect(quote.fundingRatePerDayWad).to.be.greaterThan(0n);
    const [delta, gamma] = await d.lens.vaultGreeks(id);
    expect(delta).to.be.lessThan(0n); // short a call
    expect(gamma).to.be.lessThan(0n);
  });

  it("opens a vault and mints power tokens; the lens reports it", async function () {
    const [, alice] = await ethers.getSigners();
    const engine = d.engine.connect(alice);
    const amount = parseEther("10");
    const collateral = parseEther("6"); // 10 tokens owe ~3 ETH: 200%
    const open = d.markets[0].newVaultId;
    const vaultId = await engine.mint.staticCall(open, amount, { value: collateral });
    await (await engine.mint(open, amount, { value: collateral })).wait();

    expect(await d.powerToken.balanceOf(alice.address)).to.equal(amount);
    const vault = await d.lens.vaultReport(vaultId);
    expect(vault.marketId).to.equal(0n);
    expect(vault.owner).to.equal(alice.address);
    expect(vault.collateral).to.equal(collateral);
    expect(vault.debt).to.equal(amount);
    expect(vault.healthy).to.equal(true);
    expect(await d.engine.ownerOf(vaultId)).to.equal(alice.address);
    expect(await d.lens.isVaultSafe(vaultId)).to.equal(true);

    // The ETH¹ market's vaults carry its id in their upper bits.
    const eth1 = d.markets[1];
    const id1 = await engine.mint.staticCall(eth1.newVaultId, parseEther("1"), { value: parseEther("3") });
    await (await engine.mint(eth1.newVaultId, parseEther("1"), { value: parseEther("3") })).wait();
    expect(id1).to.equal(vaultIdOf(1, 2n));
    expect(await eth1.token.balanceOf(alice.address)).to.equal(parseEther("1"));
    expect((await d.lens.vaultReport(id1)).healthy).to.equal(true);
  });

  it("moves the ETH price with setEthPrice and the TWAP follows", async function () {
    await setEthPrice(d, 3300);
    await advanceTime(d, d.market.twapPeriodSeconds);
    const price = Number(ethers.formatEther(await d.lens.ethPrice(0)));
    expect(Math.abs(price - 3300)).to.be.lessThan(3);
  });
});
