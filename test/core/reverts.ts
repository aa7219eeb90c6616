/**
 * Every revert path of the vault engine, each custom error with its exact arguments, plus the deployment-time
 * checks of the Controller and its history checks on fresh Uniswap v3 pools.
 */
import { expect } from "chai";
import {
  AbiCoder,
  ZeroAddress,
  getCreate2Address,
  getCreateAddress,
  keccak256,
  parseEther,
  type ContractTransactionResponse,
  type Result,
} from "ethers";

import {
  UNISWAP_V3_POOL_INIT_CODE_HASH,
  getPoolContract,
  priceToSqrtPriceX96,
  sortTokens,
  tickToPrice,
} from "../../deploy/uniswap.js";
import type { Controller } from "../../types/ethers-contracts/index.js";
import { ethers, loadProtocol, networkHelpers, type ProtocolFixture } from "../fixtures.js";
import {
  ETH,
  GAS,
  PENDING,
  WAD,
  advance,
  collateralRatioWad,
  debtValueWei,
  inOneBlock,
  openVault,
  pinNextBlock,
  protocolState,
  vaultState,
} from "../utils/coreHelpers.js";
import { observeWindow, quoteAtTick } from "../utils/twapReference.js";

const MIN_COLLATERAL = parseEther("0.5");

/** The fixture Controller's constructor arguments as plain objects (every field, whatever the struct holds). */
async function constructorArgs(d: ProtocolFixture) {
  const params = ((await d.controller.marketParams()) as unknown as Result).toObject();
  const contracts = ((await d.controller.marketContracts()) as unknown as Result).toObject();
  return { params, contracts };
}

/** Deploys a Controller (the promise rejects when the constructor reverts). */
function deployController(
  d: ProtocolFixture,
  contracts: Record<string, unknown>,
  params: Record<string, unknown>,
): Promise<Controller> {
  return ethers.deployContract("Controller", [contracts, params], d.keeper) as unknown as Promise<Controller>;
}

/** sqrtPriceX96 of `price` units of `quote` per `base` in the base/quote pool's orientation (18-decimal tokens). */
function sqrtPriceFor(base: string, quote: string, price: string): bigint {
  const [token0] = sortTokens(base, quote);
  return token0 === base
    ? priceToSqrtPriceX96(price, 18, 18)
    : priceToSqrtPriceX96((1 / Number(price)).toPrecision(17), 18, 18);
}

describe("Controller reverts", function () {
  describe("vault actions", function () {
    it("ZeroAmount: deposit without ETH, withdraw 0, mint 0, burn 0 and 0", async function () {
      const d = await loadProtocol();
      const { alice, controller } = d;
      const id = await openVault(d, alice, ETH, parseEther("1"));
      const c = controller.connect(alice);
      for (const call of [
        () => c.deposit(id),
        () => c.withdraw(id, 0n),
        () => c.mint(id, 0n),
        () => c.mint(0n, 0n, { value: ETH }),
        () => c.burn(id, 0n, 0n),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(controller, "ZeroAmount").withArgs();
      }
      expect(await controller.vaultCount()).to.equal(id);
    });

    it("VaultNotFound: every action on vault 0 or on an id never opened", async function () {
      const d = await loadProtocol();
      const { alice, bob, controller } = d;
      const c = controller.connect(alice);
      const next = (await controller.vaultCount()) + 1n;
      for (const id of [0n, next, 2n ** 200n]) {
        for (const call of [
          () => c.deposit(id, { value: 1n }),
          () => c.withdraw(id, 1n),
          () => c.burn(id, 1n, 0n),
          () => c.setOperator(id, bob),
        ]) {
          await expect(call()).to.be.revertedWithCustomError(controller, "VaultNotFound").withArgs(id);
        }
        if (id !== 0n) {
          await expect(c.mint(id, 1n, { value: ETH }))
            .to.be.revertedWithCustomError(controller, "VaultNotFound")
            .withArgs(id);
        }
      }
    });

    it("NotVaultOwnerOrOperator and NotVaultOwner for a stranger", async function () {
      const d = await loadProtocol();
      const { alice, bob, controller } = d;
      const id = await openVault(d, alice, ETH);
      await expect(controller.connect(bob).withdraw(id, 1n))
        .to.be.revertedWithCustomError(controller, "NotVaultOwnerOrOperator")
        .withArgs(id, bob.address);
      await expect(controller.connect(bob).setOperator(id, bob))
        .to.be.revertedWithCustomError(controller, "NotVaultOwner")
        .withArgs(id, bob.address);
    });

    it("InsufficientCollateral(vaultId, requested, available)", async function () {
      const d = await loadProtocol();
      const { alice, controller } = d;
      const id = await openVault(d, alice, parseEther("2"));
      await expect(controller.connect(alice).withdraw(id, parseEther("2") + 1n))
        .to.be.revertedWithCustomError(controller, "InsufficientCollateral")
        .withArgs(id, parseEther("2") + 1n, parseEther("2"));
      await expect(controller.connect(alice).burn(id, 0n, parseEther("5")))
        .to.be.revertedWithCustomError(controller, "InsufficientCollateral")
        .withArgs(id, parseEther("5"), parseEther("2"));
    });

    it("BurnExceedsDebt(vaultId, requested, debt), even when the caller holds the tokens", async function () {
      const d = await loadProtocol();
      const { alice, controller, powerToken } = d;
      const id = await openVault(d, alice, parseEther("3"), parseEther("1"));
      await openVault(d, alice, parseEther("3"), parseEther("1"));
      expect(await powerToken.balanceOf(alice)).to.equal(parseEther("2"));
      await expect(controller.connect(alice).burn(id, parseEther("1") + 1n, 0n))
        .to.be.revertedWithCustomError(controller, "BurnExceedsDebt")
        .withArgs(id, parseEther("1") + 1n, parseEther("1"));
    });

    it("a burn of tokens the caller does not hold reverts in the PowerToken", async function () {
      const d = await loadProtocol();
      const { alice, bob, controller, powerToken } = d;
      const id = await openVault(d, alice, parseEther("3"), parseEther("1"));
      await powerToken.connect(alice).transfer(bob, parseEther("0.6"));
      await expect(controller.connect(alice).burn(id, parseEther("0.5"), 0n))
        .to.be.revertedWithCustomError(powerToken, "ERC20InsufficientBalance")
        .withArgs(alice.address, parseEther("0.4"), parseEther("0.5"));
    });

    it("VaultUnsafe(vaultId, ratio) with the exact ratio after a mint or a withdrawal", async function () {
      const d = await loadProtocol();
      const { alice, controller } = d;
      const collateral = parseEther("2");
      const id = await openVault(d, alice, collateral);
      await pinNextBlock();
      const perToken = await controller.debtValuePerToken(PENDING);
      const tooMuch = (await controller.maxMintable(id, PENDING)) + parseEther("0.01");
      const ratio = collateralRatioWad(collateral, debtValueWei(tooMuch, perToken));
      expect(ratio).to.be.lessThan(parseEther("1.5"));
      await expect(controller.connect(alice).mint(id, tooMuch))
        .to.be.revertedWithCustomError(controller, "VaultUnsafe")
        .withArgs(id, ratio);

      // Withdrawing down to 1.5 ETH against 4 tokens (about 1.2 ETH of debt value).
      await controller.connect(alice).mint(id, parseEther("4"), { value: ETH });
      await pinNextBlock();
      const perToken2 = await controller.debtValuePerToken(PENDING);
      const left = parseEther("1.5");
      const ratio2 = collateralRatioWad(left, debtValueWei(parseEther("4"), perToken2));
      await expect(controller.connect(alice).withdraw(id, parseEther("3") - left))
        .to.be.revertedWithCustomError(controller, "VaultUnsafe")
        .withArgs(id, ratio2);

      // A new vault (id 0) reports the id it would have had.
      await pinNextBlock();
      const perToken3 = await controller.debtValuePerToken(PENDING);
      const next = (await controller.vaultCount()) + 1n;
      const ratio3 = collateralRatioWad(ETH, debtValueWei(parseEther("10"), perToken3));
      await expect(controller.connect(alice).mint(0n, parseEther("10"), { value: ETH }))
        .to.be.revertedWithCustomError(controller, "VaultUnsafe")
        .withArgs(next, ratio3);
    });

    it("VaultBelowMinCollateral(vaultId, collateral, floor) for dust vaults with debt", async function () {
      const d = await loadProtocol();
      const { alice, controller } = d;
      const next = (await controller.vaultCount()) + 1n;
      await expect(controller.connect(alice).mint(0n, 1000n, { value: parseEther("0.4") }))
        .to.be.revertedWithCustomError(controller, "VaultBelowMinCollateral")
        .withArgs(next, parseEther("0.4"), MIN_COLLATERAL);

      const id = await openVault(d, alice, ETH, parseEther("0.1"));
      await expect(controller.connect(alice).withdraw(id, parseEther("0.51")))
        .to.be.revertedWithCustomError(controller, "VaultBelowMinCollateral")
        .withArgs(id, parseEther("0.49"), MIN_COLLATERAL);
      await expect(controller.connect(alice).burn(id, parseEther("0.05"), parseEther("0.6")))
        .to.be.revertedWithCustomError(controller, "VaultBelowMinCollateral")
        .withArgs(id, parseEther("0.4"), MIN_COLLATERAL);
      // Exactly at the floor is allowed; without debt any amount is.
      await controller.connect(alice).withdraw(id, MIN_COLLATERAL);
      await controller.connect(alice).burn(id, parseEther("0.1"), MIN_COLLATERAL - 1n);
      expect(await vaultState(d, id)).to.deep.include({ collateral: 1n, debt: 0n });
    });

    it("AmountOverflow when a vault's collateral would not fit in 96 bits", async function () {
      const d = await loadProtocol();
      const { alice, controller } = d;
      const id = await openVault(d, alice, ETH);
      await networkHelpers.setBalance(alice.address, 2n ** 97n);
      const tooMuch = 2n ** 96n - ETH;
      await expect(controller.connect(alice).deposit(id, { value: tooMuch }))
        .to.be.revertedWithCustomError(controller, "AmountOverflow")
        .withArgs(2n ** 96n);
      await controller.connect(alice).deposit(id, { value: tooMuch - 1n });
      expect((await vaultState(d, id)).collateral).to.equal(2n ** 96n - 1n);
    });

    it("EthTransferFailed when the recipient rejects ETH", async function () {
      const d = await loadProtocol();
      const { alice, controller, pricer } = d;
      const id = await openVault(d, alice, parseEther("2"));
      // The pricer has no receive function: make it the vault's operator and act as it.
      const rejecting = await pricer.getAddress();
      await controller.connect(alice).setOperator(id, rejecting);
      await networkHelpers.impersonateAccount(rejecting);
      await networkHelpers.setBalance(rejecting, ETH);
      const signer = await ethers.getSigner(rejecting);
      await expect(controller.connect(signer).withdraw(id, ETH))
        .to.be.revertedWithCustomError(controller, "EthTransferFailed")
        .withArgs(rejecting, ETH);
      await networkHelpers.stopImpersonatingAccount(rejecting);
      expect((await vaultState(d, id)).collateral).to.equal(parseEther("2"));
    });

    it("NotVaultNFT when anyone but the vault NFT calls onVaultTransfer", async function () {
      const d = await loadProtocol();
      const { alice, bob, controller } = d;
      const id = await openVault(d, alice, ETH);
      await controller.connect(alice).setOperator(id, bob);
      await expect(controller.connect(alice).onVaultTransfer(id, bob))
        .to.be.revertedWithCustomError(controller, "NotVaultNFT")
        .withArgs(alice.address);
      expect((await vaultState(d, id)).operator).to.equal(bob.address);
    });

    it("DirectEthTransfer for plain ETH sent to the Controller", async function () {
      const d = await loadProtocol();
      const { alice, controller } = d;
      await expect(alice.sendTransaction({ to: controller, value: 1n })).to.be.revertedWithCustomError(
        controller,
        "DirectEthTransfer",
      );
      await expect(
        alice.sendTransaction({ to: controller, value: ETH, data: "0x" }),
      ).to.be.revertedWithCustomError(controller, "DirectEthTransfer");
    });

    it("PowerToken and VaultNFT: NotController for anyone but the Controller, ZeroController", async function () {
      const d = await loadProtocol();
      const { alice, deployer, powerToken, vaultNFT } = d;
      for (const signer of [alice, deployer]) {
        const address = await signer.getAddress();
        await expect(powerToken.connect(signer).mint(address, 1n))
          .to.be.revertedWithCustomError(powerToken, "NotController")
          .withArgs(address);
        await expect(powerToken.connect(signer).burn(deployer, 1n))
          .to.be.revertedWithCustomError(powerToken, "NotController")
          .withArgs(address);
        await expect(vaultNFT.connect(signer).mint(address, 99n))
          .to.be.revertedWithCustomError(vaultNFT, "NotController")
          .withArgs(address);
      }
      await expect(
        ethers.deployContract("PowerToken", ["P", "P", ZeroAddress]),
      ).to.be.revertedWithCustomError(powerToken, "ZeroController");
      await expect(ethers.deployContract("VaultNFT", ["V", "V", ZeroAddress])).to.be.revertedWithCustomError(
        vaultNFT,
        "ZeroController",
      );
    });

    it("a reverted call changes nothing: vaults, balances, supply, funding state", async function () {
      const d = await loadProtocol();
      const { alice, bob, controller, powerToken, vaultNFT } = d;
      const c = controller.connect(alice);
      const id = await openVault(d, alice, parseEther("2"), parseEther("3"));
      await advance(3600);
      const before = await protocolState(d, [alice, bob]);
      const tokens = await powerToken.balanceOf(alice);
      const failing: [string, () => Promise<ContractTransactionResponse>, string][] = [
        ["mint into a new vault", () => c.mint(0n, parseEther("100"), { value: ETH, ...GAS }), "VaultUnsafe"],
        ["mint", () => c.mint(id, parseEther("100"), { value: ETH, ...GAS }), "VaultUnsafe"],
        ["withdraw", () => c.withdraw(id, parseEther("1.5"), GAS), "VaultUnsafe"],
        ["burn", () => c.burn(id, parseEther("1"), parseEther("1.7"), GAS), "VaultBelowMinCollateral"],
        ["deposit", () => c.deposit(99n, { value: ETH, ...GAS }), "VaultNotFound"],
      ];
      for (const [label, call, error] of failing) {
        const aliceEth = await ethers.provider.getBalance(alice);
        const block = await ethers.provider.getBlockNumber();
        await expect(call(), label).to.be.revertedWithCustomError(controller, error);
        // With an explicit gas limit the failed transaction was really mined (and paid for) ...
        expect(await ethers.provider.getBlockNumber(), label).to.equal(block + 1);
        const mined = await ethers.provider.getBlock(block + 1, true);
        const receipt = await ethers.provider.getTransactionReceipt(mined?.transactions[0] ?? "");
        expect(receipt?.status, label).to.equal(0);
        if (receipt === null) throw new Error("no receipt");
        expect(await ethers.provider.getBalance(alice), label).to.equal(
          aliceEth - receipt.gasUsed * receipt.gasPrice,
        );
        // ... and left no trace: no funding update, no vault, no NFT, no ETH or token moved.
        expect(await protocolState(d, [alice, bob]), label).to.deep.equal(before);
        expect(await powerToken.balanceOf(alice), label).to.equal(tokens);
        expect(await vaultNFT.ownerOfOrZero(before.vaultCount + 1n), label).to.equal(ZeroAddress);
      }
    });
  });

  describe("deployment checks", function () {
    it("InvalidMarketParameter names each parameter outside its range", async function () {
      const d = await loadProtocol();
      const { params, contracts } = await constructorArgs(d);
      const cases: [string, bigint | number][] = [
        ["power", 0],
        ["power", 5],
        ["indexScale", 0n],
        ["minCollateralRatioWad", WAD],
        ["minCollateralRatioWad", 0n],
        ["twapPeriodSeconds", 0],
        ["twapPeriodSeconds", 3601],
        ["fundingPeriodSeconds", 0],
        ["markRatioFloorWad", 0n],
        ["markRatioFloorWad", WAD + 1n],
        ["markRatioCapWad", WAD - 1n],
        ["markRatioCapWad", 10n * WAD + 1n],
        ["liquidationBonusWad", WAD / 2n + 1n],
      ];
      for (const [name, value] of cases) {
        await expect(deployController(d, contracts, { ...params, [name]: value }), `${name} = ${value}`)
          .to.be.revertedWithCustomError(d.controller, "InvalidMarketParameter")
          .withArgs(name);
      }
      // The limits themselves are valid: these pass the parameter checks and stop at the first address check.
      const limits: [string, bigint | number][] = [
        ["power", 1],
        ["power", 4],
        ["minCollateralRatioWad", WAD + 1n],
        ["twapPeriodSeconds", 3600],
        ["markRatioFloorWad", WAD],
        ["markRatioCapWad", WAD],
        ["markRatioCapWad", 10n * WAD],
        ["liquidationBonusWad", WAD / 2n],
        ["liquidationBonusWad", 0n],
      ];
      for (const [name, value] of limits) {
        await expect(deployController(d, contracts, { ...params, [name]: value }), `${name} = ${value}`)
          .to.be.revertedWithCustomError(d.controller, "InvalidMarketAddress")
          .withArgs("powerToken");
      }
    });

    it("InvalidMarketAddress and OracleCardinalityTooLow, then a valid market whose ids start at 1", async function () {
      const d = await loadProtocol();
      const { keeper, carol, alice, uniswap } = d;
      const { params, contracts } = await constructorArgs(d);
      const nonce = await keeper.getNonce();
      const predicted = getCreateAddress({ from: keeper.address, nonce: nonce + 2 });
      const token = await ethers.deployContract("PowerToken", ["Test Power", "TP", predicted], keeper);
      const nft = await ethers.deployContract("VaultNFT", ["Test Vault", "TV", predicted], keeper);
      const [tokenAddress, weth] = [await token.getAddress(), String(contracts.weth)];
      const good = { ...contracts, powerToken: tokenAddress, vaultNFT: await nft.getAddress() };

      const mismatches: [Record<string, unknown>, string][] = [
        [contracts, "powerToken"], // the fixture's tokens name the fixture's Controller
        [{ ...good, vaultNFT: contracts.vaultNFT }, "vaultNFT"],
        [{ ...good, ethQuotePool: contracts.powerPool }, "ethQuotePool"],
        [{ ...good, quoteToken: tokenAddress }, "ethQuotePool"],
        [good, "powerPool"], // the fixture's power pool holds the other power token
      ];
      for (const [wiring, name] of mismatches) {
        await expect(deployController(d, wiring, params), name)
          .to.be.revertedWithCustomError(d.controller, "InvalidMarketAddress")
          .withArgs(name);
      }

      // A fresh power pool keeps one observation until its cardinality is raised (created by carol, so that
      // the keeper's nonce, and thus the predicted Controller address, stays put).
      const [token0, token1] = sortTokens(tokenAddress, weth);
      await uniswap.positionManager
        .connect(carol)
        .createAndInitializePoolIfNecessary(token0, token1, 3000, sqrtPriceFor(tokenAddress, weth, "0.25"));
      const poolAddress = await uniswap.factory.getPool(token0, token1, 3000);
      await expect(deployController(d, { ...good, powerPool: poolAddress }, params))
        .to.be.revertedWithCustomError(d.controller, "OracleCardinalityTooLow")
        .withArgs(poolAddress, 1);
      // It must hold a full TWAP window at one observation per second: twapPeriod + 1 slots.
      const freshPool = getPoolContract(poolAddress, carol);
      await freshPool.increaseObservationCardinalityNext(d.market.twapPeriodSeconds);
      await expect(deployController(d, { ...good, powerPool: poolAddress }, params))
        .to.be.revertedWithCustomError(d.controller, "OracleCardinalityTooLow")
        .withArgs(poolAddress, d.market.twapPeriodSeconds);
      await freshPool.increaseObservationCardinalityNext(BigInt(d.market.twapPeriodSeconds) + 1n);

      expect(await keeper.getNonce(), "failed deployments sent no transaction").to.equal(nonce + 2);
      const market = await deployController(d, { ...good, powerPool: poolAddress }, params);
      expect(await market.getAddress()).to.equal(predicted);
      expect(((await market.marketContracts()) as unknown as Result).toObject()).to.deep.equal({
        ...good,
        powerPool: poolAddress,
      });
      expect(((await market.marketParams()) as unknown as Result).toObject()).to.deep.equal(params);
      expect(await market.vaultCount()).to.equal(0n);
      expect(await market.normalizationFactor()).to.equal(WAD);

      // Vault ids start at 1 and the NFT goes to the caller.
      await expect(market.connect(alice).openVault())
        .to.emit(market, "VaultOpened")
        .withArgs(1n, alice.address);
      expect(await nft.getFunction("ownerOf")(1n)).to.equal(alice.address);
      // The TWAP window is capped to the new pool's few seconds of history.
      const pool = getPoolContract(poolAddress, carol);
      const { tick } = await pool.slot0();
      expect(await market.powerTokenPrice()).to.equal(quoteAtTick(Number(tick), WAD, tokenAddress, weth));
      expect(await market.ethPrice()).to.equal(await d.controller.ethPrice());
      expect(tickToPrice(Number(tick), 18, 18)).to.be.greaterThan(0);
    });

    it("OracleHistoryUnavailable while a pool has no history before the current block", async function () {
      const d = await loadProtocol();
      const { keeper, uniswap } = d;
      const { params, contracts } = await constructorArgs(d);
      const weth = String(contracts.weth);
      const nonce = await keeper.getNonce();
      const [tokenAddress, nftAddress, controllerAddress] = [0, 1, 4].map((i) =>
        getCreateAddress({ from: keeper.address, nonce: nonce + i }),
      );
      const [token0, token1] = sortTokens(tokenAddress, weth);
      const poolAddress = getCreate2Address(
        await uniswap.factory.getAddress(),
        keccak256(
          AbiCoder.defaultAbiCoder().encode(["address", "address", "uint24"], [token0, token1, 3000]),
        ),
        UNISWAP_V3_POOL_INIT_CODE_HASH,
      );
      // Explicit gas limits, as nothing can be estimated against the pool before it exists. The Controller's
      // leaves room for the instrumented (twice as large) bytecode of a coverage run, under the 2^24 cap.
      const deployTx = async (name: string, args: unknown[], gasLimit: bigint) => {
        const c = await ethers.deployContract(name, args, { signer: keeper, gasLimit });
        const tx = c.deploymentTransaction();
        if (tx === null) throw new Error("no deployment transaction");
        return tx;
      };
      // Token, NFT, pool, cardinality and Controller all in one block, as deployEvergamma orders them.
      const receipts = await inOneBlock(async () => [
        await deployTx("PowerToken", ["Test Power", "TP", controllerAddress], 3_000_000n),
        await deployTx("VaultNFT", ["Test Vault", "TV", controllerAddress], 3_000_000n),
        await uniswap.positionManager
          .connect(keeper)
          .createAndInitializePoolIfNecessary(
            token0,
            token1,
            3000,
            sqrtPriceFor(tokenAddress, weth, "0.25"),
            {
              gasLimit: 6_000_000n,
            },
          ),
        await getPoolContract(poolAddress, keeper).increaseObservationCardinalityNext(
          BigInt(d.market.twapPeriodSeconds) + 1n,
          { gasLimit: 15_000_000n },
        ),
        await deployTx(
          "Controller",
          [{ ...contracts, powerToken: tokenAddress, vaultNFT: nftAddress, powerPool: poolAddress }, params],
          16_000_000n,
        ),
      ]);
      expect(receipts.map((r) => r.status)).to.deep.equal([1, 1, 1, 1, 1]);
      const market = (await ethers.getContractAt("Controller", controllerAddress)) as unknown as Controller;

      // In the pool's first block there is nothing to average: the Controller refuses.
      for (const view of [
        () => market.ethPrice(),
        () => market.index(),
        () => market.openVault.staticCall(),
      ]) {
        await expect(view())
          .to.be.revertedWithCustomError(market, "OracleHistoryUnavailable")
          .withArgs(poolAddress);
      }
      // One block later the window is capped to the history there is.
      await advance(5);
      const freshPool = getPoolContract(poolAddress, keeper);
      const { tick } = await freshPool.slot0();
      expect((await observeWindow(freshPool, 5)).meanTick).to.equal(Number(tick));
      await expect(freshPool.observe([6, 0])).to.be.revertedWith("OLD");
      expect(await market.powerTokenPrice()).to.equal(quoteAtTick(Number(tick), WAD, tokenAddress, weth));
    });
  });
});
