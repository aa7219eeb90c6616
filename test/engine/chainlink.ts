/**
 * The Chainlink+TWAP price source (`ChainlinkTwapPrices`) and the engine's safe mode, on the real Uniswap v3 pools
 * of the deploy helpers and the mock aggregator: a fresh, sane feed within the deviation bound of the ETH/USDC TWAP
 * prices the market; a stale feed, a zero / negative / unreadable answer, a sequencer that is down or just
 * restarted, and a deviation either way put the market in safe mode (no new debt, no ratio-lowering withdrawal,
 * S = the higher of feed and TWAP for a power market's debt) until an update of a later block finds the feed
 * trusted again. A TWAP-only market beside it is untouched; a one-block ±100% ETH swap changes nothing.
 *
 * Markets: 0 = ETH² on Chainlink+TWAP (L1, heartbeat 3600 s, bound 5%), 1 = ETH² on Chainlink+TWAP on an "L2"
 * (sequencer-uptime feed, grace 600 s), 2 = ETH² TWAP-only.
 */
import { expect } from "chai";
import { AbiCoder, keccak256, parseEther, parseUnits, type ContractTransactionResponse } from "ethers";

import {
  deployEvergamma,
  optionMarketParameters,
  vaultIdOf,
  type EvergammaDeployment,
} from "../../deploy/evergamma.js";
import { marketStatusName } from "../../client/index.js";
import type { MockAggregator } from "../../types/ethers-contracts/index.js";
import { connection, ethers, networkHelpers } from "../fixtures.js";
import { advance, fundSwaps, inOneBlock, sendEthSwap, SWAP_GAS } from "../utils/coreHelpers.js";

const HEARTBEAT = 3600;
const GRACE = 600;
const TWAP = 420;
/** `SafeModeReason` codes. */
const REASON = { stale: 1n, invalid: 2n, sequencerDown: 3n, grace: 4n, deviation: 5n } as const;
/** `Market.STATUS_*`. */
const STATUS = { active: 0, paused: 1, safeMode: 3 } as const;
/** The engine's storage slot of `marketStates` (see EngineStorage.sol). */
const MARKET_STATES_SLOT = 2n;
/** 8-decimal feed answer for a USD price. */
const answer = (usd: number | string): bigint => parseUnits(String(usd), 8);

async function deploy() {
  const [deployer, alice, bob] = await ethers.getSigners();
  // The sequencer has been up since the epoch's first second: past any grace period.
  const sequencer = (await ethers.deployContract(
    "MockAggregator",
    [0, 0],
    deployer,
  )) as unknown as MockAggregator;
  await (await sequencer.setRound(0, 1, 1)).wait();
  const d = await deployEvergamma(connection, {
    markets: [
      { name: "ETH2CL", chainlink: { heartbeatSeconds: HEARTBEAT } },
      {
        name: "ETH2L2",
        tokenSymbol: "eETH2L2",
        chainlink: { sequencerFeed: await sequencer.getAddress(), gracePeriodSeconds: GRACE },
      },
      { name: "ETH2TWAP", tokenSymbol: "eETH2T" },
    ],
  });
  await fundSwaps({ ...d, alice, bob, carol: alice, keeper: alice });
  const [cl, l2, twapOnly] = d.markets;
  const feed = cl.chainlink!.mockFeed!;
  const l2Feed = l2.chainlink!.mockFeed!;
  // Alice: a vault at about 167% on each market (10 ETH, 20 tokens at ETH = 3000); Bob holds tokens.
  for (const m of [cl, l2, twapOnly]) {
    await (
      await d.engine.connect(alice).mint(m.newVaultId, parseEther("20"), { value: parseEther("10") })
    ).wait();
    await (
      await d.engine.connect(bob).mint(m.newVaultId, parseEther("50"), { value: parseEther("100") })
    ).wait();
  }
  return { d, cl, l2, twapOnly, feed, l2Feed, sequencer, alice, bob, aliceVault: vaultIdOf(0, 2n) };
}

const load = () => networkHelpers.loadFixture(deploy);

/** A call and a put at 3500 on Chainlink+TWAP (one mock feed each). */
async function deployOptions() {
  const d = await deployEvergamma(connection, {
    markets: [
      { params: optionMarketParameters("call", 3500), chainlink: {} },
      { params: optionMarketParameters("put", 3500), chainlink: {} },
    ],
  });
  return { d, feed: d.markets[0].chainlink!.mockFeed! };
}

/** The market's state slot as the engine holds it: cached S of the last update and status. */
async function cached(
  d: EvergammaDeployment,
  marketId: number,
): Promise<{ ethPriceWad: bigint; status: number }> {
  const slot = keccak256(
    AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [marketId, MARKET_STATES_SLOT]),
  );
  const word = BigInt(await d.engine["extsload(bytes32)"](slot));
  return { ethPriceWad: (word >> 160n) & ((1n << 88n) - 1n), status: Number(word >> 248n) };
}

/** Sets the feed's answer now (a fresh round) and mines it. */
async function setFeed(feed: MockAggregator, usd: number | string | bigint): Promise<void> {
  await (await feed.setAnswer(typeof usd === "bigint" ? usd : answer(usd))).wait();
}

async function applyFunding(d: EvergammaDeployment, marketId: number): Promise<ContractTransactionResponse> {
  return d.engine.applyFunding(marketId);
}

describe("Engine: Chainlink+TWAP price source and safe mode", function () {
  it("a fresh feed within the bound prices the market (not the TWAP); the TWAP-only market keeps the TWAP", async function () {
    const { d, feed, cl, twapOnly } = await load();
    await setFeed(feed, 3100); // +3.3% from the TWAP: inside the 5% bound
    await expect(applyFunding(d, cl.id)).to.not.emit(d.engine, "SafeModeEntered");
    expect(await cached(d, cl.id)).to.deep.equal({ ethPriceWad: parseEther("3100"), status: STATUS.active });
    await (await applyFunding(d, twapOnly.id)).wait();
    const twapS = (await cached(d, twapOnly.id)).ethPriceWad;
    expect(twapS, "TWAP-only market").to.be.within(parseEther("2999"), parseEther("3001"));
    const [feedWad, twapWad, reason] = await cl.chainlink!.source.status();
    expect([feedWad, reason]).to.deep.equal([parseEther("3100"), 0n]);
    expect(twapWad).to.equal(twapS);
  });

  for (const { label, usd, conservative } of [
    { label: "above", usd: 3300, conservative: "feed" },
    { label: "below", usd: 2700, conservative: "twap" },
  ] as const) {
    it(`deviation ${label} the TWAP: enters safe mode (S = the higher of the two), refuses new debt and ratio-lowering withdrawals, keeps deposit/burn/close; leaves when the feed agrees again`, async function () {
      const { d, feed, cl, alice, bob, aliceVault } = await load();
      const { engine, lens } = d;
      const twapS = (await cl.chainlink!.source.status())[1];
      await setFeed(feed, usd);
      await expect(applyFunding(d, cl.id))
        .to.emit(engine, "SafeModeEntered")
        .withArgs(cl.id, REASON.deviation, parseEther(String(usd)), twapS);
      expect(await lens.isSafeMode(cl.id)).to.equal(true);
      expect(marketStatusName((await lens.marketReport(cl.id)).status)).to.equal("safe mode");
      const state = await cached(d, cl.id);
      expect(state.status).to.equal(STATUS.safeMode);
      expect(state.ethPriceWad, "conservative S for ETH² debt").to.equal(
        conservative === "feed" ? parseEther(String(usd)) : twapS,
      );
      expect(await lens.ethPrice(cl.id), "the lens's S").to.equal(state.ethPriceWad);

      // No new debt, even a tiny mint into a very safe vault.
      await expect(engine.connect(bob).mint(vaultIdOf(cl.id, 3n), 1n))
        .to.be.revertedWithCustomError(engine, "SafeModeNoNewDebt")
        .withArgs(cl.id, 1n);
      // No withdrawal that lowers the ratio; the error carries both ratios.
      const bobVault = vaultIdOf(cl.id, 3n);
      const before = await lens.collateralRatio(bobVault);
      await expect(engine.connect(bob).withdraw(bobVault, parseEther("1")))
        .to.be.revertedWithCustomError(engine, "SafeModeRatioLowered")
        .withArgs(
          bobVault,
          (r: bigint) => r > 0n,
          (r: bigint) => r > 0n,
        );
      await expect(
        engine.connect(bob).burn(bobVault, parseEther("1"), parseEther("3")),
      ).to.be.revertedWithCustomError(engine, "SafeModeRatioLowered");
      // Deposit, burn, and a burn that withdraws no more than its share keep working.
      await (await engine.connect(bob).deposit(bobVault, { value: parseEther("1") })).wait();
      await (await engine.connect(bob).burn(bobVault, parseEther("5"), 0n)).wait();
      // 45 tokens / 101 ETH: burning 9 (20%) frees 20% = 20.2 ETH at the same ratio.
      await (await engine.connect(bob).burn(bobVault, parseEther("9"), parseEther("20.2"))).wait();
      expect(await lens.collateralRatio(bobVault)).to.be.greaterThan(before);
      // A full close (all debt, all collateral) works.
      const [, , collateral, debt] = await lens.getVault(aliceVault);
      await (await engine.connect(alice).burn(aliceVault, debt, collateral)).wait();
      expect((await lens.getVault(aliceVault))[3]).to.equal(0n);
      // Still in safe mode for the rest of the block and the next ones while the feed deviates.
      expect((await cached(d, cl.id)).status).to.equal(STATUS.safeMode);

      // The feed agrees again: the next update leaves safe mode, and minting works again.
      await setFeed(feed, 3000);
      await expect(applyFunding(d, cl.id))
        .to.emit(engine, "SafeModeExited")
        .withArgs(cl.id, parseEther("3000"));
      expect(await lens.isSafeMode(cl.id)).to.equal(false);
      await (await engine.connect(bob).mint(bobVault, parseEther("1"))).wait();
      await (await engine.connect(bob).withdraw(bobVault, parseEther("1"))).wait();
    });
  }

  it("the conservative price makes liquidation possible where the feed alone would not, and liquidation works in safe mode", async function () {
    const { d, feed, cl, twapOnly, bob, aliceVault } = await load();
    const { engine, lens } = d;
    // Alice's 10 ETH / 20 ETH² (debt 20 · S / 1e4 ETH): 167% at 3000, 147% < 150% at 3400.
    await setFeed(feed, 3400);
    await (await applyFunding(d, cl.id)).wait();
    expect(await lens.isSafeMode(cl.id)).to.equal(true);
    // The lens prices the market as the engine does: the conservative S, and Alice's vault unsafe at it.
    expect(await lens.ethPrice(cl.id)).to.equal(parseEther("3400"));
    expect(await lens.isVaultSafe(aliceVault)).to.equal(false);
    await expect(engine.connect(bob).liquidate(aliceVault, parseEther("10"))).to.emit(engine, "Liquidated");
    // The TWAP-only twin of the vault is safe at the TWAP (3000).
    await expect(
      engine.connect(bob).liquidate(vaultIdOf(twapOnly.id, 1n + 1n), parseEther("10")),
    ).to.be.revertedWithCustomError(engine, "VaultSafe");
  });

  it("stale feed: safe mode after the heartbeat, the TWAP-only market unaffected; a fresh round ends it", async function () {
    const { d, feed, cl, twapOnly, bob } = await load();
    const { engine, lens } = d;
    const updatedAt = Number((await feed.latestRoundData())[3]);
    await networkHelpers.time.setNextBlockTimestamp(updatedAt + HEARTBEAT);
    await expect(applyFunding(d, cl.id)).to.not.emit(engine, "SafeModeEntered"); // exactly the heartbeat: fresh
    await expect(applyFunding(d, cl.id))
      .to.emit(engine, "SafeModeEntered")
      .withArgs(cl.id, REASON.stale, parseEther("3000"), (s: bigint) => s > 0n);
    await expect(applyFunding(d, twapOnly.id)).to.not.emit(engine, "SafeModeEntered");
    expect(await lens.isSafeMode(twapOnly.id)).to.equal(false);
    await (await engine.connect(bob).mint(vaultIdOf(twapOnly.id, 3n), 1n)).wait();
    await expect(engine.connect(bob).mint(vaultIdOf(cl.id, 3n), 1n)).to.be.revertedWithCustomError(
      engine,
      "SafeModeNoNewDebt",
    );
    // A round stamped in the future is no better.
    const now = await networkHelpers.time.latest();
    await (await feed.setRound(answer(3000), now + 100, now + 100)).wait();
    await expect(applyFunding(d, cl.id)).to.not.emit(engine, "SafeModeExited");
    expect(await lens.isSafeMode(cl.id)).to.equal(true);
    await setFeed(feed, 3000);
    await expect(applyFunding(d, cl.id)).to.emit(engine, "SafeModeExited");
  });

  for (const { label, value } of [
    { label: "zero", value: 0n },
    { label: "negative", value: -1n },
    { label: "absurd (above 1e8 USD)", value: answer(200_000_000) },
  ]) {
    it(`${label} answer: safe mode on the TWAP alone (reason: invalid answer)`, async function () {
      const { d, feed, cl } = await load();
      const twapS = (await cl.chainlink!.source.status())[1];
      await setFeed(feed, value);
      await expect(applyFunding(d, cl.id))
        .to.emit(d.engine, "SafeModeEntered")
        .withArgs(cl.id, REASON.invalid, twapS, twapS);
      expect(await cached(d, cl.id)).to.deep.equal({ ethPriceWad: twapS, status: STATUS.safeMode });
      const [feedWad, , reason] = await cl.chainlink!.source.status();
      expect([feedWad, reason]).to.deep.equal([0n, REASON.invalid]);
    });
  }

  it("a feed that reverts does not freeze the market: safe mode on the TWAP, then back", async function () {
    const { d, feed, cl, bob } = await load();
    await (await feed.setReverting(true)).wait();
    await expect(applyFunding(d, cl.id))
      .to.emit(d.engine, "SafeModeEntered")
      .withArgs(
        cl.id,
        REASON.invalid,
        (s: bigint) => s > 0n,
        (s: bigint) => s > 0n,
      );
    await (await d.engine.connect(bob).burn(vaultIdOf(cl.id, 3n), parseEther("1"), 0n)).wait();
    await (await feed.setReverting(false)).wait();
    await setFeed(feed, 3000);
    await expect(applyFunding(d, cl.id)).to.emit(d.engine, "SafeModeExited");
  });

  it("L2 sequencer down, then just restarted (grace period), then up long enough", async function () {
    const { d, l2, l2Feed, sequencer, bob } = await load();
    const { engine, lens } = d;
    await (
      await sequencer.setRound(1, await networkHelpers.time.latest(), await networkHelpers.time.latest())
    ).wait();
    await setFeed(l2Feed, 3000);
    await expect(applyFunding(d, l2.id))
      .to.emit(engine, "SafeModeEntered")
      .withArgs(l2.id, REASON.sequencerDown, parseEther("3000"), (s: bigint) => s > 0n);
    await advance(60);
    const restartedAt = (await networkHelpers.time.latest()) + 1;
    await networkHelpers.time.setNextBlockTimestamp(restartedAt);
    await (await sequencer.setRound(0, restartedAt, restartedAt)).wait();
    await setFeed(l2Feed, 3000);
    // Up again, but within the grace period: still safe mode (no event: the market stays in it).
    await expect(applyFunding(d, l2.id)).to.not.emit(engine, "SafeModeExited");
    expect((await l2.chainlink!.source.status())[2]).to.equal(REASON.grace);
    expect(await lens.isSafeMode(l2.id)).to.equal(true);
    await expect(engine.connect(bob).mint(vaultIdOf(l2.id, 3n), 1n)).to.be.revertedWithCustomError(
      engine,
      "SafeModeNoNewDebt",
    );
    // The last second of the grace period is still distrusted; the next one is not.
    await networkHelpers.time.setNextBlockTimestamp(restartedAt + GRACE);
    await expect(applyFunding(d, l2.id)).to.not.emit(engine, "SafeModeExited");
    await expect(applyFunding(d, l2.id))
      .to.emit(engine, "SafeModeExited")
      .withArgs(l2.id, parseEther("3000"));
    await (await engine.connect(bob).mint(vaultIdOf(l2.id, 3n), 1n)).wait();
  });

  it("once per block: the first update decides; a feed fixed in the same block takes effect in the next one", async function () {
    const { d, feed, cl, bob } = await load();
    const { engine } = d;
    await (await feed.setAnswer(answer(3300))).wait();
    const bobVault = vaultIdOf(cl.id, 3n);
    const receipts = await inOneBlock(async () => [
      await engine.applyFunding(cl.id, SWAP_GAS),
      await feed.setAnswer(answer(3000), SWAP_GAS),
      await engine.connect(bob).mint(bobVault, 1n, SWAP_GAS),
    ]);
    expect(
      receipts.map((r) => r.status),
      "update, feed fix, mint in one block",
    ).to.deep.equal([1, 1, 0]);
    await expect(engine.connect(bob).mint(bobVault, 1n)).to.emit(engine, "SafeModeExited");
  });

  it("pause and unpause in safe mode: paused stays paused; the first update after unpause re-enters safe mode if the feed still deviates", async function () {
    const { d, feed, cl } = await load();
    const { engine, lens } = d;
    await setFeed(feed, 3300);
    await (await applyFunding(d, cl.id)).wait();
    await (await engine.pause(cl.id)).wait();
    expect((await cached(d, cl.id)).status).to.equal(STATUS.paused);
    await (await engine.unpause(cl.id)).wait();
    expect(await lens.isSafeMode(cl.id)).to.equal(false);
    await setFeed(feed, 3300);
    await expect(applyFunding(d, cl.id))
      .to.emit(engine, "SafeModeEntered")
      .withArgs(cl.id, REASON.deviation, parseEther("3300"), (s: bigint) => s > 0n);
  });

  for (const { label, target } of [
    { label: "+100%", target: 6000 },
    { label: "−50%", target: 1500 },
  ]) {
    it(`a one-block ${label} ETH/USDC swap changes nothing: S stays the feed's, no safe mode, in the block and 1 s later`, async function () {
      const { d, feed, cl, bob, aliceVault } = await load();
      const { engine, lens } = d;
      await setFeed(feed, 3000);
      const safeBefore = await lens.isVaultSafe(aliceVault);
      const maxMintable = await lens.maxMintable(vaultIdOf(cl.id, 3n));
      const receipts = await inOneBlock(async () => [
        await sendEthSwap({ ...d, alice: bob, bob, carol: bob, keeper: bob }, target),
        await engine.applyFunding(cl.id, SWAP_GAS),
        target > 3000
          ? await engine.connect(bob).liquidate(aliceVault, parseEther("10"), SWAP_GAS)
          : await engine.connect(bob).mint(vaultIdOf(cl.id, 3n), maxMintable + parseEther("1"), SWAP_GAS),
      ]);
      expect(receipts.map((r) => r.status)).to.deep.equal([1, 1, 0]);
      expect(await cached(d, cl.id)).to.deep.equal({
        ethPriceWad: parseEther("3000"),
        status: STATUS.active,
      });
      await advance(1);
      await expect(applyFunding(d, cl.id)).to.not.emit(engine, "SafeModeEntered");
      expect((await cached(d, cl.id)).ethPriceWad).to.equal(parseEther("3000"));
      expect(await lens.isVaultSafe(aliceVault)).to.equal(safeBefore);
      // Held for the whole window, the TWAP leaves the feed behind: safe mode, never a silent switch.
      await advance(TWAP);
      await setFeed(feed, 3000);
      await expect(applyFunding(d, cl.id))
        .to.emit(engine, "SafeModeEntered")
        .withArgs(cl.id, REASON.deviation, parseEther("3000"), (s: bigint) => s > 0n);
    });
  }

  it("options: the conservative S is the higher for a call and the lower for a put", async function () {
    const { d, feed } = await networkHelpers.loadFixture(deployOptions);
    const [call, put] = d.markets;
    const putFeed = put.chainlink!.mockFeed!;
    for (const { usd, callS, putS } of [
      { usd: 3300, callS: "feed", putS: "twap" },
      { usd: 2700, callS: "twap", putS: "feed" },
    ] as const) {
      await (await feed.setAnswer(answer(usd))).wait();
      await (await putFeed.setAnswer(answer(usd))).wait();
      await (await d.engine.applyFunding(call.id)).wait();
      await (await d.engine.applyFunding(put.id)).wait();
      const twapS = (await call.chainlink!.source.status())[1];
      const expected = (which: "feed" | "twap") => (which === "feed" ? parseEther(String(usd)) : twapS);
      expect(await cached(d, call.id), `call at ${usd}`).to.deep.equal({
        ethPriceWad: expected(callS),
        status: STATUS.safeMode,
      });
      expect(await cached(d, put.id), `put at ${usd}`).to.deep.equal({
        ethPriceWad: expected(putS),
        status: STATUS.safeMode,
      });
    }
  });

  describe("constructor checks", function () {
    async function args(makeOverrides: () => Promise<Record<string, unknown>>) {
      const { d, cl } = await load();
      const overrides = await makeOverrides();
      const s = cl.chainlink!.source;
      return {
        d,
        twap: [
          await s.weth(),
          await s.quoteToken(),
          await s.ethQuotePool(),
          await cl.token.getAddress(),
          await s.tokenPool(),
          TWAP,
        ],
        feedParams: {
          feed: cl.chainlink!.feed,
          heartbeatSeconds: HEARTBEAT,
          sequencerFeed: ethers.ZeroAddress,
          gracePeriodSeconds: 0,
          deviationBoundWad: parseEther("0.05"),
          ...overrides,
        },
      };
    }
    const cases: {
      label: string;
      overrides: () => Promise<Record<string, unknown>>;
      error: string;
      args?: unknown[];
    }[] = [
      {
        label: "feed without code",
        overrides: async () => ({ feed: ethers.ZeroAddress }),
        error: "InvalidFeed",
        args: ["feed"],
      },
      {
        label: "feed with 19 decimals",
        overrides: async () => ({
          feed: await (await ethers.deployContract("MockAggregator", [19, 1])).getAddress(),
        }),
        error: "InvalidFeedDecimals",
        args: [19, 18],
      },
      {
        label: "heartbeat 0",
        overrides: async () => ({ heartbeatSeconds: 0 }),
        error: "InvalidHeartbeat",
        args: [0, 172_800],
      },
      {
        label: "heartbeat above 2 days",
        overrides: async () => ({ heartbeatSeconds: 172_801 }),
        error: "InvalidHeartbeat",
        args: [172_801, 172_800],
      },
      {
        label: "grace period on L1",
        overrides: async () => ({ gracePeriodSeconds: 60 }),
        error: "InvalidGracePeriod",
        args: [60, 86_400],
      },
      {
        label: "no grace period on L2",
        overrides: async () => ({
          sequencerFeed: await (await ethers.deployContract("MockAggregator", [0, 0])).getAddress(),
        }),
        error: "InvalidGracePeriod",
        args: [0, 86_400],
      },
      {
        label: "deviation bound below 0.1%",
        overrides: async () => ({ deviationBoundWad: parseEther("0.0009") }),
        error: "InvalidDeviationBound",
        args: [parseEther("0.0009"), parseEther("0.001"), parseEther("0.5")],
      },
      {
        label: "deviation bound above 50%",
        overrides: async () => ({ deviationBoundWad: parseEther("0.51") }),
        error: "InvalidDeviationBound",
        args: [parseEther("0.51"), parseEther("0.001"), parseEther("0.5")],
      },
    ];
    for (const c of cases) {
      it(`refuses ${c.label}`, async function () {
        const { twap, feedParams } = await args(c.overrides);
        const factory = await ethers.getContractFactory("ChainlinkTwapPrices");
        await expect(
          factory.deploy(...([...twap, feedParams] as unknown as Parameters<typeof factory.deploy>)),
        )
          .to.be.revertedWithCustomError(factory, c.error)
          .withArgs(...(c.args ?? []));
      });
    }
  });
});
