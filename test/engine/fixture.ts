/**
 * The engine's two-market fixture: ETH² (market 0, Squeeth's terms) and ETH¹ (market 1, a perpetual future) side by
 * side on one engine, restored from a snapshot by every test.
 */
import { deployEvergamma, type EvergammaDeployment, type MarketDeployment } from "../../deploy/evergamma.js";
import { connection, ethers, networkHelpers } from "../fixtures.js";

/** Terms of the ETH¹ market: index = S, one token worth NF · 1 ETH at index. */
export const ETH1_PARAMS = { power: 1, indexScale: 1n };

/** The two-market deployment with named accounts. */
export interface EngineFixture extends EvergammaDeployment {
  /** The deployment itself with its named accounts (the same object). */
  protocol: EngineFixture;
  eth2: MarketDeployment;
  eth1: MarketDeployment;
  alice: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  bob: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  carol: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  keeper: Awaited<ReturnType<typeof ethers.getSigners>>[number];
}

async function deployTwoMarkets(): Promise<EngineFixture> {
  const deployment = await deployEvergamma(connection, {
    markets: [
      { name: "ETH2", tokenName: "Evergamma Squared ETH", tokenSymbol: "eSQTH" },
      { params: ETH1_PARAMS },
    ],
  });
  const [, alice, bob, carol, keeper] = await ethers.getSigners();
  const [eth2, eth1] = deployment.markets;
  const fixture = { ...deployment, eth2, eth1, alice, bob, carol, keeper } as EngineFixture;
  fixture.protocol = fixture;
  return fixture;
}

/** The engine with its two markets, restored from a snapshot. */
export function loadEngine(): Promise<EngineFixture> {
  return networkHelpers.loadFixture(deployTwoMarkets);
}
