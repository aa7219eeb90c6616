/**
 * The main job: builds and deploys the whole protocol (real Uniswap v3 pools included) to Hardhat's
 * in-process chain and prints the addresses and the market state.
 *
 * Run with `./evergamma devnet` (or `npx hardhat run scripts/devnet.ts`).
 */
import { formatEther } from "ethers";
import { network } from "hardhat";

import { deployEvergamma, deploymentAddresses } from "../deploy/evergamma.js";

const connection = await network.getOrCreate();
const deployment = await deployEvergamma(connection);
const { controller } = deployment;

console.log(
  "Evergamma deployed (in-process chain, id %s)",
  (await connection.ethers.provider.getNetwork()).chainId,
);
for (const [name, address] of Object.entries(await deploymentAddresses(deployment))) {
  console.log(`  ${name.padEnd(28)} ${address}`);
}
const wad = (value: bigint) => Number(formatEther(value)).toPrecision(8);
console.log("Market");
console.log(`  ETH price (TWAP, USD)        ${wad(await controller.ethPrice())}`);
console.log(`  index (S^n / scale)          ${wad(await controller.index())}`);
console.log(`  mark                         ${wad(await controller.mark())}`);
console.log(`  normalization factor         ${wad(await controller.normalizationFactor())}`);
console.log(`  funding per day              ${wad(await controller.fundingRatePerDay())}`);
console.log(`  implied volatility           ${wad(await controller.impliedVolatility())}`);
console.log(`  vaults                       ${await controller.vaultCount()}`);
