/**
 * The few EverlastingOptionPricer functions the dashboard calls (the client ships no pricer ABI): fair values of a
 * power perpetual, an everlasting call and an everlasting put, all pure.
 *
 * @module
 */
import { parseAbi } from "viem";

export const pricerAbi = parseAbi([
  "function powerPerpFairPrice(uint256 spot, uint256 power, uint256 volatility, uint256 fundingPeriod) pure returns (uint256)",
  "function callPrice(uint256 spot, uint256 strike, uint256 volatility, uint256 fundingPeriod) pure returns (uint256)",
  "function putPrice(uint256 spot, uint256 strike, uint256 volatility, uint256 fundingPeriod) pure returns (uint256)",
]);
