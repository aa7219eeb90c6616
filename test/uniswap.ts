import { expect } from "chai";
import { Decimal } from "decimal.js";
import {
  AbiCoder,
  getCreate2Address,
  keccak256,
  parseEther,
  parseUnits,
  resolveAddress,
  type AddressLike,
} from "ethers";
import { network } from "hardhat";

import {
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  Q96,
  UNISWAP_V3_POOL_INIT_CODE_HASH,
  advanceTime,
  createPoolWithLiquidity,
  fullRangeTicks,
  getPoolContract,
  getTokenContract,
  movePoolPrice,
  priceToSqrtPriceX96,
  priceToTick,
  readPoolPrice,
  readTwapTick,
  sortTokens,
  sqrtPriceX96ToPrice,
  sqrtPriceX96ToTick,
  tickToPrice,
  tickToSqrtPriceX96,
  uniswapV3Artifacts,
  type PriceLike,
  type UniswapV3Pool,
} from "../deploy/uniswap.js";
import {
  deployUniswapFixture,
  INITIAL_ETH_PRICE,
  INITIAL_POOL_WETH,
  POOL_CARDINALITY,
} from "./utils/uniswapFixture.js";

const { ethers, networkHelpers } = await network.getOrCreate();

const D = Decimal.clone({ precision: 100 });

/** Asserts |actual / expected − 1| <= rel. */
function expectClose(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual / expected - 1), `${actual} vs ${expected}`).to.be.at.most(rel);
}

/** Asserts that `promise` rejects with a message matching `pattern`. */
async function expectRejection(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected a rejection").to.be.instanceOf(Error);
  expect((error as Error).message).to.match(pattern);
}

/** sqrtPriceX96 a pool must hold for `price` of base in quote: floor(sqrt(raw price0In1)·2^96) by decimal.js. */
async function expectedSqrtPriceX96(
  pool: UniswapV3Pool,
  base: AddressLike,
  price: PriceLike,
): Promise<bigint> {
  const [token0, token1] = [await pool.token0(), await pool.token1()];
  const decimals = async (t: string) => Number(await getTokenContract(t, ethers.provider).decimals());
  const [d0, d1] = [await decimals(token0), await decimals(token1)];
  const p = new D(price.toString());
  const price0In1 = (await resolveAddress(base)) === token0 ? p : new D(1).div(p);
  return BigInt(
    price0In1
      .mul(new D(10).pow(d1 - d0))
      .sqrt()
      .mul(new D(2).pow(96))
      .floor()
      .toFixed(),
  );
}

describe("Uniswap v3 price and tick math", function () {
  it("tickToSqrtPriceX96 matches TickMath anchors and sqrt(1.0001^tick)·2^96", function () {
    expect(tickToSqrtPriceX96(0)).to.equal(Q96);
    expect(tickToSqrtPriceX96(MIN_TICK)).to.equal(MIN_SQRT_RATIO);
    expect(tickToSqrtPriceX96(MAX_TICK)).to.equal(MAX_SQRT_RATIO);
    const ticks = [1, -1, 60, -60, 887220, -887220, 200_000, -276_324, 123_457, -3];
    for (let bit = 0; bit < 20; bit++) ticks.push(1 << bit, -(1 << bit));
    for (const tick of ticks) {
      const exact = new D("1.0001").pow(tick).sqrt().mul(new D(2).pow(96));
      const error = exact.sub(tickToSqrtPriceX96(tick).toString()).abs();
      expect(error.lte(D.max(1.01, exact.mul(1e-18))), `tick ${tick}`).to.equal(true);
    }
  });

  it("sqrtPriceX96ToTick is the inverse with floor semantics", function () {
    expect(sqrtPriceX96ToTick(MIN_SQRT_RATIO)).to.equal(MIN_TICK);
    expect(sqrtPriceX96ToTick(MAX_SQRT_RATIO - 1n)).to.equal(MAX_TICK - 1);
    for (const tick of [-200_000, -1, 0, 1, 75_000, 300_001]) {
      const sqrtPriceX96 = tickToSqrtPriceX96(tick);
      expect(sqrtPriceX96ToTick(sqrtPriceX96)).to.equal(tick);
      expect(sqrtPriceX96ToTick(sqrtPriceX96 - 1n)).to.equal(tick - 1);
      expect(sqrtPriceX96ToTick(tickToSqrtPriceX96(tick + 1) - 1n)).to.equal(tick);
    }
    expect(() => sqrtPriceX96ToTick(MIN_SQRT_RATIO - 1n)).to.throw(RangeError);
  });

  it("priceToSqrtPriceX96 is the exact floor for decimal inputs of any decimals", function () {
    const prices: PriceLike[] = [3000, 0.3, "0.3", "1e-7", "123456.789", 1n, 2500n, "0.000333"];
    for (const price of prices) {
      for (const [d0, d1] of [
        [18, 6],
        [6, 18],
        [18, 18],
        [8, 6],
      ]) {
        const sqrtPriceX96 = priceToSqrtPriceX96(price, d0, d1);
        const exact = new D(price.toString())
          .mul(new D(10).pow(d1 - d0))
          .sqrt()
          .mul(new D(2).pow(96));
        expect(sqrtPriceX96.toString(), `${price} ${d0}/${d1}`).to.equal(exact.floor().toFixed());
        expectClose(sqrtPriceX96ToPrice(sqrtPriceX96, d0, d1), Number(price), 1e-15);
      }
    }
  });

  it("converts prices and ticks with decimals", function () {
    expectClose(tickToPrice(0, 18, 6), 1e12, 1e-15);
    expectClose(tickToPrice(-200_000, 18, 6), new D("1.0001").pow(-200_000).mul(1e12).toNumber(), 1e-15);
    const tick = priceToTick(3000, 18, 6);
    expect(tickToPrice(tick, 18, 6)).to.be.at.most(3000);
    expect(tickToPrice(tick + 1, 18, 6)).to.be.above(3000);
    expect(fullRangeTicks(60)).to.deep.equal({ tickLower: -887220, tickUpper: 887220 });
    expect(fullRangeTicks(10)).to.deep.equal({ tickLower: -887270, tickUpper: 887270 });
    expect(() => priceToSqrtPriceX96("-1", 18, 18)).to.throw(RangeError);
    expect(() => priceToSqrtPriceX96("1e-40", 18, 18)).to.throw(RangeError);
  });
});

describe("Uniswap v3 on the local chain", function () {
  it("uses the npm pool bytecode whose hash is periphery's POOL_INIT_CODE_HASH", async function () {
    const { uniswap, weth, usdc, wethUsdcPool } = await networkHelpers.loadFixture(deployUniswapFixture);
    expect(keccak256(uniswapV3Artifacts.pool.bytecode)).to.equal(UNISWAP_V3_POOL_INIT_CODE_HASH);
    const [token0, token1] = sortTokens(await weth.getAddress(), await usdc.getAddress());
    const salt = keccak256(
      AbiCoder.defaultAbiCoder().encode(["address", "address", "uint24"], [token0, token1, 3000]),
    );
    const predicted = getCreate2Address(
      await uniswap.factory.getAddress(),
      salt,
      UNISWAP_V3_POOL_INIT_CODE_HASH,
    );
    expect(await wethUsdcPool.getAddress()).to.equal(predicted);
  });

  it("initialises the WETH/USDC pool at exactly ETH = 3000 USDC with 128 observation slots", async function () {
    const { weth, usdc, wethUsdcPool } = await networkHelpers.loadFixture(deployUniswapFixture);
    const [wethAddress, usdcAddress] = [await weth.getAddress(), await usdc.getAddress()];
    const slot0 = await wethUsdcPool.slot0();
    expect(slot0.sqrtPriceX96).to.equal(
      await expectedSqrtPriceX96(wethUsdcPool, wethAddress, INITIAL_ETH_PRICE),
    );
    expect(Number(slot0.tick)).to.equal(sqrtPriceX96ToTick(slot0.sqrtPriceX96));
    expect(slot0.observationCardinalityNext).to.equal(BigInt(POOL_CARDINALITY));
    expectClose(await readPoolPrice(wethUsdcPool, wethAddress), INITIAL_ETH_PRICE, 1e-12);
    expectClose(await readPoolPrice(wethUsdcPool, usdcAddress), 1 / INITIAL_ETH_PRICE, 1e-12);
  });

  it("mints one full-range position sized at the pool price", async function () {
    const { deployer, uniswap, weth, usdc, wethUsdcPool } =
      await networkHelpers.loadFixture(deployUniswapFixture);
    expect(await uniswap.positionManager.balanceOf(deployer)).to.equal(1n);
    const position = await uniswap.positionManager.positions(1n);
    expect([position.tickLower, position.tickUpper]).to.deep.equal([-887220n, 887220n]);
    expect(position.liquidity).to.equal(await wethUsdcPool.liquidity());
    const poolAddress = await wethUsdcPool.getAddress();
    const [wethHeld, usdcHeld] = [await weth.balanceOf(poolAddress), await usdc.balanceOf(poolAddress)];
    expectClose(Number(wethHeld), Number(INITIAL_POOL_WETH), 1e-9);
    expectClose(Number(usdcHeld) / 1e6, (Number(INITIAL_POOL_WETH) / 1e18) * INITIAL_ETH_PRICE, 1e-9);
  });

  it("moves the spot price exactly to 6000 and to 1500, funding the trader on the way", async function () {
    const { trader, uniswap, weth, usdc, wethUsdcPool } =
      await networkHelpers.loadFixture(deployUniswapFixture);
    const [base, quote] = [await weth.getAddress(), await usdc.getAddress()];
    for (const target of [6000, 1500]) {
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const receipt = await movePoolPrice({
        uniswap,
        pool: wethUsdcPool,
        signer: trader,
        baseToken: base,
        quoteToken: quote,
        targetPrice: target,
      });
      expect(receipt?.status).to.equal(1);
      expect(await wethUsdcPool.queryFilter("Swap", fromBlock), "one swap").to.have.length(1);
      const slot0 = await wethUsdcPool.slot0();
      expect(slot0.sqrtPriceX96).to.equal(await expectedSqrtPriceX96(wethUsdcPool, base, target));
      expect(Number(slot0.tick)).to.equal(sqrtPriceX96ToTick(slot0.sqrtPriceX96));
      expectClose(await readPoolPrice(wethUsdcPool, base), target, 1e-9);
    }
    const again = { uniswap, pool: wethUsdcPool, signer: trader, baseToken: base, quoteToken: quote };
    expect(await movePoolPrice({ ...again, targetPrice: 1500 })).to.equal(null);
  });

  it("still lands exactly when liquidity grows along the path (several swaps)", async function () {
    const { deployer, trader, uniswap, weth, usdc, wethUsdcPool } =
      await networkHelpers.loadFixture(deployUniswapFixture);
    // A deep position between ETH = ~3300 and ~5000 that the first swap's estimate does not know about.
    const wethIs0 = (await wethUsdcPool.token0()) === (await weth.getAddress());
    const tick = Number((await wethUsdcPool.slot0()).tick);
    const [near, far] = [Math.floor(tick / 60) * 60 + (wethIs0 ? 960 : -960), wethIs0 ? 3000 : -3000];
    const [tickLower, tickUpper] = wethIs0 ? [near, near + far] : [near + far, near];
    await weth.deposit({ value: parseEther("2000") });
    await usdc.mint(deployer, parseUnits("10000000", 6));
    await weth.approve(uniswap.positionManager, parseEther("2000"));
    await usdc.approve(uniswap.positionManager, parseUnits("10000000", 6));
    await uniswap.positionManager.mint({
      token0: await wethUsdcPool.token0(),
      token1: await wethUsdcPool.token1(),
      fee: 3000,
      tickLower,
      tickUpper,
      amount0Desired: wethIs0 ? parseEther("2000") : parseUnits("10000000", 6),
      amount1Desired: wethIs0 ? parseUnits("10000000", 6) : parseEther("2000"),
      amount0Min: 0n,
      amount1Min: 0n,
      recipient: deployer,
      deadline: 2n ** 64n,
    });
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    const move = { uniswap, pool: wethUsdcPool, signer: trader, baseToken: weth, quoteToken: usdc };
    await movePoolPrice({ ...move, targetPrice: 6000 });
    expect((await wethUsdcPool.queryFilter("Swap", fromBlock)).length).to.be.greaterThan(1);
    const { sqrtPriceX96 } = await wethUsdcPool.slot0();
    expect(sqrtPriceX96).to.equal(await expectedSqrtPriceX96(wethUsdcPool, weth, 6000));
    await expectRejection(movePoolPrice({ ...move, targetPrice: 3000, maxSwaps: 1 }), /after 1 swaps/);
  });

  it("reads a 600 s TWAP equal to the moved spot tick, with either clock", async function () {
    const { trader, uniswap, weth, usdc, wethUsdcPool } =
      await networkHelpers.loadFixture(deployUniswapFixture);
    const move = { uniswap, pool: wethUsdcPool, signer: trader, baseToken: weth, quoteToken: usdc };
    const clocks = [networkHelpers, ethers.provider];
    for (const [i, targetPrice] of ["4321.5", "2000"].entries()) {
      await movePoolPrice({ ...move, targetPrice });
      const before = await networkHelpers.time.latest();
      await advanceTime(clocks[i], 600);
      expect(await networkHelpers.time.latest()).to.equal(before + 600);
      const { tick } = await wethUsdcPool.slot0();
      expect(await readTwapTick(wethUsdcPool, 600)).to.equal(Number(tick));
      expectClose(tickToPrice(Number(tick), 18, 18), new D("1.0001").pow(Number(tick)).toNumber(), 1e-15);
    }
  });

  it("creates a pool whichever token is tokenA, and sizes by liquidity", async function () {
    const { deployer, uniswap, weth, usdc } = await networkHelpers.loadFixture(deployUniswapFixture);
    const address = await createPoolWithLiquidity({
      uniswap,
      signer: deployer,
      tokenA: usdc,
      tokenB: weth,
      fee: 500,
      priceAInB: "0.0004",
      liquidity: 10n ** 15n,
      cardinality: 16,
    });
    const pool = getPoolContract(address, deployer);
    expectClose(await readPoolPrice(pool, await weth.getAddress()), 2500, 1e-12);
    expectClose(Number(await pool.liquidity()), 1e15, 1e-9);
    expect((await pool.slot0()).observationCardinalityNext).to.equal(16n);
  });

  it("handles a token/WETH pool at 0.3 WETH per token the same way", async function () {
    const { deployer, trader, uniswap, weth } = await networkHelpers.loadFixture(deployUniswapFixture);
    // A second WETH9 plays an 18-decimal token without a public mint: holders must fund themselves.
    const token = await ethers.deployContract("WETH9", [], deployer);
    const create = { uniswap, signer: deployer, tokenA: token, tokenB: weth, priceAInB: 0.3 };
    await expectRejection(
      createPoolWithLiquidity({ ...create, amountA: parseEther("10") }),
      /no public mint/,
    );
    await token.deposit({ value: parseEther("1500") });
    const address = await createPoolWithLiquidity({ ...create, amountA: parseEther("1000") });
    const pool = getPoolContract(address, deployer);
    expect((await pool.slot0()).sqrtPriceX96).to.equal(
      await expectedSqrtPriceX96(pool, await token.getAddress(), 0.3),
    );
    expectClose(await readPoolPrice(pool, token), 0.3, 1e-12);
    expect((await pool.slot0()).observationCardinalityNext).to.equal(BigInt(POOL_CARDINALITY));

    const move = { uniswap, pool, baseToken: token, quoteToken: weth };
    await movePoolPrice({ ...move, signer: trader, targetPrice: "0.45" }); // pays WETH, wrapped from ETH
    expectClose(await readPoolPrice(pool, token), 0.45, 1e-12);
    await expectRejection(movePoolPrice({ ...move, signer: trader, targetPrice: 0.2 }), /no public mint/);
    await movePoolPrice({ ...move, signer: deployer, targetPrice: 0.2 }); // pays the token it holds
    expectClose(await readPoolPrice(pool, token), 0.2, 1e-12);
    await advanceTime(networkHelpers, 600);
    expect(await readTwapTick(pool, 600)).to.equal(Number((await pool.slot0()).tick));
  });

  it("sizes the counter-token from amountB alone", async function () {
    const { deployer, uniswap, weth, usdc } = await networkHelpers.loadFixture(deployUniswapFixture);
    const pool = await createPoolWithLiquidity({
      uniswap,
      signer: deployer,
      tokenA: weth,
      tokenB: usdc,
      fee: 10_000,
      priceAInB: 2000,
      amountB: parseUnits("20000", 6),
    });
    expectClose(Number(await usdc.balanceOf(pool)), 20_000e6, 1e-9);
    expectClose(Number(await weth.balanceOf(pool)), 10e18, 1e-9);
  });
});

describe("Mock tokens", function () {
  it("WETH9 wraps on deposit and plain transfers, and unwraps on withdraw", async function () {
    const { trader, weth } = await networkHelpers.loadFixture(deployUniswapFixture);
    const held = await ethers.provider.getBalance(weth);
    await expect(weth.connect(trader).deposit({ value: 5n }))
      .to.emit(weth, "Deposit")
      .withArgs(trader.address, 5n);
    await trader.sendTransaction({ to: weth, value: 7n });
    expect(await weth.balanceOf(trader)).to.equal(12n);
    await expect(weth.connect(trader).withdraw(12n))
      .to.emit(weth, "Withdrawal")
      .withArgs(trader.address, 12n);
    expect(await weth.balanceOf(trader)).to.equal(0n);
    expect(await ethers.provider.getBalance(weth)).to.equal(held);
    await expect(weth.connect(trader).withdraw(1n)).to.be.revertedWithCustomError(
      weth,
      "ERC20InsufficientBalance",
    );
    expect([await weth.name(), await weth.symbol(), await weth.decimals()]).to.deep.equal([
      "Wrapped Ether",
      "WETH",
      18n,
    ]);
  });

  it("TestUSDC has 6 decimals and an open faucet", async function () {
    const { trader, usdc } = await networkHelpers.loadFixture(deployUniswapFixture);
    expect([await usdc.name(), await usdc.symbol(), await usdc.decimals()]).to.deep.equal([
      "USD Coin (test)",
      "USDC",
      6n,
    ]);
    await usdc.connect(trader).mint(trader, parseUnits("1.5", 6));
    expect(await usdc.balanceOf(trader)).to.equal(1_500_000n);
  });
});
