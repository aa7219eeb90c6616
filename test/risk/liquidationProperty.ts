/**
 * Property: every unsafe vault is liquidatable. Over random collateral, opening ratio, ETH price and power-token
 * premium (real pool moves, fixed seed), whenever `isVaultSafe` is false in the liquidation block,
 * `liquidate(id, MaxUint256)` from a holder of enough tokens succeeds, pays exactly what the specification
 * says, never more than the vault held, and leaves no dust; whenever it is true, the call reverts `VaultSafe`.
 */
import { expect } from "chai";
import fc from "fast-check";
import { MaxUint256, parseEther } from "ethers";

import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import {
  expectedLiquidationOf,
  fundWithTokens,
  gasCost,
  mined,
  movePrices,
  openVault,
  PENDING,
  pinNextBlock,
  readMarket,
  takeSnapshot,
  vaultState,
  WAD,
  type Snapshot,
} from "../utils/riskHelpers.js";

const NUM_RUNS = 25;
const SEED = 2;

describe("Risk: every unsafe vault is liquidatable (property)", function () {
  let d: ProtocolFixture;
  let snapshot: Snapshot;

  before(async function () {
    d = await loadProtocol();
    await fundWithTokens(d, d.keeper, parseEther("150"));
    snapshot = await takeSnapshot();
  });

  it(`holds over ${NUM_RUNS} random vaults and price moves`, async function () {
    const { engine, lens, marketId, powerToken } = d;
    const outcomes = { unsafe: 0, safe: 0, kinds: new Set<string>() };

    const scenario = fc.record({
      // Small vaults reach the dust rule, large ones the close factor.
      collateral: fc.oneof(
        fc.bigInt(parseEther("0.5"), parseEther("1.5")),
        fc.bigInt(parseEther("0.5"), parseEther("20")),
      ),
      openRatioBps: fc.integer({ min: 15_050, max: 40_000 }),
      ethUsd: fc.integer({ min: 2_500, max: 9_000 }),
      premiumPct: fc.integer({ min: 85, max: 130 }),
    });

    await fc.assert(
      fc.asyncProperty(scenario, async ({ collateral, openRatioBps, ethUsd, premiumPct }) => {
        await snapshot.restore();
        const perToken = await lens.debtValuePerToken(marketId);
        const debt = (collateral * WAD * 10_000n) / (BigInt(openRatioBps) * perToken);
        const vaultId = await openVault(d, d.alice, collateral, debt);
        await movePrices(d, ethUsd, premiumPct / 100);

        await pinNextBlock();
        const safe = await lens.isVaultSafe(vaultId, PENDING);
        if (safe) {
          outcomes.safe++;
          await expect(engine.connect(d.keeper).liquidate(vaultId, MaxUint256)).to.be.revertedWithCustomError(
            engine,
            "VaultSafe",
          );
          return;
        }
        outcomes.unsafe++;
        const market = await readMarket(d);
        const before = await vaultState(d, vaultId);
        const expected = expectedLiquidationOf(d, market, before, MaxUint256);
        outcomes.kinds.add(expected.kind);
        const [keeperEth, keeperTokens, engineEth] = await Promise.all([
          ethers.provider.getBalance(d.keeper),
          powerToken.balanceOf(d.keeper),
          ethers.provider.getBalance(engine),
        ]);
        expect(keeperTokens).to.be.greaterThanOrEqual(before.debt);

        const receipt = await mined(engine.connect(d.keeper).liquidate(vaultId, MaxUint256));
        const paid = (await ethers.provider.getBalance(d.keeper)) + gasCost(receipt) - keeperEth;
        const repaid = keeperTokens - (await powerToken.balanceOf(d.keeper));
        const after = await vaultState(d, vaultId);

        expect({ repaid, paid }).to.deep.equal({
          repaid: expected.debtRepaid,
          paid: expected.collateralPaid,
        });
        expect(paid).to.be.lessThanOrEqual(before.collateral);
        expect(engineEth - (await ethers.provider.getBalance(engine))).to.equal(paid);
        expect(after).to.deep.include({ collateral: before.collateral - paid, debt: before.debt - repaid });
        const dust =
          after.debt !== 0n && after.collateral !== 0n && after.collateral < d.market.minCollateralWei;
        expect(dust, "left a dust vault").to.equal(false);
      }),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true },
    );

    // The property must not hold vacuously: most runs make the vault unsafe, and several rules are exercised.
    expect(outcomes.unsafe, JSON.stringify({ ...outcomes, kinds: [...outcomes.kinds] })).to.be.at.least(
      NUM_RUNS / 3,
    );
    expect([...outcomes.kinds].sort()).to.deep.equal(["full-dust", "full-insolvent", "half"]);
  });
});
