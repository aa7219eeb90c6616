/**
 * Gas benchmark of the vault engine against Squeeth's figures on the same scenario: ETH = 3000, NF = 1,
 * pools with one full-range position and cardinality 421 (the Controller's minimum for a 420 s TWAP; Squeeth was
 * measured with 128, which does not change these figures: no observation search runs), each measured transaction
 * the first Controller transaction of its block (so it pays the funding update).
 *
 * Prints a table and writes bench/gas.json. Run with `npm run bench:gas`.
 */
import { mkdir, writeFile } from "node:fs/promises";

import { parseEther, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import {
  advanceTime,
  deployEvergamma,
  fairPowerPriceEth,
  setEthPrice,
  setPowerPrice,
} from "../../deploy/evergamma.js";
import { addMarket, deployEngine, setTokenPrice, vaultIdOf } from "../../deploy/evergamma.js";

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
};

const connection = await network.getOrCreate();
const deployment = await deployEvergamma(connection);
const [, user] = await connection.ethers.getSigners();
const controller = deployment.controller.connect(user);

const results: Record<string, number> = {};
/** Starts a new block 12 s later, sends the transaction and records its gas. */
async function measure(name: string, send: () => Promise<ContractTransactionResponse>): Promise<void> {
  await advanceTime(deployment, 12);
  const receipt = await (await send()).wait();
  if (receipt === null) throw new Error(`${name}: no receipt`);
  results[name] = Number(receipt.gasUsed);
}

await measure("openDepositMint", () => controller.mint(0n, parseEther("15"), { value: parseEther("10") }));
const vaultId = await controller.vaultCount();
await measure("deposit", () => controller.deposit(vaultId, { value: parseEther("1") }));
await measure("mint", () => controller.mint(vaultId, parseEther("1")));
await measure("burn", () => controller.burn(vaultId, parseEther("2"), 0n));
await measure("burnWithdraw", () => controller.burn(vaultId, parseEther("2"), parseEther("1")));
await measure("withdraw", () => controller.withdraw(vaultId, parseEther("0.2")));
const [, , collateral, debt] = await controller.getVault(vaultId);
await measure("closeVault", () => controller.burn(vaultId, debt, collateral));
await measure("applyFunding", () => controller.applyFunding());

// Liquidation: the same 10 ETH / 15 token vault, ETH up from 3000 to 4800 (its liquidation price is ~4444),
// the power pool following at its fair price, then half the debt repaid by a token holder.
await (await controller.mint(0n, parseEther("15"), { value: parseEther("10") })).wait();
const unsafeVaultId = await controller.vaultCount();
await setEthPrice(deployment, 4800);
await setPowerPrice(deployment, fairPowerPriceEth(deployment.market, 4800, 0.8).toPrecision(12));
await advanceTime(deployment, deployment.market.twapPeriodSeconds);
const liquidator = deployment.controller.connect(deployment.deployer);
await measure("liquidate", () => liquidator.liquidate(unsafeVaultId, parseEther("7.5")));

// The multi-market engine, same scenario on its ETH² market (fresh world, so that both start from NF = 1).
const engineResults = await measureEngine();

function toRows(measured: Record<string, number>) {
  return Object.entries(measured).map(([operation, gas]) => ({
    operation,
    gas,
    squeeth: SQUEETH_GAS[operation],
    ratio:
      SQUEETH_GAS[operation] === undefined ? undefined : Number((gas / SQUEETH_GAS[operation]).toFixed(3)),
  }));
}

/** The engine's figures for the same operations, plus listing a market (`createMarket`). */
async function measureEngine(): Promise<Record<string, number>> {
  const world = await deployEvergamma(connection);
  const d = await deployEngine(world);
  const measured: Record<string, number> = {};
  const record = async (name: string, send: () => Promise<ContractTransactionResponse>) => {
    await advanceTime(world, 12);
    const receipt = await (await send()).wait();
    if (receipt === null) throw new Error(`${name}: no receipt`);
    measured[name] = Number(receipt.gasUsed);
  };
  const market = d.markets[0];
  const engine = d.engine.connect(user);
  await record("openDepositMint", () =>
    engine.mint(market.newVaultId, parseEther("15"), { value: parseEther("10") }),
  );
  const id = vaultIdOf(market.id, await d.lens.vaultCount(market.id));
  await record("deposit", () => engine.deposit(id, { value: parseEther("1") }));
  await record("mint", () => engine.mint(id, parseEther("1")));
  await record("burn", () => engine.burn(id, parseEther("2"), 0n));
  await record("burnWithdraw", () => engine.burn(id, parseEther("2"), parseEther("1")));
  await record("withdraw", () => engine.withdraw(id, parseEther("0.2")));
  const [, , engineCollateral, engineDebt] = await d.lens.getVault(id);
  await record("closeVault", () => engine.burn(id, engineDebt, engineCollateral));
  await record("applyFunding", () => engine.applyFunding(market.id));
  await (await engine.mint(market.newVaultId, parseEther("15"), { value: parseEther("10") })).wait();
  const unsafe = vaultIdOf(market.id, await d.lens.vaultCount(market.id));
  await setEthPrice(world, 4800);
  await setTokenPrice(d, market, fairPowerPriceEth(market.params, 4800, 0.8).toPrecision(12));
  await advanceTime(world, market.params.twapPeriodSeconds);
  await record("liquidate", () => d.engine.connect(world.deployer).liquidate(unsafe, parseEther("7.5")));
  const before = await connection.ethers.provider.getBlockNumber();
  await addMarket(d, { params: { power: 3, indexScale: 10n ** 8n } });
  measured.createMarket = await createMarketGas(
    before,
    d.engine.interface.getFunction("createMarket").selector,
  );
  return measured;
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

const rows = toRows(results);
const engineRows = toRows(engineResults);
console.log("Controller (single market):");
console.table(rows);
console.log("Evergamma engine, ETH² market:");
console.table(engineRows);
await mkdir("bench", { recursive: true });
await writeFile(
  "bench/gas.json",
  JSON.stringify({ scenario: "ETH=3000, NF=1, cardinality 421", rows, engineRows }, null, 2) + "\n",
);
console.log("wrote bench/gas.json");
