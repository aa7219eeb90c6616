/**
 * The devnet's markets, shared by the devnet and the standalone simulation: ETH² with Squeeth's parameters
 * (market 0), ETH¹, a perpetual future on ETH (market 1, power 1, index scale 1, with the exchanges' funding rule
 * paid through the normalization factor: `perpetualFutureParameters`), and two everlasting options on ETH with their
 * default terms (`optionMarketParameters`): a call at 3500 (market 2, C3500) and a put at 2500 (market 3, P2500),
 * both out of the money at the devnet's ETH = 3000.
 *
 * @module
 */
import {
  optionMarketParameters,
  perpetualFutureParameters,
  type DeployOptions,
} from "../../deploy/evergamma.js";

export const DEVNET_MARKETS: NonNullable<DeployOptions["markets"]> = [
  { name: "ETH2", tokenName: "Evergamma Squared ETH", tokenSymbol: "eSQTH" },
  { name: "ETH1", params: perpetualFutureParameters() },
  { params: optionMarketParameters("call", 3500) },
  { params: optionMarketParameters("put", 2500) },
];
