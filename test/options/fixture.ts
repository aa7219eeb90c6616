/**
 * The option-market fixture: ETH² (market 0) beside an everlasting call at 3500 (market 1, out of the money at ETH =
 * 3000) and an everlasting put at 3500 (market 2, in the money), each with its own Uniswap v3 pool seeded at the
 * everlasting fair value for 80% volatility, restored from a snapshot by every test.
 */
import {
  deployEvergamma,
  optionMarketParameters,
  type EvergammaDeployment,
  type MarketDeployment,
} from "../../deploy/evergamma.js";
import { connection, ethers, networkHelpers } from "../fixtures.js";

/** The strike of both option markets, USD. */
export const STRIKE_USD = 3500;

export interface OptionFixture extends EvergammaDeployment {
  call: MarketDeployment;
  put: MarketDeployment;
  alice: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  bob: Awaited<ReturnType<typeof ethers.getSigners>>[number];
}

async function deployOptionMarkets(): Promise<OptionFixture> {
  const deployment = await deployEvergamma(connection, {
    markets: [
      { name: "ETH2" },
      { params: optionMarketParameters("call", STRIKE_USD) },
      { params: optionMarketParameters("put", STRIKE_USD) },
    ],
  });
  const [, alice, bob] = await ethers.getSigners();
  const [, call, put] = deployment.markets;
  // The deployer holds 1,000 of each option token to move its pool with (setTokenPrice sells or buys them).
  for (const m of [call, put]) {
    const value = await deployment.lens.debtValuePerToken(m.id);
    const collateral = (value * 1000n * 3n) / 1n;
    await (await deployment.engine.mint(m.newVaultId, 1000n * 10n ** 18n, { value: collateral })).wait();
  }
  return { ...deployment, call, put, alice, bob };
}

/** ETH², the call and the put on one engine, restored from a snapshot. */
export function loadOptions(): Promise<OptionFixture> {
  return networkHelpers.loadFixture(deployOptionMarkets);
}
