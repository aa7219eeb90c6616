/**
 * Uses evergamma the way another project's test suite would: deploy the protocol with real Uniswap v3 pools,
 * open a vault and mint power tokens, then move the ETH price with the package's price helpers.
 */
import { expect } from "chai";
import { parseEther } from "ethers";
import { network } from "hardhat";

import {
  advanceTime,
  deployEvergamma,
  fairPowerPriceEth,
  setEthPrice,
  type EvergammaDeployment,
} from "evergamma";

const connection = await network.getOrCreate();
const { ethers } = connection;

describe("evergamma, installed from its npm tarball", function () {
  let d: EvergammaDeployment;

  before(async function () {
    d = await deployEvergamma(connection);
  });

  it("deploys a market priced at the index with the default parameters", async function () {
    expect(d.market.power).to.equal(2);
    const index = Number(ethers.formatEther(await d.controller.index()));
    expect(Math.abs(index - 900)).to.be.lessThan(1); // (3000 USD)² / 1e4
    const fair = fairPowerPriceEth(d.market, 3000, 0.8);
    expect(Math.abs(fair - 0.3 * Math.exp(0.64 * (420 / 8760)))).to.be.lessThan(1e-12);
  });

  it("opens a vault and mints power tokens", async function () {
    const [, alice] = await ethers.getSigners();
    const controller = d.controller.connect(alice);
    const amount = parseEther("10");
    const collateral = parseEther("6"); // 10 tokens owe ~3 ETH: 200%
    const vaultId = await controller.mint.staticCall(0n, amount, { value: collateral });
    await (await controller.mint(0n, amount, { value: collateral })).wait();

    expect(await d.powerToken.balanceOf(alice.address)).to.equal(amount);
    const vault = await d.controller.getVault(vaultId);
    expect(vault.owner).to.equal(alice.address);
    expect(vault.collateral).to.equal(collateral);
    expect(vault.debt).to.equal(amount);
    expect(await d.vaultNFT.ownerOf(vaultId)).to.equal(alice.address);
    expect(await d.controller.isVaultSafe(vaultId)).to.equal(true);
  });

  it("moves the ETH price with setEthPrice and the TWAP follows", async function () {
    await setEthPrice(d, 3300);
    await advanceTime(d, d.market.twapPeriodSeconds);
    const price = Number(ethers.formatEther(await d.controller.ethPrice()));
    expect(Math.abs(price - 3300)).to.be.lessThan(3);
  });
});
