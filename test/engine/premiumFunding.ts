/**
 * A power market with the exchanges' funding rule (`FundingRule.PremiumIndex`, `perpetualFutureParameters`: ETH¹,
 * 8-hour periods, I = 0.01%, c = 0.05%, F within ±0.75%) on the engine, against its real Uniswap v3 pools: the
 * resting rate at mark = index, the premium followed and capped, the lens's rate, and the same NF whether funding is
 * applied once or by several callers in between.
 */
import { expect } from "chai";
import { parseEther } from "ethers";

import {
  advanceTime,
  deployEvergamma,
  perpetualFutureParameters,
  setTokenPrice,
  type EvergammaDeployment,
} from "../../deploy/evergamma.js";
import { connection, ethers, networkHelpers } from "../fixtures.js";
import { mined } from "../utils/riskHelpers.js";

const HOUR = 3600;
const WAD = 10n ** 18n;

async function deployPerpetualFuture(): Promise<EvergammaDeployment> {
  return deployEvergamma(connection, { markets: [{ name: "ETH1", params: perpetualFutureParameters() }] });
}

/** ln(NF_after / NF_before) as a float. */
const logChange = (before: bigint, after: bigint) => Math.log(Number((after * WAD) / before) / 1e18);

describe("Engine: a power market with the exchanges' funding rule", function () {
  it("is created with the rule and rests at I: NF falls by e^-0.0001 per 8 hours at mark = index", async function () {
    const d = await networkHelpers.loadFixture(deployPerpetualFuture);
    const params = (await d.lens.marketConfig(0)).params;
    expect([params.fundingRule, params.interestRatePerPeriodWad, params.premiumClampWad]).to.deep.equal([
      1n,
      parseEther("0.0001"),
      parseEther("0.0005"),
    ]);
    await mined(d.engine.applyFunding(0));
    const before = await d.lens.normalizationFactor(0);
    const report = await d.lens.marketReport(0);
    // Three periods a day at the resting rate: 0.03% a day, whatever the premium inside |P − I| <= c.
    expect(report.fundingRatePerDayWad).to.equal(parseEther("0.0003"));
    await advanceTime(d, 8 * HOUR - 1);
    await mined(d.engine.applyFunding(0));
    const after = await d.lens.normalizationFactor(0);
    expect(Math.abs(logChange(before, after) + 0.0001)).to.be.lessThan(1e-15);
  });

  it("follows a premium above the band, capped at 0.75% per period, the same when applied once or every hour", async function () {
    const d = await networkHelpers.loadFixture(deployPerpetualFuture);
    const [m] = d.markets;
    // The token trades 1% over index: F = P − c = 0.95% per period, above the 0.75% cap.
    await setTokenPrice(d, m, 1.01);
    await advanceTime(d, 900);
    await mined(d.engine.applyFunding(0));
    expect((await d.lens.marketReport(0)).fundingRatePerDayWad).to.equal(parseEther("0.0225"));
    const snapshot = await networkHelpers.takeSnapshot();
    const before = await d.lens.normalizationFactor(0);

    await advanceTime(d, 8 * HOUR - 1);
    await mined(d.engine.applyFunding(0));
    const once = await d.lens.normalizationFactor(0);
    expect(Math.abs(logChange(before, once) + 0.0075)).to.be.lessThan(1e-15);

    await snapshot.restore();
    const [, alice, bob] = await ethers.getSigners();
    for (let hour = 0; hour < 8; hour++) {
      await advanceTime(d, HOUR - 1);
      await mined(d.engine.connect(hour % 2 === 0 ? alice : bob).applyFunding(0));
    }
    const hourly = await d.lens.normalizationFactor(0);
    expect(Number(once - hourly) / Number(once)).to.be.within(-1e-15, 1e-15);
  });

  it("pays shorts when the token trades below the band: a 0.3% discount gives F = P + c = −0.25%", async function () {
    const d = await networkHelpers.loadFixture(deployPerpetualFuture);
    await setTokenPrice(d, d.markets[0], 0.997);
    await advanceTime(d, 900);
    await mined(d.engine.applyFunding(0));
    const report = await d.lens.marketReport(0);
    // The lens's own premium (TWAP tick rounding moves it by about a basis point around −0.3%), under the band.
    const premium = Number((report.markWad * WAD) / report.indexWad - WAD) / 1e18;
    expect(premium).to.be.within(-0.0035, -0.0025);
    // F = P + c (I − P is above c), three periods a day; negative: shorts pay.
    const expected = (premium + 0.0005) * 3;
    expect(Math.abs(Number(report.fundingRatePerDayWad) / 1e18 - expected)).to.be.lessThan(1e-12);
    const before = await d.lens.normalizationFactor(0);
    await advanceTime(d, 8 * HOUR - 1);
    await mined(d.engine.applyFunding(0));
    expect(await d.lens.normalizationFactor(0)).to.be.greaterThan(before);
  });
});
