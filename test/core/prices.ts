/**
 * Prices and vault health against hand-computed numbers from the pools' ticks: ethPrice, tokenPrice, index,
 * mark, funding rate, implied volatility, debt value, collateral ratio, maxMintable, liquidationPrice; TWAP
 * resistance to a one-block price manipulation.
 */
import { expect } from "chai";
import { MaxUint256, parseEther } from "ethers";

import { fairPowerPriceEth, setEthPrice, setPowerPrice } from "../../deploy/evergamma.js";
import { readPoolPrice, sortTokens, tickToPrice } from "../../deploy/uniswap.js";
import { deployProtocol, loadProtocol, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import {
  Dec,
  ETH,
  GAS,
  PENDING,
  SECONDS_PER_DAY,
  SECONDS_PER_YEAR,
  WAD,
  advance,
  collateralRatioWad,
  debtValuePerTokenWad,
  debtValueWei,
  expectClose,
  expectRel,
  fundSwaps,
  inOneBlock,
  indexWad,
  latestTimestamp,
  markIndexRatioWad,
  marketTokens,
  markWad,
  maxDebt,
  mulDivUp,
  openVault,
  pinNextBlock,
  poolPrices,
  sendEthSwap,
  sendPowerSwap,
  toDec,
} from "../utils/coreHelpers.js";
import { priceWadAtTick, referenceTwap } from "../utils/twapReference.js";

/** The default deployment's one market. */
const MARKET = 0;

/** Human USD per ETH at a tick of the ETH/USDC pool, whichever token is token0. */
async function usdPerEthAtTick(d: ProtocolFixture, tick: number): Promise<number> {
  const [weth, usdc] = [await d.weth.getAddress(), await d.usdc.getAddress()];
  const [token0] = sortTokens(weth, usdc);
  return token0 === weth ? tickToPrice(tick, 18, 6) : 1 / tickToPrice(tick, 6, 18);
}

/** sqrt(2 ln(ratio) / (n (n − 1) T_years)), the volatility a mark / index ratio implies. */
function impliedVol(ratioWad: bigint, d: ProtocolFixture): Dec {
  const n = d.market.power;
  const years = new Dec(d.market.fundingPeriodSeconds).div(SECONDS_PER_YEAR);
  return Dec.ln(toDec(ratioWad))
    .mul(2)
    .div(years.mul(n * (n - 1)))
    .sqrt();
}

/** Alice's vault with 10 ETH and 15 tokens: unsafe above ETH ≈ 10·1e4 / (1.5·15·NF) ≈ 4444 USD. */
async function riskyVault() {
  const d = await loadProtocol();
  const vaultId = await openVault(d, d.alice, parseEther("10"), parseEther("15"));
  return { d, vaultId };
}

/**
 * A deployment in which at least one pool's ticks are negative. Which token of a pool is token0 follows from the
 * addresses, which follow from the deployer's nonce (other suites may have moved it), so a deployment whose pools
 * both have positive ticks is replaced by a fresh one: each is a new draw of both orders.
 */
async function protocolWithANegativeTickPool(): Promise<ProtocolFixture> {
  const MAX_DEPLOYMENTS = 8;
  let d = await loadProtocol();
  for (let deployment = 1; ; deployment++) {
    const ticks = await Promise.all(
      [d.ethUsdcPool, d.powerWethPool].map(async (pool) => (await pool.slot0()).tick),
    );
    if (ticks.some((tick) => tick < 0n)) return d;
    if (deployment === MAX_DEPLOYMENTS) break;
    d = await deployProtocol();
  }
  throw new Error(`no pool with negative ticks in ${MAX_DEPLOYMENTS} deployments`);
}

describe("Prices and vault health from the pools", function () {
  it("ethPrice() is the ETH/USDC TWAP of the pool's mean tick (TypeScript reference from observe)", async function () {
    const d = await loadProtocol();
    const { ethTick, ethPriceWad } = await poolPrices(d);
    expect(await d.lens.ethPrice(MARKET)).to.equal(ethPriceWad);
    expectRel(Number(ethPriceWad) / 1e18, await usdPerEthAtTick(d, ethTick), 1e-12);
    // The pool was initialised at exactly 3000; the tick grid keeps that to 1e-4.
    expectRel(Number(ethPriceWad) / 1e18, 3000, 1e-4);
  });

  it("mutation: a mean tick that is negative and fractional rounds toward −∞ in both TWAPs (TypeScript reference)", async function () {
    // One of the two pools quotes its base token as token0 below 1 quote token, so its ticks are negative
    // (ETH/USDC with WETH as token0: about −195,000; power/WETH with the power token as token0: about −12,000).
    // Both prices move by about 10 ticks, and every read sees a window that is not a whole number of ticks.
    const d = await protocolWithANegativeTickPool();
    await fundSwaps(d);
    const { weth, usdc, power } = await marketTokens(d);
    const window = d.market.twapPeriodSeconds;
    const q = Number(await d.lens.tokenPrice(MARKET)) / 1e18;
    const moved = (await latestTimestamp()) + 1;
    await inOneBlock(async () => [await sendEthSwap(d, 3003), await sendPowerSwap(d, q * 1.001)], moved);
    const reads = [
      { what: "ethPrice", pool: d.ethUsdcPool, base: weth, quote: usdc, read: () => d.lens.ethPrice(MARKET) },
      {
        what: "tokenPrice",
        pool: d.powerWethPool,
        base: power,
        quote: weth,
        read: () => d.lens.tokenPrice(MARKET),
      },
    ];
    const negativeFractional: string[] = [];
    for (const secondsAfter of [7, 13, 222]) {
      await networkHelpers.time.increaseTo(moved + secondsAfter);
      for (const { what, pool, base, quote, read } of reads) {
        const twap = await referenceTwap(pool, window, base, quote);
        expect(await read(), `${what} ${secondsAfter} s after the move`).to.equal(twap.priceWad);
        if (twap.tickCumulativeDelta < 0n && twap.tickCumulativeDelta % BigInt(window) !== 0n) {
          // Truncating toward zero would read the tick above: a different price.
          expect(priceWadAtTick(twap.meanTick + 1, base, quote)).not.to.equal(twap.priceWad);
          negativeFractional.push(`${what} +${secondsAfter} s`);
        }
      }
    }
    expect(negativeFractional, "reads whose mean tick is negative and fractional").to.have.length.at.least(3);
  });

  it("tokenPrice() is the power/WETH TWAP, seeded at the 80%-volatility fair price", async function () {
    const d = await loadProtocol();
    const { powerPriceWad } = await poolPrices(d);
    expect(await d.lens.tokenPrice(MARKET)).to.equal(powerPriceWad);
    expectRel(Number(powerPriceWad) / 1e18, fairPowerPriceEth(d.market, 3000, 0.8), 2e-4);
  });

  it("index() = S²/1e4 and mark() = q·S/NF (NF as if funding were applied now)", async function () {
    const d = await loadProtocol();
    const { ethPriceWad: s, powerPriceWad: q } = await poolPrices(d);
    const index = await d.lens.index(MARKET);
    expect(index).to.equal(indexWad(s, 2, 10_000n));
    expect(index).to.equal((s * s) / WAD / 10_000n);
    expectRel(Number(index) / 1e18, 900, 2e-4);
    const nf = await d.lens.expectedNormalizationFactor(MARKET);
    expect(await d.lens.mark(MARKET)).to.equal(markWad(q, s, nf));
    // Seeded at 80% volatility: mark / index = exp(σ²T) with T = 420 h.
    const premium = Math.exp(0.64 * (d.market.fundingPeriodSeconds / SECONDS_PER_YEAR));
    expectRel(Number(await d.lens.mark(MARKET)) / Number(index), premium, 3e-4);

    // Ten days without any update: mark() already uses the factor funding would write.
    await advance(10 * SECONDS_PER_DAY);
    const stored = await d.lens.normalizationFactor(MARKET);
    const expected = await d.lens.expectedNormalizationFactor(MARKET);
    expect(expected).to.be.lessThan(stored);
    expect(await d.lens.mark(MARKET)).to.equal(markWad(q, s, expected));
  });

  it("fundingRatePerDay() = ln(clamp(mark/index))·86400/T with the factor as of now", async function () {
    const d = await loadProtocol();
    const { ethPriceWad: s, powerPriceWad: q } = await poolPrices(d);
    const nf = await d.lens.expectedNormalizationFactor(MARKET);
    const ratio = markIndexRatioWad(q, s, nf, 2, 10_000n);
    const expected = Dec.ln(toDec(ratio)).mul(SECONDS_PER_DAY).div(d.market.fundingPeriodSeconds).mul(1e18);
    expectClose(await d.lens.fundingRatePerDay(MARKET), expected, 1e-15);
    // About 0.18% per day at 80% volatility (ticks leave the 3% premium exact to about 1%).
    expectRel(
      Number(await d.lens.fundingRatePerDay(MARKET)) / 1e18,
      (0.64 * SECONDS_PER_DAY) / SECONDS_PER_YEAR,
      1e-2,
    );
  });

  it("impliedVolatility() ≈ 80% after deploy, = sqrt(2 ln(mark/index)/(n(n−1)T)); 0 below index", async function () {
    const d = await loadProtocol();
    const { ethPriceWad: s, powerPriceWad: q } = await poolPrices(d);
    const nf = await d.lens.expectedNormalizationFactor(MARKET);
    const vol = await d.lens.impliedVolatility(MARKET);
    expectClose(vol, impliedVol(markIndexRatioWad(q, s, nf, 2, 10_000n), d).mul(1e18), 1e-12);
    expectRel(Number(vol) / 1e18, 0.8, 5e-3);
    // In the block of an update the stored and the previewed factor agree, so mark() / index() gives it too.
    await d.engine.applyFunding(MARKET);
    const [mark, index] = [await d.lens.mark(MARKET), await d.lens.index(MARKET)];
    expectClose(await d.lens.impliedVolatility(MARKET), impliedVol((mark * WAD) / index, d).mul(1e18), 1e-6);

    await setPowerPrice(d, ((Number(index) / 1e18 / 3000) * 0.95).toPrecision(12));
    await advance(d.market.twapPeriodSeconds + 1);
    expect(await d.lens.mark(MARKET)).to.be.lessThan(await d.lens.index(MARKET));
    expect(await d.lens.impliedVolatility(MARKET)).to.equal(0n);
  });

  // Regression: impliedVolatility() once used the stored factor, so after ten stale days it reported ~80% while
  // mark() / index() implied ~100%.
  it("impliedVolatility() agrees with mark()/index() when funding is stale", async function () {
    const d = await loadProtocol();
    await advance(10 * SECONDS_PER_DAY);
    const [mark, index] = [await d.lens.mark(MARKET), await d.lens.index(MARKET)];
    expectClose(await d.lens.impliedVolatility(MARKET), impliedVol((mark * WAD) / index, d).mul(1e18), 1e-6);
  });

  it("debtValuePerToken() and collateralRatio() from the ticks, rounded against the vault", async function () {
    const d = await loadProtocol();
    const { alice, lens } = d;
    const id = await openVault(d, alice, parseEther("3"), parseEther("4"));
    const free = await openVault(d, alice, ETH);
    // A day without update: the views must use the factor funding would write now, not the stored one.
    await advance(SECONDS_PER_DAY);
    const { ethPriceWad: s } = await poolPrices(d);
    const nf = await lens.expectedNormalizationFactor(MARKET);
    expect(nf).to.not.equal(await lens.normalizationFactor(MARKET));
    const perToken = debtValuePerTokenWad(nf, s, 2, 10_000n);
    expect(perToken).to.equal(mulDivUp(nf, s, 10_000n * WAD));
    expect(await lens.debtValuePerToken(MARKET)).to.equal(perToken);
    const ratio = await lens.collateralRatio(id);
    expect(ratio).to.equal(collateralRatioWad(parseEther("3"), debtValueWei(parseEther("4"), perToken)));
    expectRel(Number(ratio) / 1e18, 3 / (4 * 0.3), 5e-3);
    expect(await lens.collateralRatio(free)).to.equal(MaxUint256);
    expect(await lens.collateralRatio(999n)).to.equal(MaxUint256);
    expect(await lens.isVaultSafe(id)).to.equal(true);
    expect(await lens.isVaultSafe(free)).to.equal(true);
  });

  it("maxMintable(): minting exactly it succeeds at 150%, a little more reverts with VaultUnsafe", async function () {
    const d = await loadProtocol();
    const { alice, engine, lens } = d;
    const collateral = parseEther("3");
    const id = await openVault(d, alice, collateral, parseEther("1"));
    await pinNextBlock();
    const perToken = await lens.debtValuePerToken(MARKET, PENDING);
    const mintable = await lens.maxMintable(id, PENDING);
    expect(mintable).to.equal(maxDebt(collateral, perToken, parseEther("1.5")) - parseEther("1"));

    const excess = mintable + mintable / 1_000_000n;
    await expect(engine.connect(alice).mint(id, excess))
      .to.be.revertedWithCustomError(engine, "VaultUnsafe")
      .withArgs(id, collateralRatioWad(collateral, debtValueWei(parseEther("1") + excess, perToken)));
    await engine.connect(alice).mint(id, mintable);
    expect(await lens.isVaultSafe(id)).to.equal(true);
    expect(await lens.maxMintable(id)).to.equal(0n);
    const ratio = await lens.collateralRatio(id);
    expect(ratio).to.be.at.least(parseEther("1.5"));
    expect(ratio).to.be.lessThan(parseEther("1.5") + 10n ** 9n);

    // Below the dust floor nothing is mintable.
    const dust = await openVault(d, alice, parseEther("0.49"));
    expect(await lens.maxMintable(dust)).to.equal(0n);
    await expect(engine.connect(alice).mint(dust, 1n))
      .to.be.revertedWithCustomError(engine, "VaultBelowMinCollateral")
      .withArgs(dust, parseEther("0.49"), parseEther("0.5"));
  });

  it("liquidationPrice() = collateral·1e4 / (1.5·debt·NF): ≈ 4444 USD for 10 ETH and 15 tokens", async function () {
    const { d, vaultId } = await networkHelpers.loadFixture(riskyVault);
    await advance(SECONDS_PER_DAY);
    const nf = await d.lens.expectedNormalizationFactor(MARKET);
    expect(nf).to.not.equal(await d.lens.normalizationFactor(MARKET));
    const price = await d.lens.liquidationPrice(vaultId);
    const perDebt = (parseEther("10") * 10_000n * WAD) / mulDivUp(parseEther("15"), parseEther("1.5"), WAD);
    expect(price).to.equal((perDebt * WAD) / nf);
    expectRel(Number(price) / 1e18, 40_000 / 9 / (Number(nf) / 1e18), 1e-12);
    expectRel(Number(price) / 1e18, 4444.44, 3e-3);
    expect(await d.lens.liquidationPrice(d.seedVaultId)).to.be.greaterThan(0n);
    const free = await openVault(d, d.alice, ETH);
    expect(await d.lens.liquidationPrice(free)).to.equal(0n);
  });

  for (const [side, factor, safe] of [
    ["just above", 1.001, false],
    ["just below", 0.999, true],
  ] as const) {
    it(`liquidationPrice() round trip: ETH ${side} it makes the vault ${safe ? "still safe" : "unsafe"}`, async function () {
      const { d, vaultId } = await networkHelpers.loadFixture(riskyVault);
      const { engine, lens } = d;
      const liquidation = Number(await lens.liquidationPrice(vaultId)) / 1e18;
      await setEthPrice(d, (liquidation * factor).toFixed(6));
      await advance(d.market.twapPeriodSeconds + 60);
      // The TWAP has fully moved (to tick precision) and funding barely moved NF in the meantime.
      const s = await lens.ethPrice(MARKET);
      expectRel(Number(s) / 1e18, liquidation * factor, 2e-4);
      const nowLiquidation = await lens.liquidationPrice(vaultId);
      expectRel(Number(nowLiquidation) / 1e18, liquidation, 2e-4);
      expect(await lens.isVaultSafe(vaultId)).to.equal(safe);
      expect(s > nowLiquidation).to.equal(!safe);
      expect((await lens.collateralRatio(vaultId)) >= parseEther("1.5")).to.equal(safe);
      const withdrawal = engine.connect(d.alice).withdraw(vaultId, 1n);
      if (safe) await expect(withdrawal).to.emit(engine, "Withdrawn");
      else await expect(withdrawal).to.be.revertedWithCustomError(engine, "VaultUnsafe");
    });
  }

  it("a +100% ETH/USDC swap leaves index and vault health unchanged in its block; they follow over the window", async function () {
    const d = await loadProtocol();
    const { alice, engine, lens } = d;
    await fundSwaps(d);
    // 10 ETH against 20 tokens: about 167% at ETH = 3000, about 83% at 6000.
    const id = await openVault(d, alice, parseEther("10"), parseEther("20"));
    const [index0, s0] = [await lens.index(MARKET), await lens.ethPrice(MARKET)];
    const { ethTick: tick0 } = await poolPrices(d);

    // The swap and a further mint (allowed only at the old price) in one block.
    const receipts = await inOneBlock(async () => [
      await sendEthSwap(d, 6000),
      await engine.connect(alice).mint(id, parseEther("1"), GAS),
    ]);
    expect(receipts.map((r) => [r.status, r.index])).to.deep.equal([
      [1, 0],
      [1, 1],
    ]);
    expectRel(await readPoolPrice(d.ethUsdcPool, d.weth), 6000, 1e-9);
    expect(await lens.index(MARKET)).to.equal(index0);
    expect(await lens.ethPrice(MARKET)).to.equal(s0);
    expect(await lens.isVaultSafe(id)).to.equal(true);
    expect(await lens.collateralRatio(id)).to.be.greaterThan(parseEther("1.5"));

    // Half a window later the TWAP is the geometric mean of both prices.
    await advance(d.market.twapPeriodSeconds / 2);
    const spotTick = Number((await d.ethUsdcPool.slot0()).tick);
    const half = await poolPrices(d);
    expect(half.ethTick).to.equal(Math.floor((tick0 + spotTick) / 2));
    expect(await lens.ethPrice(MARKET)).to.equal(half.ethPriceWad);
    expectRel(Number(half.ethPriceWad) / 1e18, 3000 * Math.SQRT2, 2e-4);

    // After the whole window the index and the vault's health reflect ETH = 6000.
    await advance(d.market.twapPeriodSeconds / 2 + 1);
    const full = await poolPrices(d);
    expect(full.ethTick).to.equal(spotTick);
    expect(await lens.index(MARKET)).to.equal(indexWad(full.ethPriceWad, 2, 10_000n));
    expectRel(Number(await lens.index(MARKET)) / 1e18, 3600, 3e-4);
    expect(await lens.isVaultSafe(id)).to.equal(false);
    expectRel(Number(await lens.collateralRatio(id)) / 1e18, 10 / (21 * 0.6), 5e-3);
  });
});
