/**
 * Who may act on a vault of market 0: its owner (the holder of the vault NFT, which the engine itself issues), the
 * operator the owner set, nobody else. Transferring the NFT moves the vault and clears the operator.
 */
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";

import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import { expectEthBacked, openVault, vaultState } from "../utils/coreHelpers.js";

/** The default deployment's one market. */
const MARKET = 0;
const COLLATERAL = parseEther("5");
const DEBT = parseEther("4");

/** Alice's vault with 5 ETH and 4 tokens (about 420% collateralised at ETH = 3000). */
async function aliceVault(d: ProtocolFixture): Promise<bigint> {
  return openVault(d, d.alice, COLLATERAL, DEBT);
}

describe("Engine owner and operator rules (market 0)", function () {
  it("the owner sets an operator (OperatorSet) and can remove it again", async function () {
    const d = await loadProtocol();
    const { alice, bob, engine } = d;
    const id = await aliceVault(d);
    await expect(engine.connect(alice).setOperator(id, bob))
      .to.emit(engine, "OperatorSet")
      .withArgs(MARKET, id, bob.address);
    expect((await vaultState(d, id)).operator).to.equal(bob.address);

    await expect(engine.connect(alice).setOperator(id, ZeroAddress))
      .to.emit(engine, "OperatorSet")
      .withArgs(MARKET, id, ZeroAddress);
    expect((await vaultState(d, id)).operator).to.equal(ZeroAddress);
    await expect(engine.connect(bob).withdraw(id, 1n))
      .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
      .withArgs(id, bob.address);
  });

  it("the operator mints, burns and withdraws; tokens and ETH go to and come from the operator", async function () {
    const d = await loadProtocol();
    const { alice, bob, engine, powerToken } = d;
    const id = await aliceVault(d);
    await engine.connect(alice).setOperator(id, bob);

    const mint = await engine.connect(bob).mint(id, parseEther("1"), { value: parseEther("0.5") });
    await expect(mint).to.emit(engine, "Deposited").withArgs(MARKET, id, bob.address, parseEther("0.5"));
    await expect(mint).to.emit(engine, "Minted").withArgs(MARKET, id, bob.address, parseEther("1"));
    await expect(mint).to.changeTokenBalances(ethers, powerToken, [bob, alice], [parseEther("1"), 0n]);
    await expect(mint).to.changeEtherBalances(
      ethers,
      [bob, alice, engine],
      [-parseEther("0.5"), 0n, parseEther("0.5")],
    );

    const burn = await engine.connect(bob).burn(id, parseEther("0.25"), 0n);
    await expect(burn).to.emit(engine, "Burned").withArgs(MARKET, id, bob.address, parseEther("0.25"), 0n);
    await expect(burn).to.changeTokenBalances(ethers, powerToken, [bob, alice], [-parseEther("0.25"), 0n]);

    const withdraw = await engine.connect(bob).withdraw(id, parseEther("1"));
    await expect(withdraw).to.emit(engine, "Withdrawn").withArgs(MARKET, id, bob.address, parseEther("1"));
    await expect(withdraw).to.changeEtherBalances(
      ethers,
      [bob, alice, engine],
      [parseEther("1"), 0n, -parseEther("1")],
    );

    expect(await vaultState(d, id)).to.deep.equal({
      owner: alice.address,
      operator: bob.address,
      collateral: parseEther("4.5"),
      debt: parseEther("4.75"),
    });
    // The owner keeps every right while an operator is set.
    await expect(engine.connect(alice).withdraw(id, parseEther("0.1")))
      .to.emit(engine, "Withdrawn")
      .withArgs(MARKET, id, alice.address, parseEther("0.1"));
    await expectEthBacked(d);
  });

  it("a stranger can neither mint, burn, withdraw nor set the operator", async function () {
    const d = await loadProtocol();
    const { alice, carol, engine, powerToken } = d;
    const id = await aliceVault(d);
    // Give the stranger tokens, so that only the access check can stop the burn.
    await powerToken.connect(alice).transfer(carol, parseEther("1"));
    const before = await vaultState(d, id);
    const stranger = engine.connect(carol);
    for (const call of [
      () => stranger.mint(id, 1n),
      () => stranger.mint(id, 1n, { value: parseEther("1") }),
      () => stranger.burn(id, parseEther("1"), 0n),
      () => stranger.burn(id, 0n, 1n),
      () => stranger.withdraw(id, 1n),
    ]) {
      await expect(call())
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, carol.address);
    }
    await expect(stranger.setOperator(id, carol))
      .to.be.revertedWithCustomError(engine, "NotVaultOwner")
      .withArgs(id, carol.address);
    expect(await vaultState(d, id)).to.deep.equal(before);
    expect(await powerToken.balanceOf(carol)).to.equal(parseEther("1"));
  });

  it("only the owner sets the operator: the operator cannot replace or remove itself", async function () {
    const d = await loadProtocol();
    const { alice, bob, carol, engine } = d;
    const id = await aliceVault(d);
    await engine.connect(alice).setOperator(id, bob);
    await expect(engine.connect(bob).setOperator(id, carol))
      .to.be.revertedWithCustomError(engine, "NotVaultOwner")
      .withArgs(id, bob.address);
    await expect(engine.connect(bob).setOperator(id, ZeroAddress))
      .to.be.revertedWithCustomError(engine, "NotVaultOwner")
      .withArgs(id, bob.address);
    expect((await vaultState(d, id)).operator).to.equal(bob.address);
  });

  it("an ERC-721 approval of the vault NFT is not an operator", async function () {
    const d = await loadProtocol();
    const { alice, keeper, engine } = d;
    const id = await aliceVault(d);
    await engine.connect(alice).approve(keeper, id);
    await engine.connect(alice).setApprovalForAll(keeper, true);
    await expect(engine.connect(keeper).withdraw(id, 1n))
      .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
      .withArgs(id, keeper.address);
  });

  it("transferring the NFT moves the vault to the new owner and clears the operator", async function () {
    const d = await loadProtocol();
    const { alice, bob, carol, keeper, engine, powerToken } = d;
    const id = await aliceVault(d);
    await engine.connect(alice).setOperator(id, bob);

    const transfer = await engine.connect(alice).transferFrom(alice, carol, id);
    await expect(transfer).to.emit(engine, "VaultTransferred").withArgs(MARKET, id, carol.address);
    await expect(transfer).to.emit(engine, "OperatorSet").withArgs(MARKET, id, ZeroAddress);
    await expect(transfer).to.emit(engine, "Transfer").withArgs(alice.address, carol.address, id);
    expect(await vaultState(d, id)).to.deep.equal({
      owner: carol.address,
      operator: ZeroAddress,
      collateral: COLLATERAL,
      debt: DEBT,
    });

    // The old owner and the old operator have lost every right.
    for (const [signer, address] of [
      [alice, alice.address],
      [bob, bob.address],
    ] as const) {
      await expect(engine.connect(signer).withdraw(id, 1n))
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, address);
      await expect(engine.connect(signer).mint(id, 1n))
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, address);
      await expect(engine.connect(signer).setOperator(id, signer))
        .to.be.revertedWithCustomError(engine, "NotVaultOwner")
        .withArgs(id, address);
    }
    await expect(engine.connect(alice).burn(id, parseEther("1"), 0n))
      .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
      .withArgs(id, alice.address);

    // The new owner can do everything, with tokens bought elsewhere.
    await powerToken.connect(alice).transfer(carol, parseEther("1"));
    await expect(engine.connect(carol).withdraw(id, parseEther("1"))).to.changeEtherBalances(
      ethers,
      [carol, alice, engine],
      [parseEther("1"), 0n, -parseEther("1")],
    );
    await expect(engine.connect(carol).burn(id, parseEther("1"), 0n))
      .to.emit(engine, "Burned")
      .withArgs(MARKET, id, carol.address, parseEther("1"), 0n);
    await expect(engine.connect(carol).setOperator(id, keeper))
      .to.emit(engine, "OperatorSet")
      .withArgs(MARKET, id, keeper.address);
    await expect(engine.connect(keeper).withdraw(id, parseEther("0.5")))
      .to.emit(engine, "Withdrawn")
      .withArgs(MARKET, id, keeper.address, parseEther("0.5"));
    expect(await vaultState(d, id)).to.deep.equal({
      owner: carol.address,
      operator: keeper.address,
      collateral: COLLATERAL - parseEther("1.5"),
      debt: DEBT - parseEther("1"),
    });
    await expectEthBacked(d);
  });

  it("a transfer of a vault without operator emits VaultTransferred but no OperatorSet", async function () {
    const d = await loadProtocol();
    const { alice, carol, engine } = d;
    const id = await aliceVault(d);
    const transfer = await engine
      .connect(alice)
      ["safeTransferFrom(address,address,uint256)"](alice, carol, id);
    await expect(transfer).to.emit(engine, "VaultTransferred").withArgs(MARKET, id, carol.address);
    await expect(transfer).not.to.emit(engine, "OperatorSet");
    expect((await vaultState(d, id)).owner).to.equal(carol.address);
  });
});
