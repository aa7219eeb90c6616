/**
 * The TypeScript client (`client/`) on the in-process chain with the engine's two markets (ETH², market 0, and
 * ETH¹, market 1), over viem clients on the Hardhat connection's EIP-1193 provider: reads equal to the lens, every
 * write in both markets (results and events against the chain), simulations that change nothing, encoded calls,
 * custom errors decoded to one-line messages, vault ids, and loading from a deployment file or from addresses.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { MaxUint256, parseEther, type Result } from "ethers";
import { createPublicClient, createWalletClient, custom, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { advanceTime, deploymentRecord, setEthPrice, setTokenPrice } from "../../deploy/evergamma.js";
import {
  createEvergammaClient,
  EvergammaError,
  marketOfVault,
  newVaultId,
  serialOfVault,
  vaultIdOf,
  type EvergammaClient,
} from "../../client/index.js";
import { DEV_KEEPER_PRIVATE_KEY } from "../../scripts/keeper/config.js";
import { connection, ethers } from "../fixtures.js";
import { loadEngine, type EngineFixture } from "../engine/fixture.js";
import { loadOptions } from "../options/fixture.js";

/** No retries: the in-process provider answers a revert with an error viem would otherwise retry. */
const transport = custom(connection.provider, { retryCount: 0 });
const publicClient = createPublicClient({ transport, pollingInterval: 50, cacheTime: 0 });

/** A client for `signer` (an unlocked account of the in-process chain) from explicit addresses. */
async function clientFor(
  f: Pick<EngineFixture, "engine" | "lens" | "keeperHelper">,
  signer: { address: string },
): Promise<EvergammaClient> {
  const walletClient = createWalletClient({ account: getAddress(signer.address), transport });
  return createEvergammaClient({
    publicClient,
    walletClient,
    addresses: {
      engine: getAddress(await f.engine.getAddress()),
      lens: getAddress(await f.lens.getAddress()),
      keeperHelper: getAddress(await f.keeperHelper.getAddress()),
      marketNames: { 0: "ETH2", 1: "ETH1" },
    },
  });
}

/** The error a promise rejects with (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<EvergammaError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(EvergammaError);
    return error as EvergammaError;
  }
  expect.fail("expected a rejection");
}

/** A struct read through ethers (an ethers `Result`) as a plain object of its named fields. */
function ethersStruct(result: object): Record<string, unknown> {
  return (result as Result).toObject(true);
}

describe("TypeScript client", function () {
  describe("vault ids", function () {
    it("packs the market id above a 64-bit serial and unpacks it", function () {
      expect(vaultIdOf(0, 3n)).to.equal(3n);
      expect(vaultIdOf(1, 2n)).to.equal((1n << 64n) | 2n);
      expect(newVaultId(1)).to.equal(1n << 64n);
      expect(marketOfVault((7n << 64n) | 5n)).to.equal(7);
      expect(serialOfVault((7n << 64n) | 5n)).to.equal(5n);
      expect(() => vaultIdOf(0, 1n << 64n)).to.throw(RangeError, "out of range");
    });
  });

  describe("reads", function () {
    it("reports every market and vault exactly as the lens does", async function () {
      const f = await loadEngine();
      const client = await clientFor(f, f.alice);
      expect(await client.marketCount()).to.equal(2);
      const markets = await client.markets();
      expect(markets.map((m) => [m.id, m.name])).to.deep.equal([
        [0, "ETH2"],
        [1, "ETH1"],
      ]);
      for (const [i, m] of markets.entries()) {
        const deployed = f.markets[i];
        expect(m.token).to.equal(await deployed.token.getAddress());
        expect(m.priceSource).to.equal(getAddress(await deployed.priceSource.getAddress()));
        expect(m.config.params.power).to.equal(BigInt(deployed.params.power));
        expect(await client.marketReport(m.id)).to.deep.equal(ethersStruct(await f.lens.marketReport(m.id)));
        expect(await client.marketConfig(m.id)).to.deep.equal(ethersStruct(await f.lens.marketConfig(m.id)));
        expect(await client.vaultCount(m.id)).to.equal(await f.lens.vaultCount(m.id));
        expect(await client.vaultReport(deployed.seedVaultId)).to.deep.equal(
          ethersStruct(await f.lens.vaultReport(deployed.seedVaultId)),
        );
        const deployer = getAddress(await f.deployer.getAddress());
        expect(await client.tokenBalance(m.id, deployer)).to.equal(await deployed.token.balanceOf(deployer));
      }
      expect((await client.market("eth1")).id).to.equal(1);
      expect((await client.market(0)).name).to.equal("ETH2");
      expect((await rejection(client.market("ETH3"))).message).to.equal(
        'market: unknown market "ETH3"; the engine has 0 (ETH2), 1 (ETH1)',
      );
    });

    it("pages a market's vaults, filters them by owner and previews liquidations", async function () {
      const f = await loadEngine();
      for (const signer of [f.alice, f.bob, f.alice]) {
        await (
          await f.engine.connect(signer).mint(f.eth1.newVaultId, parseEther("1"), { value: parseEther("3") })
        ).wait();
      }
      const client = await clientFor(f, f.alice);
      const all = await client.vaults(1);
      expect(all.map((v) => v.vaultId)).to.deep.equal([1n, 2n, 3n, 4n].map((s) => vaultIdOf(1, s)));
      for (const v of all) expect(v).to.deep.equal(ethersStruct(await f.lens.vaultReport(v.vaultId)));
      const page = await client.vaults(1, { start: 2n, count: 2n });
      expect(page.map((v) => serialOfVault(v.vaultId))).to.deep.equal([2n, 3n]);
      const clipped = await client.vaults(1, { start: 4n, count: 10n });
      expect(clipped.map((v) => serialOfVault(v.vaultId))).to.deep.equal([4n]);
      const alices = await client.vaults(1, { owner: getAddress(f.alice.address) });
      expect(alices.map((v) => serialOfVault(v.vaultId))).to.deep.equal([2n, 4n]);
      expect(await client.isVaultSafe(vaultIdOf(1, 2n))).to.equal(true);
      const [liquidatable, maxDebt, collateralPaid] = await f.lens.previewLiquidation(vaultIdOf(1, 2n));
      expect(await client.previewLiquidation(vaultIdOf(1, 2n))).to.deep.equal({
        liquidatable,
        maxDebt,
        collateralPaid,
      });
    });

    it("reads a vault's state, the funding state (also at a past block) and the option views as the lens does", async function () {
      const f = await loadEngine();
      const client = await clientFor(f, f.alice);
      const vaultId = f.eth2.seedVaultId;
      const [owner, operator, collateral, debt] = await f.lens.getVault(vaultId);
      expect(await client.getVault(vaultId)).to.deep.equal({ owner, operator, collateral, debt });
      expect(await client.collateralRatio(vaultId)).to.equal(await f.lens.collateralRatio(vaultId));
      expect(await client.ethPrice(0)).to.equal(await f.lens.ethPrice(0));
      const block = BigInt(await ethers.provider.getBlockNumber());
      const [nf, lastUpdate] = [await f.lens.normalizationFactor(0), await f.lens.lastFundingUpdate(0)];
      await advanceTime(f, 3600);
      expect(await client.expectedNormalizationFactor(0)).to.equal(
        await f.lens.expectedNormalizationFactor(0),
      );
      await client.applyFunding(0);
      expect(await client.normalizationFactor(0)).to.be.lessThan(nf);
      expect(await client.normalizationFactor(0, { blockNumber: block })).to.equal(nf);
      expect(await client.lastFundingUpdate(0, { blockNumber: block })).to.equal(lastUpdate);
      expect(await client.lastFundingUpdate(0)).to.equal(await f.lens.lastFundingUpdate(0));
      expect(await client.optionPricer()).to.equal(await f.engine.optionPricer());
      expect((await rejection(client.optionReport(0))).message).to.match(/^optionReport: /);

      const o = await loadOptions();
      const options = await clientFor(o, o.alice);
      const report = await options.optionReport(o.call.id);
      expect(report).to.deep.equal(ethersStruct(await o.lens.optionReport(o.call.id)));
      const [delta, gamma, vega] = await o.lens.vaultGreeks(vaultIdOf(o.call.id, 1n));
      expect(await options.vaultGreeks(vaultIdOf(o.call.id, 1n))).to.deep.equal({ delta, gamma, vega });
    });

    it("loads the addresses and market names from a deployment file (a path or its contents)", async function () {
      const f = await loadEngine();
      const dir = await mkdtemp(path.join(tmpdir(), "evergamma-client-"));
      try {
        const deployment = {
          chainId: 31337,
          rpcUrl: "http://127.0.0.1:8545",
          ...(await deploymentRecord(f)),
        };
        const file = path.join(dir, "localhost.json");
        await writeFile(file, JSON.stringify(deployment));
        for (const source of [file, deployment]) {
          const client = createEvergammaClient({ publicClient, deployment: source });
          expect(client.addresses.engine).to.equal(await f.engine.getAddress());
          expect(client.addresses.keeperHelper).to.equal(await f.keeperHelper.getAddress());
          expect((await client.markets()).map((m) => m.name)).to.deep.equal(["ETH2", "ETH1"]);
          expect(await client.tokenAddress(1)).to.equal(await f.eth1.token.getAddress());
        }
        const missing = path.join(dir, "none.json");
        expect(() => createEvergammaClient({ publicClient, deployment: missing })).to.throw(
          EvergammaError,
          `createEvergammaClient: deployment file ${missing}: file not found`,
        );
        expect(() => createEvergammaClient({ publicClient })).to.throw(
          EvergammaError,
          "createEvergammaClient: give either a deployment or addresses",
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("writes, in both markets", function () {
    for (const [marketId, collateral, debt] of [
      [0, parseEther("5"), parseEther("4")],
      [1, parseEther("5"), parseEther("2")],
    ] as const) {
      it(`market ${marketId}: opens, deposits, mints, burns, withdraws and applies funding, with results and events`, async function () {
        const f = await loadEngine();
        const client = await clientFor(f, f.alice);
        const token = f.markets[marketId].token;
        const alice = getAddress(f.alice.address);

        const opened = await client.openVault(marketId);
        const serial = await f.lens.vaultCount(marketId);
        expect(opened.result).to.equal(vaultIdOf(marketId, serial));
        expect(await f.engine.ownerOf(opened.result)).to.equal(f.alice.address);
        expect(opened.events.map((e) => e.eventName)).to.include("VaultOpened");
        expect(opened.receipt.transactionHash).to.equal(opened.hash);

        const deposited = await client.deposit(opened.result, collateral);
        expect(deposited.events.find((e) => e.eventName === "Deposited")?.args).to.deep.include({
          vaultId: opened.result,
          amount: collateral,
        });
        const minted = await client.mint(opened.result, debt);
        expect(minted.result).to.equal(opened.result);
        expect(await client.tokenBalance(marketId)).to.equal(debt);

        // Serial 0 opens a vault and mints in one call; the result is the new vault's id.
        const second = await client.mint(newVaultId(marketId), debt, { value: collateral });
        expect(second.result).to.equal(vaultIdOf(marketId, serial + 1n));
        expect((await client.vaultReport(second.result)).owner).to.equal(alice);
        expect(await token.balanceOf(alice)).to.equal(2n * debt);

        const burned = await client.burn(opened.result, debt / 2n, parseEther("1"));
        const burnEvent = burned.events.find((e) => e.eventName === "Burned");
        expect(burnEvent?.args).to.deep.include({ vaultId: opened.result, amount: debt / 2n });
        const withdrawn = await client.withdraw(opened.result, parseEther("0.5"));
        expect(withdrawn.events.map((e) => e.eventName)).to.include("Withdrawn");
        const [, , left, owed] = await f.lens.getVault(opened.result);
        expect(owed).to.equal(debt - debt / 2n);
        expect(left).to.equal(collateral - parseEther("1.5"));

        await advanceTime(f, 3600);
        const funded = await client.applyFunding(marketId);
        expect(funded.result).to.equal(await f.lens.normalizationFactor(marketId));
        expect(funded.events.map((e) => e.eventName)).to.deep.equal(["NormalizationFactorUpdated"]);
      });
    }

    it("liquidates an unsafe vault in each market and returns what the Liquidated events say", async function () {
      const f = await loadEngine();
      const owner = await clientFor(f, f.alice);
      const risky2 = (await owner.mint(newVaultId(0), parseEther("2"), { value: parseEther("1") })).result;
      const risky1 = (await owner.mint(newVaultId(1), parseEther("0.665"), { value: parseEther("1") }))
        .result;
      for (const m of f.markets)
        await (await m.token.connect(f.deployer).transfer(f.keeper, parseEther("10"))).wait();
      await setEthPrice(f, 3400);
      await advanceTime(f, 600);
      await setTokenPrice(f, f.eth1, "0.8");
      await advanceTime(f, 600);
      await advanceTime(f, 86_400);

      const keeper = await clientFor(f, f.keeper);
      for (const vaultId of [risky2, risky1]) {
        const before = await owner.vaultReport(vaultId);
        const simulated = await keeper.simulate.liquidate(vaultId, MaxUint256);
        expect((await owner.vaultReport(vaultId)).debt, "a simulation changes nothing").to.equal(before.debt);
        const done = await keeper.liquidate(vaultId, MaxUint256);
        const event = done.events.find((e) => e.eventName === "Liquidated");
        expect(event?.args).to.deep.include({ vaultId, liquidator: getAddress(f.keeper.address) });
        expect(done.result).to.deep.equal({
          debtRepaid: before.debt - (await owner.vaultReport(vaultId)).debt,
          collateralPaid: before.collateral - (await owner.vaultReport(vaultId)).collateral,
        });
        expect(done.result.debtRepaid).to.be.greaterThan(0n);
        expect(simulated.debtRepaid).to.be.greaterThan(0n);
      }
      const liquidations = await keeper.getEvents("Liquidated");
      expect(liquidations.map((e) => [e.args.marketId, e.args.vaultId])).to.deep.equal([
        [0, risky2],
        [1, risky1],
      ]);
      const inMarket1 = await keeper.getEvents("Liquidated", {}, { marketId: 1 });
      expect(inMarket1.map((e) => e.args.vaultId)).to.deep.equal([risky1]);
      const ofVault = await keeper.getEvents("Minted", {}, { marketId: 0, vaultId: risky2 });
      expect(ofVault.map((e) => [e.args.vaultId, e.args.amount])).to.deep.equal([[risky2, parseEther("2")]]);
    });

    it("sends with the gas limit asked for, names operators and transfers vaults", async function () {
      const f = await loadEngine();
      const client = await clientFor(f, f.alice);
      const gas = 500_000n;
      const minted = await client.mint(newVaultId(0), parseEther("1"), { value: parseEther("3"), gas });
      expect((await publicClient.getTransaction({ hash: minted.hash })).gas).to.equal(gas);
      const vaultId = minted.result;
      const bob = getAddress(f.bob.address);
      const named = await client.setOperator(vaultId, bob);
      expect(named.events.map((e) => e.eventName)).to.include("OperatorSet");
      expect((await client.getVault(vaultId)).operator).to.equal(bob);
      const nonce = await publicClient.getTransactionCount({ address: getAddress(f.alice.address) });
      const notOwner = await rejection((await clientFor(f, f.bob)).transferVault(vaultId, bob));
      expect(notOwner.message).to.match(/^transferVault: /);
      const moved = await client.transferVault(vaultId, bob);
      expect(moved.events.map((e) => e.eventName)).to.include("VaultTransferred");
      expect(await client.getVault(vaultId)).to.deep.include({ owner: bob });
      expect(await publicClient.getTransactionCount({ address: getAddress(f.alice.address) })).to.equal(
        nonce + 1,
      );
    });

    it("signs locally with a private-key account (Hardhat's account #9) as well", async function () {
      const f = await loadEngine();
      const account = privateKeyToAccount(DEV_KEEPER_PRIVATE_KEY);
      const walletClient = createWalletClient({ account, transport });
      const addresses = (await clientFor(f, f.alice)).addresses;
      const client = createEvergammaClient({ publicClient, walletClient, addresses });
      expect(client.account).to.equal(account.address);
      const { result: vaultId, receipt } = await client.mint(newVaultId(1), parseEther("1"), {
        value: parseEther("3"),
      });
      expect(receipt.from).to.equal(account.address.toLowerCase());
      expect((await client.vaultReport(vaultId)).owner).to.equal(account.address);
      expect(await client.tokenBalance(1)).to.equal(parseEther("1"));
    });

    it("encodes calls for other senders: sending one does what the write does", async function () {
      const f = await loadEngine();
      const client = await clientFor(f, f.alice);
      const call = client.calls.mint(newVaultId(1), parseEther("1"), { value: parseEther("3") });
      expect(call.to).to.equal(await f.engine.getAddress());
      expect(call.value).to.equal(parseEther("3"));
      const before = await f.lens.vaultCount(1);
      await (await f.bob.sendTransaction(call)).wait();
      expect(await f.lens.vaultCount(1)).to.equal(before + 1n);
      expect(await f.eth1.token.balanceOf(f.bob.address)).to.equal(parseEther("1"));
      const limited = client.calls.liquidateWithLimits(1n, 2n, 3n, 4n);
      expect(limited.to).to.equal(await f.keeperHelper.getAddress());
      expect(f.keeperHelper.interface.parseTransaction({ data: limited.data })?.args.toArray()).to.deep.equal(
        [1n, 2n, 3n, 4n],
      );
    });
  });

  describe("errors", function () {
    it("decodes the engine's custom errors into one-line messages, before anything is sent", async function () {
      const f = await loadEngine();
      const client = await clientFor(f, f.alice);
      const vaultId = (await client.mint(newVaultId(0), parseEther("1"), { value: parseEther("3") })).result;
      await (await f.eth2.token.connect(f.alice).transfer(f.bob, parseEther("1"))).wait();
      const nonce = await publicClient.getTransactionCount({ address: getAddress(f.alice.address) });

      const unsafe = await rejection(client.mint(vaultId, parseEther("100")));
      expect(unsafe.errorName).to.equal("VaultUnsafe");
      expect(unsafe.message).to.match(new RegExp(`^mint: VaultUnsafe\\(${vaultId}, \\d+\\)$`));
      expect(unsafe.revert?.args[0]).to.equal(vaultId);

      const bob = await clientFor(f, f.bob);
      const notOwner = await rejection(bob.withdraw(vaultId, 1n));
      expect(notOwner.message).to.equal(
        `withdraw: NotVaultOwnerOrOperator(${vaultId}, ${getAddress(f.bob.address)})`,
      );
      expect((await rejection(client.applyFunding(7))).message).to.equal("applyFunding: MarketNotFound(7)");
      expect((await rejection(client.marketReport(7))).message).to.equal("marketReport: MarketNotFound(7)");
      expect((await rejection(client.simulate.burn(vaultId, 0n))).message).to.equal("burn: ZeroAmount()");
      const safe = await rejection(client.liquidate(vaultId, 1n));
      expect(safe.message).to.match(new RegExp(`^liquidate: VaultSafe\\(${vaultId}, \\d+\\)$`));
      // A nested call's error (the market token's) decodes too: Alice gave her tokens away.
      const noTokens = await rejection(client.burn(vaultId, 1n));
      expect(noTokens.message).to.equal(
        `burn: ERC20InsufficientBalance(${getAddress(f.alice.address)}, 0, 1)`,
      );
      for (const error of [unsafe, notOwner, safe]) expect(error.message).to.not.include("\n");
      expect(await publicClient.getTransactionCount({ address: getAddress(f.alice.address) })).to.equal(
        nonce,
      );

      const readOnly = createEvergammaClient({ publicClient, addresses: client.addresses });
      expect((await rejection(readOnly.deposit(vaultId, 1n))).message).to.equal("deposit: no account");
    });
  });
});
