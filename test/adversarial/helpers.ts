/**
 * Helpers of the adversarial scenarios: swaps sent without waiting (so that several land in one block),
 * balances for the attacker, market-0 state snapshots and price moves through the engine's lens, and small
 * numeric checks.
 */
import { expect } from "chai";

export {
  advance,
  nextVaultId,
  protocolState as engineState,
  fundSwaps,
  inOneBlock,
  marketTokens,
  sendEthSwap,
  sendPowerSwap,
  sendSwapToPrice,
  setBalance,
  SWAP_GAS as GAS,
} from "../utils/coreHelpers.js";

export const WAD = 10n ** 18n;

/** |actual / expected − 1| ≤ rel. */
export function expectRelClose(actual: bigint, expected: bigint, rel: number, what: string): void {
  const a = Number(actual);
  const e = Number(expected);
  const err = Math.abs(a / e - 1);
  expect(err, `${what}: ${actual} vs ${expected} (relative error ${err})`).to.be.at.most(rel);
}

/** |actual − expected| ≤ tolerance, for plain numbers (chai's closeTo is taken over by the bigint matchers). */
export function expectNear(actual: number, expected: number, tolerance: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).to.be.at.most(tolerance);
}

/** ln(a / b) for two WAD values. */
export function lnRatio(a: bigint, b: bigint): number {
  return Math.log(Number((a * 10n ** 18n) / b) / 1e18);
}

export { movePrices } from "../utils/riskHelpers.js";
