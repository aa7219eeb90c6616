/**
 * Adversarial: re-entrancy through the two callbacks the engine triggers — the vault NFT's `onERC721Received`
 * (the engine is the NFT: its `_safeMint` in openVault and mint(0, ...)) and `receive()` (ETH paid by withdraw,
 * burn and liquidate) — using contracts/mocks/ReentrantAttacker.sol, acting in market 0 of the default deployment.
 * Every re-entry must revert with ReentrancyGuardReentrantCall; the outer call then either completes with exactly
 * the state a single call gives (the attacker swallows the revert) or reverts as a whole with nothing changed (the
 * attacker re-throws).
 */
import { expect } from "chai";
import { MaxUint256, parseEther } from "ethers";

import type { NonReceiver, ReentrantAttacker } from "../../types/ethers-contracts/index.js";
import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import { engineState, movePrices, nextVaultId } from "./helpers.js";

enum Hook {
  None,
  OnERC721Received,
  Receive,
}

enum Call {
  None,
  Mint,
  Withdraw,
  Burn,
  Liquidate,
  ApplyFunding,
  Deposit,
  OpenVault,
  MintNewVault,
}

const ALL_CALLS: [string, Call][] = [
  ["mint", Call.Mint],
  ["withdraw", Call.Withdraw],
  ["burn", Call.Burn],
  ["liquidate", Call.Liquidate],
  ["applyFunding", Call.ApplyFunding],
  ["deposit", Call.Deposit],
  ["openVault", Call.OpenVault],
  ["mint(0, ...)", Call.MintNewVault],
];

async function deployAttacker(d: ProtocolFixture): Promise<ReentrantAttacker> {
  const attacker = (await ethers.deployContract(
    "ReentrantAttacker",
    [await d.engine.getAddress(), d.marketId, await d.powerToken.getAddress()],
    d.alice,
  )) as unknown as ReentrantAttacker;
  // ETH for re-entries that send value (deposit, mint(0, ...)).
  await (await d.alice.sendTransaction({ to: await attacker.getAddress(), value: parseEther("5") })).wait();
  return attacker;
}

async function expectGuardRevert(d: ProtocolFixture, attacker: ReentrantAttacker): Promise<void> {
  expect(await attacker.hookCalls(), "the hook fired").to.equal(1n);
  expect(await attacker.reentrySucceeded(), "the re-entry succeeded").to.equal(false);
  const data = await attacker.reentryRevertData();
  expect(data.slice(0, 10)).to.equal(d.engine.interface.getError("ReentrancyGuardReentrantCall")!.selector);
}

/** The attacker's funded vault (10 ETH, 15 tokens), the attacker and the protocol. */
async function attackerWithVault() {
  const d = await loadProtocol();
  const attacker = await deployAttacker(d);
  const id = await nextVaultId(d);
  await (await attacker.connect(d.alice).mint(0n, parseEther("15"), { value: parseEther("10") })).wait();
  return { d, attacker, id };
}

describe("Adversarial: re-entrancy", function () {
  describe("from onERC721Received during openVault (the NFT's _safeMint)", function () {
    for (const [name, call] of ALL_CALLS) {
      it(`re-entering ${name} reverts ReentrancyGuardReentrantCall; swallowed, openVault completes alone`, async function () {
        const { d, attacker, id: ownVault } = await attackerWithVault();
        const target = call === Call.Liquidate ? 1n : ownVault;
        await (await attacker.connect(d.alice).arm(Hook.OnERC721Received, call, target, 1n, false)).wait();
        const before = await engineState(d, [d.alice]);
        await (await attacker.connect(d.alice).openVault()).wait();
        await expectGuardRevert(d, attacker);
        const after = await engineState(d, [d.alice]);
        expect(after.vaultCount).to.equal(before.vaultCount + 1n);
        expect(after.vaults.slice(0, before.vaults.length)).to.deep.equal(before.vaults);
        expect(after.powerSupply).to.equal(before.powerSupply);
        expect(after.engineBalance).to.equal(before.engineBalance);
        const [owner, , collateral, debt] = await d.lens.getVault(after.vaultCount);
        expect([owner, collateral, debt]).to.deep.equal([await attacker.getAddress(), 0n, 0n]);
      });
    }

    it("re-thrown, the whole openVault reverts and nothing changes", async function () {
      const { d, attacker, id } = await attackerWithVault();
      await (await attacker.connect(d.alice).arm(Hook.OnERC721Received, Call.Withdraw, id, 1n, true)).wait();
      const before = await engineState(d, [d.alice]);
      await expect(attacker.connect(d.alice).openVault()).to.be.revertedWithCustomError(
        d.engine,
        "ReentrancyGuardReentrantCall",
      );
      expect(await engineState(d, [d.alice])).to.deep.equal(before);
    });
  });

  describe("from onERC721Received during mint(0, ...)", function () {
    it("the callback sees the finished vault (effects before the NFT) and cannot withdraw from it", async function () {
      const d = await loadProtocol();
      const attacker = await deployAttacker(d);
      const id = await nextVaultId(d);
      await (
        await attacker.connect(d.alice).arm(Hook.OnERC721Received, Call.Withdraw, id, parseEther("1"), false)
      ).wait();
      await (await attacker.connect(d.alice).mint(0n, parseEther("15"), { value: parseEther("10") })).wait();
      await expectGuardRevert(d, attacker);
      expect(await attacker.seenCollateral()).to.equal(parseEther("10"));
      expect(await attacker.seenDebt()).to.equal(parseEther("15"));
      const [, , collateral, debt] = await d.lens.getVault(id);
      expect([collateral, debt]).to.deep.equal([parseEther("10"), parseEther("15")]);
      expect(await d.powerToken.balanceOf(attacker)).to.equal(parseEther("15"));
    });

    it("re-thrown, the whole mint reverts: no vault, no tokens, no ETH kept", async function () {
      const d = await loadProtocol();
      const attacker = await deployAttacker(d);
      await (
        await attacker.connect(d.alice).arm(Hook.OnERC721Received, Call.ApplyFunding, 0n, 0n, true)
      ).wait();
      const before = await engineState(d, [d.alice]);
      await expect(
        attacker.connect(d.alice).mint(0n, parseEther("15"), { value: parseEther("10") }),
      ).to.be.revertedWithCustomError(d.engine, "ReentrancyGuardReentrantCall");
      expect(await engineState(d, [d.alice])).to.deep.equal(before);
    });
  });

  describe("from receive() during ETH payouts", function () {
    for (const [name, call] of ALL_CALLS.filter(([, c]) => c !== Call.OpenVault && c !== Call.MintNewVault)) {
      it(`withdraw → receive() → ${name}: blocked; the withdrawal happens exactly once`, async function () {
        const { d, attacker, id } = await attackerWithVault();
        await (await attacker.connect(d.alice).arm(Hook.Receive, call, id, parseEther("1"), false)).wait();
        const ethBefore = await ethers.provider.getBalance(attacker);
        await (await attacker.connect(d.alice).withdraw(id, parseEther("1"))).wait();
        await expectGuardRevert(d, attacker);
        // The callback saw the vault after the withdrawal (state written before the transfer).
        expect(await attacker.seenCollateral()).to.equal(parseEther("9"));
        const [, , collateral, debt] = await d.lens.getVault(id);
        expect([collateral, debt]).to.deep.equal([parseEther("9"), parseEther("15")]);
        expect((await ethers.provider.getBalance(attacker)) - ethBefore).to.equal(parseEther("1"));
      });
    }

    it("burn with a withdrawal → receive() → burn: blocked; one burn, one payout", async function () {
      const { d, attacker, id } = await attackerWithVault();
      await (await attacker.connect(d.alice).arm(Hook.Receive, Call.Burn, id, parseEther("1"), false)).wait();
      await (await attacker.connect(d.alice).burn(id, parseEther("5"), parseEther("2"))).wait();
      await expectGuardRevert(d, attacker);
      const [, , collateral, debt] = await d.lens.getVault(id);
      expect([collateral, debt]).to.deep.equal([parseEther("8"), parseEther("10")]);
      expect(await d.powerToken.balanceOf(attacker)).to.equal(parseEther("10"));
    });

    it("re-thrown from receive(), the withdrawal reverts as a whole (EthTransferFailed) and nothing changes", async function () {
      const { d, attacker, id } = await attackerWithVault();
      await (
        await attacker.connect(d.alice).arm(Hook.Receive, Call.Withdraw, id, parseEther("1"), true)
      ).wait();
      const before = await engineState(d, [d.alice]);
      await expect(attacker.connect(d.alice).withdraw(id, parseEther("1")))
        .to.be.revertedWithCustomError(d.engine, "EthTransferFailed")
        .withArgs(await attacker.getAddress(), parseEther("1"));
      expect(await engineState(d, [d.alice])).to.deep.equal(before);
    });

    it("liquidate → receive() → liquidate again: blocked; the vault is liquidated once", async function () {
      const { d, attacker, id: attackerVault } = await attackerWithVault();
      // Carol's vault at 167% becomes unsafe when ETH doubles; the attacker holds 25 tokens.
      await (await d.engine.connect(d.carol).mint(0n, parseEther("20"), { value: parseEther("10") })).wait();
      const victim = await d.lens.vaultCount(d.marketId);
      await (await attacker.connect(d.alice).deposit(attackerVault, { value: parseEther("40") })).wait();
      await (await attacker.connect(d.alice).mint(attackerVault, parseEther("10"))).wait();
      await movePrices(d, 6000);
      expect(await d.lens.isVaultSafe(victim)).to.equal(false);
      const [, , collateral0, debt0] = await d.lens.getVault(victim);
      await (
        await attacker.connect(d.alice).arm(Hook.Receive, Call.Liquidate, victim, MaxUint256, false)
      ).wait();
      const tokens0 = await d.powerToken.balanceOf(attacker);
      const eth0 = await ethers.provider.getBalance(attacker);
      await (await attacker.connect(d.alice).liquidate(victim, MaxUint256)).wait();
      await expectGuardRevert(d, attacker);
      const [, , collateral1, debt1] = await d.lens.getVault(victim);
      const repaid = tokens0 - (await d.powerToken.balanceOf(attacker));
      const paid = (await ethers.provider.getBalance(attacker)) - eth0;
      expect(debt0 - debt1).to.equal(repaid);
      expect(collateral0 - collateral1).to.equal(paid);
      expect(repaid).to.be.greaterThan(0n);
      expect(await attacker.seenCollateral(), "callback saw the liquidated vault").to.equal(collateral1);
    });
  });

  describe("callbacks outside an engine call", function () {
    it("a vault NFT sent to the attacker: its hook may use the vault (no lock is held) and the operator is already cleared", async function () {
      const d = await loadProtocol();
      const attacker = await deployAttacker(d);
      await (await d.engine.connect(d.bob).mint(0n, parseEther("1"), { value: parseEther("10") })).wait();
      const id = await d.lens.vaultCount(d.marketId);
      await (await d.engine.connect(d.bob).setOperator(id, d.carol.address)).wait();
      await (
        await attacker.connect(d.alice).arm(Hook.OnERC721Received, Call.Withdraw, id, parseEther("2"), false)
      ).wait();
      await (
        await d.engine
          .connect(d.bob)
          ["safeTransferFrom(address,address,uint256)"](d.bob.address, attacker, id)
      ).wait();
      expect(await attacker.reentrySucceeded()).to.equal(true);
      const [owner, operator, collateral] = await d.lens.getVault(id);
      expect([owner, operator, collateral]).to.deep.equal([
        await attacker.getAddress(),
        ethers.ZeroAddress,
        parseEther("8"),
      ]);
      await expect(d.engine.connect(d.carol).withdraw(id, 1n)).to.be.revertedWithCustomError(
        d.engine,
        "NotVaultOwnerOrOperator",
      );
    });
  });

  describe("a vault NFT minted to a contract without onERC721Received", function () {
    it("openVault and mint(0, ...) revert as a whole (TransferToNonERC721ReceiverImplementer), nothing changes", async function () {
      const d = await loadProtocol();
      const nonReceiver = (await ethers.deployContract(
        "NonReceiver",
        [await d.engine.getAddress(), d.marketId],
        d.alice,
      )) as unknown as NonReceiver;
      const next = await nextVaultId(d);
      const before = await engineState(d, [d.alice, nonReceiver]);
      // solady's error names no receiver: the vault that would have been minted is checked to be absent instead.
      await expect(nonReceiver.openVault()).to.be.revertedWithCustomError(
        d.engine,
        "TransferToNonERC721ReceiverImplementer",
      );
      await expect(
        nonReceiver.mint(0n, parseEther("1"), { value: parseEther("10") }),
      ).to.be.revertedWithCustomError(d.engine, "TransferToNonERC721ReceiverImplementer");
      expect(await engineState(d, [d.alice, nonReceiver])).to.deep.equal(before);
      await expect(d.engine.ownerOf(next)).to.be.revertedWithCustomError(d.engine, "TokenDoesNotExist");
      expect(await d.engine.balanceOf(nonReceiver)).to.equal(0n);
      expect(await d.powerToken.balanceOf(nonReceiver)).to.equal(0n);
      expect(await ethers.provider.getBalance(nonReceiver)).to.equal(0n);
    });
  });
});
