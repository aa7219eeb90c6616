/**
 * Who may act on a vault: its owner (the NFT holder), the operator the owner set, nobody else. Transferring the
 * NFT moves the vault and clears the operator.
 */
import { expect } from "chai";
import { ZeroAddress, parseEther } from "ethers";

import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import { expectEthBacked, openVault, vaultState } from "../utils/coreHelpers.js";

const COLLATERAL = parseEther("5");
const DEBT = parseEther("4");

/** Alice's vault with 5 ETH and 4 tokens (about 420% collateralised at ETH = 3000). */
async function aliceVault(d: ProtocolFixture): Promise<bigint> {
  return openVault(d, d.alice, COLLATERAL, DEBT);
}

describe("Controller owner and operator rules", function () {
  it("the owner sets an operator (OperatorSet) and can remove it again", async function () {
    const d = await loadProtocol();
    const { alice, bob, controller } = d;
    const id = await aliceVault(d);
    await expect(controller.connect(alice).setOperator(id, bob))
      .to.emit(controller, "OperatorSet")
      .withArgs(id, bob.address);
    expect((await vaultState(d, id)).operator).to.equal(bob.address);

    await expect(controller.connect(alice).setOperator(id, ZeroAddress))
      .to.emit(controller, "OperatorSet")
      .withArgs(id, ZeroAddress);
    expect((await vaultState(d, id)).operator).to.equal(ZeroAddress);
    await expect(controller.connect(bob).withdraw(id, 1n))
      .to.be.revertedWithCustomError(controller, "NotVaultOwnerOrOperator")
      .withArgs(id, bob.address);
  });

  it("the operator mints, burns and withdraws; tokens and ETH go to and come from the operator", async function () {
    const d = await loadProtocol();
    const { alice, bob, controller, powerToken } = d;
    const id = await aliceVault(d);
    await controller.connect(alice).setOperator(id, bob);

    const mint = await controller.connect(bob).mint(id, parseEther("1"), { value: parseEther("0.5") });
    await expect(mint).to.emit(controller, "Deposited").withArgs(id, bob.address, parseEther("0.5"));
    await expect(mint).to.emit(controller, "Minted").withArgs(id, bob.address, parseEther("1"));
    await expect(mint).to.changeTokenBalances(ethers, powerToken, [bob, alice], [parseEther("1"), 0n]);
    await expect(mint).to.changeEtherBalances(
      ethers,
      [bob, alice, controller],
      [-parseEther("0.5"), 0n, parseEther("0.5")],
    );

    const burn = await controller.connect(bob).burn(id, parseEther("0.25"), 0n);
    await expect(burn).to.emit(controller, "Burned").withArgs(id, bob.address, parseEther("0.25"));
    await expect(burn).to.changeTokenBalances(ethers, powerToken, [bob, alice], [-parseEther("0.25"), 0n]);

    const withdraw = await controller.connect(bob).withdraw(id, parseEther("1"));
    await expect(withdraw).to.emit(controller, "Withdrawn").withArgs(id, bob.address, parseEther("1"));
    await expect(withdraw).to.changeEtherBalances(
      ethers,
      [bob, alice, controller],
      [parseEther("1"), 0n, -parseEther("1")],
    );

    expect(await vaultState(d, id)).to.deep.equal({
      owner: alice.address,
      operator: bob.address,
      collateral: parseEther("4.5"),
      debt: parseEther("4.75"),
    });
    // The owner keeps every right while an operator is set.
    await expect(controller.connect(alice).withdraw(id, parseEther("0.1")))
      .to.emit(controller, "Withdrawn")
      .withArgs(id, alice.address, parseEther("0.1"));
    await expectEthBacked(d);
  });

  it("a stranger can neither mint, burn, withdraw nor set the operator", async function () {
    const d = await loadProtocol();
    const { alice, carol, controller, powerToken } = d;
    const id = await aliceVault(d);
    // Give the stranger tokens, so that only the access check can stop the burn.
    await powerToken.connect(alice).transfer(carol, parseEther("1"));
    const before = await vaultState(d, id);
    const stranger = controller.connect(carol);
    for (const call of [
      () => stranger.mint(id, 1n),
      () => stranger.mint(id, 1n, { value: parseEther("1") }),
      () => stranger.burn(id, parseEther("1"), 0n),
      () => stranger.burn(id, 0n, 1n),
      () => stranger.withdraw(id, 1n),
    ]) {
      await expect(call())
        .to.be.revertedWithCustomError(controller, "NotVaultOwnerOrOperator")
        .withArgs(id, carol.address);
    }
    await expect(stranger.setOperator(id, carol))
      .to.be.revertedWithCustomError(controller, "NotVaultOwner")
      .withArgs(id, carol.address);
    expect(await vaultState(d, id)).to.deep.equal(before);
    expect(await powerToken.balanceOf(carol)).to.equal(parseEther("1"));
  });

  it("only the owner sets the operator: the operator cannot replace or remove itself", async function () {
    const d = await loadProtocol();
    const { alice, bob, carol, controller } = d;
    const id = await aliceVault(d);
    await controller.connect(alice).setOperator(id, bob);
    await expect(controller.connect(bob).setOperator(id, carol))
      .to.be.revertedWithCustomError(controller, "NotVaultOwner")
      .withArgs(id, bob.address);
    await expect(controller.connect(bob).setOperator(id, ZeroAddress))
      .to.be.revertedWithCustomError(controller, "NotVaultOwner")
      .withArgs(id, bob.address);
    expect((await vaultState(d, id)).operator).to.equal(bob.address);
  });

  it("an ERC-721 approval of the vault NFT is not an operator", async function () {
    const d = await loadProtocol();
    const { alice, keeper, controller, vaultNFT } = d;
    const id = await aliceVault(d);
    await vaultNFT.connect(alice).approve(keeper, id);
    await vaultNFT.connect(alice).setApprovalForAll(keeper, true);
    await expect(controller.connect(keeper).withdraw(id, 1n))
      .to.be.revertedWithCustomError(controller, "NotVaultOwnerOrOperator")
      .withArgs(id, keeper.address);
  });

  it("transferring the NFT moves the vault to the new owner and clears the operator", async function () {
    const d = await loadProtocol();
    const { alice, bob, carol, keeper, controller, powerToken, vaultNFT } = d;
    const id = await aliceVault(d);
    await controller.connect(alice).setOperator(id, bob);

    const transfer = await vaultNFT.connect(alice).transferFrom(alice, carol, id);
    await expect(transfer).to.emit(controller, "VaultTransferred").withArgs(id, carol.address);
    await expect(transfer).to.emit(controller, "OperatorSet").withArgs(id, ZeroAddress);
    await expect(transfer).to.emit(vaultNFT, "Transfer").withArgs(alice.address, carol.address, id);
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
      await expect(controller.connect(signer).withdraw(id, 1n))
        .to.be.revertedWithCustomError(controller, "NotVaultOwnerOrOperator")
        .withArgs(id, address);
      await expect(controller.connect(signer).mint(id, 1n))
        .to.be.revertedWithCustomError(controller, "NotVaultOwnerOrOperator")
        .withArgs(id, address);
      await expect(controller.connect(signer).setOperator(id, signer))
        .to.be.revertedWithCustomError(controller, "NotVaultOwner")
        .withArgs(id, address);
    }
    await expect(controller.connect(alice).burn(id, parseEther("1"), 0n))
      .to.be.revertedWithCustomError(controller, "NotVaultOwnerOrOperator")
      .withArgs(id, alice.address);

    // The new owner can do everything, with tokens bought elsewhere.
    await powerToken.connect(alice).transfer(carol, parseEther("1"));
    await expect(controller.connect(carol).withdraw(id, parseEther("1"))).to.changeEtherBalances(
      ethers,
      [carol, alice, controller],
      [parseEther("1"), 0n, -parseEther("1")],
    );
    await expect(controller.connect(carol).burn(id, parseEther("1"), 0n))
      .to.emit(controller, "Burned")
      .withArgs(id, carol.address, parseEther("1"));
    await expect(controller.connect(carol).setOperator(id, keeper))
      .to.emit(controller, "OperatorSet")
      .withArgs(id, keeper.address);
    await expect(controller.connect(keeper).withdraw(id, parseEther("0.5")))
      .to.emit(controller, "Withdrawn")
      .withArgs(id, keeper.address, parseEther("0.5"));
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
    const { alice, carol, controller, vaultNFT } = d;
    const id = await aliceVault(d);
    const transfer = await vaultNFT
      .connect(alice)
      ["safeTransferFrom(address,address,uint256)"](alice, carol, id);
    await expect(transfer).to.emit(controller, "VaultTransferred").withArgs(id, carol.address);
    await expect(transfer).not.to.emit(controller, "OperatorSet");
    expect((await vaultState(d, id)).owner).to.equal(carol.address);
  });
});
