/**
 * Gas benchmark of the engine against Squeeth's figures on the same scenario: ETH = 3000, NF = 1, pools with one
 * full-range position and cardinality 421 (the price source's minimum for a 420 s TWAP; Squeeth was measured with
 * 128, which does not change these figures: no observation search runs), each measured transaction the first engine
 * transaction of its block (so it pays the funding update), on the ETH² market. Also the gas of `createMarket`, and
 * of `applyFunding` when the token pool traded inside the window (its price source then calls `observe`).
 *
 * The scenario runs twice: on a TWAP-only market (`gas`, `ratio`) and on a Chainlink+TWAP market (`chainlinkTwap`,
 * `chainlinkRatio`: the mock aggregator, one cold account, read once per block beside the ETH TWAP).
 *
 * Prints a table beside the single-market Controller's last figures and writes bench/gas.json. Run with
 * `npm run bench:gas`.
 */
import { mkdir, writeFile } from "node:fs/promises";

import { formatEther, parseEther, parseUnits, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import {
  addMarket,
  advanceTime,
  deployEvergamma,
  fairPowerPriceEth,
  optionFairValueUsd,
  optionMarketParameters,
  setEthPrice,
  setPowerPrice,
  setTokenPrice,
  vaultIdOf,
} from "../../deploy/evergamma.js";

/** Squeeth's Controller on the same scenario (see the research notes on the anchor protocol). */
const SQUEETH_GAS: Record<string, number> = {
  openDepositMint: 402_083,
  deposit: 158_302,
  mint: 202_987,
  burn: 200_618,
  burnWithdraw: 209_596,
  withdraw: 194_072,
  closeVault: 199_221,
  applyFunding: 135_373,
  liquidate: 300_924,
  // An option mint is held to half of Squeeth's mint too (the option-market issue's bar).
  callMint: 202_987,
};

/** The single-market Controller this engine replaced, last measured on the same scenario (commit 23019c4). */
const CONTROLLER_GAS: Record<string, number> = {
  openDepositMint: 185_238,
  deposit: 75_997,
  mint: 98_145,
  burn: 95_664,
  burnWithdraw: 104_673,
  withdraw: 87_206,
  closeVault: 94_008,
  applyFunding: 65_595,
  liquidate: 104_300,
};

const connection = await network.getOrCreate();

/**
 * Runs the scenario on a fresh deployment whose ETH² market is priced by the TWAP alone or by a Chainlink feed (the
 * mock aggregator, kept at the pool's price, so the market stays out of safe mode) checked against the TWAP.
 */
async function runScenario(priceSource: "twap" | "chainlink"): Promise<Record<string, number>> {
  const deployment = await deployEvergamma(
    connection,
    priceSource === "chainlink" ? { markets: [{ tokenSymbol: "eSQTH", chainlink: {} }] } : {},
  );
  const [, user] = await connection.ethers.getSigners();
  const engine = deployment.engine.connect(user);
  const { lens, marketId } = deployment;
  const market = deployment.markets[0];
  const feed = market.chainlink?.mockFeed;

  const results: Record<string, number> = {};
  /** Starts a new block 12 s later, sends the transaction and records its gas. */
  async function measure(name: string, send: () => Promise<ContractTransactionResponse>): Promise<void> {
    await advanceTime(deployment, 12);
    const receipt = await (await send()).wait();
    if (receipt === null) throw new Error(`${name}: no receipt`);
    results[name] = Number(receipt.gasUsed);
    for (const m of deployment.markets) {
      if (await lens.isSafeMode(m.id)) throw new Error(`${name}: market ${m.id} entered safe mode`);
    }
  }

  await measure("openDepositMint", () =>
    engine.mint(market.newVaultId, parseEther("15"), { value: parseEther("10") }),
  );
  const vaultId = await lens.vaultCount(marketId);
  await measure("deposit", () => engine.deposit(vaultId, { value: parseEther("1") }));
  await measure("mint", () => engine.mint(vaultId, parseEther("1")));
  await measure("burn", () => engine.burn(vaultId, parseEther("2"), 0n));
  await measure("burnWithdraw", () => engine.burn(vaultId, parseEther("2"), parseEther("1")));
  await measure("withdraw", () => engine.withdraw(vaultId, parseEther("0.2")));
  const [, , collateral, debt] = await lens.getVault(vaultId);
  await measure("closeVault", () => engine.burn(vaultId, debt, collateral));
  await measure("applyFunding", () => engine.applyFunding(marketId));
  // The same update when the token pool traded inside the window: its price source then runs `observe` (the path
  // of every busy pool) instead of reading the quiet pool's tick (see UniswapTwap.tryQuietTick).
  await setPowerPrice(deployment, fairPowerPriceEth(deployment.market, 3000, 0.9).toPrecision(12));
  await measure("applyFundingTokenPoolTraded", () => engine.applyFunding(marketId));

  // An everlasting call (strike 3500, 7-day funding, pool at the fair value for 80% volatility, ETH = 3000): the
  // same actions, each the first of its block; an option market also pays the pricer (valuation and funding).
  const call = await addMarket(deployment, {
    params: optionMarketParameters("call", 3500),
    ...(feed ? { chainlink: { feed: await feed.getAddress() } } : {}),
  });
  await advanceTime(deployment, call.params.twapPeriodSeconds);
  if (feed) await (await feed.setAnswer(parseUnits("3000", Number(await feed.decimals())))).wait();
  await measure("callOpenDepositMint", () =>
    engine.mint(call.newVaultId, parseEther("10"), { value: parseEther("10") }),
  );
  const callVaultId = vaultIdOf(call.id, await lens.vaultCount(call.id));
  await measure("callMint", () => engine.mint(callVaultId, parseEther("1")));
  await measure("callBurn", () => engine.burn(callVaultId, parseEther("2"), 0n));
  await measure("callApplyFunding", () => engine.applyFunding(call.id));

  // Liquidation: the same 10 ETH / 15 token vault, ETH up from 3000 to 4800 (its liquidation price is ~4444),
  // the token pool following at its fair price, then half the debt repaid by a token holder. And a call vault
  // minted at the limit (1 ETH) at 3000, liquidatable at 4800 with its pool at the fair value for 80% volatility.
  await (await engine.mint(market.newVaultId, parseEther("15"), { value: parseEther("10") })).wait();
  const unsafeVaultId = await lens.vaultCount(marketId);
  await (await engine.mint(call.newVaultId, parseEther("0.1"), { value: parseEther("1") })).wait();
  const unsafeCallId = vaultIdOf(call.id, await lens.vaultCount(call.id));
  // 0.1% under the maximum: the next block's funding moves NF before the mint lands.
  await (await engine.mint(unsafeCallId, ((await lens.maxMintable(unsafeCallId)) * 999n) / 1000n)).wait();
  await setEthPrice(deployment, 4800);
  await setPowerPrice(deployment, fairPowerPriceEth(deployment.market, 4800, 0.8).toPrecision(12));
  const callFairUsd = await optionFairValueUsd(
    deployment.pricer,
    call.params,
    parseEther("4800"),
    parseEther("0.8"),
  );
  const callNf = await lens.normalizationFactor(call.id);
  await setTokenPrice(deployment, call, formatEther((callFairUsd * callNf) / parseEther("4800")));
  await advanceTime(deployment, deployment.market.twapPeriodSeconds);
  if (feed) await (await feed.setAnswer(parseUnits("4800", Number(await feed.decimals())))).wait();
  const liquidator = deployment.engine.connect(deployment.deployer);
  await measure("liquidate", () => liquidator.liquidate(unsafeVaultId, parseEther("7.5")));
  const [, , , callDebt] = await lens.getVault(unsafeCallId);
  await measure("callLiquidate", () => liquidator.liquidate(unsafeCallId, callDebt / 2n));

  // Listing a market: token, pool and price source are deployed first; this is the `createMarket` call alone.
  const before = await connection.ethers.provider.getBlockNumber();
  await addMarket(deployment, {
    params: { power: 3, indexScale: 10n ** 8n },
    ...(feed ? { chainlink: { feed: await feed.getAddress() } } : {}),
  });
  results.createMarket = await createMarketGas(
    before,
    deployment.engine.interface.getFunction("createMarket").selector,
  );
  return results;
}

/** The gas of the `createMarket` transaction mined after block `after`. */
async function createMarketGas(after: number, selector: string): Promise<number> {
  const provider = connection.ethers.provider;
  for (let n = after + 1; n <= (await provider.getBlockNumber()); n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.data.startsWith(selector))
        return Number((await provider.getTransactionReceipt(tx.hash))!.gasUsed);
    }
  }
  throw new Error("createMarket transaction not found");
}

const results = await runScenario("twap");
const chainlinkResults = await runScenario("chainlink");

const rows = Object.entries(results).map(([operation, gas]) => ({
  operation,
  gas,
  controller: CONTROLLER_GAS[operation],
  delta: CONTROLLER_GAS[operation] === undefined ? undefined : gas - CONTROLLER_GAS[operation],
  squeeth: SQUEETH_GAS[operation],
  ratio: SQUEETH_GAS[operation] === undefined ? undefined : Number((gas / SQUEETH_GAS[operation]).toFixed(3)),
  chainlinkTwap: chainlinkResults[operation],
  chainlinkRatio:
    SQUEETH_GAS[operation] === undefined
      ? undefined
      : Number((chainlinkResults[operation] / SQUEETH_GAS[operation]).toFixed(3)),
}));
console.table(rows);
await mkdir("bench", { recursive: true });
await writeFile(
  "bench/gas.json",
  JSON.stringify(
    {
      scenario:
        "ETH=3000, NF=1, cardinality 421, ETH² market (TWAP-only; chainlinkTwap: Chainlink+TWAP source)",
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log("wrote bench/gas.json");
