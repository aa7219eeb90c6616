/**
 * Everlasting call and put markets on the engine: listing, the lens's option views, the health rule (the floor
 * model's value after a 20% adverse move, never below the market price), funding through the pricer's exact
 * solution, liquidation after an adverse move, and settlement at NF · payoff.
 */
import { expect } from "chai";
import { parseEther } from "ethers";

import { setEthPrice, setTokenPrice, vaultIdOf, type MarketDeployment } from "../../deploy/evergamma.js";
import { ethers, networkHelpers } from "../fixtures.js";
import { mined, mulDivDown, mulDivUp, PENDING, pinNextBlock, WAD } from "../utils/riskHelpers.js";
import { loadOptions, STRIKE_USD, type OptionFixture } from "./fixture.js";

const STRIKE = parseEther(String(STRIKE_USD));
const STRESS_MOVE = parseEther("0.2");
const DAY = 86_400;

/** The pricer's everlasting fair value (USD, WAD) of the market's option at `spot` and `volatility`. */
async function fairValue(
  f: OptionFixture,
  m: MarketDeployment,
  spot: bigint,
  volatility: bigint,
): Promise<bigint> {
  const price = m.params.kind === "call" ? f.pricer.callPrice : f.pricer.putPrice;
  return price(spot, STRIKE, volatility, m.params.fundingPeriodSeconds);
}

/** The health rule's debt value of one token, recomputed from the pricer: a(S') · max(1, q / a(S)). */
async function expectedDebtValue(
  f: OptionFixture,
  m: MarketDeployment,
  nf: bigint,
  spot: bigint,
  tokenPrice: bigint,
): Promise<bigint> {
  const floor = m.params.floorVolatilityWad!;
  const stressed =
    m.params.kind === "call"
      ? mulDivUp(spot, WAD + STRESS_MOVE, WAD)
      : mulDivDown(spot, WAD - STRESS_MOVE, WAD);
  const stressedEth = mulDivUp(nf, (await fairValue(f, m, stressed, floor)) + 1n, stressed);
  const nowEth = mulDivDown(nf, await fairValue(f, m, spot, floor), spot);
  if (tokenPrice <= nowEth) return stressedEth;
  return mulDivUp(stressedEth, tokenPrice, nowEth);
}

/** Moves the option's pool to its fair value at 80% volatility for the current ETH TWAP and NF. */
async function poolToFairValue(f: OptionFixture, m: MarketDeployment, spotUsd: number): Promise<void> {
  const nf = Number(await f.lens.expectedNormalizationFactor(m.id)) / 1e18;
  const usd = Number(await fairValue(f, m, parseEther(String(spotUsd)), parseEther("0.8"))) / 1e18;
  await setTokenPrice(f, m, ((usd / spotUsd) * nf).toPrecision(12));
}

/** Opens a vault with `collateral` and mints the most the health rule allows; returns its id and debt. */
async function mintAtLimit(f: OptionFixture, m: MarketDeployment, collateral: bigint) {
  const engine = f.engine.connect(f.alice);
  await mined(engine.mint(m.newVaultId, 1n, { value: collateral }));
  const id = vaultIdOf(m.id, await f.lens.vaultCount(m.id));
  await pinNextBlock();
  const more = await f.lens.maxMintable(id, PENDING);
  await mined(engine.mint(id, more));
  return { id, debt: more + 1n };
}

describe("Option markets: everlasting calls and puts on the engine", function () {
  it("lists a call and a put with their labels; the lens reports payoff, mark, funding and implied volatility", async function () {
    const f = await loadOptions();
    expect(await f.call.token.symbol()).to.equal("eC3500");
    expect(await f.call.token.name()).to.equal("Evergamma ETH 3500 Call");
    expect(await f.put.token.symbol()).to.equal("eP3500");
    const spot = await f.lens.ethPrice(f.call.id);
    for (const m of [f.call, f.put]) {
      const report = await f.lens.marketReport(m.id);
      expect(report.config.params.kind).to.equal(m.params.kind === "call" ? 1n : 2n);
      expect(report.config.params.strikeWad).to.equal(STRIKE);
      // index = payoff: the call is out of the money at 3000, the put 500 in.
      expect(report.indexWad).to.equal(m.params.kind === "call" ? 0n : STRIKE - spot);
      // Seeded at the fair value for 80% volatility: the mark per unit of claim is that value (to the pool's tick).
      const fair = await fairValue(f, m, spot, parseEther("0.8"));
      expect(Math.abs(Number(report.markWad) / Number(fair) - 1)).to.be.lessThan(2e-3);
      expect(Math.abs(Number(report.impliedVolatilityWad) / 1e18 - 0.8)).to.be.lessThan(0.01);
      // Longs pay: mark above payoff; the call (x = 0) pays the full 1/T per day.
      expect(report.fundingRatePerDayWad).to.be.greaterThan(0n);
      if (m.params.kind === "call") {
        expect(report.fundingRatePerDayWad).to.equal(
          (WAD * BigInt(DAY)) / BigInt(m.params.fundingPeriodSeconds),
        );
      }
    }
  });

  it("(a) values a short's debt at the floor model after a 20% adverse move, never below q, NF·V(S)/S or the payoff", async function () {
    const f = await loadOptions();
    for (const m of [f.call, f.put]) {
      await pinNextBlock();
      const [spot, q] = await m.priceSource.prices(PENDING);
      const nf = await f.lens.expectedNormalizationFactor(m.id, PENDING);
      const value = await f.lens.debtValuePerToken(m.id, PENDING);
      expect(value, m.name).to.equal(await expectedDebtValue(f, m, nf, spot, q));
      expect(value).to.be.at.least(q);
      const floorNow = mulDivUp(nf, await fairValue(f, m, spot, m.params.floorVolatilityWad!), spot);
      expect(value).to.be.greaterThan(floorNow);
      const payoff = m.params.kind === "call" ? 0n : STRIKE - spot;
      expect(value).to.be.greaterThan(mulDivUp(nf, payoff, spot));
      // An out-of-the-money call is not free to write: its debt is worth more than its market price.
      if (m.params.kind === "call") expect(value).to.be.greaterThan(q);
    }
  });

  it("(a) writing with one token more than the collateral covers reverts VaultUnsafe and changes nothing", async function () {
    const f = await loadOptions();
    for (const m of [f.call, f.put]) {
      const { id, debt } = await mintAtLimit(f, m, parseEther("2"));
      const vault = await f.lens.getVault(id);
      expect(vault[3]).to.equal(debt);
      // At the limit: collateral covers 150% of the debt's value (to the drift of one block), and no more.
      const ratio = Number((await f.lens.vaultReport(id)).collateralRatioWad) / 1e18;
      expect(Math.abs(ratio / 1.5 - 1)).to.be.lessThan(1e-9);
      await expect(f.engine.connect(f.alice).mint(id, parseEther("0.01"))).to.be.revertedWithCustomError(
        f.engine,
        "VaultUnsafe",
      );
      expect((await f.lens.getVault(id))[3]).to.equal(debt);
    }
  });

  it("funding: NF follows the pricer's exact solution; the out-of-the-money call decays by e^(-t/T)", async function () {
    const f = await loadOptions();
    for (const m of [f.call, f.put]) {
      const nf0 = await f.lens.normalizationFactor(m.id);
      const t0 = Number(await f.lens.lastFundingUpdate(m.id));
      const at = await pinNextBlock(DAY);
      const [spot, q] = await m.priceSource.prices(PENDING);
      const payoff = m.params.kind === "call" ? 0n : STRIKE - spot;
      const expected = await f.pricer.optionNormalizationFactor(
        nf0,
        payoff,
        q,
        spot,
        m.params.markRatioFloorWad,
        m.params.markRatioCapWad,
        at - t0,
        m.params.fundingPeriodSeconds,
      );
      expect(await f.lens.expectedNormalizationFactor(m.id, PENDING)).to.equal(expected);
      await expect(f.engine.applyFunding(m.id))
        .to.emit(f.engine, "NormalizationFactorUpdated")
        .withArgs(m.id, expected);
      expect(expected).to.be.lessThan(nf0); // mark above payoff: longs pay
      if (m.params.kind === "call") {
        const decay = Math.exp(-(at - t0) / m.params.fundingPeriodSeconds);
        expect(Math.abs(Number(expected) / Number(nf0) / decay - 1)).to.be.lessThan(1e-12);
      }
    }
  });

  // After the 20% move the put (in the money, its stressed value deep in) is already below the liquidation ratio;
  // the call (out of the money) only below the minimum, and is liquidatable after a move to 1.5 S.
  for (const [kind, move, liquidatableAfterMove, further] of [
    ["call", 1.2, false, 1.5],
    ["put", 0.8, true, 0.8],
  ] as const) {
    it(`(c) a ${kind} vault minted at the limit stays solvent at mark through a 20% adverse ETH move; liquidated beyond`, async function () {
      const f = await loadOptions();
      const m = kind === "call" ? f.call : f.put;
      const { id, debt } = await mintAtLimit(f, m, parseEther("3"));
      const moveTo = async (spotUsd: number) => {
        await setEthPrice(f, spotUsd);
        await networkHelpers.time.increase(m.params.twapPeriodSeconds);
        await poolToFairValue(f, m, spotUsd);
        await networkHelpers.time.increase(m.params.twapPeriodSeconds);
      };
      await moveTo(3000 * move);
      let report = await f.lens.vaultReport(id);
      // Solvent at mark: the collateral still buys back every token written. Below the minimum (no more minting),
      // not yet below the liquidation ratio (150% / 1.2).
      expect(report.collateral).to.be.greaterThan(mulDivUp(debt, await f.lens.tokenPrice(m.id), WAD));
      expect([report.healthy, report.liquidatable]).to.deep.equal([false, liquidatableAfterMove]);
      if (!liquidatableAfterMove) {
        await expect(f.engine.connect(f.bob).liquidate(id, debt / 2n)).to.be.revertedWithCustomError(
          f.engine,
          "VaultSafe",
        );
        // Further: liquidatable, and still solvent at mark.
        await moveTo(3000 * further);
      }
      report = await f.lens.vaultReport(id);
      expect(report.collateral).to.be.greaterThan(mulDivUp(debt, await f.lens.tokenPrice(m.id), WAD));
      expect(report.liquidatable).to.equal(true);
      await (await m.token.connect(f.alice).transfer(f.bob, debt / 2n)).wait();
      await expect(f.engine.connect(f.bob).liquidate(id, debt / 2n)).to.emit(f.engine, "Liquidated");
      expect((await f.lens.getVault(id))[3]).to.be.lessThan(debt);
    });

    it(`a ${kind} vault minted at the limit stays healthy when ETH moves 20% the other way`, async function () {
      const f = await loadOptions();
      const m = kind === "call" ? f.call : f.put;
      const { id } = await mintAtLimit(f, m, parseEther("3"));
      const spotUsd = 3000 * (2 - move);
      await setEthPrice(f, spotUsd);
      await networkHelpers.time.increase(m.params.twapPeriodSeconds);
      await poolToFairValue(f, m, spotUsd);
      await networkHelpers.time.increase(m.params.twapPeriodSeconds);
      expect((await f.lens.vaultReport(id)).healthy).to.equal(true);
    });
  }

  it("settlement pays each long NF · payoff / S in ETH and each short the rest", async function () {
    const f = await loadOptions();
    const m = f.put;
    const { id, debt } = await mintAtLimit(f, m, parseEther("2"));
    await mined(f.engine.shutdown(m.id));
    await mined(f.engine.settleVaults(m.id, 100));
    const spot = await f.lens.settlementEthPrice(m.id);
    const nf = await f.lens.normalizationFactor(m.id);
    const claim = mulDivDown(nf, STRIKE - spot, spot);
    const amount = parseEther("0.5");
    const redeem = f.engine.connect(f.alice).redeemLong(m.id, amount);
    await expect(redeem).to.changeEtherBalance(ethers, f.alice, mulDivDown(amount, claim, WAD));
    const owed = mulDivUp(debt, mulDivUp(nf, STRIKE - spot, spot), WAD);
    await expect(f.engine.connect(f.alice).redeemShort(id)).to.changeEtherBalance(
      ethers,
      f.alice,
      parseEther("2") - owed,
    );
  });
});
