/**
 * Helpers of the adversarial scenarios: swaps sent without waiting (so that several land in one block),
 * balances for the attacker, market-0 state snapshots and price moves through the engine's lens, and small
 * numeric checks.
 */
import { expect } from "chai";

import { advanceTime, fairPowerPriceEth, setEthPrice, setPowerPrice } from "../../deploy/evergamma.js";
import type { ProtocolFixture } from "../fixtures.js";

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

/** The implied volatility the deployment seeds the power pool at. */
const SEED_IMPLIED_VOLATILITY = 0.8;

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

/**
 * Moves ETH to `ethUsd` on the ETH/USDC pool and the power token to `powerPremium` times its fair price (at the
 * seed volatility and market 0's expected NF), then lets one TWAP period pass so that both TWAPs follow.
 */
export async function movePrices(d: ProtocolFixture, ethUsd: number, powerPremium = 1): Promise<void> {
  await setEthPrice(d, ethUsd);
  const nf = Number(await d.lens.expectedNormalizationFactor(d.marketId)) / 1e18;
  const fair = fairPowerPriceEth(d.market, ethUsd, SEED_IMPLIED_VOLATILITY, nf) * powerPremium;
  await setPowerPrice(d, fair.toPrecision(12));
  await advanceTime(d, d.market.twapPeriodSeconds + 1);
}
