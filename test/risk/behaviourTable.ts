/**
 * Behaviour table: the result (success or the exact custom error) of every external non-view function of the
 * Controller in each protocol state. One row per function, one column per state; each cell is its own test,
 * run from the same prepared market (an unsafe vault to liquidate, accrued fees, tokens to redeem).
 *
 * The expected values follow the documented semantics: while paused, every non-view function except
 * `unpause`, `shutdown`, the fee functions (L-3), operator revocation (I-1), ownership functions and the vault-NFT
 * hook reverts `ProtocolPaused` (IControllerErrors.ProtocolPaused); after shutdown, vault functions, granting an
 * operator, pause and unpause revert `ProtocolShutDown`.
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

const PAUSED = { error: "ProtocolPaused" };
const SHUT = { error: "ProtocolShutDown" };
const NOT_SHUT = { error: "ProtocolNotShutDown" };
const INCOMPLETE: Outcome = {
  error: "SettlementIncomplete",
  args: async ({ d }) => [0n, await d.controller.vaultCount()],
};

/** Active-market functions: fine when normal, paused → ProtocolPaused, shut down → ProtocolShutDown. */
function marketRow(fn: string, call: Row["call"]): Row {
  return { fn, call, expected: { normal: "ok", paused: PAUSED, "shutdown (settling)": SHUT, settled: SHUT } };
}

/** Functions that work in every state. */
function everyState(fn: string, call: Row["call"]): Row {
  return { fn, call, expected: { normal: "ok", paused: "ok", "shutdown (settling)": "ok", settled: "ok" } };
}

const ROWS: Row[] = [
  marketRow("openVault", ({ d }) => d.controller.connect(d.alice).openVault()),
  marketRow("deposit", ({ d, safe }) =>
    d.controller.connect(d.bob).deposit(safe, { value: parseEther("1") }),
  ),
  marketRow("withdraw", ({ d, safe }) => d.controller.connect(d.alice).withdraw(safe, parseEther("0.1"))),
  marketRow("mint", ({ d, safe }) => d.controller.connect(d.alice).mint(safe, parseEther("0.1"))),
  marketRow("burn", ({ d, safe }) => d.controller.connect(d.alice).burn(safe, parseEther("0.1"), 0n)),
  marketRow("applyFunding", ({ d }) => d.controller.connect(d.carol).applyFunding()),
  marketRow("setOperator (grant)", ({ d, safe }) => d.controller.connect(d.alice).setOperator(safe, d.carol)),
  everyState("setOperator (revoke)", ({ d, safe }) =>
    d.controller.connect(d.alice).setOperator(safe, ZeroAddress),
  ),
  marketRow("liquidate", ({ d, unsafe }) => d.controller.connect(d.keeper).liquidate(unsafe, MaxUint256)),
  everyState("setFee", ({ d }) => d.controller.setFee(20n, d.carol)),
  everyState("collectFees", ({ d }) => d.controller.connect(d.carol).collectFees()),
  marketRow("pause", ({ d }) => d.controller.pause()),
  {
    fn: "unpause",
    call: ({ d }) => d.controller.unpause(),
    expected: {
      normal: { error: "ProtocolNotPaused" },
      paused: "ok",
      "shutdown (settling)": SHUT,
      settled: SHUT,
    },
  },
  {
    fn: "shutdown",
    call: ({ d }) => d.controller.shutdown(),
    expected: { normal: "ok", paused: "ok", "shutdown (settling)": SHUT, settled: SHUT },
  },
  {
    fn: "settleVaults",
    call: ({ d }) => d.controller.connect(d.carol).settleVaults(100n),
    expected: { normal: NOT_SHUT, paused: PAUSED, "shutdown (settling)": "ok", settled: "ok" },
  },
  {
    fn: "redeemLong",
    call: ({ d }) => d.controller.connect(d.alice).redeemLong(parseEther("1")),
    expected: { normal: NOT_SHUT, paused: PAUSED, "shutdown (settling)": INCOMPLETE, settled: "ok" },
  },
  {
    fn: "redeemShort",
    call: ({ d, safe }) => d.controller.connect(d.alice).redeemShort(safe),
    expected: { normal: NOT_SHUT, paused: PAUSED, "shutdown (settling)": INCOMPLETE, settled: "ok" },
  },
  // Not Controller entry points, but they must keep working in every state.
  everyState("onVaultTransfer (vault NFT transfer)", ({ d, safe }) =>
    d.vaultNFT.connect(d.alice).transferFrom(d.alice, d.carol, safe),
  ),
  everyState("transferOwnership", ({ d }) => d.controller.transferOwnership(d.carol)),
];

describe("Risk: behaviour table (function × protocol state)", function () {
  let ctx: Context;
  let normal: Snapshot;

  before(async function () {
    const d = await loadProtocol();
    await mined(d.controller.setFee(10n, d.keeper));
    const safe = await openVault(d, d.alice, parseEther("5"), parseEther("2"));
    const unsafe = await openVault(d, d.bob, parseEther("1"), parseEther("2"));
    await fundWithTokens(d, d.keeper, parseEther("10"));
    await movePrices(d, 6000);
    ctx = { d, safe, unsafe };
    normal = await takeSnapshot();
  });

  /** Puts the protocol in `state`, starting from the prepared normal market. */
  async function enter(state: State): Promise<void> {
    await normal.restore();
    const { controller } = ctx.d;
    if (state === "paused") await mined(controller.pause());
    if (state === "shutdown (settling)" || state === "settled") await mined(controller.shutdown());
    if (state === "settled") await mined(controller.settleVaults(MaxUint256));
    expect(await controller.isPaused()).to.equal(state === "paused");
    expect(await controller.isShutDown()).to.equal(state === "shutdown (settling)" || state === "settled");
  }

  it("the prepared market makes every 'ok' cell meaningful", async function () {
    await enter("normal");
    const { d, safe, unsafe } = ctx;
    expect(await d.controller.isVaultSafe(safe)).to.equal(true);
    expect(await d.controller.isVaultSafe(unsafe)).to.equal(false);
    expect(await d.controller.accruedFees()).to.be.greaterThan(0n);
  });

  it("previewLiquidation shows the unsafe vault as liquidatable only while the market is active", async function () {
    for (const state of STATES) {
      await enter(state);
      const [liquidatable] = await ctx.d.controller.previewLiquidation(ctx.unsafe);
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
          const { controller } = ctx.d;
          if (outcome === "ok") {
            await mined(row.call(ctx));
            return;
          }
          const assertion = expect(row.call(ctx)).to.be.revertedWithCustomError(controller, outcome.error);
          if (outcome.args !== undefined) await assertion.withArgs(...(await outcome.args(ctx)));
          else await assertion;
        });
      }
    });
  }
});
