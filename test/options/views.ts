/**
 * The lens's option views against the pricer directly: the option report (payoff, mark, implied volatility, fair
 * value and Greeks at that volatility, the floor volatility when the mark implies none), a vault's Greeks
 * (-NF · debt · the pricer's Greek), and an option vault's liquidation price by bisection on S.
 */
import { expect } from "chai";
import { parseEther } from "ethers";

import { setTokenPrice, vaultIdOf, type MarketDeployment } from "../../deploy/evergamma.js";
import { ethers, networkHelpers } from "../fixtures.js";
import { mined, mulDivDown, mulDivUp, PENDING, pinNextBlock, WAD } from "../utils/riskHelpers.js";
import { loadOptions, STRIKE_USD, type OptionFixture } from "./fixture.js";

const STRIKE = parseEther(String(STRIKE_USD));
const STRESS_MOVE = parseEther("0.2");
const NEVER_UNSAFE = 2n ** 256n - 1n;

/** The pricer's fair value and Greeks of the market's option at `spot` and `volatility`. */
async function pricerGreeks(f: OptionFixture, m: MarketDeployment, spot: bigint, volatility: bigint) {
  const T = m.params.fundingPeriodSeconds;
  const isCall = m.params.kind === "call";
  return {
    fairValue: await (isCall ? f.pricer.callPrice : f.pricer.putPrice)(spot, STRIKE, volatility, T),
    delta: await (isCall ? f.pricer.callDelta : f.pricer.putDelta)(spot, STRIKE, volatility, T),
    gamma: await f.pricer.gamma(spot, STRIKE, volatility, T),
    vega: await f.pricer.vega(spot, STRIKE, volatility, T),
  };
}

/** The health rule's a(S') at `spot` (ETH per token, WAD): the floor model's value after the 20% adverse move. */
async function stressedValue(
  f: OptionFixture,
  m: MarketDeployment,
  nf: bigint,
  spot: bigint,
): Promise<bigint> {
  const stressed =
    m.params.kind === "call"
      ? mulDivUp(spot, WAD + STRESS_MOVE, WAD)
      : mulDivDown(spot, WAD - STRESS_MOVE, WAD);
  const price = m.params.kind === "call" ? f.pricer.callPrice : f.pricer.putPrice;
  const usd = await price(stressed, STRIKE, m.params.floorVolatilityWad!, m.params.fundingPeriodSeconds);
  return mulDivUp(nf, usd + 1n, stressed);
}

/** Opens a vault with `collateral` and mints `fraction` of the most the health rule allows. */
async function openVault(f: OptionFixture, m: MarketDeployment, collateral: bigint, fraction = 1) {
  await mined(f.engine.connect(f.alice).mint(m.newVaultId, 1n, { value: collateral }));
  const id = vaultIdOf(m.id, await f.lens.vaultCount(m.id));
  await pinNextBlock();
  const more = await f.lens.maxMintable(id, PENDING);
  const amount = (more * BigInt(Math.round(fraction * 1e6))) / 1_000_000n;
  await mined(f.engine.connect(f.alice).mint(id, amount));
  return { id, debt: amount + 1n, collateral };
}

/** Relative distance |a / b - 1| of two WAD quantities. */
function relative(a: bigint, b: bigint): number {
  return Math.abs(Number(a) / Number(b) - 1);
}

describe("Option markets: the lens's option views", function () {
  it("reports payoff, mark, implied volatility, and the pricer's fair value and Greeks at that volatility", async function () {
    const f = await loadOptions();
    for (const m of [f.call, f.put]) {
      const market = await f.lens.marketReport(m.id);
      const r = await f.lens.optionReport(m.id);
      expect(r.isCall).to.equal(m.params.kind === "call");
      expect(r.strikeWad).to.equal(STRIKE);
      expect(r.payoffWad).to.equal(market.indexWad);
      expect(r.markWad).to.equal(market.markWad);
      expect(r.fundingRatePerDayWad).to.equal(market.fundingRatePerDayWad);
      expect(r.impliedVolatilityWad).to.equal(market.impliedVolatilityWad);
      expect(r.impliedVolatilityWad).to.be.greaterThan(0n);
      expect(r.pricingVolatilityWad).to.equal(r.impliedVolatilityWad);
      const g = await pricerGreeks(f, m, r.ethPriceWad, r.impliedVolatilityWad);
      expect([r.fairValueWad, r.deltaWad, r.gammaWad, r.vegaWad]).to.deep.equal([
        g.fairValue,
        g.delta,
        g.gamma,
        g.vega,
      ]);
      // The fair value at the implied volatility is the mark, to the inversion's rounding.
      expect(relative(r.fairValueWad, r.markWad)).to.be.lessThan(1e-9);
      expect(r.deltaWad > 0n).to.equal(m.params.kind === "call");
    }
  });

  it("falls back to the floor volatility when the mark implies none (a put marked under its payoff)", async function () {
    const f = await loadOptions();
    // Payoff 500 USD at ETH = 3000: a token at 0.1 ETH (300 USD of claim at NF ≈ 1) is marked under it.
    await setTokenPrice(f, f.put, "0.1");
    await networkHelpers.time.increase(f.put.params.twapPeriodSeconds);
    const r = await f.lens.optionReport(f.put.id);
    expect(r.markWad).to.be.lessThan(r.payoffWad);
    expect(r.impliedVolatilityWad).to.equal(0n);
    expect(r.pricingVolatilityWad).to.equal(f.put.params.floorVolatilityWad);
    const g = await pricerGreeks(f, f.put, r.ethPriceWad, f.put.params.floorVolatilityWad!);
    expect([r.fairValueWad, r.deltaWad, r.gammaWad, r.vegaWad]).to.deep.equal([
      g.fairValue,
      g.delta,
      g.gamma,
      g.vega,
    ]);
  });

  it("refuses option views for a power market", async function () {
    const f = await loadOptions();
    const power = f.markets[0];
    await expect(f.lens.optionReport(power.id))
      .to.be.revertedWithCustomError(f.lens, "NotAnOptionMarket")
      .withArgs(power.id);
    await expect(f.lens.vaultGreeks(power.newVaultId))
      .to.be.revertedWithCustomError(f.lens, "NotAnOptionMarket")
      .withArgs(power.id);
  });

  it("a vault's Greeks are -NF · debt · the pricer's Greeks: short delta, short gamma, short vega", async function () {
    const f = await loadOptions();
    for (const m of [f.call, f.put]) {
      const { id, debt } = await openVault(f, m, parseEther("2"));
      const r = await f.lens.optionReport(m.id);
      const nf = await f.lens.expectedNormalizationFactor(m.id);
      const claims = mulDivDown(debt, nf, WAD);
      const [delta, gamma, vega] = await f.lens.vaultGreeks(id);
      const abs = r.deltaWad < 0n ? -r.deltaWad : r.deltaWad;
      const deltaMagnitude = mulDivDown(claims, abs, WAD);
      expect(delta).to.equal(r.deltaWad < 0n ? deltaMagnitude : -deltaMagnitude);
      expect(gamma).to.equal(-mulDivDown(claims, r.gammaWad, WAD));
      expect(vega).to.equal(-mulDivDown(claims, r.vegaWad, WAD));
      // A short call loses as ETH rises, a short put gains; both are short convexity and short volatility.
      expect(delta < 0n).to.equal(m.params.kind === "call");
      expect(gamma).to.be.lessThan(0n);
      expect(vega).to.be.lessThan(0n);
      // Delta in ETH: the position's USD value moves by delta · dS (finite difference of the pricer, 1 USD).
      const up = await pricerGreeks(f, m, r.ethPriceWad + WAD, r.pricingVolatilityWad);
      const down = await pricerGreeks(f, m, r.ethPriceWad - WAD, r.pricingVolatilityWad);
      const finite = -Number(claims) * (Number(up.fairValue - down.fairValue) / 2e18);
      expect(Math.abs(finite / Number(delta) - 1)).to.be.lessThan(1e-4);
    }
    const [d, g, v] = await f.lens.vaultGreeks(f.call.newVaultId);
    expect([d, g, v]).to.deep.equal([0n, 0n, 0n]);
  });

  it("the liquidation price is where the ratio crosses the liquidation ratio (150% / 1.2) with q moving with the floor model", async function () {
    const f = await loadOptions();
    for (const m of [f.call, f.put]) {
      const { id, debt, collateral } = await openVault(f, m, parseEther("3"), 0.6);
      await pinNextBlock();
      const price = await f.lens.liquidationPrice(id, PENDING);
      const spot = await f.lens.ethPrice(m.id, PENDING);
      const nf = await f.lens.expectedNormalizationFactor(m.id, PENDING);
      const valueNow = await f.lens.debtValuePerToken(m.id, PENDING);
      const scale = await stressedValue(f, m, nf, spot);
      const ratioAt = async (s: bigint) => {
        const value = mulDivUp(await stressedValue(f, m, nf, s), valueNow, scale);
        return Number(collateral) / Number(mulDivUp(debt, value, WAD));
      };
      // A call becomes unsafe as ETH rises, a put as it falls; at 60% of the limit, a few percent away (the debt
      // value's elasticity to S is large: the stressed option is near the money).
      expect(price > spot).to.equal(m.params.kind === "call");
      expect(Math.abs(Number(price) / Number(spot) - 1)).to.be.greaterThan(0.02);
      // The ratio is the liquidation ratio, 125%, there (to the bisection's precision) and above it just on the safe
      // side.
      expect(Math.abs((await ratioAt(price)) / 1.25 - 1)).to.be.lessThan(1e-6);
      expect(await ratioAt(price)).to.be.lessThan(1.25);
      const safer =
        m.params.kind === "call" ? (price * 999_999n) / 1_000_000n : (price * 1_000_001n) / 1_000_000n;
      expect(await ratioAt(safer)).to.be.greaterThan(1.25);
      expect((await f.lens.vaultReport(id, PENDING)).liquidationPriceWad).to.equal(price);
    }
  });

  it("a short call covered at any ETH price has no liquidation price; a vault without debt has none", async function () {
    const f = await loadOptions();
    await mined(
      f.engine.connect(f.alice).mint(f.call.newVaultId, parseEther("1"), { value: parseEther("20") }),
    );
    const id = vaultIdOf(f.call.id, await f.lens.vaultCount(f.call.id));
    expect(await f.lens.liquidationPrice(id)).to.equal(NEVER_UNSAFE);
    await mined(
      f.engine.connect(f.alice).mint(f.put.newVaultId, parseEther("1"), { value: parseEther("2") }),
    );
    const repaid = vaultIdOf(f.put.id, await f.lens.vaultCount(f.put.id));
    expect(await f.lens.liquidationPrice(repaid)).to.be.greaterThan(0n);
    await mined(f.engine.connect(f.alice).burn(repaid, parseEther("1"), 0n));
    expect(await f.lens.liquidationPrice(repaid)).to.equal(0n);
  });

  it("pays the gamma rent: on a market priced at fair value, funding rate × mark = the pricer's W / T (Paradigm)", async function () {
    const f = await loadOptions();
    const pricer = await ethers.getContractAt("EverlastingOptionPricer", await f.engine.optionPricer());
    for (const m of [f.call, f.put]) {
      const r = await f.lens.optionReport(m.id);
      // At the mark's own implied volatility the fair value is the mark (to the inversion's rounding).
      const args = [
        r.ethPriceWad,
        r.strikeWad,
        r.impliedVolatilityWad,
        BigInt(m.params.fundingPeriodSeconds),
      ] as const;
      const timeValue = await pricer.timeValue(...args);
      expect(r.impliedVolatilityWad).to.be.greaterThan(parseEther("0.5"));
      const paid = (Number(r.fundingRatePerDayWad) / 1e18) * (Number(r.markWad) / 1e18);
      const markRent = (Number(r.markWad - r.payoffWad) / 1e18 / m.params.fundingPeriodSeconds) * 86_400;
      const rent = (Number(timeValue) / 1e18 / m.params.fundingPeriodSeconds) * 86_400;
      expect(Math.abs(paid - markRent) / markRent).to.be.lessThan(1e-9);
      expect(Math.abs(paid - rent) / rent).to.be.lessThan(1e-6);
    }
  });
});
