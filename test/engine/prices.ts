/**
 * The engine's price source and funding path against real Uniswap v3 pools: UniswapTwapPrices' constructor checks
 * and TWAP windows (a TypeScript reference from `observe`), the one-block manipulation bound, funding through
 * `applyFunding` (Market.sol) per market, and the engine's storage as the lens reads it (EngineStorage,
 * MarketSnapshot).
 */
import { expect } from "chai";
import {
  AbiCoder,
  Contract,
  getCreate2Address,
  keccak256,
  parseEther,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
} from "ethers";

import {
  addMarket,
  setTokenPrice,
  vaultIdOf,
  type MarketDeployment as EngineMarket,
} from "../../deploy/evergamma.js";
import { initializePool, setEthPrice } from "../../deploy/evergamma.js";
import {
  UNISWAP_V3_POOL_INIT_CODE_HASH,
  createPoolWithLiquidity,
  getPoolContract,
  priceToSqrtPriceX96,
  sortTokens,
  type UniswapV3Pool,
} from "../../deploy/uniswap.js";
import type { UniswapTwapPrices } from "../../types/ethers-contracts/index.js";
import { ethers, networkHelpers } from "../fixtures.js";
import {
  GAS,
  PENDING,
  SECONDS_PER_DAY,
  advance,
  expectClose,
  expectRel,
  inOneBlock,
  latestTimestamp,
  markIndexRatioWad,
  pinNextBlock,
  solveFunding,
} from "../utils/coreHelpers.js";
import { priceWadAtTick, referenceTwap, type PoolToken } from "../utils/twapReference.js";
import { loadEngine, type EngineFixture } from "./fixture.js";

const TWAP = 420;

async function poolToken(c: {
  getAddress(): Promise<string>;
  decimals(): Promise<bigint>;
}): Promise<PoolToken> {
  return { address: await c.getAddress(), decimals: Number(await c.decimals()) };
}

interface Observation {
  blockTimestamp: bigint;
  initialized: boolean;
}

/** `pool.observations(i)` (not in the typed pool handle). */
function observation(pool: UniswapV3Pool, i: bigint | number): Promise<Observation> {
  const c = new Contract(
    pool.target as string,
    ["function observations(uint256) view returns (uint32 blockTimestamp, int56, uint160, bool initialized)"],
    ethers.provider,
  );
  return c.observations(i) as Promise<Observation>;
}

/** The age of a pool's oldest observation at the latest block (UniswapTwap.historySeconds). */
async function historySeconds(pool: UniswapV3Pool): Promise<number> {
  const { observationIndex, observationCardinality } = await pool.slot0();
  const next = await observation(pool, (observationIndex + 1n) % observationCardinality);
  const oldest = next.initialized ? next.blockTimestamp : (await observation(pool, 0)).blockTimestamp;
  return (await latestTimestamp()) - Number(oldest);
}

/** S and q of a market's source computed in TypeScript from both pools over `window` seconds. */
async function referencePrices(f: EngineFixture, m: EngineMarket, ethWindow = TWAP, tokenWindow = TWAP) {
  const [weth, usdc, token] = await Promise.all([
    poolToken(f.protocol.weth),
    poolToken(f.protocol.usdc),
    poolToken(m.token),
  ]);
  const eth = await referenceTwap(f.protocol.ethUsdcPool, ethWindow, weth, usdc);
  const tok = await referenceTwap(m.pool, tokenWindow, token, weth);
  return { eth, tok, weth, usdc, token };
}

function deploySource(args: unknown[]): Promise<unknown> {
  return ethers.deployContract("UniswapTwapPrices", args as never[]);
}

/** Events of `name` from the engine in a receipt, as plain argument arrays. */
function engineEvents(f: EngineFixture, receipt: ContractTransactionReceipt, name: string): unknown[][] {
  const out: unknown[][] = [];
  const engineAddress = f.engine.target.toString().toLowerCase();
  for (const log of receipt.logs) {
    // Token logs are skipped: an ERC-20 Transfer has the topic of the engine's ERC-721 Transfer.
    if (log.address.toLowerCase() !== engineAddress) continue;
    const parsed = f.engine.interface.parseLog(log);
    if (parsed !== null && parsed.name === name) out.push([...parsed.args]);
  }
  return out;
}

describe("engine prices: UniswapTwapPrices, funding through the engine, EngineStorage", function () {
  describe("UniswapTwapPrices constructor", function () {
    it("rejects a TWAP period of 0 or above 1 h, and pools that do not hold the right tokens", async function () {
      const f = await loadEngine();
      const { weth, usdc, ethUsdcPool } = f.protocol;
      const base = [weth, usdc, ethUsdcPool, f.eth2.token, f.eth2.pool];
      const src = f.eth2.priceSource;
      for (const bad of [0, 3601]) {
        await expect(deploySource([...base, bad]))
          .to.be.revertedWithCustomError(src, "InvalidTwapPeriod")
          .withArgs(bad);
      }
      // 3600 passes the period check: the ETH pool's ring is what refuses it.
      const { observationCardinalityNext } = await ethUsdcPool.slot0();
      expect(observationCardinalityNext).to.be.lessThanOrEqual(3600n);
      await expect(deploySource([...base, 3600]))
        .to.be.revertedWithCustomError(src, "OracleCardinalityTooLow")
        .withArgs(await ethUsdcPool.getAddress(), observationCardinalityNext);
      await expect(deploySource([weth, usdc, f.eth2.pool, f.eth2.token, f.eth2.pool, TWAP]))
        .to.be.revertedWithCustomError(src, "InvalidPool")
        .withArgs("ethQuotePool");
      // The quote token swapped for the market token: the ETH pool no longer matches.
      await expect(deploySource([weth, f.eth2.token, ethUsdcPool, f.eth2.token, f.eth2.pool, TWAP]))
        .to.be.revertedWithCustomError(src, "InvalidPool")
        .withArgs("ethQuotePool");
      // Market 1's pool does not hold market 0's token.
      await expect(deploySource([weth, usdc, ethUsdcPool, f.eth2.token, f.eth1.pool, TWAP]))
        .to.be.revertedWithCustomError(src, "InvalidPool")
        .withArgs("tokenPool");
      // The ETH pool as the token pool: it holds WETH but not the market token.
      await expect(deploySource([weth, usdc, ethUsdcPool, f.eth2.token, ethUsdcPool, TWAP]))
        .to.be.revertedWithCustomError(src, "InvalidPool")
        .withArgs("tokenPool");
    });

    it("OracleCardinalityTooLow for a fresh token pool until it keeps twap + 1 observations; then the views", async function () {
      const f = await loadEngine();
      const { weth, usdc, ethUsdcPool, uniswap, deployer } = f.protocol;
      const src = f.eth2.priceSource;
      const token = await ethers.deployContract("MarketToken", ["Fresh", "FR", f.engine]);
      const pool = await initializePool(uniswap, deployer, token, weth, 0.25, 1);
      const poolAddress = await pool.getAddress();
      const args = [weth, usdc, ethUsdcPool, token, pool, TWAP];
      await expect(deploySource(args))
        .to.be.revertedWithCustomError(src, "OracleCardinalityTooLow")
        .withArgs(poolAddress, 1);
      await (await pool.increaseObservationCardinalityNext(TWAP)).wait();
      await expect(deploySource(args))
        .to.be.revertedWithCustomError(src, "OracleCardinalityTooLow")
        .withArgs(poolAddress, TWAP);
      await (await pool.increaseObservationCardinalityNext(TWAP + 1)).wait();
      // The token pool needs only the capacity: its single observation is a few seconds old.
      expect((await pool.slot0()).observationCardinality).to.equal(1n);
      const source = (await deploySource(args)) as UniswapTwapPrices;
      expect(await source.weth()).to.equal(await weth.getAddress());
      expect(await source.quoteToken()).to.equal(await usdc.getAddress());
      expect(await source.ethQuotePool()).to.equal(await ethUsdcPool.getAddress());
      expect(await source.tokenPool()).to.equal(poolAddress);
      expect(await source.twapPeriodSeconds()).to.equal(BigInt(TWAP));
      expect(await source.token()).to.equal(await token.getAddress());
      // The fixture's own source reports its wiring too.
      expect(await f.eth1.priceSource.tokenPool()).to.equal(await f.eth1.pool.getAddress());
      expect(await f.eth1.priceSource.token()).to.equal(await f.eth1.token.getAddress());
    });

    it("OracleCardinalityTooLow for an ETH pool with one slot; OracleWindowNotCovered when old but with one observation", async function () {
      const f = await loadEngine();
      const { weth, uniswap, deployer } = f.protocol;
      const src = f.eth2.priceSource;
      const usdc2 = await ethers.deployContract("TestUSDC");
      const pool = await initializePool(uniswap, deployer, weth, usdc2, 3000e-12, 1);
      const poolAddress = await pool.getAddress();
      const args = [weth, usdc2, pool, f.eth2.token, f.eth2.pool, TWAP];
      await expect(deploySource(args))
        .to.be.revertedWithCustomError(src, "OracleCardinalityTooLow")
        .withArgs(poolAddress, 1);
      // Capacity raised long after the pool's only observation: the ring has not grown (no write since).
      await advance(1000);
      await (await pool.increaseObservationCardinalityNext(TWAP + 1)).wait();
      const created = Number((await observation(pool, 0)).blockTimestamp);
      const at = await pinNextBlock(5);
      await expect(deploySource(args))
        .to.be.revertedWithCustomError(src, "OracleWindowNotCovered")
        .withArgs(poolAddress, 1, at - created, TWAP);
    });

    it("OracleWindowNotCovered for a young ETH pool with a full ring; deployable once the window is covered", async function () {
      const f = await loadEngine();
      const { weth, uniswap, deployer } = f.protocol;
      const src = f.eth2.priceSource;
      const usdc2 = await ethers.deployContract("TestUSDC");
      const poolAddress = await createPoolWithLiquidity({
        uniswap,
        signer: deployer,
        tokenA: weth,
        tokenB: usdc2,
        priceAInB: "3000",
        amountA: parseEther("100"),
        cardinality: TWAP + 1,
      });
      const pool = getPoolContract(poolAddress, deployer);
      expect((await pool.slot0()).observationCardinality).to.equal(BigInt(TWAP + 1));
      const created = Number((await observation(pool, 0)).blockTimestamp);
      const args = [weth, usdc2, pool, f.eth2.token, f.eth2.pool, TWAP];
      let at = await pinNextBlock(1);
      await expect(deploySource(args))
        .to.be.revertedWithCustomError(src, "OracleWindowNotCovered")
        .withArgs(poolAddress, TWAP + 1, at - created, TWAP);
      // One second short of the window.
      await networkHelpers.time.increaseTo(created + TWAP - 2);
      at = await pinNextBlock(1);
      expect(at - created).to.equal(TWAP - 1);
      await expect(deploySource(args))
        .to.be.revertedWithCustomError(src, "OracleWindowNotCovered")
        .withArgs(poolAddress, TWAP + 1, TWAP - 1, TWAP);
      // Exactly the window.
      await networkHelpers.time.setNextBlockTimestamp(created + TWAP);
      const source = (await deploySource(args)) as UniswapTwapPrices;
      const [s] = await source.prices();
      const ref = await referenceTwap(pool, TWAP, await poolToken(weth), await poolToken(usdc2));
      expect(s).to.equal(ref.priceWad);
      expectRel(Number(s) / 1e18, 3000, 1e-4);
    });
  });

  describe("prices()", function () {
    it("is the TWAP of both pools over 420 s (observe reference), the same ETH price for every market", async function () {
      const f = await loadEngine();
      for (const m of [f.eth2, f.eth1]) {
        const { eth, tok } = await referencePrices(f, m);
        const [s, q] = await m.priceSource.prices();
        expect(s, m.name).to.equal(eth.priceWad);
        expect(q, m.name).to.equal(tok.priceWad);
        expect(await f.lens.ethPrice(m.id)).to.equal(s);
        expect(await f.lens.tokenPrice(m.id)).to.equal(q);
      }
      const [s0] = await f.eth2.priceSource.prices();
      expect(await f.lens.ethPrice(f.eth1.id)).to.equal(s0);
      expectRel(Number(s0) / 1e18, 3000, 1e-4);
      // ETH¹ is seeded at its index: q ≈ 1 ETH per token.
      const [, q1] = await f.eth1.priceSource.prices();
      expectRel(Number(q1) / 1e18, 1, 1e-3);
    });

    it("a token pool quiet for a whole window reads its tick without observe: equal to observe's TWAP on both sides of the edge", async function () {
      const f = await loadEngine();
      for (const m of [f.eth2, f.eth1]) {
        const [, q] = await m.priceSource.prices();
        // A trade writes an observation: busy until it is a window old, then quiet (the current tick).
        await setTokenPrice(f, m, (Number(q) / 1e18) * 0.9);
        const tradedAt = (await ethers.provider.getBlock("latest"))!.timestamp;
        for (const age of [1, TWAP - 1, TWAP, TWAP + 1, 3 * TWAP]) {
          const now = (await ethers.provider.getBlock("latest"))!.timestamp;
          if (tradedAt + age > now) await advance(tradedAt + age - now);
          const { eth, tok } = await referencePrices(f, m);
          const [s2, q2] = await m.priceSource.prices();
          expect(q2, `${m.name} ${age} s after the trade`).to.equal(tok.priceWad);
          expect(s2).to.equal(eth.priceWad);
          if (age < TWAP) expect(q2).to.not.equal(q);
        }
      }
    });

    it("a young token pool shortens only its own window (history), the ETH window stays 420 s", async function () {
      const f = await loadEngine();
      const m = await addMarket(f, { name: "ETH2b" });
      const history = await historySeconds(m.pool);
      expect(history).to.be.greaterThan(0);
      expect(history).to.be.lessThan(TWAP);
      const { eth, tok } = await referencePrices(f, m, TWAP, history);
      const [s, q] = await m.priceSource.prices();
      expect(s).to.equal(eth.priceWad);
      expect(q).to.equal(tok.priceWad);
      // A move of the young pool shows up weighted over its short history, not over 420 s.
      await setTokenPrice(f, m, (Number(q) / 1e18) * 1.2);
      await advance(10);
      const h2 = await historySeconds(m.pool);
      expect(h2).to.be.lessThan(TWAP);
      const after = await referencePrices(f, m, TWAP, h2);
      const [s2, q2] = await m.priceSource.prices();
      expect(q2).to.equal(after.tok.priceWad);
      expect(s2).to.equal(after.eth.priceWad);
      expect(q2).to.be.greaterThan(q);
      // Once the pool is a window old the full 420 s window applies.
      await advance(TWAP);
      expect(await historySeconds(m.pool)).to.be.at.least(TWAP);
      const full = await referencePrices(f, m);
      expect((await m.priceSource.prices())[1]).to.equal(full.tok.priceWad);
    });

    it("OracleHistoryUnavailable in the block the token pool is created (no history to average)", async function () {
      const f = await loadEngine();
      const { weth, uniswap, deployer, usdc, ethUsdcPool } = f.protocol;
      const token = await ethers.deployContract("MarketToken", ["Fresh", "FR", f.engine]);
      const [a, w] = [await token.getAddress(), await weth.getAddress()];
      const [token0, token1] = sortTokens(a, w);
      const poolAddress = getCreate2Address(
        await uniswap.factory.getAddress(),
        keccak256(
          AbiCoder.defaultAbiCoder().encode(["address", "address", "uint24"], [token0, token1, 3000]),
        ),
        UNISWAP_V3_POOL_INIT_CODE_HASH,
      );
      const pool = getPoolContract(poolAddress, deployer);
      const factory = await ethers.getContractFactory("UniswapTwapPrices", deployer);
      const deployTx = await factory.getDeployTransaction(w, usdc, ethUsdcPool, a, poolAddress, TWAP);
      const receipts = await inOneBlock(async () => [
        await uniswap.positionManager
          .connect(deployer)
          .createAndInitializePoolIfNecessary(token0, token1, 3000, priceToSqrtPriceX96("1", 18, 18), {
            gasLimit: 6_000_000n,
          }),
        await pool.increaseObservationCardinalityNext(TWAP + 1, { gasLimit: 15_000_000n }),
        (await deployer.sendTransaction({
          ...deployTx,
          gasLimit: 5_000_000n,
        })) as ContractTransactionResponse,
      ]);
      expect(receipts.map((r) => r.status)).to.deep.equal([1, 1, 1]);
      const source = (await ethers.getContractAt(
        "UniswapTwapPrices",
        receipts[2].contractAddress!,
      )) as unknown as UniswapTwapPrices;
      await expect(source.prices())
        .to.be.revertedWithCustomError(source, "OracleHistoryUnavailable")
        .withArgs(poolAddress);
      // One second later the pool has one second of history: q is its initial price, S the full 420 s TWAP.
      await advance(1);
      const [s, q] = await source.prices();
      expect(q).to.equal(parseEther("1"));
      expect(s).to.equal((await f.eth2.priceSource.prices())[0]);
    });

    it("a one-block swap barely moves the TWAP; after 420 s it equals the spot tick's price", async function () {
      const f = await loadEngine();
      const m = f.eth2;
      const [s0, q0] = await m.priceSource.prices();
      await setEthPrice(f.protocol, 6000);
      await setTokenPrice(f, m, (Number(q0) / 1e18) * 2);
      const ref = await referencePrices(f, m);
      const [s1, q1] = await m.priceSource.prices();
      expect(s1).to.equal(ref.eth.priceWad);
      expect(q1).to.equal(ref.tok.priceWad);
      // At most a few seconds of a doubled price in a 420 s window: below 1%.
      expectRel(Number(s1) / Number(s0), 1, 1e-2);
      expectRel(Number(q1) / Number(q0), 1, 1e-2);
      await advance(TWAP);
      const [{ tick: ethSpot }, { tick: tokSpot }] = [
        await f.protocol.ethUsdcPool.slot0(),
        await m.pool.slot0(),
      ];
      const [s2, q2] = await m.priceSource.prices();
      expect(s2).to.equal(priceWadAtTick(Number(ethSpot), ref.weth, ref.usdc));
      expect(q2).to.equal(priceWadAtTick(Number(tokSpot), ref.token, ref.weth));
      expectRel(Number(s2) / 1e18, 6000, 2e-4);
      expectRel(Number(q2) / Number(q0), 2, 2e-4);
      // Both markets read the same ETH pool.
      expect(await f.lens.ethPrice(f.eth1.id)).to.equal(s2);
    });
  });

  describe("funding through the engine", function () {
    it("applyFunding emits NormalizationFactorUpdated(id, new NF) with the exact funding", async function () {
      const f = await loadEngine();
      // ETH¹'s pool sits at its index (tick 0: mark / index = 1 exactly, no funding): lift it 5%.
      expect(await f.lens.fundingRatePerDay(f.eth1.id)).to.equal(0n);
      await setTokenPrice(f, f.eth1, 1.05);
      await advance(TWAP);
      for (const m of [f.eth2, f.eth1]) {
        const [nf0, t0] = [await f.lens.normalizationFactor(m.id), await f.lens.lastFundingUpdate(m.id)];
        const now = await pinNextBlock(SECONDS_PER_DAY);
        const expected = await f.lens.expectedNormalizationFactor(m.id, PENDING);
        expect(await f.engine.applyFunding.staticCall(m.id, PENDING)).to.equal(expected);
        const [s, q] = await m.priceSource.prices(PENDING);
        const ratio = markIndexRatioWad(q, s, nf0, m.params.power, m.params.indexScale);
        // ETH² seeded at 80% volatility, ETH¹ lifted: mark above index, longs pay, NF falls.
        expect(ratio).to.be.greaterThan(parseEther("1"));
        expectClose(expected, solveFunding(nf0, ratio, now - Number(t0), m.params), 1e-12);
        expect(expected).to.be.lessThan(nf0);
        await expect(f.engine.applyFunding(m.id))
          .to.emit(f.engine, "NormalizationFactorUpdated")
          .withArgs(m.id, expected);
        expect(await f.lens.normalizationFactor(m.id)).to.equal(expected);
        expect(await f.lens.lastFundingUpdate(m.id)).to.equal(BigInt(now));
        expect(await f.lens.expectedNormalizationFactor(m.id)).to.equal(expected);
      }
    });

    it("updates at most once per block per market: the second call in the block emits nothing", async function () {
      const f = await loadEngine();
      await advance(3600);
      const nf0 = await f.lens.normalizationFactor(0);
      const receipts = await inOneBlock(async () => [
        await f.engine.applyFunding(f.eth2.id, GAS),
        await f.engine.applyFunding(f.eth2.id, GAS),
        await f.engine.applyFunding(f.eth1.id, GAS),
        await f.engine.applyFunding(f.eth1.id, GAS),
      ]);
      expect(receipts.map((r) => r.status)).to.deep.equal([1, 1, 1, 1]);
      const counts = receipts.map((r) => engineEvents(f, r, "NormalizationFactorUpdated"));
      expect(counts.map((c) => c.length)).to.deep.equal([1, 0, 1, 0]);
      expect(counts[0][0][0]).to.equal(0n);
      expect(counts[2][0][0]).to.equal(1n);
      expect(counts[0][0][1]).to.not.equal(nf0); // ETH² funds; ETH¹'s pool sits at its index
      expect(await f.lens.normalizationFactor(0)).to.equal(counts[0][0][1]);
      expect(await f.lens.normalizationFactor(1)).to.equal(counts[2][0][1]);
      const block = await ethers.provider.getBlock(receipts[0].blockNumber);
      expect(await f.lens.lastFundingUpdate(0)).to.equal(BigInt(block!.timestamp));
    });

    it("markets are isolated: funding market 0 leaves market 1's NF; each moves at its own rate", async function () {
      const f = await loadEngine();
      const [nf1, t1] = [await f.lens.normalizationFactor(1), await f.lens.lastFundingUpdate(1)];
      const [nf0, t0] = [await f.lens.normalizationFactor(0), await f.lens.lastFundingUpdate(0)];
      // ETH¹ below its index: shorts pay, its NF rises while ETH²'s falls.
      await setTokenPrice(f, f.eth1, 0.95);
      await advance(SECONDS_PER_DAY);
      /** The factor the next block's applyFunding must write, from the prices that block sees. */
      const expectedNext = async (m: EngineMarket, nf: bigint, since: bigint, at: number) => {
        const [s, q] = await m.priceSource.prices(PENDING);
        const ratio = markIndexRatioWad(q, s, nf, m.params.power, m.params.indexScale);
        return { ratio, nf: solveFunding(nf, ratio, at - Number(since), m.params) };
      };
      let at = await pinNextBlock(1);
      const e0 = await expectedNext(f.eth2, nf0, t0, at);
      await (await f.engine.applyFunding(0)).wait();
      expect(await f.lens.normalizationFactor(1)).to.equal(nf1);
      expect(await f.lens.lastFundingUpdate(1)).to.equal(t1);
      const new0 = await f.lens.normalizationFactor(0);
      expectClose(new0, e0.nf, 1e-12);
      expect(e0.ratio).to.be.greaterThan(parseEther("1"));
      at = await pinNextBlock(1);
      const e1 = await expectedNext(f.eth1, nf1, t1, at);
      await (await f.engine.applyFunding(1)).wait();
      const new1 = await f.lens.normalizationFactor(1);
      expectClose(new1, e1.nf, 1e-12);
      expect(e1.ratio).to.be.lessThan(parseEther("1"));
      // Market 1's update leaves market 0 as it was.
      expect(await f.lens.normalizationFactor(0)).to.equal(new0);
      expect(new0).to.be.lessThan(nf0);
      expect(new1).to.be.greaterThan(nf1);
      // ETH² pays about its 80%-volatility premium, σ² per year (the exact flow adds ~τ/2 over a day).
      expectRel(Math.log(Number(nf0) / Number(new0)), 0.64 / 365, 5e-2);
    });

    it("a paused market refuses applyFunding and its NF stays frozen while the other accrues", async function () {
      const f = await loadEngine();
      await expect(f.engine.connect(f.protocol.deployer).pause(1)).to.emit(f.engine, "Paused").withArgs(1, 3);
      await setTokenPrice(f, f.eth1, 1.2);
      const frozen = await f.lens.normalizationFactor(1);
      await advance(SECONDS_PER_DAY);
      await expect(f.engine.applyFunding(1))
        .to.be.revertedWithCustomError(f.engine, "MarketPaused")
        .withArgs(1);
      expect(await f.lens.expectedNormalizationFactor(1)).to.equal(frozen);
      expect((await f.lens.marketReport(1)).normalizationFactor).to.equal(frozen);
      expect(await f.lens.expectedNormalizationFactor(0)).to.be.lessThan(await f.lens.normalizationFactor(0));
      await expect(f.engine.applyFunding(99))
        .to.be.revertedWithCustomError(f.engine, "MarketNotFound")
        .withArgs(99);
      await expect(f.lens.marketReport(99))
        .to.be.revertedWithCustomError(f.lens, "MarketNotFound")
        .withArgs(99);
    });
  });

  describe("EngineStorage through the lens", function () {
    it("fee, vault, pause and unpause bookkeeping equal what the engine's events reported", async function () {
      const f = await loadEngine();
      const { deployer, alice, carol, bob } = f.protocol;
      const owner = f.engine.connect(deployer);
      await expect(owner.setFee(1, 50, carol.address))
        .to.emit(f.engine, "FeeSet")
        .withArgs(1, 50, carol.address);
      const collateral = parseEther("5");
      const amount = parseEther("2");
      const receipt = (await (
        await f.engine.connect(alice).mint(f.eth1.newVaultId, amount, { value: collateral })
      ).wait())!;
      const [[, vaultId, fee]] = engineEvents(f, receipt, "FeeCharged") as [bigint, bigint, bigint][];
      expect(vaultId).to.equal(vaultIdOf(1, 2n));
      expect(fee).to.be.greaterThan(0n);
      await expect(f.engine.connect(alice).setOperator(vaultId, bob.address))
        .to.emit(f.engine, "OperatorSet")
        .withArgs(1, vaultId, bob.address);

      const r1 = await f.lens.marketReport(1);
      expect(r1.feeBps).to.equal(50n);
      expect(r1.accruedFees).to.equal(fee);
      expect(r1.vaultCount).to.equal(2n);
      expect(r1.pausesLeft).to.equal(4n);
      expect(r1.liquidationsOpenAt).to.equal(0n);
      expect(r1.status).to.equal(0n);
      expect(r1.totalBadDebt).to.equal(0n);
      expect(r1.tokenSupply).to.equal(parseEther("100") + amount);
      expect(await f.lens.feeRecipient(1)).to.equal(carol.address);
      expect(await f.lens.accruedFees(1)).to.equal(fee);
      expect(await f.lens.feeBps(0)).to.equal(0n);
      expect(await f.lens.accruedFees(0)).to.equal(0n);
      expect(await f.lens.vaultCount(0)).to.equal(1n);

      const v = await f.lens.getVault(vaultId);
      expect([v.owner, v.operator, v.collateral, v.debt]).to.deep.equal([
        alice.address,
        bob.address,
        collateral - fee,
        amount,
      ]);
      const never = await f.lens.getVault(vaultIdOf(1, 3n));
      expect([never.collateral, never.debt]).to.deep.equal([0n, 0n]);

      await expect(owner.pause(0)).to.emit(f.engine, "Paused").withArgs(0, 3);
      const r0 = await f.lens.marketReport(0);
      expect(r0.pausesLeft).to.equal(3n);
      expect(r0.status).to.equal(1n);
      expect(await f.lens.pausesLeft(0)).to.equal(3n);
      expect(await f.lens.pausesLeft(1)).to.equal(4n);
      expect(await f.lens.isPaused(0)).to.equal(true);
      expect(await f.lens.isPaused(1)).to.equal(false);
      expect(await f.lens.isShutDown(0)).to.equal(false);

      const openAt = (await latestTimestamp()) + 1 + 3600;
      await expect(owner.unpause(0))
        .to.emit(f.engine, "Unpaused")
        .withArgs(0, await deployer.getAddress(), openAt);
      expect((await f.lens.marketReport(0)).liquidationsOpenAt).to.equal(BigInt(openAt));
      expect(await f.lens.liquidationsOpenAt(0)).to.equal(BigInt(openAt));
      expect(await f.lens.liquidationsOpenAt(1)).to.equal(0n);
      expect(await f.lens.isPaused(0)).to.equal(false);

      await expect(f.engine.collectFees(1))
        .to.emit(f.engine, "FeesCollected")
        .withArgs(1, carol.address, fee);
      expect((await f.lens.marketReport(1)).accruedFees).to.equal(0n);
    });

    it("settlement views are zero before shutdown and match Shutdown / SettlementCompleted after", async function () {
      const f = await loadEngine();
      const owner = f.engine.connect(f.protocol.deployer);
      await (
        await f.engine
          .connect(f.protocol.alice)
          .mint(f.eth1.newVaultId, parseEther("1"), { value: parseEther("3") })
      ).wait();
      for (const id of [0, 1]) {
        expect(await f.lens.settlementEthPrice(id)).to.equal(0n);
        expect(await f.lens.settledVaults(id)).to.equal(0n);
        expect(await f.lens.longPayoutPool(id)).to.equal(0n);
        expect(await f.lens.settlementShortfall(id)).to.equal(0n);
        expect(await f.lens.isShutDown(id)).to.equal(false);
      }
      const shutdown = (await (await owner.shutdown(1)).wait())!;
      const [[, s, nf]] = engineEvents(f, shutdown, "Shutdown") as [bigint, bigint, bigint][];
      expect(s).to.be.greaterThan(0n);
      expect(await f.lens.settlementEthPrice(1)).to.equal(s);
      expect(await f.lens.normalizationFactor(1)).to.equal(nf);
      expect(await f.lens.isShutDown(1)).to.equal(true);
      expect(await f.lens.isPaused(1)).to.equal(false);
      expect((await f.lens.marketReport(1)).status).to.equal(2n);
      expect(await f.lens.settledVaults(1)).to.equal(0n);

      const settle = (await (await f.engine.settleVaults(1, 10)).wait())!;
      const [[, pool, shortfall]] = engineEvents(f, settle, "SettlementCompleted") as [
        bigint,
        bigint,
        bigint,
      ][];
      expect(pool).to.be.greaterThan(0n);
      expect(await f.lens.settledVaults(1)).to.equal(2n);
      expect(await f.lens.longPayoutPool(1)).to.equal(pool);
      expect(await f.lens.settlementShortfall(1)).to.equal(shortfall);
      expect(shortfall).to.equal(0n);
      // ETH¹: one token is worth NF ETH at settlement, 101 tokens outstanding, no shortfall.
      expectClose(pool, (parseEther("101") * nf) / 10n ** 18n, 0, 1n);
      // Market 0 untouched.
      expect(await f.lens.settlementEthPrice(0)).to.equal(0n);
      expect(await f.lens.isShutDown(0)).to.equal(false);
    });
  });
});
