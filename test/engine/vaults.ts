/**
 * The engine's vault actions (open, deposit, mint, burn, withdraw, operators, NFT transfers, storage access) and
 * the lens's views of both fixture markets (ETH², market 0, and ETH¹, market 1), each compared with an independent
 * expectation or with what the engine does.
 *
 * Lens values and engine calls are compared in one block context: `staticCall` runs in the same `eth_call` context
 * as the lens views, so "maxMintable can be minted and maxMintable + 1 cannot" is checked exactly there, and then
 * once more with a real transaction a block later (funding only widens the room while mark > index).
 */
import { expect } from "chai";
import { AbiCoder, MaxUint256, ZeroAddress, keccak256, parseEther, toBeHex, zeroPadValue } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { toEngineParams, vaultIdOf, type MarketDeployment as EngineMarket } from "../../deploy/evergamma.js";
import { advanceTime, setEthPrice } from "../../deploy/evergamma.js";
import { ethers, networkHelpers } from "../fixtures.js";
import { loadEngine, type EngineFixture } from "./fixture.js";

const WAD = 10n ** 18n;
const COLLATERAL = parseEther("5");
/** 4 ETH² tokens (~1.2 ETH of debt at ETH = 3000) or 2 ETH¹ tokens (~2 ETH). */
const DEBT: Record<number, bigint> = { 0: parseEther("4"), 1: parseEther("2") };
const MIN_COLLATERAL = parseEther("0.5");
const MIN_RATIO = parseEther("1.5");

/** Asserts |actual - expected| <= tolerance for floating-point approximations. */
function expectNear(actual: number, expected: number, tolerance: number): void {
  expect(
    Math.abs(actual - expected) <= tolerance,
    `${actual} not within ${tolerance} of ${expected}`,
  ).to.equal(true);
}

const mulDivUp = (a: bigint, b: bigint, d: bigint) => (a * b + d - 1n) / d;

/** Opens a vault for `signer` in `market` with `collateral` and `debt` (via mint with serial 0); returns its id. */
async function openWith(
  f: EngineFixture,
  signer: HardhatEthersSigner,
  market: EngineMarket,
  collateral = COLLATERAL,
  debt = DEBT[market.id],
): Promise<bigint> {
  const id = vaultIdOf(market.id, (await f.lens.vaultCount(market.id)) + 1n);
  await (await f.engine.connect(signer).mint(market.newVaultId, debt, { value: collateral })).wait();
  return id;
}

/** The ETH value of one token's debt for `market` at NF and S, as `PowerPerpMath` rounds it (up). */
function expectedPerToken(market: EngineMarket, nf: bigint, s: bigint): bigint {
  let sPow = WAD;
  for (let i = 1; i < market.params.power; i++) sPow = mulDivUp(sPow, s, WAD);
  return mulDivUp(nf, sPow, market.params.indexScale * WAD);
}

/** The index S^n / scale, as `PowerPerpMath.indexWad` rounds it (down at each step). */
function expectedIndex(market: EngineMarket, s: bigint): bigint {
  let sPow = WAD;
  for (let i = 1; i < market.params.power; i++) sPow = (sPow * s) / WAD;
  return (sPow * s) / WAD / market.params.indexScale;
}

/** collateral / ceil(debt * perToken), rounded down (the engine's ratio). */
function expectedRatio(collateral: bigint, debt: bigint, perToken: bigint): bigint {
  if (debt === 0n) return MaxUint256;
  return (collateral * WAD) / mulDivUp(debt, perToken, WAD);
}

function expectedMaxMintable(collateral: bigint, debt: bigint, perToken: bigint): bigint {
  if (collateral < MIN_COLLATERAL) return 0n;
  const maxDebt = (((collateral * WAD) / MIN_RATIO) * WAD) / perToken;
  return maxDebt > debt ? maxDebt - debt : 0n;
}

describe("Evergamma vault actions", function () {
  describe("openVault", function () {
    it("opens a vault in each market with the next serial, emits VaultOpened and mints the NFT", async function () {
      const f = await loadEngine();
      const { engine, lens, protocol } = f;
      const { alice, bob } = protocol;
      for (const m of [f.eth2, f.eth1]) {
        const expected = vaultIdOf(m.id, 2n); // serial 1 is the seed vault
        expect(await engine.connect(alice).openVault.staticCall(m.id)).to.equal(expected);
        await expect(engine.connect(alice).openVault(m.id))
          .to.emit(engine, "VaultOpened")
          .withArgs(m.id, expected, alice.address);
        expect(await engine.ownerOf(expected)).to.equal(alice.address);
        expect(await lens.vaultCount(m.id)).to.equal(2n);
        expect(await lens.getVault(expected)).to.deep.equal([alice.address, ZeroAddress, 0n, 0n]);
        await expect(engine.connect(bob).openVault(m.id))
          .to.emit(engine, "VaultOpened")
          .withArgs(m.id, vaultIdOf(m.id, 3n), bob.address);
        expect(await engine.ownerOf(vaultIdOf(m.id, 3n))).to.equal(bob.address);
      }
      expect(vaultIdOf(1, 2n)).to.equal((1n << 64n) | 2n);
    });

    it("reverts MarketNotFound for a market that does not exist", async function () {
      const f = await loadEngine();
      const { engine, lens, protocol } = f;
      await expect(engine.connect(protocol.alice).openVault(2))
        .to.be.revertedWithCustomError(engine, "MarketNotFound")
        .withArgs(2);
      expect(await lens.vaultCount(2)).to.equal(0n);
      expect(await engine.marketCount()).to.equal(2n);
    });
  });

  describe("mint", function () {
    it("with serial 0 opens a vault, deposits and mints (VaultOpened, Deposited, Minted)", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      const id = vaultIdOf(0, 2n);
      const debt = DEBT[0];
      expect(
        await engine.connect(alice).mint.staticCall(eth2.newVaultId, debt, { value: COLLATERAL }),
      ).to.equal(id);
      const supply = await eth2.token.totalSupply();
      const tx = await engine.connect(alice).mint(eth2.newVaultId, debt, { value: COLLATERAL });
      await expect(tx).to.emit(engine, "VaultOpened").withArgs(0, id, alice.address);
      await expect(tx).to.emit(engine, "Deposited").withArgs(0, id, alice.address, COLLATERAL);
      await expect(tx).to.emit(engine, "Minted").withArgs(0, id, alice.address, debt);
      await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [-COLLATERAL, COLLATERAL]);
      await expect(tx).to.changeTokenBalance(ethers, eth2.token, alice, debt);
      expect(await eth2.token.totalSupply()).to.equal(supply + debt);
      expect(await engine.ownerOf(id)).to.equal(alice.address);
      expect(await lens.getVault(id)).to.deep.equal([alice.address, ZeroAddress, COLLATERAL, debt]);
      expect(await lens.vaultCount(0)).to.equal(2n);
    });

    it("mints into an existing vault for its owner, without ETH (no Deposited)", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      const id = await openWith(f, alice, eth2);
      const tx = await engine.connect(alice).mint(id, parseEther("1"));
      await expect(tx).to.emit(engine, "Minted").withArgs(0, id, alice.address, parseEther("1"));
      await expect(tx).not.to.emit(engine, "Deposited");
      await expect(tx).not.to.emit(engine, "VaultOpened");
      await expect(tx).to.changeTokenBalance(ethers, eth2.token, alice, parseEther("1"));
      expect(await lens.getVault(id)).to.deep.equal([
        alice.address,
        ZeroAddress,
        COLLATERAL,
        DEBT[0] + parseEther("1"),
      ]);
      expect(await lens.vaultCount(0)).to.equal(2n);
    });

    it("an operator mints into the owner's vault; tokens go to the operator", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice, bob } = protocol;
      const id = await openWith(f, alice, eth2);
      await expect(engine.connect(alice).setOperator(id, bob))
        .to.emit(engine, "OperatorSet")
        .withArgs(0, id, bob.address);
      const tx = await engine.connect(bob).mint(id, parseEther("1"), { value: parseEther("1") });
      await expect(tx).to.emit(engine, "Deposited").withArgs(0, id, bob.address, parseEther("1"));
      await expect(tx).to.emit(engine, "Minted").withArgs(0, id, bob.address, parseEther("1"));
      await expect(tx).to.changeTokenBalances(ethers, eth2.token, [bob, alice], [parseEther("1"), 0n]);
      await expect(tx).to.changeEtherBalances(ethers, [bob, engine], [-parseEther("1"), parseEther("1")]);
      expect(await lens.getVault(id)).to.deep.equal([
        alice.address,
        bob.address,
        COLLATERAL + parseEther("1"),
        DEBT[0] + parseEther("1"),
      ]);
    });

    it("refuses a stranger, an unopened vault and a zero amount, leaving the vault unchanged", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice, carol } = protocol;
      const id = await openWith(f, alice, eth2);
      await expect(engine.connect(carol).mint(id, 1n, { value: parseEther("1") }))
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, carol.address);
      await expect(
        engine.connect(alice).mint(id, 0n, { value: parseEther("1") }),
      ).to.be.revertedWithCustomError(engine, "ZeroAmount");
      await expect(engine.connect(alice).mint(eth2.newVaultId, 0n)).to.be.revertedWithCustomError(
        engine,
        "ZeroAmount",
      );
      const missing = vaultIdOf(0, 9n);
      await expect(engine.connect(alice).mint(missing, 1n, { value: parseEther("1") }))
        .to.be.revertedWithCustomError(engine, "VaultNotFound")
        .withArgs(missing);
      await expect(engine.connect(alice).mint(vaultIdOf(7, 0n), 1n, { value: parseEther("1") }))
        .to.be.revertedWithCustomError(engine, "MarketNotFound")
        .withArgs(7);
      expect(await lens.getVault(id)).to.deep.equal([alice.address, ZeroAddress, COLLATERAL, DEBT[0]]);
      expect(await lens.vaultCount(0)).to.equal(2n);
    });

    it("reverts VaultUnsafe with the ratio it would have, and VaultBelowMinCollateral under the 0.5 ETH floor", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      const newId = vaultIdOf(0, 2n);
      // 1 ETH against 4 tokens (~1.2 ETH of debt): ratio ~0.8, computed in the same call context as the lens.
      const perToken = await lens.debtValuePerToken(0);
      await expect(
        engine.connect(alice).mint.staticCall(eth2.newVaultId, DEBT[0], { value: parseEther("1") }),
      )
        .to.be.revertedWithCustomError(engine, "VaultUnsafe")
        .withArgs(newId, expectedRatio(parseEther("1"), DEBT[0], perToken));
      await expect(
        engine.connect(alice).mint(eth2.newVaultId, DEBT[0], { value: parseEther("1") }),
      ).to.be.revertedWithCustomError(engine, "VaultUnsafe");
      await expect(engine.connect(alice).mint(eth2.newVaultId, 1n, { value: parseEther("0.4") }))
        .to.be.revertedWithCustomError(engine, "VaultBelowMinCollateral")
        .withArgs(newId, parseEther("0.4"), MIN_COLLATERAL);
      expect(await lens.vaultCount(0)).to.equal(1n);
      // An existing vault: the same rules with its id.
      const id = await openWith(f, alice, eth2);
      const max = await lens.maxMintable(id);
      await expect(engine.connect(alice).mint.staticCall(id, max + parseEther("1")))
        .to.be.revertedWithCustomError(engine, "VaultUnsafe")
        .withArgs(
          id,
          expectedRatio(COLLATERAL, DEBT[0] + max + parseEther("1"), await lens.debtValuePerToken(0)),
        );
      expect(await lens.getVault(id)).to.deep.equal([alice.address, ZeroAddress, COLLATERAL, DEBT[0]]);
    });

    it("mints ETH¹ in market 1 with its own token, leaving market 0's supply and funding untouched", async function () {
      const f = await loadEngine();
      const { engine, lens, eth1, eth2, protocol } = f;
      const { alice } = protocol;
      const supply0 = await eth2.token.totalSupply();
      const supply1 = await eth1.token.totalSupply();
      const nf0 = await lens.normalizationFactor(0);
      const last0 = await lens.lastFundingUpdate(0);
      const id = vaultIdOf(1, 2n);
      const tx = await engine.connect(alice).mint(eth1.newVaultId, DEBT[1], { value: COLLATERAL });
      await expect(tx).to.emit(engine, "VaultOpened").withArgs(1, id, alice.address);
      await expect(tx).to.emit(engine, "Minted").withArgs(1, id, alice.address, DEBT[1]);
      await expect(tx).to.emit(engine, "NormalizationFactorUpdated");
      await expect(tx).to.changeTokenBalance(ethers, eth1.token, alice, DEBT[1]);
      await expect(tx).to.changeTokenBalance(ethers, eth2.token, alice, 0n);
      expect(await eth1.token.totalSupply()).to.equal(supply1 + DEBT[1]);
      expect(await eth2.token.totalSupply()).to.equal(supply0);
      expect(await lens.normalizationFactor(0)).to.equal(nf0);
      expect(await lens.lastFundingUpdate(0)).to.equal(last0);
      const block = await ethers.provider.getBlock(tx.blockNumber!);
      expect(await lens.lastFundingUpdate(1)).to.equal(BigInt(block!.timestamp));
      expect(await lens.getVault(id)).to.deep.equal([alice.address, ZeroAddress, COLLATERAL, DEBT[1]]);
      expect(await lens.vaultCount(1)).to.equal(2n);
      expect(await lens.vaultCount(0)).to.equal(1n);
    });
  });

  describe("deposit", function () {
    it("adds collateral from anyone without applying funding", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, eth1, protocol } = f;
      const { alice, carol } = protocol;
      for (const m of [eth2, eth1]) {
        const id = await openWith(f, alice, m);
        const last = await lens.lastFundingUpdate(m.id);
        const nf = await lens.normalizationFactor(m.id);
        const tx = await engine.connect(carol).deposit(id, { value: parseEther("2") });
        await expect(tx).to.emit(engine, "Deposited").withArgs(m.id, id, carol.address, parseEther("2"));
        await expect(tx).not.to.emit(engine, "NormalizationFactorUpdated");
        await expect(tx).to.changeEtherBalances(ethers, [carol, engine], [-parseEther("2"), parseEther("2")]);
        expect(await lens.lastFundingUpdate(m.id)).to.equal(last);
        expect(await lens.normalizationFactor(m.id)).to.equal(nf);
        expect(await lens.getVault(id)).to.deep.equal([
          alice.address,
          ZeroAddress,
          COLLATERAL + parseEther("2"),
          DEBT[m.id],
        ]);
      }
    });

    it("reverts VaultNotFound for serial 0 and past the count, MarketNotFound for an unknown market, ZeroAmount", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      const value = { value: parseEther("1") };
      await expect(engine.connect(alice).deposit(eth2.newVaultId, value))
        .to.be.revertedWithCustomError(engine, "VaultNotFound")
        .withArgs(eth2.newVaultId);
      await expect(engine.connect(alice).deposit(vaultIdOf(0, 2n), value))
        .to.be.revertedWithCustomError(engine, "VaultNotFound")
        .withArgs(vaultIdOf(0, 2n));
      await expect(engine.connect(alice).deposit(vaultIdOf(1, 2n), value))
        .to.be.revertedWithCustomError(engine, "VaultNotFound")
        .withArgs(vaultIdOf(1, 2n));
      await expect(engine.connect(alice).deposit(vaultIdOf(3, 1n), value))
        .to.be.revertedWithCustomError(engine, "MarketNotFound")
        .withArgs(3);
      await expect(engine.connect(alice).deposit(eth2.seedVaultId)).to.be.revertedWithCustomError(
        engine,
        "ZeroAmount",
      );
      expect(await ethers.provider.getBalance(engine)).to.equal(
        (await lens.getVault(f.eth2.seedVaultId))[2] + (await lens.getVault(f.eth1.seedVaultId))[2],
      );
    });
  });

  describe("withdraw and burn", function () {
    it("withdraws to the owner (Withdrawn, ETH moves) and refuses more than the vault holds", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      const id = await openWith(f, alice, eth2);
      const tx = await engine.connect(alice).withdraw(id, parseEther("1"));
      await expect(tx).to.emit(engine, "Withdrawn").withArgs(0, id, alice.address, parseEther("1"));
      await expect(tx).not.to.emit(engine, "Burned");
      await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [parseEther("1"), -parseEther("1")]);
      const left = COLLATERAL - parseEther("1");
      await expect(engine.connect(alice).withdraw(id, left + 1n))
        .to.be.revertedWithCustomError(engine, "InsufficientCollateral")
        .withArgs(id, left + 1n, left);
      await expect(engine.connect(alice).withdraw(id, 0n)).to.be.revertedWithCustomError(
        engine,
        "ZeroAmount",
      );
      expect(await lens.getVault(id)).to.deep.equal([alice.address, ZeroAddress, left, DEBT[0]]);
    });

    it("refuses withdrawals that leave the vault unsafe or under the dust floor", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      const id = await openWith(f, alice, eth2);
      const perToken = await lens.debtValuePerToken(0);
      await expect(engine.connect(alice).withdraw.staticCall(id, parseEther("4")))
        .to.be.revertedWithCustomError(engine, "VaultUnsafe")
        .withArgs(id, expectedRatio(parseEther("1"), DEBT[0], perToken));
      // A small debt keeps the ratio high: only the floor binds.
      const small = await openWith(f, alice, eth2, parseEther("1"), parseEther("0.1"));
      await expect(engine.connect(alice).withdraw(small, parseEther("0.6")))
        .to.be.revertedWithCustomError(engine, "VaultBelowMinCollateral")
        .withArgs(small, parseEther("0.4"), MIN_COLLATERAL);
      expect(await lens.getVault(small)).to.deep.equal([
        alice.address,
        ZeroAddress,
        parseEther("1"),
        parseEther("0.1"),
      ]);
      expect(await lens.getVault(id)).to.deep.equal([alice.address, ZeroAddress, COLLATERAL, DEBT[0]]);
    });

    it("burns against the debt (Burned, supply falls) and refuses more than the debt", async function () {
      const f = await loadEngine();
      const { engine, lens, eth1, protocol } = f;
      const { alice } = protocol;
      const id = await openWith(f, alice, eth1);
      const supply = await eth1.token.totalSupply();
      await expect(engine.connect(alice).burn(id, DEBT[1] + 1n, 0n))
        .to.be.revertedWithCustomError(engine, "BurnExceedsDebt")
        .withArgs(id, DEBT[1] + 1n, DEBT[1]);
      await expect(engine.connect(alice).burn(id, 0n, 0n)).to.be.revertedWithCustomError(
        engine,
        "ZeroAmount",
      );
      const tx = await engine.connect(alice).burn(id, parseEther("0.5"), 0n);
      await expect(tx).to.emit(engine, "Burned").withArgs(1, id, alice.address, parseEther("0.5"), 0n);
      await expect(tx).not.to.emit(engine, "Withdrawn");
      await expect(tx).to.changeTokenBalance(ethers, eth1.token, alice, -parseEther("0.5"));
      await expect(tx).to.changeEtherBalance(ethers, engine, 0n);
      expect(await eth1.token.totalSupply()).to.equal(supply - parseEther("0.5"));
      expect(await lens.getVault(id)).to.deep.equal([
        alice.address,
        ZeroAddress,
        COLLATERAL,
        DEBT[1] - parseEther("0.5"),
      ]);
    });

    it("burn with withdrawal emits one Burned with both amounts; a full close works even for an unsafe vault", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      // ~1.6x collateralised at ETH = 3000; unsafe (~1.07x) at ETH = 4500.
      const id = await openWith(f, alice, eth2, parseEther("2"), DEBT[0]);
      const partial = await engine.connect(alice).burn(id, parseEther("1"), parseEther("0.2"));
      // One event for the burn and its withdrawal.
      await expect(partial)
        .to.emit(engine, "Burned")
        .withArgs(0, id, alice.address, parseEther("1"), parseEther("0.2"));
      await expect(partial).not.to.emit(engine, "Withdrawn");
      await expect(partial).to.changeEtherBalances(
        ethers,
        [alice, engine],
        [parseEther("0.2"), -parseEther("0.2")],
      );
      await expect(partial).to.changeTokenBalance(ethers, eth2.token, alice, -parseEther("1"));
      const collateral = parseEther("1.8");
      const debt = DEBT[0] - parseEther("1");

      await setEthPrice(protocol, 4500);
      await advanceTime(protocol, eth2.params.twapPeriodSeconds);
      expect(await lens.isVaultSafe(id)).to.equal(false);
      // The lens's liquidation preview is what the engine's liquidate would do (same call context).
      const preview = await lens.previewLiquidation(id);
      expect(preview[0]).to.equal(true);
      expect(preview[1]).to.be.gt(0n);
      expect(preview[2]).to.be.gt(0n);
      expect((await lens.vaultReport(id)).liquidatable).to.equal(true);
      expect(await engine.connect(protocol.deployer).liquidate.staticCall(id, MaxUint256)).to.deep.equal([
        preview[1],
        preview[2],
      ]);
      await expect(engine.connect(alice).withdraw(id, 1n)).to.be.revertedWithCustomError(
        engine,
        "VaultUnsafe",
      );
      await expect(engine.connect(alice).burn(id, parseEther("0.1"), 0n)).to.be.revertedWithCustomError(
        engine,
        "VaultUnsafe",
      );

      const close = await engine.connect(alice).burn(id, debt, collateral);
      await expect(close).to.emit(engine, "Burned").withArgs(0, id, alice.address, debt, collateral);
      await expect(close).to.changeEtherBalances(ethers, [alice, engine], [collateral, -collateral]);
      await expect(close).to.changeTokenBalance(ethers, eth2.token, alice, -debt);
      expect(await lens.getVault(id)).to.deep.equal([alice.address, ZeroAddress, 0n, 0n]);
      expect(await lens.isVaultSafe(id)).to.equal(true);
    });

    it("a vault without debt withdraws everything, under the floor included", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      await engine.connect(alice).openVault(0);
      const id = vaultIdOf(0, 2n);
      await engine.connect(alice).deposit(id, { value: parseEther("0.3") });
      await expect(engine.connect(alice).withdraw(id, parseEther("0.3"))).to.changeEtherBalances(
        ethers,
        [alice, engine],
        [parseEther("0.3"), -parseEther("0.3")],
      );
      expect(await lens.getVault(id)).to.deep.equal([alice.address, ZeroAddress, 0n, 0n]);
      expect(eth2.id).to.equal(0);
    });
  });

  describe("operators and transfers", function () {
    it("only the owner sets the operator; strangers and operators are refused", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice, bob, carol } = protocol;
      const id = await openWith(f, alice, eth2);
      await expect(engine.connect(bob).setOperator(id, bob))
        .to.be.revertedWithCustomError(engine, "NotVaultOwner")
        .withArgs(id, bob.address);
      await engine.connect(alice).setOperator(id, bob);
      await expect(engine.connect(bob).setOperator(id, carol))
        .to.be.revertedWithCustomError(engine, "NotVaultOwner")
        .withArgs(id, bob.address);
      await expect(engine.connect(alice).setOperator(vaultIdOf(0, 9n), bob))
        .to.be.revertedWithCustomError(engine, "VaultNotFound")
        .withArgs(vaultIdOf(0, 9n));
      expect((await lens.getVault(id))[1]).to.equal(bob.address);
      // The operator withdraws to itself; a stranger cannot.
      await expect(engine.connect(bob).withdraw(id, parseEther("1"))).to.changeEtherBalance(
        ethers,
        bob,
        parseEther("1"),
      );
      await expect(engine.connect(carol).withdraw(id, 1n))
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, carol.address);
      await expect(engine.connect(carol).burn(id, 1n, 0n))
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, carol.address);
    });

    it("revoking works while the market is paused; granting does not", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice, bob, carol, deployer } = protocol;
      const id = await openWith(f, alice, eth2);
      await engine.connect(alice).setOperator(id, bob);
      await engine.connect(deployer).pause(0);
      await expect(engine.connect(alice).setOperator(id, carol))
        .to.be.revertedWithCustomError(engine, "MarketPaused")
        .withArgs(0);
      await expect(engine.connect(alice).setOperator(id, ZeroAddress))
        .to.emit(engine, "OperatorSet")
        .withArgs(0, id, ZeroAddress);
      expect((await lens.getVault(id))[1]).to.equal(ZeroAddress);
      expect(await lens.isPaused(0)).to.equal(true);
    });

    it("an NFT transfer moves the vault and clears its operator (VaultTransferred, OperatorSet zero)", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, eth1, protocol } = f;
      const { alice, bob, carol } = protocol;
      const id = await openWith(f, alice, eth2);
      await engine.connect(alice).setOperator(id, bob);
      const tx = await engine.connect(alice).transferFrom(alice, carol, id);
      await expect(tx).to.emit(engine, "VaultTransferred").withArgs(0, id, carol.address);
      await expect(tx).to.emit(engine, "OperatorSet").withArgs(0, id, ZeroAddress);
      expect(await lens.getVault(id)).to.deep.equal([carol.address, ZeroAddress, COLLATERAL, DEBT[0]]);
      await expect(engine.connect(bob).withdraw(id, 1n))
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, bob.address);
      await expect(engine.connect(alice).withdraw(id, 1n))
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, alice.address);
      await expect(engine.connect(carol).withdraw(id, parseEther("1")))
        .to.emit(engine, "Withdrawn")
        .withArgs(0, id, carol.address, parseEther("1"));

      // Without an operator: only VaultTransferred.
      const id1 = await openWith(f, alice, eth1);
      const tx1 = await engine.connect(alice).transferFrom(alice, bob, id1);
      await expect(tx1).to.emit(engine, "VaultTransferred").withArgs(1, id1, bob.address);
      await expect(tx1).not.to.emit(engine, "OperatorSet");
      expect((await lens.getVault(id1))[0]).to.equal(bob.address);
    });

    it("is the vaults' ERC-721: transfers need approval, the token id is the vault id", async function () {
      const f = await loadEngine();
      const { engine, lens, eth1, protocol } = f;
      const { alice, bob, carol } = protocol;
      const id = await openWith(f, alice, eth1);
      expect(await engine.name()).to.equal("Evergamma Vault");
      expect(await engine.symbol()).to.equal("eVAULT");
      expect(await engine.tokenURI(id)).to.equal("");
      expect(await engine.balanceOf(alice)).to.equal(1n);
      await expect(engine.connect(bob).transferFrom(alice, bob, id)).to.be.revertedWithCustomError(
        engine,
        "NotOwnerNorApproved",
      );
      await engine.connect(alice).approve(bob, id);
      await expect(engine.connect(bob).transferFrom(alice, carol, id))
        .to.emit(engine, "Transfer")
        .withArgs(alice.address, carol.address, id);
      expect((await lens.getVault(id))[0]).to.equal(carol.address);
      expect(await engine.supportsInterface("0x80ac58cd")).to.equal(true);
    });
  });

  describe("ETH and storage access", function () {
    it("refuses collateral beyond its storage width (AmountOverflow)", async function () {
      const f = await loadEngine();
      const { engine, lens, eth2, protocol } = f;
      const { alice } = protocol;
      const [, , seedCollateral] = await lens.getVault(eth2.seedVaultId);
      await networkHelpers.setBalance(alice.address, 1n << 100n);
      await expect(engine.connect(alice).deposit(eth2.seedVaultId, { value: 1n << 96n }))
        .to.be.revertedWithCustomError(engine, "AmountOverflow")
        .withArgs(seedCollateral + (1n << 96n));
      expect((await lens.getVault(eth2.seedVaultId))[2]).to.equal(seedCollateral);
    });

    it("rejects plain ETH transfers (DirectEthTransfer)", async function () {
      const f = await loadEngine();
      const { engine, protocol } = f;
      const before = await ethers.provider.getBalance(engine);
      await expect(
        protocol.alice.sendTransaction({ to: await engine.getAddress(), value: 1n }),
      ).to.be.revertedWithCustomError(engine, "DirectEthTransfer");
      expect(await ethers.provider.getBalance(engine)).to.equal(before);
    });

    it("extsload returns raw slots: owner, pending owner with marketCount, a vault", async function () {
      const f = await loadEngine();
      const { engine, lens, eth1, protocol } = f;
      const slot0 = zeroPadValue(toBeHex(0), 32);
      const slot1 = zeroPadValue(toBeHex(1), 32);
      const ownerWord = zeroPadValue(await protocol.deployer.getAddress(), 32).toLowerCase();
      expect(await engine["extsload(bytes32)"](slot0)).to.equal(ownerWord);
      // Slot 1: pendingOwner (zero) with marketCount (2) packed above it.
      const countWord = zeroPadValue(toBeHex(2n << 160n), 32);
      expect(await engine["extsload(bytes32)"](slot1)).to.equal(countWord);
      // vaults mapping at slot 5: collateral (uint96) | debt (uint128) << 96.
      const vaultSlot = keccak256(
        AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [eth1.seedVaultId, 5n]),
      );
      const [, , collateral, debt] = await lens.getVault(eth1.seedVaultId);
      const vaultWord = zeroPadValue(toBeHex(collateral | (debt << 96n)), 32);
      expect(await engine["extsload(bytes32[])"]([slot0, slot1, vaultSlot])).to.deep.equal([
        ownerWord,
        countWord,
        vaultWord,
      ]);
      expect(await engine["extsload(bytes32[])"]([])).to.deep.equal([]);
    });
  });
});

describe("EvergammaLens views", function () {
  for (const which of ["eth2", "eth1"] as const) {
    describe(`market ${which === "eth2" ? 0 : 1} (${which === "eth2" ? "ETH²" : "ETH¹"})`, function () {
      it("market views match independent expectations and marketReport", async function () {
        const f = await loadEngine();
        const { lens, engine } = f;
        const m = f[which];
        expect(await lens.engine()).to.equal(await engine.getAddress());

        const [s, q] = await m.priceSource.prices();
        expect(await lens.ethPrice(m.id)).to.equal(s);
        expect(await lens.tokenPrice(m.id)).to.equal(q);
        // ETH = 3000 within a pool tick.
        expectNear(Number(s) / 1e18, 3000, 1);
        expect(await lens.index(m.id)).to.equal(expectedIndex(m, s));
        if (m.params.power === 1) expect(await lens.index(m.id)).to.equal(s);
        else expect(await lens.index(m.id)).to.equal((s * s) / WAD / 10_000n);

        const nfStored = await lens.normalizationFactor(m.id);
        const nf = await lens.expectedNormalizationFactor(m.id);
        const last = await lens.lastFundingUpdate(m.id);
        expect(nfStored).to.be.lte(WAD);
        expect(nf).to.be.lte(nfStored); // mark >= index at seeding: funding lowers NF
        expect(Number(nfStored - nf)).to.be.lessThan(1e15);
        const latest = await ethers.provider.getBlock("latest");
        expect(last).to.be.lte(BigInt(latest!.timestamp));
        expect(last).to.be.gt(0n);

        const markWad = await lens.mark(m.id);
        expect(markWad).to.equal((q * s) / nf);
        const perToken = await lens.debtValuePerToken(m.id);
        expect(perToken).to.equal(expectedPerToken(m, nf, s));
        if (m.params.power === 1) expect(perToken).to.equal(nf);

        let sPow = WAD;
        for (let i = 1; i < m.params.power; i++) sPow = (sPow * s) / WAD;
        const ratio = (((q * m.params.indexScale * WAD) / nf) * WAD) / sPow;
        const rate = await lens.fundingRatePerDay(m.id);
        const expectedRate = (Math.log(Number(ratio) / 1e18) * 86_400) / m.params.fundingPeriodSeconds;
        expectNear(Number(rate) / 1e18, expectedRate, 1e-12);
        const iv = await lens.impliedVolatility(m.id);
        if (m.params.power === 1) {
          expect(iv).to.equal(0n);
        } else {
          const T = m.params.fundingPeriodSeconds / 31_536_000;
          const expectedIv = Math.sqrt((2 * Math.log(Number(ratio) / 1e18)) / (2 * T));
          expectNear(Number(iv) / 1e18, expectedIv, 1e-6);
          expectNear(Number(iv) / 1e18, 0.8, 0.01); // the seeding volatility
          expect(rate).to.be.gt(0n);
        }

        const report = await lens.marketReport(m.id);
        const count = await lens.vaultCount(m.id);
        expect(count).to.equal(1n);
        expect(report.marketId).to.equal(BigInt(m.id));
        expect(report.status).to.equal(0n);
        expect(report.normalizationFactor).to.equal(nf);
        expect(report.lastFundingUpdate).to.equal(last);
        expect(report.ethPriceWad).to.equal(s);
        expect(report.tokenPriceWad).to.equal(q);
        expect(report.indexWad).to.equal(expectedIndex(m, s));
        expect(report.markWad).to.equal(markWad);
        expect(report.fundingRatePerDayWad).to.equal(rate);
        expect(report.impliedVolatilityWad).to.equal(iv);
        expect(report.debtValuePerTokenWad).to.equal(perToken);
        expect(report.vaultCount).to.equal(count);
        expect(report.tokenSupply).to.equal(await m.token.totalSupply());
        expect(report.tokenSupply).to.equal((await lens.getVault(m.seedVaultId))[3]);
        expect(report.accruedFees).to.equal(await lens.accruedFees(m.id));
        expect(report.accruedFees).to.equal(0n);
        expect(report.totalBadDebt).to.equal(await lens.totalBadDebt(m.id));
        expect(report.totalBadDebt).to.equal(0n);
        expect(report.feeBps).to.equal(await lens.feeBps(m.id));
        expect(report.feeBps).to.equal(0n);
        expect(report.pausesLeft).to.equal(await lens.pausesLeft(m.id));
        expect(report.pausesLeft).to.equal(4n);
        expect(report.liquidationsOpenAt).to.equal(await lens.liquidationsOpenAt(m.id));
        expect(report.liquidationsOpenAt).to.equal(0n);
        expect(report.config).to.deep.equal(await lens.marketConfig(m.id));

        // Bookkeeping views of a fresh market.
        expect(await lens.feeRecipient(m.id)).to.equal(ZeroAddress);
        expect(await lens.isPaused(m.id)).to.equal(false);
        expect(await lens.isShutDown(m.id)).to.equal(false);
        expect(await lens.settlementEthPrice(m.id)).to.equal(0n);
        expect(await lens.settledVaults(m.id)).to.equal(0n);
        expect(await lens.longPayoutPool(m.id)).to.equal(0n);
        expect(await lens.settlementShortfall(m.id)).to.equal(0n);
      });

      it("marketConfig holds the fixture's terms, token and price source", async function () {
        const f = await loadEngine();
        const { lens } = f;
        const m = f[which];
        const config = await lens.marketConfig(m.id);
        const p = toEngineParams(m.params);
        expect(config.params.kind).to.equal(BigInt(p.kind));
        expect(config.params.power).to.equal(BigInt(p.power));
        expect(config.params.indexScale).to.equal(p.indexScale);
        expect(config.params.minCollateralRatioWad).to.equal(p.minCollateralRatioWad);
        expect(config.params.minCollateralWei).to.equal(p.minCollateralWei);
        expect(config.params.fundingPeriodSeconds).to.equal(BigInt(p.fundingPeriodSeconds));
        expect(config.params.markRatioFloorWad).to.equal(p.markRatioFloorWad);
        expect(config.params.markRatioCapWad).to.equal(p.markRatioCapWad);
        expect(config.params.liquidationBonusWad).to.equal(p.liquidationBonusWad);
        expect(config.token).to.equal(await m.token.getAddress());
        expect(config.priceSource).to.equal(await m.priceSource.getAddress());
        expectNear(Number(config.logMarkRatioFloorWad) / 1e18, Math.log(0.8), 1e-12);
        expectNear(Number(config.logMarkRatioCapWad) / 1e18, Math.log(1.4), 1e-12);
        expect(p.power).to.equal(which === "eth2" ? 2 : 1);
      });

      it("vault views match getVault, the engine's health rule and vaultReport", async function () {
        const f = await loadEngine();
        const { lens, engine, protocol } = f;
        const { alice, bob } = protocol;
        const m = f[which];
        const id = await openWith(f, alice, m);
        await engine.connect(alice).setOperator(id, bob);

        expect(await lens.getVault(id)).to.deep.equal([alice.address, bob.address, COLLATERAL, DEBT[m.id]]);
        const perToken = await lens.debtValuePerToken(m.id);
        const nf = await lens.expectedNormalizationFactor(m.id);
        const ratio = await lens.collateralRatio(id);
        expect(ratio).to.equal(expectedRatio(COLLATERAL, DEBT[m.id], perToken));
        expect(await lens.isVaultSafe(id)).to.equal(true);
        const max = await lens.maxMintable(id);
        expect(max).to.equal(expectedMaxMintable(COLLATERAL, DEBT[m.id], perToken));
        const liqPrice = await lens.liquidationPrice(id);
        if (m.params.power === 1) {
          expect(liqPrice).to.equal(0n);
        } else {
          const required = mulDivUp(DEBT[m.id], MIN_RATIO, WAD);
          expect(liqPrice).to.equal((((COLLATERAL * m.params.indexScale * WAD) / required) * WAD) / nf);
          // Unsafe exactly when debt value * 1.5 > collateral: at the liquidation price, the ratio is ~1.5.
          const atLiq = expectedRatio(COLLATERAL, DEBT[m.id], expectedPerToken(m, nf, liqPrice));
          expectNear(Number(atLiq) / 1e18, 1.5, 1e-9);
        }
        expect(await lens.previewLiquidation(id)).to.deep.equal([false, 0n, 0n]);

        const report = await lens.vaultReport(id);
        expect(report.vaultId).to.equal(id);
        expect(report.marketId).to.equal(BigInt(m.id));
        expect(report.owner).to.equal(alice.address);
        expect(report.operator).to.equal(bob.address);
        expect(report.collateral).to.equal(COLLATERAL);
        expect(report.debt).to.equal(DEBT[m.id]);
        expect(report.debtValue).to.equal(mulDivUp(DEBT[m.id], perToken, WAD));
        expect(report.collateralRatioWad).to.equal(ratio);
        expect(report.healthy).to.equal(true);
        expect(report.liquidatable).to.equal(false);
        expect(report.maxMintable).to.equal(max);
        expect(report.liquidationPriceWad).to.equal(liqPrice);

        // The lens's room is exactly the engine's, in the same call context.
        expect(await engine.connect(alice).mint.staticCall(id, max)).to.equal(id);
        await expect(engine.connect(alice).mint.staticCall(id, max + 1n))
          .to.be.revertedWithCustomError(engine, "VaultUnsafe")
          .withArgs(id, expectedRatio(COLLATERAL, DEBT[m.id] + max + 1n, perToken));
      });

      it("vaults without debt, under the floor, and never opened", async function () {
        const f = await loadEngine();
        const { lens, engine, protocol } = f;
        const { alice } = protocol;
        const m = f[which];
        await engine.connect(alice).openVault(m.id);
        const id = vaultIdOf(m.id, 2n);
        await engine.connect(alice).deposit(id, { value: parseEther("0.4") });
        expect(await lens.collateralRatio(id)).to.equal(MaxUint256);
        expect(await lens.isVaultSafe(id)).to.equal(true);
        expect(await lens.maxMintable(id)).to.equal(0n); // under the 0.5 ETH floor
        expect(await lens.liquidationPrice(id)).to.equal(0n);
        const report = await lens.vaultReport(id);
        expect(report.owner).to.equal(alice.address);
        expect(report.collateral).to.equal(parseEther("0.4"));
        expect(report.debt).to.equal(0n);
        expect(report.debtValue).to.equal(0n);
        expect(report.collateralRatioWad).to.equal(MaxUint256);
        expect(report.healthy).to.equal(true);
        expect(report.maxMintable).to.equal(0n);
        expect(report.liquidationPriceWad).to.equal(0n);
        // Any mint refuses it: below the dust floor.
        await expect(engine.connect(alice).mint(id, 1n))
          .to.be.revertedWithCustomError(engine, "VaultBelowMinCollateral")
          .withArgs(id, parseEther("0.4"), MIN_COLLATERAL);

        // At the floor, the room opens.
        await engine.connect(alice).deposit(id, { value: parseEther("0.1") });
        const perToken = await lens.debtValuePerToken(m.id);
        expect(await lens.maxMintable(id)).to.equal(expectedMaxMintable(MIN_COLLATERAL, 0n, perToken));

        const missing = vaultIdOf(m.id, 9n);
        const empty = await lens.vaultReport(missing);
        expect(empty.owner).to.equal(ZeroAddress);
        expect(empty.vaultId).to.equal(missing);
        expect(empty.collateral).to.equal(0n);
        expect(await lens.getVault(missing)).to.deep.equal([ZeroAddress, ZeroAddress, 0n, 0n]);
      });
    });
  }

  it("a real mint of maxMintable succeeds a block later (NF only falls while mark > index)", async function () {
    const f = await loadEngine();
    const { lens, engine, eth2, protocol } = f;
    const { alice } = protocol;
    const id = await openWith(f, alice, eth2);
    const max = await lens.maxMintable(id);
    await expect(engine.connect(alice).mint(id, max))
      .to.emit(engine, "Minted")
      .withArgs(0, id, alice.address, max);
    expect(await lens.maxMintable(id)).to.be.lt(max / 1_000_000n);
    expect(await lens.isVaultSafe(id)).to.equal(true);
    expectNear(Number(await lens.collateralRatio(id)) / 1e18, 1.5, 1e-6);
  });

  it("views of an unknown market revert MarketNotFound", async function () {
    const f = await loadEngine();
    const { lens } = f;
    await expect(lens.marketConfig(2)).to.be.revertedWithCustomError(lens, "MarketNotFound").withArgs(2);
    await expect(lens.marketReport(5)).to.be.revertedWithCustomError(lens, "MarketNotFound").withArgs(5);
    await expect(lens.expectedNormalizationFactor(2))
      .to.be.revertedWithCustomError(lens, "MarketNotFound")
      .withArgs(2);
    await expect(lens.ethPrice(2)).to.be.revertedWithCustomError(lens, "MarketNotFound").withArgs(2);
    await expect(lens.index(2)).to.be.revertedWithCustomError(lens, "MarketNotFound").withArgs(2);
    await expect(lens.vaultReport(vaultIdOf(2, 1n)))
      .to.be.revertedWithCustomError(lens, "MarketNotFound")
      .withArgs(2);
    expect(await lens.vaultCount(2)).to.equal(0n);
    expect(await lens.normalizationFactor(2)).to.equal(0n);
  });
});
