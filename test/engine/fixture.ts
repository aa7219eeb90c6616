/**
 * The engine's shared fixture: the default deployment's world (WETH, USDC, Uniswap v3, the ETH/USDC pool) with the
 * multi-market engine on top and two markets side by side, restored from a snapshot by every test.
 */
import { deployEngine, type EngineDeployment, type EngineMarket } from "../../deploy/engine.js";
import { deployProtocol, networkHelpers, type ProtocolFixture } from "../fixtures.js";

/** The engine fixture: ETH² (market 0, Squeeth's terms) and ETH¹ (market 1, a perpetual future). */
export interface EngineFixture extends EngineDeployment {
  protocol: ProtocolFixture;
  eth2: EngineMarket;
  eth1: EngineMarket;
}

/** Terms of the ETH¹ market: index = S, one token worth NF · 1 ETH at index. */
export const ETH1_PARAMS = { power: 1, indexScale: 1n };

async function deployEngineFixture(): Promise<EngineFixture> {
  const protocol = await deployProtocol();
  const deployment = await deployEngine(protocol, [{}, { params: ETH1_PARAMS }]);
  const [eth2, eth1] = deployment.markets;
  return { ...deployment, protocol, eth2, eth1 };
}

/** The engine with its two markets, restored from a snapshot. */
export function loadEngine(): Promise<EngineFixture> {
  return networkHelpers.loadFixture(deployEngineFixture);
}
