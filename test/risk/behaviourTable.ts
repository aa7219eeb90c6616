/**
 * Behaviour table: the result (success or the exact custom error) of every external non-view function of the
 * engine in each state of market 0 (the default deployment's one market). One row per function, one column per
 * state; each cell is its own test, run from the same prepared market (an unsafe vault to liquidate, accrued fees,
 * tokens to redeem).
 *
 * The expected values follow the documented semantics: while the market is paused, every non-view function except
 * `unpause`, `shutdown`, `pauseAll` (which skips markets that are not running), the fee functions (L-3), operator
 * revocation (I-1), ownership functions and vault-NFT transfers reverts `MarketPaused(marketId)`; after shutdown,
 * vault functions, granting an operator, pause and unpause revert `MarketShutDown(marketId)`.
 */
import { expect } from "chai";
import { MaxUint256, parseEther, ZeroAddress, type ContractTransactionResponse } from "ethers";

import { loadProtocol, type ProtocolFixture } from "../fixtures.js";
import {
  fundWithTokens,
  mined,
  movePrices,
  openVault,
  takeSnapshot,
  type Snapshot,
} from "../utils/riskHelpers.js";

type State = "normal" | "paused" | "shutdown (settling)" | "settled";
const STATES: State[] = ["normal", "paused", "shutdown (settling)", "settled"];

interface Context {
  d: ProtocolFixture;
  /** Alice's safe vault, with debt. */
  safe: bigint;
  /** Bob's vault, unsafe after ETH doubled. */
  unsafe: bigint;
}

/** "ok", or the custom error's name with optional exact arguments. */
type Outcome = "ok" | { error: string; args?: (c: Context) => Promise<unknown[]> };

interface Row {
  fn: string;
  call: (c: Context) => Promise<ContractTransactionResponse>;
  expected: Record<State, Outcome>;
}

/** Every market error names the market: market 0 here. */
const marketIdArg = async ({ d }: Context): Promise<unknown[]> => [BigInt(d.marketId)];
const PAUSED: Outcome = { error: "MarketPaused", args: marketIdArg };
const SHUT: Outcome = { error: "MarketShutDown", args: marketIdArg };
const NOT_SHUT: Outcome = { error: "MarketNotShutDown", args: marketIdArg };
const NOT_PAUSED: Outcome = { error: "MarketNotPaused", args: marketIdArg };
const INCOMPLETE: Outcome = {
  error: "SettlementIncomplete",
  args: async ({ d }) => [0n, await d.lens.vaultCount(d.marketId)],
};

/** Active-market functions: fine when normal, paused → MarketPaused, shut down → MarketShutDown. */
function marketRow(fn: string, call: Row["call"]): Row {
  return { fn, call, expected: { normal: "ok", paused: PAUSED, "shutdown (settling)": SHUT, settled: SHUT } };
}

/** Functions that work in every state. */
function everyState(fn: string, call: Row["call"]): Row {
  return { fn, call, expected: { normal: "ok", paused: "ok", "shutdown (settling)": "ok", settled: "ok" } };
}

const ROWS: Row[] = [
  marketRow("openVault", ({ d }) => d.engine.connect(d.alice).openVault(d.marketId)),
  marketRow("deposit", ({ d, safe }) => d.engine.connect(d.bob).deposit(safe, { value: parseEther("1") })),
  marketRow("withdraw", ({ d, safe }) => d.engine.connect(d.alice).withdraw(safe, parseEther("0.1"))),
  marketRow("mint", ({ d, safe }) => d.engine.connect(d.alice).mint(safe, parseEther("0.1"))),
  marketRow("burn", ({ d, safe }) => d.engine.connect(d.alice).burn(safe, parseEther("0.1"), 0n)),
  marketRow("applyFunding", ({ d }) => d.engine.connect(d.carol).applyFunding(d.marketId)),
  marketRow("setOperator (grant)", ({ d, safe }) => d.engine.connect(d.alice).setOperator(safe, d.carol)),
  everyState("setOperator (revoke)", ({ d, safe }) =>
    d.engine.connect(d.alice).setOperator(safe, ZeroAddress),
  ),
  marketRow("liquidate", ({ d, unsafe }) => d.engine.connect(d.keeper).liquidate(unsafe, MaxUint256)),
  everyState("setFee", ({ d }) => d.engine.setFee(d.marketId, 20n, d.carol)),
  everyState("collectFees", ({ d }) => d.engine.connect(d.carol).collectFees(d.marketId)),
  marketRow("pause", ({ d }) => d.engine.pause(d.marketId)),
  // The global pause pauses every running market and skips the others, so it never reverts on their state.
  everyState("pauseAll", ({ d }) => d.engine.pauseAll()),
  {
    fn: "unpause",
    call: ({ d }) => d.engine.unpause(d.marketId),
    expected: {
      normal: NOT_PAUSED,
      paused: "ok",
      "shutdown (settling)": SHUT,
      settled: SHUT,
    },
  },
  {
    fn: "shutdown",
    call: ({ d }) => d.engine.shutdown(d.marketId),
    expected: { normal: "ok", paused: "ok", "shutdown (settling)": SHUT, settled: SHUT },
  },
  {
    fn: "settleVaults",
    call: ({ d }) => d.engine.connect(d.carol).settleVaults(d.marketId, 100n),
    expected: { normal: NOT_SHUT, paused: PAUSED, "shutdown (settling)": "ok", settled: "ok" },
  },
  {
    fn: "redeemLong",
    call: ({ d }) => d.engine.connect(d.alice).redeemLong(d.marketId, parseEther("1")),
    expected: { normal: NOT_SHUT, paused: PAUSED, "shutdown (settling)": INCOMPLETE, settled: "ok" },
  },
  {
    fn: "redeemShort",
    call: ({ d, safe }) => d.engine.connect(d.alice).redeemShort(safe),
    expected: { normal: NOT_SHUT, paused: PAUSED, "shutdown (settling)": INCOMPLETE, settled: "ok" },
  },
  // Not market entry points, but they must keep working in every state.
  everyState("transferFrom (vault NFT transfer)", ({ d, safe }) =>
    d.engine.connect(d.alice).transferFrom(d.alice, d.carol, safe),
  ),
  everyState("transferOwnership", ({ d }) => d.engine.transferOwnership(d.carol)),
];

describe("Risk: behaviour table (function × protocol state)", function () {
  let ctx: Context;
  let normal: Snapshot;

  before(async function () {
    const d = await loadProtocol();
    await mined(d.engine.setFee(d.marketId, 10n, d.keeper));
    const safe = await openVault(d, d.alice, parseEther("5"), parseEther("2"));
    const unsafe = await openVault(d, d.bob, parseEther("1"), parseEther("2"));
    await fundWithTokens(d, d.keeper, parseEther("10"));
    await movePrices(d, 6000);
    ctx = { d, safe, unsafe };
    normal = await takeSnapshot();
  });

  /** Puts market 0 in `state`, starting from the prepared normal market. */
  async function enter(state: State): Promise<void> {
    await normal.restore();
    const { engine, lens, marketId } = ctx.d;
    if (state === "paused") await mined(engine.pause(marketId));
    if (state === "shutdown (settling)" || state === "settled") await mined(engine.shutdown(marketId));
    if (state === "settled") await mined(engine.settleVaults(marketId, MaxUint256));
    expect(await lens.isPaused(marketId)).to.equal(state === "paused");
    expect(await lens.isShutDown(marketId)).to.equal(state === "shutdown (settling)" || state === "settled");
  }

  it("the prepared market makes every 'ok' cell meaningful", async function () {
    await enter("normal");
    const { d, safe, unsafe } = ctx;
    expect(await d.lens.isVaultSafe(safe)).to.equal(true);
    expect(await d.lens.isVaultSafe(unsafe)).to.equal(false);
    expect(await d.lens.accruedFees(d.marketId)).to.be.greaterThan(0n);
  });

  it("previewLiquidation shows the unsafe vault as liquidatable only while the market is active", async function () {
    for (const state of STATES) {
      await enter(state);
      const [liquidatable] = await ctx.d.lens.previewLiquidation(ctx.unsafe);
      expect(liquidatable, state).to.equal(state === "normal");
    }
  });

  for (const state of STATES) {
    describe(`state: ${state}`, function () {
      for (const row of ROWS) {
        const outcome = row.expected[state];
        const label = outcome === "ok" ? "succeeds" : `reverts ${outcome.error}`;
        it(`${row.fn} ${label}`, async function () {
          await enter(state);
          const { engine } = ctx.d;
          if (outcome === "ok") {
            await mined(row.call(ctx));
            return;
          }
          const assertion = expect(row.call(ctx)).to.be.revertedWithCustomError(engine, outcome.error);
          if (outcome.args !== undefined) await assertion.withArgs(...(await outcome.args(ctx)));
          else await assertion;
        });
      }
    });
  }
});
