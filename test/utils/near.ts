/**
 * Floating-point closeness for tests that import Hardhat's chai matchers: their `closeTo` takes integers only
 * (bigint-like), so a fractional `closeTo` fails once the matchers are loaded in the same run.
 */
import { expect } from "chai";

/** Asserts |actual − expected| <= tolerance. */
export function expectNear(actual: number, expected: number, tolerance: number, message?: string): void {
  expect(Math.abs(actual - expected), message ?? `${actual} ≈ ${expected} ± ${tolerance}`).to.be.at.most(
    tolerance,
  );
}
