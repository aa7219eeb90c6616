/**
 * Vault flows of the engine's market 0 against the real Uniswap v3 deployment: open, deposit, mint, burn and
 * withdraw with exact balances and events; mint with vault id 0; full repayment; closed vaults.
 */
import { expect } from "chai";
import { ZeroAddress, parseEther, type Log } from "ethers";

import { setEthPrice } from "../../deploy/evergamma.js";
import { ethers, loadProtocol, type ProtocolFixture } from "../fixtures.js";
import {
  ETH,
  PENDING,
  advance,
  expectEthBacked,
  openVault,
  pinNextBlock,
  vaultState,
} from "../utils/coreHelpers.js";

/** The default deployment's one market. */
const MARKET = 0;

/**
 * The names of the engine's and the power token's events in a receipt, in log order; the engine's ERC-721
 * Transfer (the vault NFT) is named "VaultNFT.Transfer". Logs are told apart by address, as an ERC-20 Transfer has
 * the topic of the ERC-721 one.
 */
function eventNames(d: ProtocolFixture, logs: readonly Log[]): string[] {
  const sources = [
    { address: d.engine.target, prefix: "", contract: d.engine },
    { address: d.powerToken.target, prefix: "MarketToken.", contract: d.powerToken },
  ];
  return logs.flatMap((log) => {
    const source = sources.find((s) => s.address === log.address);
    const parsed = source?.contract.interface.parseLog(log);
    if (source === undefined || parsed == null) return [];
    return [
      source === sources[0] && parsed.name === "Transfer" ? "VaultNFT.Transfer" : source.prefix + parsed.name,
    ];
  });
}

describe("Engine vault flows (market 0)", function () {
  it("the deployment's seed vault has id 1, belongs to the deployer and holds its NFT", async function () {
    const d = await loadProtocol();
    const deployer = await d.deployer.getAddress();
    expect(d.seedVaultId).to.equal(1n);
    expect(await d.lens.vaultCount(MARKET)).to.equal(1n);
    expect(await d.engine.ownerOf(1n)).to.equal(deployer);
    const seed = await vaultState(d, 1n);
    expect(seed.owner).to.equal(deployer);
    expect(seed.debt).to.equal(parseEther("100"));
    // Vault 0 never exists: it is the "open a new vault" marker of mint.
    expect(await vaultState(d, 0n)).to.deep.equal({
      owner: ZeroAddress,
      operator: ZeroAddress,
      collateral: 0n,
      debt: 0n,
    });
    await expect(d.engine.ownerOf(0n)).to.be.revertedWithCustomError(d.engine, "TokenDoesNotExist");
    await expectEthBacked(d);
  });

  it("openVault opens the next id, mints its NFT to the caller and emits VaultOpened", async function () {
    const d = await loadProtocol();
    const { alice, bob, engine, lens } = d;
    expect(await engine.connect(alice).openVault.staticCall(MARKET)).to.equal(2n);
    const tx = await engine.connect(alice).openVault(MARKET);
    await expect(tx).to.emit(engine, "VaultOpened").withArgs(MARKET, 2n, alice.address);
    await expect(tx).to.emit(engine, "Transfer").withArgs(ZeroAddress, alice.address, 2n);
    await expect(tx).not.to.emit(engine, "Deposited");
    expect(await lens.vaultCount(MARKET)).to.equal(2n);
    expect(await engine.ownerOf(2n)).to.equal(alice.address);
    expect(await engine.balanceOf(alice)).to.equal(1n);
    expect(await vaultState(d, 2n)).to.deep.equal({
      owner: alice.address,
      operator: ZeroAddress,
      collateral: 0n,
      debt: 0n,
    });

    await expect(engine.connect(bob).openVault(MARKET))
      .to.emit(engine, "VaultOpened")
      .withArgs(MARKET, 3n, bob.address);
    expect(await engine.ownerOf(3n)).to.equal(bob.address);
    expect(await lens.vaultCount(MARKET)).to.equal(3n);
  });

  it("deposit moves exactly the sent ETH into the vault and emits Deposited", async function () {
    const d = await loadProtocol();
    const { alice, engine } = d;
    const id = await openVault(d, alice, 0n);
    const amount = parseEther("1.5");
    const tx = await engine.connect(alice).deposit(id, { value: amount });
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [-amount, amount]);
    await expect(tx).to.emit(engine, "Deposited").withArgs(MARKET, id, alice.address, amount);
    expect((await vaultState(d, id)).collateral).to.equal(amount);

    await engine.connect(alice).deposit(id, { value: 7n });
    expect((await vaultState(d, id)).collateral).to.equal(amount + 7n);
    await expectEthBacked(d);
  });

  it("anyone may deposit into any vault, without gaining any right over it", async function () {
    const d = await loadProtocol();
    const { alice, bob, engine } = d;
    const id = await openVault(d, alice, ETH);
    const tx = await engine.connect(bob).deposit(id, { value: parseEther("2") });
    await expect(tx).to.emit(engine, "Deposited").withArgs(MARKET, id, bob.address, parseEther("2"));
    await expect(tx).to.changeEtherBalances(
      ethers,
      [bob, alice, engine],
      [-parseEther("2"), 0n, parseEther("2")],
    );
    const vault = await vaultState(d, id);
    expect(vault.collateral).to.equal(parseEther("3"));
    expect(vault.owner).to.equal(alice.address);
    expect(vault.operator).to.equal(ZeroAddress);
    await expect(engine.connect(bob).withdraw(id, 1n))
      .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
      .withArgs(id, bob.address);
    await expectEthBacked(d);
  });

  it("mint records the debt, mints the tokens to the caller and moves no ETH", async function () {
    const d = await loadProtocol();
    const { alice, engine, powerToken } = d;
    const id = await openVault(d, alice, parseEther("3"));
    const supply = await powerToken.totalSupply();
    const amount = parseEther("2");
    expect(await engine.connect(alice).mint.staticCall(id, amount)).to.equal(id);
    const tx = await engine.connect(alice).mint(id, amount);
    await expect(tx).to.emit(engine, "Minted").withArgs(MARKET, id, alice.address, amount);
    await expect(tx).not.to.emit(engine, "Deposited");
    await expect(tx).to.changeTokenBalance(ethers, powerToken, alice, amount);
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [0n, 0n]);
    expect(await powerToken.totalSupply()).to.equal(supply + amount);
    expect(await vaultState(d, id)).to.deep.include({ collateral: parseEther("3"), debt: amount });

    await engine.connect(alice).mint(id, 5n);
    expect((await vaultState(d, id)).debt).to.equal(amount + 5n);
  });

  it("mint with vault id 0 opens a vault for the caller, deposits msg.value, then mints", async function () {
    const d = await loadProtocol();
    const { alice, engine, lens, powerToken } = d;
    const [collateral, amount] = [parseEther("4"), parseEther("3")];
    expect(await engine.connect(alice).mint.staticCall(0n, amount, { value: collateral })).to.equal(2n);
    const tx = await engine.connect(alice).mint(0n, amount, { value: collateral });
    await expect(tx).to.emit(engine, "VaultOpened").withArgs(MARKET, 2n, alice.address);
    await expect(tx).to.emit(engine, "Deposited").withArgs(MARKET, 2n, alice.address, collateral);
    await expect(tx).to.emit(engine, "Minted").withArgs(MARKET, 2n, alice.address, amount);
    await expect(tx).to.emit(engine, "Transfer").withArgs(ZeroAddress, alice.address, 2n);
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [-collateral, collateral]);
    await expect(tx).to.changeTokenBalance(ethers, powerToken, alice, amount);

    const receipt = await tx.wait();
    if (receipt === null) throw new Error("not mined");
    const order = eventNames(d, receipt.logs).filter((n) =>
      ["VaultOpened", "Deposited", "Minted", "MarketToken.Transfer", "VaultNFT.Transfer"].includes(n),
    );
    expect(order).to.deep.equal([
      "VaultOpened",
      "Deposited",
      "Minted",
      "MarketToken.Transfer",
      "VaultNFT.Transfer",
    ]);

    expect(await lens.vaultCount(MARKET)).to.equal(2n);
    expect(await engine.ownerOf(2n)).to.equal(alice.address);
    expect(await vaultState(d, 2n)).to.deep.equal({
      owner: alice.address,
      operator: ZeroAddress,
      collateral,
      debt: amount,
    });
    await expectEthBacked(d);
  });

  it("mint with msg.value counts the new collateral before the health check", async function () {
    const d = await loadProtocol();
    const { alice, engine, lens } = d;
    const id = await openVault(d, alice, 0n);
    const amount = parseEther("1");
    // Without collateral the mint fails ...
    await expect(engine.connect(alice).mint(id, amount))
      .to.be.revertedWithCustomError(engine, "VaultBelowMinCollateral")
      .withArgs(id, 0n, parseEther("0.5"));
    // ... with the ETH sent along it succeeds: the deposit is applied first.
    const tx = await engine.connect(alice).mint(id, amount, { value: ETH });
    await expect(tx).to.emit(engine, "Deposited").withArgs(MARKET, id, alice.address, ETH);
    await expect(tx).to.emit(engine, "Minted").withArgs(MARKET, id, alice.address, amount);
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [-ETH, ETH]);
    expect(await vaultState(d, id)).to.deep.include({ collateral: ETH, debt: amount });
    expect(await lens.isVaultSafe(id)).to.equal(true);
  });

  it("burn burns from the caller's balance without any approval and lowers the debt", async function () {
    const d = await loadProtocol();
    const { alice, engine, powerToken } = d;
    const id = await openVault(d, alice, parseEther("3"), parseEther("2"));
    expect(await powerToken.allowance(alice, engine)).to.equal(0n);
    const supply = await powerToken.totalSupply();
    const amount = parseEther("0.5");
    const tx = await engine.connect(alice).burn(id, amount, 0n);
    await expect(tx).to.emit(engine, "Burned").withArgs(MARKET, id, alice.address, amount, 0n);
    await expect(tx).to.emit(powerToken, "Transfer").withArgs(alice.address, ZeroAddress, amount);
    await expect(tx).not.to.emit(engine, "Withdrawn");
    await expect(tx).to.changeTokenBalance(ethers, powerToken, alice, -amount);
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [0n, 0n]);
    expect(await powerToken.totalSupply()).to.equal(supply - amount);
    expect(await vaultState(d, id)).to.deep.include({ collateral: parseEther("3"), debt: parseEther("1.5") });
  });

  it("burn with a withdrawal repays and pays the ETH to the caller in one call", async function () {
    const d = await loadProtocol();
    const { alice, engine, powerToken } = d;
    const id = await openVault(d, alice, parseEther("3"), parseEther("2"));
    const [amount, eth] = [parseEther("1"), parseEther("0.4")];
    const tx = await engine.connect(alice).burn(id, amount, eth);
    await expect(tx).to.emit(engine, "Burned").withArgs(MARKET, id, alice.address, amount, eth);
    await expect(tx).not.to.emit(engine, "Withdrawn");
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [eth, -eth]);
    await expect(tx).to.changeTokenBalance(ethers, powerToken, alice, -amount);
    expect(await vaultState(d, id)).to.deep.include({ collateral: parseEther("2.6"), debt: parseEther("1") });
    await expectEthBacked(d);
  });

  it("withdraw pays exactly the amount to the owner and emits Withdrawn", async function () {
    const d = await loadProtocol();
    const { alice, engine } = d;
    const id = await openVault(d, alice, parseEther("3"), parseEther("1"));
    const amount = parseEther("0.7");
    const tx = await engine.connect(alice).withdraw(id, amount);
    await expect(tx).to.emit(engine, "Withdrawn").withArgs(MARKET, id, alice.address, amount);
    await expect(tx).not.to.emit(engine, "Burned");
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [amount, -amount]);
    expect(await vaultState(d, id)).to.deep.include({ collateral: parseEther("2.3"), debt: parseEther("1") });
    // A debt-free vault can be emptied completely.
    const free = await openVault(d, alice, parseEther("0.3"));
    await expect(engine.connect(alice).withdraw(free, parseEther("0.3"))).to.changeEtherBalances(
      ethers,
      [alice, engine],
      [parseEther("0.3"), -parseEther("0.3")],
    );
    expect((await vaultState(d, free)).collateral).to.equal(0n);
    await expectEthBacked(d);
  });

  it("full repayment (all debt burned, all collateral withdrawn) succeeds even for an unsafe vault", async function () {
    const d = await loadProtocol();
    const { alice, engine, lens, powerToken } = d;
    const collateral = parseEther("2");
    const id = await openVault(d, alice, collateral);
    await pinNextBlock();
    const debt = ((await lens.maxMintable(id, PENDING)) * 97n) / 100n;
    await engine.connect(alice).mint(id, debt);
    // ETH +10%: the debt value grows by 10% and the 150%·1.03 vault falls below 150%.
    await setEthPrice(d, 3300);
    await advance(d.market.twapPeriodSeconds + 60);
    expect(await lens.isVaultSafe(id)).to.equal(false);
    // Repaying only part of the debt is refused while the vault stays unsafe ...
    await expect(engine.connect(alice).burn(id, debt / 100n, 0n)).to.be.revertedWithCustomError(
      engine,
      "VaultUnsafe",
    );
    // ... but closing it completely always works.
    const tx = await engine.connect(alice).burn(id, debt, collateral);
    await expect(tx).to.emit(engine, "Burned").withArgs(MARKET, id, alice.address, debt, collateral);
    await expect(tx).to.changeEtherBalances(ethers, [alice, engine], [collateral, -collateral]);
    await expect(tx).to.changeTokenBalance(ethers, powerToken, alice, -debt);
    expect(await vaultState(d, id)).to.deep.include({ collateral: 0n, debt: 0n });
    expect(await lens.isVaultSafe(id)).to.equal(true);
    await expectEthBacked(d);
  });

  it("a closed vault keeps its NFT and its owner can use it again", async function () {
    const d = await loadProtocol();
    const { alice, engine, lens } = d;
    const id = await openVault(d, alice, ETH, parseEther("1"));
    await engine.connect(alice).burn(id, parseEther("1"), ETH);
    expect(await engine.ownerOf(id)).to.equal(alice.address);
    expect(await engine.balanceOf(alice)).to.equal(1n);
    expect(await lens.vaultCount(MARKET)).to.equal(id);
    expect(await vaultState(d, id)).to.deep.equal({
      owner: alice.address,
      operator: ZeroAddress,
      collateral: 0n,
      debt: 0n,
    });
    await expect(engine.connect(alice).mint(id, parseEther("2"), { value: parseEther("2") }))
      .to.emit(engine, "Minted")
      .withArgs(MARKET, id, alice.address, parseEther("2"));
    expect(await vaultState(d, id)).to.deep.include({ collateral: parseEther("2"), debt: parseEther("2") });
    expect(await lens.vaultCount(MARKET)).to.equal(id);
  });
});
