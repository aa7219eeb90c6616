/**
 * The engine's risk paths, per market: liquidation after ETH moves 3000 → 4800, mint fees, the bounded pause,
 * shutdown and settlement, and createMarket's validation. Each behaviour of the old Controller (test/risk/*.ts)
 * is checked in market 0 (ETH²) while market 1 (ETH¹) is shown untouched.
 */
import { expect } from "chai";
import { AbiCoder, MaxUint256, ZeroAddress, parseEther, type ContractTransactionResponse } from "ethers";

import {
  addMarket,
  optionMarketParameters,
  perpetualFutureParameters,
  setTokenPrice,
  toEngineParams,
  vaultIdOf,
} from "../../deploy/evergamma.js";
import {
  advanceTime,
  DEFAULT_MARKET_PARAMETERS,
  fairPowerPriceEth,
  setEthPrice,
} from "../../deploy/evergamma.js";
import { ethers, networkHelpers } from "../fixtures.js";
import { mined, mulDivUp, PENDING, pinNextBlock } from "../utils/riskHelpers.js";
import { loadEngine, type EngineFixture } from "./fixture.js";

const WAD = 10n ** 18n;
const DAY = 24 * 3600;
const GRACE = 3600;
const PAUSE_WINDOW = 182 * DAY;

async function minedAt(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await mined(tx);
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  if (block === null) throw new Error("no block");
  return block.timestamp;
}

/** Opens a vault in `marketId` for `signer` with `collateral` ETH and `amount` tokens; returns its id. */
async function openVault(
  f: EngineFixture,
  signer: EngineFixture["protocol"]["alice"],
  marketId: number,
  collateral: bigint,
  amount: bigint,
): Promise<bigint> {
  const id = vaultIdOf(marketId, (await f.lens.vaultCount(marketId)) + 1n);
  await mined(f.engine.connect(signer).mint(vaultIdOf(marketId, 0n), amount, { value: collateral }));
  return id;
}

/** Moves ETH to `usd`, the ETH² pool to its fair price there, and lets the TWAPs follow. */
async function moveEthTo(f: EngineFixture, usd: number): Promise<void> {
  await setEthPrice(f.protocol, usd);
  const nf = Number(await f.lens.normalizationFactor(f.eth2.id)) / 1e18;
  await setTokenPrice(f, f.eth2, fairPowerPriceEth(f.eth2.params, usd, 0.8, nf).toPrecision(12));
  await advanceTime(f.protocol, 420);
}

/** Market 1's state, to show that market 0's actions leave it alone. */
async function market1State(f: EngineFixture) {
  const { lens, eth1 } = f;
  return {
    nf: await lens.normalizationFactor(eth1.id),
    lastUpdate: await lens.lastFundingUpdate(eth1.id),
    vaultCount: await lens.vaultCount(eth1.id),
    seedVault: (await lens.getVault(eth1.seedVaultId)).map((x) => x),
    supply: await eth1.token.totalSupply(),
    paused: await lens.isPaused(eth1.id),
    shutDown: await lens.isShutDown(eth1.id),
  };
}

/** A liquidatable ETH² vault (10 ETH / 15 tokens after ETH 3000 → 4800) and a keeper holding 10 tokens. */
async function liquidationSetup(f: EngineFixture) {
  const { alice, bob, keeper } = f.protocol;
  const half = await openVault(f, alice, 0, parseEther("10"), parseEther("15"));
  const dust = await openVault(f, bob, 0, parseEther("0.8"), parseEther("1.2"));
  const safe = await openVault(f, keeper, 0, parseEther("50"), parseEther("10"));
  await moveEthTo(f, 4800);
  return { half, dust, safe };
}

/** Every vault action and funding update of market 0, on `vaultId` (owned by alice), labelled for messages. */
function vaultActions(f: EngineFixture, vaultId: bigint): [string, () => Promise<unknown>][] {
  const { engine, eth2 } = f;
  const { alice, keeper } = f.protocol;
  return [
    ["mint", () => engine.connect(alice).mint(vaultId, 1n, { value: 1n })],
    ["mint new", () => engine.connect(alice).mint(eth2.newVaultId, 1n, { value: parseEther("1") })],
    ["burn", () => engine.connect(alice).burn(vaultId, 1n, 0n)],
    ["withdraw", () => engine.connect(alice).withdraw(vaultId, 1n)],
    ["deposit", () => engine.connect(alice).deposit(vaultId, { value: 1n })],
    ["liquidate", () => engine.connect(keeper).liquidate(vaultId, MaxUint256)],
    ["applyFunding", () => engine.connect(keeper).applyFunding(0)],
    ["openVault", () => engine.connect(alice).openVault(0)],
  ];
}

describe("Engine risk: liquidation (market 0, ETH 3000 → 4800)", function () {
  it("moved the market: the 10 ETH / 15 token vault is unsafe, the keeper's is safe", async function () {
    const f = await loadEngine();
    const { half, dust, safe } = await liquidationSetup(f);
    expect(await f.lens.ethPrice(0)).to.be.closeTo(parseEther("4800"), parseEther("2"));
    expect(await f.lens.isVaultSafe(half)).to.equal(false);
    expect(await f.lens.isVaultSafe(dust)).to.equal(false);
    expect(await f.lens.isVaultSafe(safe)).to.equal(true);
  });

  it("liquidates half of the debt: Liquidated, tokens burned from the liquidator, ETH as previewed", async function () {
    const f = await loadEngine();
    const { engine, lens, eth2 } = f;
    const { keeper } = f.protocol;
    const { half } = await liquidationSetup(f);
    const supply = await eth2.token.totalSupply();
    await pinNextBlock();
    const [liquidatable, maxDebt, collateralPaid] = await lens.previewLiquidation(half, PENDING);
    expect(liquidatable).to.equal(true);
    expect(maxDebt).to.equal(parseEther("7.5"));
    // Payout ≈ 7.5 tokens at the fair price (≈ 0.495 ETH) plus the 10% bonus.
    expect(collateralPaid).to.be.closeTo(parseEther("4.08"), parseEther("0.05"));
    expect(await eth2.token.allowance(keeper, engine)).to.equal(0n);

    const tx = engine.connect(keeper).liquidate(half, MaxUint256);
    await expect(tx)
      .to.emit(engine, "Liquidated")
      .withArgs(0n, half, keeper.address, parseEther("7.5"), collateralPaid);
    await expect(tx).to.changeEtherBalances(ethers, [keeper, engine], [collateralPaid, -collateralPaid]);
    await expect(tx).to.changeTokenBalance(ethers, eth2.token, keeper, -parseEther("7.5"));
    const [, , collateral, debt] = await lens.getVault(half);
    expect(collateral).to.equal(parseEther("10") - collateralPaid);
    expect(debt).to.equal(parseEther("7.5"));
    expect(await eth2.token.totalSupply()).to.equal(supply - parseEther("7.5"));
    expect(await lens.totalBadDebt(0)).to.equal(0n);
  });

  it("reverts VaultSafe with the ratio for a healthy vault (and max for a vault without debt)", async function () {
    const f = await loadEngine();
    const { engine, lens } = f;
    const { keeper, bob } = f.protocol;
    const { safe } = await liquidationSetup(f);
    await pinNextBlock();
    const ratio = await lens.collateralRatio(safe, PENDING);
    expect(ratio).to.be.greaterThan(parseEther("1.5"));
    await expect(engine.connect(keeper).liquidate(safe, MaxUint256))
      .to.be.revertedWithCustomError(engine, "VaultSafe")
      .withArgs(safe, ratio);
    const empty = vaultIdOf(0, (await lens.vaultCount(0)) + 1n);
    await mined(engine.connect(bob).openVault(0));
    await expect(engine.connect(keeper).liquidate(empty, MaxUint256))
      .to.be.revertedWithCustomError(engine, "VaultSafe")
      .withArgs(empty, MaxUint256);
  });

  it("reverts VaultNotFound for serial 0 and a serial past the count", async function () {
    const f = await loadEngine();
    const { engine, lens } = f;
    const { keeper } = f.protocol;
    const count = await lens.vaultCount(0);
    const missing = vaultIdOf(0, count + 1n);
    await expect(engine.connect(keeper).liquidate(missing, MaxUint256))
      .to.be.revertedWithCustomError(engine, "VaultNotFound")
      .withArgs(missing);
    await expect(engine.connect(keeper).liquidate(vaultIdOf(0, 0n), MaxUint256))
      .to.be.revertedWithCustomError(engine, "VaultNotFound")
      .withArgs(vaultIdOf(0, 0n));
    expect(await lens.vaultCount(0)).to.equal(count);
  });

  it("reverts LiquidationLeavesDust for a half that leaves dust; the whole debt goes through", async function () {
    const f = await loadEngine();
    const { engine, lens, eth2 } = f;
    const { keeper } = f.protocol;
    const { dust } = await liquidationSetup(f);
    await expect(engine.connect(keeper).liquidate(dust, parseEther("0.6")))
      .to.be.revertedWithCustomError(engine, "LiquidationLeavesDust")
      .withArgs(dust, parseEther("1.2"));
    const [, , collateral, debt] = await lens.getVault(dust);
    expect([collateral, debt]).to.deep.equal([parseEther("0.8"), parseEther("1.2")]);
    // Offering everything repays the whole debt (half would leave dust).
    await pinNextBlock();
    const [, maxDebt, paid] = await lens.previewLiquidation(dust, PENDING);
    expect(maxDebt).to.equal(parseEther("1.2"));
    const tx = engine.connect(keeper).liquidate(dust, MaxUint256);
    await expect(tx)
      .to.emit(engine, "Liquidated")
      .withArgs(0n, dust, keeper.address, parseEther("1.2"), paid);
    await expect(tx).to.changeTokenBalance(ethers, eth2.token, keeper, -parseEther("1.2"));
    const [, , collateralAfter, debtAfter] = await lens.getVault(dust);
    expect([collateralAfter, debtAfter]).to.deep.equal([parseEther("0.8") - paid, 0n]);
  });

  it("a liquidation in market 0 leaves market 1's NF, vaults and token supply unchanged", async function () {
    const f = await loadEngine();
    const { engine, lens, eth1 } = f;
    const { keeper, alice } = f.protocol;
    const other = await openVault(f, alice, 1, parseEther("3"), parseEther("1"));
    const { half } = await liquidationSetup(f);
    const before = await market1State(f);
    const otherBefore = (await lens.getVault(other)).map((x) => x);
    await mined(engine.connect(keeper).liquidate(half, MaxUint256));
    expect(await market1State(f)).to.deep.equal(before);
    expect((await lens.getVault(other)).map((x) => x)).to.deep.equal(otherBefore);
    expect(await eth1.token.balanceOf(alice)).to.equal(parseEther("1"));
  });
});

describe("Engine risk: fees", function () {
  it("setFee is owner-only and validated: FeeTooHigh, MissingFeeRecipient, MarketNotFound", async function () {
    const { engine, lens, protocol } = await loadEngine();
    const { alice, carol } = protocol;
    await expect(engine.connect(alice).setFee(0, 50, carol))
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await expect(engine.setFee(0, 101, carol))
      .to.be.revertedWithCustomError(engine, "FeeTooHigh")
      .withArgs(101n, 100n);
    await expect(engine.setFee(0, 50, ZeroAddress)).to.be.revertedWithCustomError(
      engine,
      "MissingFeeRecipient",
    );
    await expect(engine.setFee(2, 50, carol))
      .to.be.revertedWithCustomError(engine, "MarketNotFound")
      .withArgs(2n);
    expect(await lens.feeBps(0)).to.equal(0n);
    expect(await lens.feeRecipient(0)).to.equal(ZeroAddress);
    await expect(engine.setFee(0, 100, carol))
      .to.emit(engine, "FeeSet")
      .withArgs(0n, 100n, carol.address);
    expect(await lens.feeBps(0)).to.equal(100n);
    expect(await lens.feeRecipient(0)).to.equal(carol.address);
    expect(await lens.feeBps(1)).to.equal(0n);
    expect(await lens.feeRecipient(1)).to.equal(ZeroAddress);
  });

  it("a mint charges FeeCharged and accrues fees only in its market; collectFees pays the recipient", async function () {
    const { engine, lens, protocol, eth1 } = await loadEngine();
    const { alice, carol, keeper } = protocol;
    await mined(engine.setFee(0, 100, carol));
    const amount = parseEther("2");
    const vaultId = vaultIdOf(0, (await lens.vaultCount(0)) + 1n);
    await pinNextBlock();
    const price = await lens.tokenPrice(0, PENDING);
    const fee = mulDivUp(amount, price * 100n, WAD * 10_000n);
    expect(fee).to.be.closeTo(parseEther("0.0062"), parseEther("0.0002"));
    const tx = engine.connect(alice).mint(vaultIdOf(0, 0n), amount, { value: parseEther("2") });
    await expect(tx).to.emit(engine, "FeeCharged").withArgs(0n, vaultId, fee);
    const [, , collateral] = await lens.getVault(vaultId);
    expect(collateral).to.equal(parseEther("2") - fee);
    expect(await lens.accruedFees(0)).to.equal(fee);
    expect(await lens.accruedFees(1)).to.equal(0n);

    // Market 1 has no fee: no FeeCharged, nothing accrues.
    await expect(
      engine.connect(alice).mint(eth1.newVaultId, parseEther("1"), { value: parseEther("3") }),
    ).not.to.emit(engine, "FeeCharged");
    expect(await lens.accruedFees(1)).to.equal(0n);
    await expect(engine.collectFees(1)).to.be.revertedWithCustomError(engine, "NoFeesToCollect");

    const collect = engine.connect(keeper).collectFees(0);
    await expect(collect).to.emit(engine, "FeesCollected").withArgs(0n, carol.address, fee);
    await expect(collect).to.changeEtherBalances(ethers, [carol, engine], [fee, -fee]);
    expect(await lens.accruedFees(0)).to.equal(0n);
    await expect(engine.collectFees(0)).to.be.revertedWithCustomError(engine, "NoFeesToCollect");
  });

  it("setFee works while paused and after shutdown", async function () {
    const { engine, lens, protocol } = await loadEngine();
    const { bob, carol } = protocol;
    await mined(engine.pause(0));
    await expect(engine.setFee(0, 30, bob))
      .to.emit(engine, "FeeSet")
      .withArgs(0n, 30n, bob.address);
    expect(await lens.feeBps(0)).to.equal(30n);
    await mined(engine.shutdown(0));
    await expect(engine.setFee(0, 40, carol))
      .to.emit(engine, "FeeSet")
      .withArgs(0n, 40n, carol.address);
    expect(await lens.feeRecipient(0)).to.equal(carol.address);
  });
});

describe("Engine risk: pause", function () {
  it("pause is owner-only and emits Paused(marketId, pausesLeft) for that market only", async function () {
    const { engine, lens, protocol } = await loadEngine();
    const { alice } = protocol;
    await expect(engine.connect(alice).pause(0))
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await expect(engine.pause(7)).to.be.revertedWithCustomError(engine, "MarketNotFound").withArgs(7n);
    expect(await lens.pausesLeft(0)).to.equal(4n);
    await expect(engine.pause(0)).to.emit(engine, "Paused").withArgs(0n, 3n);
    expect(await lens.isPaused(0)).to.equal(true);
    expect(await lens.pausesLeft(0)).to.equal(3n);
    expect(await lens.isPaused(1)).to.equal(false);
    expect(await lens.pausesLeft(1)).to.equal(4n);
    await expect(engine.pause(0)).to.be.revertedWithCustomError(engine, "MarketPaused").withArgs(0n);
  });

  it("while market 0 is paused its vault actions revert MarketPaused(0); market 1 still works", async function () {
    const f = await loadEngine();
    const { engine, lens, eth1 } = f;
    const { alice, keeper } = f.protocol;
    const vaultId = await openVault(f, alice, 0, parseEther("3"), parseEther("2"));
    await mined(engine.pause(0));
    const before = (await lens.getVault(vaultId)).map((x) => x);
    const actions = vaultActions(f, vaultId);
    actions.push(["setOperator", () => engine.connect(alice).setOperator(vaultId, keeper)]);
    for (const [label, action] of actions) {
      await expect(action(), label).to.be.revertedWithCustomError(engine, "MarketPaused").withArgs(0n);
    }
    expect((await lens.getVault(vaultId)).map((x) => x)).to.deep.equal(before);
    // Market 1 runs on.
    const other = vaultIdOf(1, (await lens.vaultCount(1)) + 1n);
    await expect(engine.connect(alice).mint(eth1.newVaultId, parseEther("1"), { value: parseEther("3") }))
      .to.emit(engine, "Minted")
      .withArgs(1n, other, alice.address, parseEther("1"));
    await expect(engine.connect(alice).burn(other, parseEther("0.5"), parseEther("1")))
      .to.emit(engine, "Burned")
      .withArgs(1n, other, alice.address, parseEther("0.5"), parseEther("1"));
    await expect(engine.connect(keeper).applyFunding(1)).to.emit(engine, "NormalizationFactorUpdated");
  });

  it("allows 4 pauses per market, then NoPausesLeft", async function () {
    const { engine, lens } = await loadEngine();
    for (let left = 3n; left >= 0n; left--) {
      await expect(engine.pause(0)).to.emit(engine, "Paused").withArgs(0n, left);
      expect(await lens.pausesLeft(0)).to.equal(left);
      await mined(engine.unpause(0));
    }
    await expect(engine.pause(0)).to.be.revertedWithCustomError(engine, "NoPausesLeft");
    expect(await lens.isPaused(0)).to.equal(false);
    // Market 1 keeps its own budget.
    await expect(engine.pause(1)).to.emit(engine, "Paused").withArgs(1n, 3n);
  });

  it("pausing works at creation + 182 days and reverts PauseWindowClosed after", async function () {
    const { engine, eth2 } = await loadEngine();
    const [created] = await engine.queryFilter(engine.filters.MarketCreated(eth2.id));
    const createdAt = (await created.getBlock()).timestamp;
    const deadline = createdAt + PAUSE_WINDOW;
    await networkHelpers.time.setNextBlockTimestamp(deadline);
    await expect(engine.pause(0)).to.emit(engine, "Paused").withArgs(0n, 3n);
    await mined(engine.unpause(0));
    await expect(engine.pause(0))
      .to.be.revertedWithCustomError(engine, "PauseWindowClosed")
      .withArgs(BigInt(deadline));
  });

  it("unpause: MarketNotPaused, UnpauseTooEarly for a stranger before a day, anyone after, owner anytime", async function () {
    const { engine, lens, protocol } = await loadEngine();
    const { bob, deployer } = protocol;
    await expect(engine.unpause(0)).to.be.revertedWithCustomError(engine, "MarketNotPaused").withArgs(0n);
    await expect(engine.unpause(9)).to.be.revertedWithCustomError(engine, "MarketNotFound").withArgs(9n);

    const pausedAt = await minedAt(engine.pause(0));
    await networkHelpers.time.setNextBlockTimestamp(pausedAt + DAY - 1);
    await expect(engine.connect(bob).unpause(0))
      .to.be.revertedWithCustomError(engine, "UnpauseTooEarly")
      .withArgs(BigInt(pausedAt + DAY));
    expect(await lens.isPaused(0)).to.equal(true);
    await networkHelpers.time.setNextBlockTimestamp(pausedAt + DAY);
    await expect(engine.connect(bob).unpause(0))
      .to.emit(engine, "Unpaused")
      .withArgs(0n, bob.address, BigInt(pausedAt + DAY + GRACE));
    expect(await lens.isPaused(0)).to.equal(false);
    expect(await lens.liquidationsOpenAt(0)).to.equal(BigInt(pausedAt + DAY + GRACE));

    // The owner may unpause right away.
    await mined(engine.pause(0));
    const next = await pinNextBlock();
    await expect(engine.unpause(0))
      .to.emit(engine, "Unpaused")
      .withArgs(0n, await deployer.getAddress(), BigInt(next + GRACE));
    expect(await lens.liquidationsOpenAt(1)).to.equal(0n);
  });

  it("freezes NF while paused and restarts funding at the unpause", async function () {
    const { engine, lens, protocol } = await loadEngine();
    const pausedAt = await minedAt(engine.pause(0));
    const frozen = await lens.normalizationFactor(0);
    expect(await lens.lastFundingUpdate(0)).to.equal(BigInt(pausedAt));
    await advanceTime(protocol, 3 * DAY);
    expect(await lens.expectedNormalizationFactor(0)).to.equal(frozen);
    const unpausedAt = await minedAt(engine.unpause(0));
    expect(await lens.normalizationFactor(0)).to.equal(frozen);
    expect(await lens.lastFundingUpdate(0)).to.equal(BigInt(unpausedAt));
    // Funding runs again from the unpause (the pool trades above index: longs pay, NF falls).
    await advanceTime(protocol, DAY);
    expect(await lens.expectedNormalizationFactor(0)).to.be.lessThan(frozen);
  });

  it("after an unpause liquidations revert LiquidationGracePeriod for one hour", async function () {
    const f = await loadEngine();
    const { engine, lens } = f;
    const { keeper } = f.protocol;
    const { half } = await liquidationSetup(f);
    await mined(engine.pause(0));
    const unpausedAt = await minedAt(engine.unpause(0));
    const openAt = BigInt(unpausedAt + GRACE);
    expect(await lens.liquidationsOpenAt(0)).to.equal(openAt);
    const [liquidatable] = await lens.previewLiquidation(half);
    expect(liquidatable).to.equal(false);
    await networkHelpers.time.setNextBlockTimestamp(unpausedAt + GRACE - 1);
    await expect(engine.connect(keeper).liquidate(half, MaxUint256))
      .to.be.revertedWithCustomError(engine, "LiquidationGracePeriod")
      .withArgs(openAt);
    await networkHelpers.time.setNextBlockTimestamp(unpausedAt + GRACE);
    await expect(engine.connect(keeper).liquidate(half, MaxUint256)).to.emit(engine, "Liquidated");
  });

  it("pauseAll pauses every running market once, skipping paused and shut-down ones", async function () {
    const { engine, lens, protocol } = await loadEngine();
    const { alice } = protocol;
    await expect(engine.connect(alice).pauseAll())
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);

    const pausedEvents = async (tx: Promise<ContractTransactionResponse>) => {
      const receipt = await mined(tx);
      return receipt.logs
        .map((log) => engine.interface.parseLog(log))
        .filter((e) => e?.name === "Paused")
        .map((e) => [e!.args[0], e!.args[1]]);
    };
    expect(await pausedEvents(engine.pauseAll())).to.deep.equal([
      [0n, 3n],
      [1n, 3n],
    ]);
    expect(await lens.isPaused(0)).to.equal(true);
    expect(await lens.isPaused(1)).to.equal(true);

    await mined(engine.unpause(0));
    expect(await pausedEvents(engine.pauseAll())).to.deep.equal([[0n, 2n]]);
    expect(await lens.pausesLeft(1)).to.equal(3n);

    await mined(engine.unpause(0));
    await mined(engine.unpause(1));
    await mined(engine.shutdown(1));
    expect(await pausedEvents(engine.pauseAll())).to.deep.equal([[0n, 1n]]);
    expect(await lens.isShutDown(1)).to.equal(true);
    expect(await lens.pausesLeft(1)).to.equal(3n);
  });
});

describe("Engine risk: shutdown and settlement (market 0)", function () {
  it("shutdown is owner-only, emits Shutdown, and a second call reverts MarketShutDown", async function () {
    const { engine, lens, protocol } = await loadEngine();
    const { alice } = protocol;
    await expect(engine.connect(alice).shutdown(0))
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(alice.address);
    await expect(engine.shutdown(5)).to.be.revertedWithCustomError(engine, "MarketNotFound").withArgs(5n);
    await pinNextBlock();
    const nf = await lens.expectedNormalizationFactor(0, PENDING);
    const price = await lens.ethPrice(0, PENDING);
    expect(price).to.be.closeTo(parseEther("3000"), parseEther("1"));
    await expect(engine.shutdown(0)).to.emit(engine, "Shutdown").withArgs(0n, price, nf);
    expect(await lens.isShutDown(0)).to.equal(true);
    expect(await lens.settlementEthPrice(0)).to.equal(price);
    expect(await lens.normalizationFactor(0)).to.equal(nf);
    expect(await lens.isShutDown(1)).to.equal(false);
    expect(await lens.settlementEthPrice(1)).to.equal(0n);
    await expect(engine.shutdown(0)).to.be.revertedWithCustomError(engine, "MarketShutDown").withArgs(0n);
  });

  it("after shutdown market 0's vault actions revert MarketShutDown(0); market 1 is unaffected", async function () {
    const f = await loadEngine();
    const { engine, lens, eth1 } = f;
    const { alice } = f.protocol;
    const vaultId = await openVault(f, alice, 0, parseEther("3"), parseEther("2"));
    await mined(engine.shutdown(0));
    const actions = vaultActions(f, vaultId);
    actions.push(["pause", () => engine.pause(0)], ["unpause", () => engine.unpause(0)]);
    for (const [label, action] of actions) {
      await expect(action(), label).to.be.revertedWithCustomError(engine, "MarketShutDown").withArgs(0n);
    }
    const other = vaultIdOf(1, (await lens.vaultCount(1)) + 1n);
    await expect(engine.connect(alice).mint(eth1.newVaultId, parseEther("1"), { value: parseEther("3") }))
      .to.emit(engine, "Minted")
      .withArgs(1n, other, alice.address, parseEther("1"));
    await expect(engine.settleVaults(1, 10))
      .to.be.revertedWithCustomError(engine, "MarketNotShutDown")
      .withArgs(1n);
  });

  it("settlement: MarketNotShutDown / MarketPaused before, pages, SettlementIncomplete, SettlementCompleted", async function () {
    const f = await loadEngine();
    const { engine, lens, eth2 } = f;
    const { alice, bob } = f.protocol;
    const aliceVault = await openVault(f, alice, 0, parseEther("3"), parseEther("2"));
    await openVault(f, bob, 0, parseEther("2"), parseEther("1"));
    expect(await lens.vaultCount(0)).to.equal(3n);

    await expect(engine.settleVaults(0, 10))
      .to.be.revertedWithCustomError(engine, "MarketNotShutDown")
      .withArgs(0n);
    await expect(engine.connect(alice).redeemLong(0, 1n))
      .to.be.revertedWithCustomError(engine, "MarketNotShutDown")
      .withArgs(0n);
    await expect(engine.connect(alice).redeemShort(aliceVault))
      .to.be.revertedWithCustomError(engine, "MarketNotShutDown")
      .withArgs(0n);
    await mined(engine.pause(0));
    await expect(engine.settleVaults(0, 10))
      .to.be.revertedWithCustomError(engine, "MarketPaused")
      .withArgs(0n);
    await mined(engine.unpause(0));

    await mined(engine.shutdown(0));
    const supply = await eth2.token.totalSupply();
    await expect(engine.connect(alice).redeemLong(0, 1n))
      .to.be.revertedWithCustomError(engine, "SettlementIncomplete")
      .withArgs(0n, 3n);
    expect(await engine.settleVaults.staticCall(0, 2)).to.equal(false);
    await expect(engine.settleVaults(0, 2)).not.to.emit(engine, "SettlementCompleted");
    expect(await lens.settledVaults(0)).to.equal(2n);
    await expect(engine.connect(alice).redeemShort(aliceVault))
      .to.be.revertedWithCustomError(engine, "SettlementIncomplete")
      .withArgs(2n, 3n);

    const nf = await lens.normalizationFactor(0);
    const price = await lens.settlementEthPrice(0);
    const perTokenDown = (nf * price) / (10_000n * WAD);
    const claims = mulDivUp(supply, perTokenDown, WAD);
    await expect(engine.settleVaults(0, 2)).to.emit(engine, "SettlementCompleted").withArgs(0n, claims, 0n);
    expect(await lens.settledVaults(0)).to.equal(3n);
    expect(await lens.longPayoutPool(0)).to.equal(claims);
    expect(await lens.settlementShortfall(0)).to.equal(0n);
    // Settling again is a no-op.
    await expect(engine.settleVaults(0, 5)).not.to.emit(engine, "SettlementCompleted");
    expect(await lens.settledVaults(0)).to.equal(3n);
  });

  it("redeemLong pays amount · NF · S / 1e4; redeemShort pays collateral minus debt value and closes the vault", async function () {
    const f = await loadEngine();
    const { engine, lens, eth2 } = f;
    const { alice, bob } = f.protocol;
    const aliceVault = await openVault(f, alice, 0, parseEther("3"), parseEther("2"));
    await mined(engine.shutdown(0));
    await mined(engine.settleVaults(0, 100));
    const nf = await lens.normalizationFactor(0);
    const price = await lens.settlementEthPrice(0);

    await expect(engine.connect(alice).redeemLong(0, 0n)).to.be.revertedWithCustomError(engine, "ZeroAmount");
    const amount = parseEther("1.5");
    const perTokenDown = (nf * price) / (10_000n * WAD);
    const payout = (amount * perTokenDown) / WAD;
    expect(payout).to.be.closeTo(parseEther("0.45"), parseEther("0.01"));
    const tx = engine.connect(alice).redeemLong(0, amount);
    await expect(tx).to.emit(engine, "LongRedeemed").withArgs(0n, alice.address, amount, payout);
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [payout, -payout]);
    await expect(tx).to.changeTokenBalance(ethers, eth2.token, alice, -amount);

    await expect(engine.connect(bob).redeemShort(aliceVault))
      .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
      .withArgs(aliceVault, bob.address);
    const perTokenUp = mulDivUp(nf, price, 10_000n * WAD);
    const shortPayout = parseEther("3") - mulDivUp(parseEther("2"), perTokenUp, WAD);
    const short = engine.connect(alice).redeemShort(aliceVault);
    await expect(short).to.emit(engine, "ShortRedeemed").withArgs(0n, aliceVault, alice.address, shortPayout);
    await expect(short).to.changeEtherBalances(ethers, [alice, engine], [shortPayout, -shortPayout]);
    const [owner, , collateral, debt] = await lens.getVault(aliceVault);
    expect(owner).to.equal(alice.address);
    expect([collateral, debt]).to.deep.equal([0n, 0n]);
    // A closed vault redeems nothing more.
    await expect(engine.connect(alice).redeemShort(aliceVault))
      .to.emit(engine, "ShortRedeemed")
      .withArgs(0n, aliceVault, alice.address, 0n);
  });

  it("shutdown while paused works and keeps the NF frozen at the pause", async function () {
    const { engine, lens, protocol } = await loadEngine();
    await mined(engine.pause(0));
    const frozen = await lens.normalizationFactor(0);
    await advanceTime(protocol, 2 * DAY);
    await pinNextBlock();
    const price = await lens.ethPrice(0, PENDING);
    await expect(engine.shutdown(0)).to.emit(engine, "Shutdown").withArgs(0n, price, frozen);
    expect(await lens.isShutDown(0)).to.equal(true);
    expect(await lens.isPaused(0)).to.equal(false);
    expect(await lens.normalizationFactor(0)).to.equal(frozen);
    await expect(engine.settleVaults(0, 10)).to.emit(engine, "SettlementCompleted");
    expect(await lens.isPaused(1)).to.equal(false);
  });
});

describe("Engine risk: createMarket", function () {
  const base = toEngineParams(DEFAULT_MARKET_PARAMETERS);
  const cases: [string, Partial<typeof base>][] = [
    ["power", { power: 0 }],
    ["power", { power: 5 }],
    ["indexScale", { indexScale: 0n }],
    ["minCollateralRatioWad", { minCollateralRatioWad: WAD }],
    ["fundingPeriodSeconds", { fundingPeriodSeconds: 0 }],
    ["markRatioFloorWad", { markRatioFloorWad: 0n }],
    ["markRatioFloorWad", { markRatioFloorWad: WAD + 1n }],
    ["markRatioCapWad", { markRatioCapWad: WAD - 1n }],
    ["markRatioCapWad", { markRatioCapWad: parseEther("10") + 1n }],
    ["liquidationBonusWad", { liquidationBonusWad: parseEther("0.5") + 1n }],
    ["strikeWad", { strikeWad: 1n }],
    ["floorVolatilityWad", { floorVolatilityWad: 1n }],
    ["interestRatePerPeriodWad", { interestRatePerPeriodWad: 1n }],
    ["premiumClampWad", { premiumClampWad: 1n }],
  ];
  // The exchanges' rule: 0 <= I <= c <= 1% per period, F bounds 1 - 10% <= floor < 1 and 1 + I < cap <= 1 + 10%.
  const perpetualFuture = toEngineParams(perpetualFutureParameters());
  const premiumCases: [string, Partial<typeof base>][] = [
    ["premiumClampWad", { premiumClampWad: parseEther("0.01") + 1n }],
    ["interestRatePerPeriodWad", { interestRatePerPeriodWad: parseEther("0.0005") + 1n }],
    ["markRatioFloorWad", { markRatioFloorWad: WAD }],
    ["markRatioFloorWad", { markRatioFloorWad: parseEther("0.9") - 1n }],
    ["markRatioCapWad", { markRatioCapWad: WAD + parseEther("0.0001") }],
    ["markRatioCapWad", { markRatioCapWad: parseEther("1.1") + 1n }],
    ["power", { power: 0 }],
  ];
  const call = toEngineParams(optionMarketParameters("call", 3500));
  const optionCases: [string, Partial<typeof base>][] = [
    ["power", { power: 2 }],
    ["indexScale", { indexScale: 10_000n }],
    ["strikeWad", { strikeWad: 0n }],
    ["strikeWad", { strikeWad: 10n ** 36n + 1n }],
    ["floorVolatilityWad", { floorVolatilityWad: parseEther("0.01") - 1n }],
    ["floorVolatilityWad", { floorVolatilityWad: parseEther("10") + 1n }],
    ["markRatioFloorWad", { markRatioFloorWad: parseEther("0.5") + 1n }],
    ["markRatioCapWad", { markRatioCapWad: WAD - 1n }],
    ["markRatioCapWad", { markRatioCapWad: parseEther("2") + 1n }],
    ["minCollateralRatioWad", { minCollateralRatioWad: WAD }],
    ["fundingPeriodSeconds", { fundingPeriodSeconds: 0 }],
    ["fundingRule", { fundingRule: 1 }],
    // The liquidation ratio, 1.32 / 1.2 = 110%, would only just cover the debt and the 10% bonus: refused.
    ["minCollateralRatioWad", { minCollateralRatioWad: parseEther("1.32") }],
    ["interestRatePerPeriodWad", { interestRatePerPeriodWad: 1n }],
    ["premiumClampWad", { premiumClampWad: 1n }],
  ];

  it("is owner-only and rejects every out-of-range parameter with InvalidMarketParameter", async function () {
    const { engine, eth2, protocol } = await loadEngine();
    await expect(engine.connect(protocol.alice).createMarket(base, eth2.token, eth2.priceSource))
      .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
      .withArgs(protocol.alice.address);
    for (const [name, change] of cases) {
      await expect(engine.createMarket({ ...base, ...change }, eth2.token, eth2.priceSource), name)
        .to.be.revertedWithCustomError(engine, "InvalidMarketParameter")
        .withArgs(name);
    }
    for (const [name, change] of premiumCases) {
      await expect(
        engine.createMarket({ ...perpetualFuture, ...change }, eth2.token, eth2.priceSource),
        `premium index ${name}`,
      )
        .to.be.revertedWithCustomError(engine, "InvalidMarketParameter")
        .withArgs(name);
    }
    for (const [name, change] of optionCases) {
      await expect(
        engine.createMarket({ ...call, ...change }, eth2.token, eth2.priceSource),
        `option ${name}`,
      )
        .to.be.revertedWithCustomError(engine, "InvalidMarketParameter")
        .withArgs(name);
    }
    // ProductKind has three members (Power, Call, Put): the ABI decoder rejects kind 3.
    await expect(
      engine.createMarket({ ...base, kind: 3 }, eth2.token, eth2.priceSource),
    ).to.be.revertedWithoutReason(ethers);
    expect(await engine.marketCount()).to.equal(2n);
  });

  it("rejects a token not minted by the engine, a listed token, and a price source of another token", async function () {
    const { engine, eth2, protocol } = await loadEngine();
    const foreign = await ethers.deployContract("MarketToken", ["Foreign", "F", protocol.alice.address]);
    await expect(engine.createMarket(base, foreign, eth2.priceSource))
      .to.be.revertedWithCustomError(engine, "InvalidMarketAddress")
      .withArgs("token");
    await expect(engine.createMarket(base, eth2.token, eth2.priceSource))
      .to.be.revertedWithCustomError(engine, "InvalidMarketAddress")
      .withArgs("token");
    const fresh = await ethers.deployContract("MarketToken", ["Fresh", "FR", await engine.getAddress()]);
    await expect(engine.createMarket(base, fresh, eth2.priceSource))
      .to.be.revertedWithCustomError(engine, "InvalidMarketAddress")
      .withArgs("priceSource");
    // A source that keeps its answers in storage cannot run from the market account (a copy of its code).
    const stateful = await ethers.deployContract("StatefulPriceSource", [
      fresh,
      parseEther("3000"),
      parseEther("1"),
    ]);
    await expect(engine.createMarket(base, fresh, stateful))
      .to.be.revertedWithCustomError(engine, "InvalidMarketAddress")
      .withArgs("priceSource");
    // An account without code (no token() to answer) is refused before anything is written.
    await expect(engine.createMarket(base, fresh, protocol.alice.address)).to.be.revert(ethers);
    expect(await engine.marketCount()).to.equal(2n);
  });

  it("runs each market's price source from its market account: the source's code with the configuration appended", async function () {
    const { eth2, eth1, lens } = await loadEngine();
    for (const m of [eth2, eth1]) {
      const account = await m.priceSource.getAddress();
      expect((await lens.marketConfig(m.id)).priceSource).to.equal(account);
      const code = await ethers.provider.getCode(account);
      const runtimeBytes = (code.length - 2) / 2;
      // The configuration is the last 18 words; before it, UniswapTwapPrices's runtime code (with its immutables).
      const configBytes = 18 * 32;
      expect(runtimeBytes - configBytes).to.be.greaterThan(4000);
      const tail = AbiCoder.defaultAbiCoder().decode(
        [
          ...["uint8", "uint8", "uint256", "uint256", "uint256", "uint32", "uint256", "uint256", "uint256"],
          ...["uint256", "uint256", "uint8", "uint256", "uint256"],
          ...["address", "address", "int256", "int256"],
        ],
        "0x" + code.slice(2 + 2 * (runtimeBytes - configBytes)),
      );
      expect(tail[1]).to.equal(BigInt(m.params.power));
      expect(tail[11]).to.equal(0n); // FundingRule.Standard
      expect(tail[14]).to.equal(await m.token.getAddress());
      expect(tail[15]).to.equal(account);
      expect(tail[16]).to.be.lessThan(0n); // ln of the clamp floor (< 1)
      expect(tail[17]).to.be.greaterThan(0n); // ln of the clamp cap (> 1)
    }
  });

  it("lists a third market (ETH³): MarketCreated, marketCount 3, first vault (2 << 64) | 1", async function () {
    const f = await loadEngine();
    const { engine, lens } = f;
    const m = await addMarket(f, { params: { power: 3, indexScale: 10n ** 8n } });
    expect(m.id).to.equal(2);
    expect(await engine.marketCount()).to.equal(3n);
    const [created] = await engine.queryFilter(engine.filters.MarketCreated(2));
    expect(created.args.token).to.equal(await m.token.getAddress());
    expect(created.args.priceSource).to.equal(await m.priceSource.getAddress());
    expect(created.args.config.params.power).to.equal(3n);
    expect(created.args.config.params.indexScale).to.equal(10n ** 8n);
    const receipt = await ethers.provider.getTransactionReceipt(created.transactionHash);
    console.log(`      createMarket gas: ${receipt?.gasUsed}`);
    expect(m.seedVaultId).to.equal((2n << 64n) | 1n);
    expect(await lens.vaultCount(2)).to.equal(1n);
    const [owner, , collateral, debt] = await lens.getVault((2n << 64n) | 1n);
    expect(owner).to.equal(await f.protocol.deployer.getAddress());
    expect(collateral).to.be.greaterThan(0n);
    expect(debt).to.equal(parseEther("100"));
    expect((await lens.marketConfig(2)).token).to.equal(await m.token.getAddress());
    expect(await lens.pausesLeft(2)).to.equal(4n);
  });
});
