/**
 * Shared mocha fixture: mock tokens, real Uniswap v3 (npm artifacts) and a WETH/USDC pool at
 * ETH = 3000 USDC with full-range liquidity and 128 observation slots.
 *
 * Use it with `networkHelpers.loadFixture(deployUniswapFixture)`, or call it from a larger fixture.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { parseEther } from "ethers";
import { network } from "hardhat";

import {
  createPoolWithLiquidity,
  deployTestTokens,
  deployUniswapV3,
  getPoolContract,
  type UniswapV3,
  type UniswapV3Pool,
} from "../../deploy/uniswap.js";
import type { TestUSDC, WETH9 } from "../../types/ethers-contracts/index.js";

/** Initial ETH price of the WETH/USDC pool, in USDC. */
export const INITIAL_ETH_PRICE = 3000;
/** WETH deposited in the WETH/USDC pool (USDC is sized to match at the initial price). */
export const INITIAL_POOL_WETH = parseEther("100");
/** Observation slots requested on every pool of the fixture. */
export const POOL_CARDINALITY = 128;

export interface UniswapFixture {
  /** Deploys everything and owns the pool's liquidity position. */
  deployer: HardhatEthersSigner;
  /** A second funded account that holds nothing else yet. */
  trader: HardhatEthersSigner;
  uniswap: UniswapV3;
  weth: WETH9;
  usdc: TestUSDC;
  /** The WETH/USDC 0.3 % pool. */
  wethUsdcPool: UniswapV3Pool;
}

/** Deploys WETH9, TestUSDC and Uniswap v3, and creates the WETH/USDC pool at 3000. */
export async function deployUniswapFixture(): Promise<UniswapFixture> {
  const { ethers } = await network.getOrCreate();
  const [deployer, trader] = await ethers.getSigners();
  const tokens = await deployTestTokens(ethers, deployer);
  const uniswap = await deployUniswapV3(deployer, tokens.weth);
  const pool = await createPoolWithLiquidity({
    uniswap,
    signer: deployer,
    tokenA: tokens.weth,
    tokenB: tokens.usdc,
    priceAInB: INITIAL_ETH_PRICE,
    amountA: INITIAL_POOL_WETH,
    cardinality: POOL_CARDINALITY,
  });
  return {
    deployer,
    trader,
    uniswap,
    weth: await ethers.getContractAt("WETH9", tokens.weth),
    usdc: await ethers.getContractAt("TestUSDC", tokens.usdc),
    wethUsdcPool: getPoolContract(pool, deployer),
  };
}
