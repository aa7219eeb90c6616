/**
 * A market of power n = 3 (index S³ / 3e7, one token's debt ≈ 0.3 ETH at ETH = 3000) on real Uniswap v3 pools:
 * prices round in the protocol's favour (debts up, claims down, checked against exact bigint values of
 * NF · S² / scale), minting stops exactly at 150%, liquidations follow the specification, and settlement pays
 * shorts and longs no more than the exact values. The mutation sample of issue 10 found no test of n = 3 or 4.
 */
import { expect } from "chai";
import { MaxUint256, parseEther } from "ethers";

import { deployEvergamma } from "../../deploy/evergamma.js";
import { connection, ethers, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import {
  expectedLiquidationOf,
  fundWithTokens,
  mined,
  movePrices,
  mulDivDown,
  mulDivUp,
  openVault,
  PENDING,
  pinNextBlock,
  readMarket,
  vaultState,
  WAD,
} from "../utils/riskHelpers.js";

const POWER = 3;
const INDEX_SCALE = 30_000_000n;

async function deployPowerThree(): Promise<ProtocolFixture> {
  const deployment = await deployEvergamma(connection, {
    market: { power: POWER, indexScale: INDEX_SCALE },
  });
  const [, alice, bob, carol, keeper] = await ethers.getSigners();
  return { ...deployment, alice, bob, carol, keeper };
}

/** NF · S² / (scale · 1e36) exactly, rounded up or down: one token's value in ETH (WAD). */
function exactValuePerToken(normalizationFactor: bigint, ethPrice: bigint, roundUp: boolean): bigint {
  const numerator = normalizationFactor * ethPrice * ethPrice;
  const denominator = INDEX_SCALE * WAD * WAD;
  return roundUp ? mulDivUp(numerator, 1n, denominator) : mulDivDown(numerator, 1n, denominator);
}

describe("Risk: a power-3 market", function () {
  let d: ProtocolFixture;

  before(async function () {
    d = await networkHelpers.loadFixture(deployPowerThree);
    const config = await d.lens.marketConfig(d.marketId);
    expect(config.params.power).to.equal(BigInt(POWER));
    expect(config.params.indexScale).to.equal(INDEX_SCALE);
  });

  it("prices one token's debt at NF · S² / scale, rounded up, within a wei of the exact value", async function () {
    await pinNextBlock();
    const market = await readMarket(d);
    const exactUp = exactValuePerToken(market.normalizationFactor, market.ethPrice, true);
    expect(market.debtValuePerToken).to.be.greaterThanOrEqual(exactUp);
    expect(market.debtValuePerToken - exactUp).to.be.lessThanOrEqual(1n);
    expect(market.debtValuePerToken).to.be.closeTo(parseEther("0.3"), parseEther("0.01"));
  });

  it("mints exactly up to 150% and liquidates by the specification after ETH +20%", async function () {
    const perToken = await d.lens.debtValuePerToken(d.marketId);
    // Alice at 150% (only the whole debt once ETH +20% leaves her at ~104%), Bob at 200% (~139%: a half).
    const wholeOnly = await openVault(d, d.alice, parseEther("10"), 1n);
    await pinNextBlock();
    const tooMany = (await d.lens.maxMintable(wholeOnly, PENDING)) + 1n;
    await expect(d.engine.connect(d.alice).mint(wholeOnly, tooMany)).to.be.revertedWithCustomError(
      d.engine,
      "VaultUnsafe",
    );
    await pinNextBlock();
    await mined(d.engine.connect(d.alice).mint(wholeOnly, await d.lens.maxMintable(wholeOnly, PENDING)));
    expect(await d.lens.collateralRatio(wholeOnly)).to.be.greaterThanOrEqual(parseEther("1.5"));
    const half = await openVault(d, d.bob, parseEther("10"), (parseEther("10") * WAD) / (2n * perToken));
    await fundWithTokens(d, d.keeper, parseEther("100"));
    await movePrices(d, 3600);

    for (const [id, kind] of [
      [wholeOnly, "full-insolvent"],
      [half, "half"],
    ] as const) {
      await pinNextBlock();
      const market = await readMarket(d);
      const before = await vaultState(d, id);
      const expected = expectedLiquidationOf(d, market, before, MaxUint256);
      expect(expected.kind).to.equal(kind);
      expect(await d.lens.previewLiquidation(id, PENDING)).to.deep.equal([
        true,
        expected.debtRepaid,
        expected.collateralPaid,
      ]);
      await expect(d.engine.connect(d.keeper).liquidate(id, MaxUint256))
        .to.emit(d.engine, "Liquidated")
        .withArgs(BigInt(d.marketId), id, d.keeper.address, expected.debtRepaid, expected.collateralPaid);
    }
    expect(await d.lens.totalBadDebt(d.marketId)).to.equal(0n);
  });

  it("settles shorts and longs at no more than their exact values", async function () {
    const vaultId = await openVault(d, d.carol, parseEther("5"), parseEther("5"));
    await mined(d.engine.shutdown(d.marketId));
    const [event] = await d.engine.queryFilter(d.engine.filters.Shutdown(d.marketId));
    const { ethPriceWad, normalizationFactor } = event.args;
    await mined(d.engine.settleVaults(d.marketId, 1000n));

    const { collateral, debt } = await vaultState(d, vaultId);
    const exactDebt = mulDivDown(
      debt * normalizationFactor * ethPriceWad,
      ethPriceWad,
      INDEX_SCALE * WAD * WAD * WAD,
    );
    const short = await d.engine.connect(d.carol).redeemShort.staticCall(vaultId);
    expect(short).to.be.lessThanOrEqual(collateral - exactDebt);
    expect(collateral - exactDebt - short).to.be.lessThanOrEqual(20n);

    const tokens = await d.powerToken.balanceOf(d.carol);
    const long = await d.engine.connect(d.carol).redeemLong.staticCall(d.marketId, tokens);
    const exactClaim = mulDivDown(tokens, exactValuePerToken(normalizationFactor, ethPriceWad, false), WAD);
    expect(long).to.be.lessThanOrEqual(exactClaim);
    expect(exactClaim - long).to.be.lessThanOrEqual(10n);
  });
});
