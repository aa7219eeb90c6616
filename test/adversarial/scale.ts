/**
 * Adversarial: gas griefing by scale. Every user-facing function must cost the same with a handful of vaults
 * and with 500 more vaults in the system (half of them with debt), opened quickly by
 * contracts/mocks/VaultSpammer.sol. The same operations run in the same order from the same snapshot, each the
 * first engine transaction of its block (so each that applies funding pays the update), once without and once
 * with the 500 vaults, in market 0 of the default deployment; the views are the lens's. Settlement after shutdown
 * is the one place that scans vaults; it is paged, and its cost per vault is constant too.
 */
import { expect } from "chai";
import { MaxUint256, parseEther, type ContractTransactionResponse } from "ethers";

import type { VaultSpammer } from "../../types/ethers-contracts/index.js";
import { ethers, loadProtocol, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import { movePrices } from "./helpers.js";

const SPAM_VAULTS = 500;
const PER_TX = 50;
/** Allowed difference per operation: calldata (ids 2 vs 502) and the funding maths' inputs differ slightly. */
const TOLERANCE = 1_000n;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("transaction failed");
  return receipt.gasUsed;
}

async function spam(d: ProtocolFixture, count: number): Promise<void> {
  const spammer = (await ethers.deployContract(
    "VaultSpammer",
    [await d.engine.getAddress(), d.marketId],
    d.carol,
  )) as unknown as VaultSpammer;
  await ethers.provider.send("hardhat_setBalance", [
    d.carol.address,
    "0x" + parseEther("100000").toString(16),
  ]);
  for (let opened = 0; opened < count; opened += PER_TX) {
    const withDebt = PER_TX / 2;
    await (
      await spammer.open(PER_TX, withDebt, parseEther("1"), parseEther("1"), {
        value: parseEther("1") * BigInt(withDebt),
        gasLimit: 16_000_000n,
      })
    ).wait();
  }
}

/** The operations measured, in order; returns gasUsed by name. */
async function measure(d: ProtocolFixture): Promise<Map<string, bigint>> {
  const { engine, lens, marketId, alice, bob, carol, keeper } = d;
  const gas = new Map<string, bigint>();
  // Set-up (not measured): Alice's vault A, Bob's vault B (unsafe above ETH ≈ 4444), the keeper's tokens.
  await (await engine.connect(alice).mint(0n, parseEther("10"), { value: parseEther("20") })).wait();
  const a = await lens.vaultCount(marketId);
  await (await engine.connect(bob).mint(0n, parseEther("15"), { value: parseEther("10") })).wait();
  const b = await lens.vaultCount(marketId);
  await (await engine.connect(keeper).mint(0n, parseEther("40"), { value: parseEther("60") })).wait();
  // Carol will close a vault she receives: she needs its debt in tokens.
  await (await d.powerToken.connect(alice).transfer(carol, parseEther("1"))).wait();

  gas.set("openVault", await gasOf(engine.connect(alice).openVault(marketId)));
  gas.set("deposit", await gasOf(engine.connect(alice).deposit(a, { value: parseEther("1") })));
  gas.set("mint (existing vault)", await gasOf(engine.connect(alice).mint(a, parseEther("1"))));
  gas.set(
    "mint (new vault, with ETH)",
    await gasOf(engine.connect(alice).mint(0n, parseEther("1"), { value: parseEther("1") })),
  );
  const fresh = await lens.vaultCount(marketId);
  gas.set("burn", await gasOf(engine.connect(alice).burn(a, parseEther("0.5"), 0n)));
  gas.set("withdraw", await gasOf(engine.connect(alice).withdraw(a, parseEther("0.1"))));
  gas.set(
    "burn + withdraw",
    await gasOf(engine.connect(alice).burn(a, parseEther("0.5"), parseEther("0.1"))),
  );
  gas.set("setOperator", await gasOf(engine.connect(alice).setOperator(a, bob.address)));
  gas.set("NFT transfer (clears operator)", await gasOf(engine.connect(alice).transferFrom(alice, carol, a)));
  gas.set("NFT transfer (no operator)", await gasOf(engine.connect(alice).transferFrom(alice, carol, fresh)));
  gas.set("applyFunding", await gasOf(engine.connect(keeper).applyFunding(marketId)));
  gas.set(
    "close (burn all, withdraw all)",
    await gasOf(engine.connect(carol).burn(fresh, parseEther("1"), parseEther("1"))),
  );
  gas.set("view isVaultSafe", await lens.isVaultSafe.estimateGas(b));
  gas.set("view previewLiquidation", await lens.previewLiquidation.estimateGas(b));
  gas.set("view maxMintable", await lens.maxMintable.estimateGas(b));

  await movePrices(d, 4800);
  gas.set("liquidate (half)", await gasOf(engine.connect(keeper).liquidate(b, MaxUint256)));

  await (await engine.connect(d.deployer).shutdown(marketId)).wait();
  const count = await lens.vaultCount(marketId);
  // Settlement is paged: its marginal cost per vault (a page of 2 minus a page of 1) must not grow either.
  await (await engine.connect(keeper).settleVaults(marketId, 1n)).wait(); // the first page also initialises storage
  const onePage = await gasOf(engine.connect(keeper).settleVaults(marketId, 1n));
  const twoPage = await gasOf(engine.connect(keeper).settleVaults(marketId, 2n));
  gas.set("settleVaults, marginal gas per vault", twoPage - onePage);
  await (await engine.connect(keeper).settleVaults(marketId, MaxUint256)).wait();
  expect(await lens.settledVaults(marketId)).to.equal(count);
  gas.set("redeemLong", await gasOf(engine.connect(keeper).redeemLong(marketId, parseEther("1"))));
  gas.set("redeemShort", await gasOf(engine.connect(keeper).redeemShort(b + 1n)));
  return gas;
}

describe("Adversarial: gas does not grow with the number of vaults", function () {
  it(`every user function costs the same with ${SPAM_VAULTS} more vaults in the system`, async function () {
    const d = await loadProtocol();
    const snapshot = await networkHelpers.takeSnapshot();
    const few = await measure(d);
    const fewVaults = await d.lens.vaultCount(d.marketId);
    await snapshot.restore();

    const started = Date.now();
    await spam(d, SPAM_VAULTS);
    const spamSeconds = (Date.now() - started) / 1000;
    expect(await d.lens.vaultCount(d.marketId)).to.equal(1n + BigInt(SPAM_VAULTS));
    const many = await measure(d);
    const manyVaults = await d.lens.vaultCount(d.marketId);
    expect(manyVaults - fewVaults).to.equal(BigInt(SPAM_VAULTS));

    const rows: string[] = [];
    for (const [name, gasFew] of few) {
      const gasMany = many.get(name)!;
      const diff = gasMany - gasFew;
      rows.push(`${name.padEnd(38)} ${String(gasFew).padStart(9)} ${String(gasMany).padStart(9)} ${diff}`);
      expect(
        diff < 0n ? -diff : diff,
        `${name}: ${gasFew} with ${fewVaults} vaults, ${gasMany} with ${manyVaults}`,
      ).to.be.at.most(TOLERANCE);
    }
    console.log(
      `      opened ${SPAM_VAULTS} vaults in ${spamSeconds.toFixed(1)} s\n` +
        `      ${"operation".padEnd(38)} ${`${fewVaults} v.`.padStart(9)} ${`${manyVaults} v.`.padStart(9)} diff\n` +
        rows.map((r) => `      ${r}`).join("\n"),
    );
  });
});
