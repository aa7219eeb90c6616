/**
 * The deployment parameters and their checks before anything is sent: the shape of a parameters file (every
 * template of `ignition/parameters/` parses), and on a chain with WETH, USDC, Uniswap v3 and feeds, every bad
 * parameter — a pool without the pair, a feed with wrong decimals or a stale answer, an observation cardinality below
 * the TWAP window, a missing, zero or non-contract address, another chain — fails with one clear line, and no
 * transaction is sent.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { parseEther, Wallet, ZeroAddress } from "ethers";

import { checkDeployParameters, DeployCheckError } from "../../deploy/check.js";
import { deployWorldModule } from "../../deploy/ignition.js";
import { deployFromParameters } from "../../deploy/network.js";
import {
  DeployParametersError,
  parseDeployParameters,
  type DeployParameters,
} from "../../deploy/parameters.js";
import { advanceTime, attachUniswapV3, createPoolWithLiquidity } from "../../deploy/uniswap.js";
import { connection, ethers, networkHelpers } from "../fixtures.js";

const PARAMETERS_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "ignition",
  "parameters",
);

/** A chain with the world, a full-window ETH/USDC pool, a fresh low-cardinality one, a token pool and two feeds. */
async function chainFixture() {
  const [deployer] = await ethers.getSigners();
  const w = await deployWorldModule(connection, deployer.address);
  const uniswap = attachUniswapV3(w, deployer);
  const pool = (tokenB: string, fee: number, cardinality: number) =>
    createPoolWithLiquidity({
      ...{ uniswap, signer: deployer, tokenA: w.weth, tokenB, fee },
      ...{ priceAInB: 3000, amountA: parseEther("10"), cardinality },
    });
  const ethUsdcPool = await pool(w.usdc, 3000, 421);
  const youngPool = await pool(w.usdc, 500, 1);
  const other = await ethers.deployContract("TestUSDC");
  const otherPool = await pool(await other.getAddress(), 3000, 421);
  await advanceTime(ethers.provider, 420);
  const feed = await ethers.deployContract("MockAggregator", [8, 3000n * 10n ** 8n]);
  const feed18 = await ethers.deployContract("MockAggregator", [18, 3000n * 10n ** 18n]);
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const parameters: DeployParameters = parseDeployParameters({
    chainId,
    world: {
      ...{ weth: w.weth, usdc: w.usdc, uniswapV3Factory: w.factory },
      ...{ nonfungiblePositionManager: w.positionManager, swapRouter: w.router, ethUsdcPool },
    },
    chainlink: { ethUsdFeed: await feed.getAddress(), feedDecimals: 8, heartbeatSeconds: 3600 },
    markets: [{ name: "ETH2", priceSource: "chainlink" }],
  });
  return { parameters, youngPool, otherPool, feed18: await feed18.getAddress(), deployer };
}

/** The one-line problems `checkDeployParameters` reports, checking that nothing was sent meanwhile. */
async function problemsOf(p: DeployParameters): Promise<string[]> {
  const [block, nonce] = [
    await ethers.provider.getBlockNumber(),
    await ethers.provider.getTransactionCount(p.world.weth),
  ];
  try {
    await checkDeployParameters(p, ethers.provider);
    return [];
  } catch (error) {
    if (!(error instanceof DeployCheckError)) throw error;
    for (const problem of error.problems) expect(problem).to.not.include("\n");
    return error.problems;
  } finally {
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await ethers.provider.getTransactionCount(p.world.weth)).to.equal(nonce);
  }
}

describe("Deployment parameters and their checks before sending", function () {
  const load = () => networkHelpers.loadFixture(chainFixture);
  const withWorld = (p: DeployParameters, world: Partial<DeployParameters["world"]>): DeployParameters => ({
    ...p,
    world: { ...p.world, ...world },
  });

  it("every template of ignition/parameters parses", function () {
    const files = readdirSync(PARAMETERS_DIR).filter((f) => f.endsWith(".json"));
    expect(files).to.include.members([
      "localhost.json",
      "sepolia.json",
      "mainnet.json",
      "arbitrum.json",
      "base.json",
    ]);
    for (const file of files) {
      const p = parseDeployParameters(
        JSON.parse(readFileSync(path.join(PARAMETERS_DIR, file), "utf8")),
        file,
      );
      expect(p.markets.length, file).to.be.greaterThan(0);
    }
  });

  it("a missing or zero address, a bad market or field fails the file's shape with the field named", function () {
    const good = {
      chainId: 1,
      world: {
        ...{ weth: Wallet.createRandom().address, usdc: Wallet.createRandom().address },
        ...{
          uniswapV3Factory: Wallet.createRandom().address,
          nonfungiblePositionManager: Wallet.createRandom().address,
        },
        ...{ swapRouter: Wallet.createRandom().address, ethUsdcPool: Wallet.createRandom().address },
      },
      markets: [{ name: "ETH2" }],
    };
    expect(parseDeployParameters(good).markets[0].params.power).to.equal(2);
    const cases: [unknown, RegExp][] = [
      [{ ...good, world: { ...good.world, usdc: undefined } }, /world\.usdc must be an address/],
      [
        { ...good, world: { ...good.world, ethUsdcPool: ZeroAddress } },
        /world\.ethUsdcPool is the zero address/,
      ],
      [{ ...good, markets: [] }, /markets must list at least one market/],
      [{ ...good, markets: [{ name: "ETH2", priceSource: "chainlink" }] }, /no "chainlink" section/],
      [{ ...good, markets: [{ name: "ETH2" }, { name: "ETH2" }] }, /markets\[1\]\.name repeats "ETH2"/],
      [{ ...good, markets: [{ name: "X", power: 5 }] }, /markets\[0\]\.power must be 1 to 4/],
      [{ ...good, markets: [{ name: "C", kind: "call" }] }, /markets\[0\]\.strikeUsd is required/],
      [{ ...good, chainId: "1" }, /chainId must be an integer/],
      [
        { ...good, chainlink: { ethUsdFeed: good.world.weth, gracePeriodSeconds: 60 } },
        /must be 0 without a sequencer/,
      ],
      [
        { ...good, chainlink: { ethUsdFeed: good.world.weth, deviationBoundWad: "1" } },
        /must be 0\.1% to 50%/,
      ],
    ];
    for (const [value, message] of cases) {
      expect(() => parseDeployParameters(value, "p.json"))
        .to.throw(DeployParametersError, message)
        .with.property("message")
        .that.does.not.include("\n");
    }
  });

  it("accepts parameters that fit the chain", async function () {
    const { parameters } = await load();
    expect(await problemsOf(parameters)).to.deep.equal([]);
  });

  it("a pool without the pair: one line, nothing sent", async function () {
    const { parameters, otherPool } = await load();
    const problems = await problemsOf(withWorld(parameters, { ethUsdcPool: otherPool }));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      new RegExp(
        `^world\\.ethUsdcPool ${otherPool} does not hold the pair WETH/USDC \\(it holds 0x\\w{40}/0x\\w{40}\\)$`,
      ),
    );
  });

  it("a feed with wrong decimals, a stale feed", async function () {
    const { parameters, feed18 } = await load();
    const cl = parameters.chainlink!;
    expect(await problemsOf({ ...parameters, chainlink: { ...cl, ethUsdFeed: feed18 } })).to.deep.equal([
      "chainlink.ethUsdFeed answers with 18 decimals, expected 8 (feedDecimals)",
    ]);
    await advanceTime(ethers.provider, 3700);
    expect((await problemsOf(parameters))[0]).to.match(
      /chainlink\.ethUsdFeed answer is \d+ s old, above heartbeatSeconds 3600/,
    );
  });

  it("an observation cardinality below the TWAP window", async function () {
    const { parameters, youngPool } = await load();
    expect(await problemsOf(withWorld(parameters, { ethUsdcPool: youngPool }))).to.deep.equal([
      "world.ethUsdcPool observation cardinality 1 is below the TWAP window's 421 " +
        "(call increaseObservationCardinalityNext(421) on the pool, then wait 420 s)",
    ]);
  });

  it("a non-contract address, and the wrong chain", async function () {
    const { parameters } = await load();
    const eoa = Wallet.createRandom().address;
    expect(await problemsOf(withWorld(parameters, { usdc: eoa }))).to.deep.equal([
      `world.usdc ${eoa} is not a contract`,
    ]);
    expect(await problemsOf({ ...parameters, chainId: 1 })).to.deep.equal([
      "chainId 1 of the parameters, but the network is chain 31337",
    ]);
  });

  it("deployFromParameters refuses bad parameters before sending anything, and deploys good ones", async function () {
    const { parameters, youngPool, deployer } = await load();
    const block = await ethers.provider.getBlockNumber();
    const bad = withWorld(parameters, { ethUsdcPool: youngPool });
    const refused = await deployFromParameters(connection, bad, { deployer, rpcUrl: "" }).catch(
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(DeployCheckError);
    expect((refused as Error).message).to.match(/observation cardinality 1/);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    const deployment = await deployFromParameters(connection, parameters, { deployer, rpcUrl: "" });
    expect(Object.keys(deployment.markets)).to.deep.equal(["0"]);
    expect(deployment.contracts.EthUsdcPool).to.equal(parameters.world.ethUsdcPool);
  });
});
