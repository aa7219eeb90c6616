/**
 * Every revert path of the engine's vault actions on market 0, each custom error with its exact arguments, plus
 * the market-creation checks (createMarket and the UniswapTwapPrices constructor) and the history checks on fresh
 * Uniswap v3 pools.
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

import { marketOfVault, toEngineParams, vaultIdOf, type MarketParameters } from "../../deploy/evergamma.js";
import {
  UNISWAP_V3_POOL_INIT_CODE_HASH,
  getPoolContract,
  priceToSqrtPriceX96,
  sortTokens,
  tickToPrice,
} from "../../deploy/uniswap.js";
import type { UniswapTwapPrices } from "../../types/ethers-contracts/index.js";
import { ethers, loadProtocol, networkHelpers } from "../fixtures.js";
import {
  ETH,
  GAS,
  PENDING,
  WAD,
  advance,
  collateralRatioWad,
  debtValueWei,
  inOneBlock,
  nextVaultId,
  openVault,
  pinNextBlock,
  protocolState,
  vaultState,
} from "../utils/coreHelpers.js";
import { observeWindow, quoteAtTick } from "../utils/twapReference.js";

/** The default deployment's one market. */
const MARKET = 0;
const MIN_COLLATERAL = parseEther("0.5");

/** sqrtPriceX96 of `price` units of `quote` per `base` in the base/quote pool's orientation (18-decimal tokens). */
function sqrtPriceFor(base: string, quote: string, price: string): bigint {
  const [token0] = sortTokens(base, quote);
  return token0 === base
    ? priceToSqrtPriceX96(price, 18, 18)
    : priceToSqrtPriceX96((1 / Number(price)).toPrecision(17), 18, 18);
}

describe("Engine reverts (market 0)", function () {
  describe("vault actions", function () {
    it("ZeroAmount: deposit without ETH, withdraw 0, mint 0, burn 0 and 0", async function () {
      const d = await loadProtocol();
      const { alice, engine } = d;
      const id = await openVault(d, alice, ETH, parseEther("1"));
      const c = engine.connect(alice);
      for (const call of [
        () => c.deposit(id),
        () => c.withdraw(id, 0n),
        () => c.mint(id, 0n),
        () => c.mint(0n, 0n, { value: ETH }),
        () => c.burn(id, 0n, 0n),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(engine, "ZeroAmount").withArgs();
      }
      expect(await d.lens.vaultCount(MARKET)).to.equal(id);
    });

    it("VaultNotFound: every action on vault 0 or on an id never opened", async function () {
      const d = await loadProtocol();
      const { alice, bob, engine } = d;
      const c = engine.connect(alice);
      const next = await nextVaultId(d);
      // Market 0's serials fill the low 64 bits: the largest one is as unopened as the next one. 2^200 has market
      // bits 0 (the engine reads the market id as uint32) and serial 0.
      for (const id of [0n, next, vaultIdOf(MARKET, 2n ** 64n - 1n), 2n ** 200n]) {
        for (const call of [
          () => c.deposit(id, { value: 1n }),
          () => c.withdraw(id, 1n),
          () => c.burn(id, 1n, 0n),
          () => c.setOperator(id, bob),
        ]) {
          await expect(call()).to.be.revertedWithCustomError(engine, "VaultNotFound").withArgs(id);
        }
        // Serial 0 is mint's "open a new vault" marker.
        if (id % 2n ** 64n !== 0n) {
          await expect(c.mint(id, 1n, { value: ETH }))
            .to.be.revertedWithCustomError(engine, "VaultNotFound")
            .withArgs(id);
        }
      }
      expect(await d.lens.vaultCount(MARKET)).to.equal(next - 1n);
    });

    it("MarketNotFound: every action on a vault of a market that was never created", async function () {
      const d = await loadProtocol();
      const { alice, bob, engine } = d;
      const c = engine.connect(alice);
      expect(await engine.marketCount()).to.equal(1n);
      for (const id of [vaultIdOf(1, 0n), vaultIdOf(1, 1n), vaultIdOf(2n ** 32n - 1n, 1n)]) {
        const market = marketOfVault(id);
        for (const [label, call] of [
          ["deposit", () => c.deposit(id, { value: 1n })],
          ["withdraw", () => c.withdraw(id, 1n)],
          ["burn", () => c.burn(id, 1n, 0n)],
          ["mint", () => c.mint(id, 1n, { value: ETH })],
          ["setOperator", () => c.setOperator(id, bob)],
        ] as const) {
          await expect(call(), `${label} ${id}`)
            .to.be.revertedWithCustomError(engine, "MarketNotFound")
            .withArgs(market);
        }
        await expect(c.openVault(market), `openVault ${market}`)
          .to.be.revertedWithCustomError(engine, "MarketNotFound")
          .withArgs(market);
        await expect(c.applyFunding(market), `applyFunding ${market}`)
          .to.be.revertedWithCustomError(engine, "MarketNotFound")
          .withArgs(market);
        // The lens's configuration and price views refuse it; its raw storage views read the zeros of a market
        // that was never created (NF 0 is the engine's "not created" marker).
        for (const view of [() => d.lens.marketConfig(market), () => d.lens.ethPrice(market)]) {
          await expect(view(), `lens ${market}`)
            .to.be.revertedWithCustomError(d.lens, "MarketNotFound")
            .withArgs(market);
        }
        expect(await d.lens.vaultCount(market)).to.equal(0n);
        expect(await d.lens.normalizationFactor(market)).to.equal(0n);
      }
    });

    it("NotVaultOwnerOrOperator and NotVaultOwner for a stranger", async function () {
      const d = await loadProtocol();
      const { alice, bob, engine } = d;
      const id = await openVault(d, alice, ETH);
      await expect(engine.connect(bob).withdraw(id, 1n))
        .to.be.revertedWithCustomError(engine, "NotVaultOwnerOrOperator")
        .withArgs(id, bob.address);
      await expect(engine.connect(bob).setOperator(id, bob))
        .to.be.revertedWithCustomError(engine, "NotVaultOwner")
        .withArgs(id, bob.address);
    });

    it("InsufficientCollateral(vaultId, requested, available)", async function () {
      const d = await loadProtocol();
      const { alice, engine } = d;
      const id = await openVault(d, alice, parseEther("2"));
      await expect(engine.connect(alice).withdraw(id, parseEther("2") + 1n))
        .to.be.revertedWithCustomError(engine, "InsufficientCollateral")
        .withArgs(id, parseEther("2") + 1n, parseEther("2"));
      await expect(engine.connect(alice).burn(id, 0n, parseEther("5")))
        .to.be.revertedWithCustomError(engine, "InsufficientCollateral")
        .withArgs(id, parseEther("5"), parseEther("2"));
    });

    it("BurnExceedsDebt(vaultId, requested, debt), even when the caller holds the tokens", async function () {
      const d = await loadProtocol();
      const { alice, engine, powerToken } = d;
      const id = await openVault(d, alice, parseEther("3"), parseEther("1"));
      await openVault(d, alice, parseEther("3"), parseEther("1"));
      expect(await powerToken.balanceOf(alice)).to.equal(parseEther("2"));
      await expect(engine.connect(alice).burn(id, parseEther("1") + 1n, 0n))
        .to.be.revertedWithCustomError(engine, "BurnExceedsDebt")
        .withArgs(id, parseEther("1") + 1n, parseEther("1"));
    });

    it("a burn of tokens the caller does not hold reverts in the MarketToken", async function () {
      const d = await loadProtocol();
      const { alice, bob, engine, powerToken } = d;
      const id = await openVault(d, alice, parseEther("3"), parseEther("1"));
      await powerToken.connect(alice).transfer(bob, parseEther("0.6"));
      await expect(engine.connect(alice).burn(id, parseEther("0.5"), 0n))
        .to.be.revertedWithCustomError(powerToken, "ERC20InsufficientBalance")
        .withArgs(alice.address, parseEther("0.4"), parseEther("0.5"));
    });

    it("VaultUnsafe(vaultId, ratio) with the exact ratio after a mint or a withdrawal", async function () {
      const d = await loadProtocol();
      const { alice, engine } = d;
      const collateral = parseEther("2");
      const id = await openVault(d, alice, collateral);
      await pinNextBlock();
      const perToken = await d.lens.debtValuePerToken(MARKET, PENDING);
      const tooMuch = (await d.lens.maxMintable(id, PENDING)) + parseEther("0.01");
      const ratio = collateralRatioWad(collateral, debtValueWei(tooMuch, perToken));
      expect(ratio).to.be.lessThan(parseEther("1.5"));
      await expect(engine.connect(alice).mint(id, tooMuch))
        .to.be.revertedWithCustomError(engine, "VaultUnsafe")
        .withArgs(id, ratio);

      // Withdrawing down to 1.5 ETH against 4 tokens (about 1.2 ETH of debt value).
      await engine.connect(alice).mint(id, parseEther("4"), { value: ETH });
      await pinNextBlock();
      const perToken2 = await d.lens.debtValuePerToken(MARKET, PENDING);
      const left = parseEther("1.5");
      const ratio2 = collateralRatioWad(left, debtValueWei(parseEther("4"), perToken2));
      await expect(engine.connect(alice).withdraw(id, parseEther("3") - left))
        .to.be.revertedWithCustomError(engine, "VaultUnsafe")
        .withArgs(id, ratio2);

      // A new vault (id 0) reports the id it would have had.
      await pinNextBlock();
      const perToken3 = await d.lens.debtValuePerToken(MARKET, PENDING);
      const next = await nextVaultId(d);
      const ratio3 = collateralRatioWad(ETH, debtValueWei(parseEther("10"), perToken3));
      await expect(engine.connect(alice).mint(0n, parseEther("10"), { value: ETH }))
        .to.be.revertedWithCustomError(engine, "VaultUnsafe")
        .withArgs(next, ratio3);
    });

    it("VaultBelowMinCollateral(vaultId, collateral, floor) for dust vaults with debt", async function () {
      const d = await loadProtocol();
      const { alice, engine } = d;
      const next = await nextVaultId(d);
      await expect(engine.connect(alice).mint(0n, 1000n, { value: parseEther("0.4") }))
        .to.be.revertedWithCustomError(engine, "VaultBelowMinCollateral")
        .withArgs(next, parseEther("0.4"), MIN_COLLATERAL);

      const id = await openVault(d, alice, ETH, parseEther("0.1"));
      await expect(engine.connect(alice).withdraw(id, parseEther("0.51")))
        .to.be.revertedWithCustomError(engine, "VaultBelowMinCollateral")
        .withArgs(id, parseEther("0.49"), MIN_COLLATERAL);
      await expect(engine.connect(alice).burn(id, parseEther("0.05"), parseEther("0.6")))
        .to.be.revertedWithCustomError(engine, "VaultBelowMinCollateral")
        .withArgs(id, parseEther("0.4"), MIN_COLLATERAL);
      // Exactly at the floor is allowed; without debt any amount is.
      await engine.connect(alice).withdraw(id, MIN_COLLATERAL);
      await engine.connect(alice).burn(id, parseEther("0.1"), MIN_COLLATERAL - 1n);
      expect(await vaultState(d, id)).to.deep.include({ collateral: 1n, debt: 0n });
    });

    it("AmountOverflow when a vault's collateral would not fit in 96 bits", async function () {
      const d = await loadProtocol();
      const { alice, engine } = d;
      const id = await openVault(d, alice, ETH);
      await networkHelpers.setBalance(alice.address, 2n ** 97n);
      const tooMuch = 2n ** 96n - ETH;
      await expect(engine.connect(alice).deposit(id, { value: tooMuch }))
        .to.be.revertedWithCustomError(engine, "AmountOverflow")
        .withArgs(2n ** 96n);
      await engine.connect(alice).deposit(id, { value: tooMuch - 1n });
      expect((await vaultState(d, id)).collateral).to.equal(2n ** 96n - 1n);
    });

    it("EthTransferFailed when the recipient rejects ETH", async function () {
      const d = await loadProtocol();
      const { alice, engine, pricer } = d;
      const id = await openVault(d, alice, parseEther("2"));
      // The pricer has no receive function: make it the vault's operator and act as it.
      const rejecting = await pricer.getAddress();
      await engine.connect(alice).setOperator(id, rejecting);
      await networkHelpers.impersonateAccount(rejecting);
      await networkHelpers.setBalance(rejecting, ETH);
      const signer = await ethers.getSigner(rejecting);
      await expect(engine.connect(signer).withdraw(id, ETH))
        .to.be.revertedWithCustomError(engine, "EthTransferFailed")
        .withArgs(rejecting, ETH);
      await networkHelpers.stopImpersonatingAccount(rejecting);
      expect((await vaultState(d, id)).collateral).to.equal(parseEther("2"));
    });

    // The Controller's NotVaultNFT guarded onVaultTransfer, the hook through which only the VaultNFT moved a vault;
    // the engine is its own NFT, so the guard is now the ERC-721 transfer check itself.
    it("NotOwnerNorApproved / TokenDoesNotExist: only the owner or an approved account moves the vault NFT", async function () {
      const d = await loadProtocol();
      const { alice, bob, carol, engine } = d;
      const id = await openVault(d, alice, ETH);
      await engine.connect(alice).setOperator(id, bob);
      // Neither the operator nor a stranger may transfer the vault (or clear the operator that way).
      for (const signer of [bob, carol]) {
        await expect(engine.connect(signer).transferFrom(alice, signer, id)).to.be.revertedWithCustomError(
          engine,
          "NotOwnerNorApproved",
        );
        await expect(
          engine.connect(signer)["safeTransferFrom(address,address,uint256)"](alice, signer, id),
        ).to.be.revertedWithCustomError(engine, "NotOwnerNorApproved");
      }
      const next = await nextVaultId(d);
      await expect(engine.connect(alice).transferFrom(alice, bob, next)).to.be.revertedWithCustomError(
        engine,
        "TokenDoesNotExist",
      );
      expect(await engine.ownerOf(id)).to.equal(alice.address);
      expect(await vaultState(d, id)).to.deep.include({ owner: alice.address, operator: bob.address });
    });

    it("DirectEthTransfer for plain ETH sent to the engine", async function () {
      const d = await loadProtocol();
      const { alice, engine } = d;
      await expect(alice.sendTransaction({ to: engine, value: 1n })).to.be.revertedWithCustomError(
        engine,
        "DirectEthTransfer",
      );
      await expect(
        alice.sendTransaction({ to: engine, value: ETH, data: "0x" }),
      ).to.be.revertedWithCustomError(engine, "DirectEthTransfer");
    });

    // VaultNFT is gone: the engine mints vault NFTs itself and exposes no NFT mint.
    it("MarketToken: NotEngine for anyone but the engine, ZeroEngine", async function () {
      const d = await loadProtocol();
      const { alice, deployer, engine, powerToken } = d;
      expect(await powerToken.engine()).to.equal(await engine.getAddress());
      for (const signer of [alice, deployer]) {
        const address = await signer.getAddress();
        await expect(powerToken.connect(signer).mint(address, 1n))
          .to.be.revertedWithCustomError(powerToken, "NotEngine")
          .withArgs(address);
        await expect(powerToken.connect(signer).burn(deployer, 1n))
          .to.be.revertedWithCustomError(powerToken, "NotEngine")
          .withArgs(address);
      }
      await expect(
        ethers.deployContract("MarketToken", ["P", "P", ZeroAddress]),
      ).to.be.revertedWithCustomError(powerToken, "ZeroEngine");
    });

    it("a reverted call changes nothing: vaults, balances, supply, funding state", async function () {
      const d = await loadProtocol();
      const { alice, bob, engine, powerToken } = d;
      const c = engine.connect(alice);
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
        await expect(call(), label).to.be.revertedWithCustomError(engine, error);
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
        await expect(engine.ownerOf(before.vaultCount + 1n), label).to.be.revertedWithCustomError(
          engine,
          "TokenDoesNotExist",
        );
      }
    });
  });

  // The Controller validated its market in its constructor. The engine validates terms and addresses in
  // createMarket, and the pools and the TWAP window in the price source's (UniswapTwapPrices) constructor.
  describe("market creation checks", function () {
    it("InvalidMarketParameter (createMarket) and InvalidTwapPeriod (price source) name each parameter outside its range", async function () {
      const d = await loadProtocol();
      const { engine, powerToken } = d;
      const source = d.markets[0].priceSource;
      const owner = engine.connect(d.deployer);
      const cases: [keyof MarketParameters, bigint | number][] = [
        ["power", 0],
        ["power", 5],
        ["indexScale", 0n],
        ["minCollateralRatioWad", WAD],
        ["minCollateralRatioWad", 0n],
        ["fundingPeriodSeconds", 0],
        ["markRatioFloorWad", 0n],
        ["markRatioFloorWad", WAD + 1n],
        ["markRatioCapWad", WAD - 1n],
        ["markRatioCapWad", 10n * WAD + 1n],
        ["liquidationBonusWad", WAD / 2n + 1n],
      ];
      for (const [name, value] of cases) {
        await expect(
          owner.createMarket(toEngineParams({ ...d.market, [name]: value }), powerToken, source),
          `${name} = ${value}`,
        )
          .to.be.revertedWithCustomError(engine, "InvalidMarketParameter")
          .withArgs(name);
      }
      // The limits themselves are valid: these pass the parameter checks and stop at the first address check (the
      // fixture's token is listed already).
      const limits: [keyof MarketParameters, bigint | number][] = [
        ["power", 1],
        ["power", 4],
        ["minCollateralRatioWad", WAD + 1n],
        ["markRatioFloorWad", WAD],
        ["markRatioCapWad", WAD],
        ["markRatioCapWad", 10n * WAD],
        ["liquidationBonusWad", WAD / 2n],
        ["liquidationBonusWad", 0n],
      ];
      for (const [name, value] of limits) {
        await expect(
          owner.createMarket(toEngineParams({ ...d.market, [name]: value }), powerToken, source),
          `${name} = ${value}`,
        )
          .to.be.revertedWithCustomError(engine, "InvalidMarketAddress")
          .withArgs("token");
      }

      // The TWAP period belongs to the price source: 0 and above an hour are refused ...
      const sourceArgs = async (twap: number) => [
        await source.weth(),
        await source.quoteToken(),
        await source.ethQuotePool(),
        await source.token(),
        await source.tokenPool(),
        twap,
      ];
      for (const twap of [0, 3601]) {
        await expect(ethers.deployContract("UniswapTwapPrices", await sourceArgs(twap)), `twap = ${twap}`)
          .to.be.revertedWithCustomError(source, "InvalidTwapPeriod")
          .withArgs(twap);
      }
      // ... 3600 passes the period check and stops at the ETH pool's observation capacity (TWAP + 1 slots) ...
      const { observationCardinalityNext } = await d.ethUsdcPool.slot0();
      expect(observationCardinalityNext).to.equal(BigInt(d.market.twapPeriodSeconds) + 1n);
      await expect(ethers.deployContract("UniswapTwapPrices", await sourceArgs(3600)))
        .to.be.revertedWithCustomError(source, "OracleCardinalityTooLow")
        .withArgs(await d.ethUsdcPool.getAddress(), observationCardinalityNext);
      // ... and 1 second is a valid window.
      const oneSecond = await ethers.deployContract("UniswapTwapPrices", await sourceArgs(1));
      expect(await oneSecond.getFunction("twapPeriodSeconds")()).to.equal(1n);
      expect(await engine.marketCount()).to.equal(1n);
    });

    it("InvalidMarketAddress, InvalidPool and OracleCardinalityTooLow, then a valid market 1 whose vault serials start at 1", async function () {
      const d = await loadProtocol();
      const { keeper, carol, alice, uniswap, engine, lens } = d;
      const source0 = d.markets[0].priceSource;
      const owner = engine.connect(d.deployer);
      const params = toEngineParams(d.market);
      const twap = d.market.twapPeriodSeconds;
      const [weth, usdc, ethPool, powerPool] = await Promise.all([
        d.weth.getAddress(),
        d.usdc.getAddress(),
        d.ethUsdcPool.getAddress(),
        d.powerWethPool.getAddress(),
      ]);
      const token = await ethers.deployContract("MarketToken", ["Test Power", "TP", engine], keeper);
      const tokenAddress = await token.getAddress();
      const foreign = await ethers.deployContract("MarketToken", ["Foreign", "F", alice.address], keeper);

      // createMarket: a token the engine does not mint, a token already listed, a source of another token.
      for (const [t, s, name] of [
        [foreign, source0, "token"],
        [d.powerToken, source0, "token"],
        [token, source0, "priceSource"],
      ] as const) {
        await expect(owner.createMarket(params, t, s), name)
          .to.be.revertedWithCustomError(engine, "InvalidMarketAddress")
          .withArgs(name);
      }

      // The price source's constructor: pools that do not hold the named tokens.
      const deploySource = (args: unknown[]) =>
        ethers.deployContract("UniswapTwapPrices", args as never[], keeper);
      const mismatches: [unknown[], string][] = [
        [[weth, usdc, powerPool, tokenAddress, powerPool, twap], "ethQuotePool"],
        [[weth, tokenAddress, ethPool, tokenAddress, powerPool, twap], "ethQuotePool"],
        [[weth, usdc, ethPool, tokenAddress, powerPool, twap], "tokenPool"], // the fixture's pool holds its token
      ];
      for (const [args, name] of mismatches) {
        await expect(deploySource(args), name)
          .to.be.revertedWithCustomError(source0, "InvalidPool")
          .withArgs(name);
      }

      // A fresh token pool keeps one observation until its cardinality is raised (created by carol, so that the
      // keeper's nonce shows that no failed deployment sent a transaction).
      const nonce = await keeper.getNonce();
      const [token0, token1] = sortTokens(tokenAddress, weth);
      await uniswap.positionManager
        .connect(carol)
        .createAndInitializePoolIfNecessary(token0, token1, 3000, sqrtPriceFor(tokenAddress, weth, "0.25"));
      const poolAddress = await uniswap.factory.getPool(token0, token1, 3000);
      const args = [weth, usdc, ethPool, tokenAddress, poolAddress, twap];
      await expect(deploySource(args))
        .to.be.revertedWithCustomError(source0, "OracleCardinalityTooLow")
        .withArgs(poolAddress, 1);
      // It must hold a full TWAP window at one observation per second: twapPeriod + 1 slots.
      const freshPool = getPoolContract(poolAddress, carol);
      await freshPool.increaseObservationCardinalityNext(twap);
      await expect(deploySource(args))
        .to.be.revertedWithCustomError(source0, "OracleCardinalityTooLow")
        .withArgs(poolAddress, twap);
      await freshPool.increaseObservationCardinalityNext(BigInt(twap) + 1n);
      expect(await keeper.getNonce(), "failed deployments sent no transaction").to.equal(nonce);
      expect(await engine.marketCount(), "failed createMarket calls listed nothing").to.equal(1n);

      const source = (await deploySource(args)) as unknown as UniswapTwapPrices;
      expect([
        await source.weth(),
        await source.quoteToken(),
        await source.ethQuotePool(),
        await source.token(),
        await source.tokenPool(),
        await source.twapPeriodSeconds(),
      ]).to.deep.equal([weth, usdc, ethPool, tokenAddress, poolAddress, BigInt(twap)]);
      // Only the owner lists markets.
      await expect(engine.connect(keeper).createMarket(params, token, source))
        .to.be.revertedWithCustomError(engine, "OwnableUnauthorizedAccount")
        .withArgs(keeper.address);
      await expect(owner.createMarket(params, token, source)).to.emit(engine, "MarketCreated");
      const market = 1;
      expect(await engine.marketCount()).to.equal(2n);
      const config = ((await lens.marketConfig(market)) as unknown as Result).toObject(true);
      expect(config.params).to.deep.equal({
        ...params,
        kind: 0n,
        power: BigInt(params.power),
        fundingPeriodSeconds: BigInt(params.fundingPeriodSeconds),
      });
      // The engine calls the market account: a copy of the source's code (the same answers) with the config.
      expect(config.token).to.equal(tokenAddress);
      expect(config.priceSource).to.not.equal(await source.getAddress());
      const account = source.attach(config.priceSource) as UniswapTwapPrices;
      expect(await account.prices()).to.deep.equal(await source.prices());
      expect(await account.token()).to.equal(tokenAddress);
      expect(await lens.vaultCount(market)).to.equal(0n);
      expect(await lens.normalizationFactor(market)).to.equal(WAD);

      // Vault serials start at 1 in every market and the NFT goes to the caller.
      const first = vaultIdOf(market, 1n);
      expect(first).to.equal(2n ** 64n + 1n);
      await expect(engine.connect(alice).openVault(market))
        .to.emit(engine, "VaultOpened")
        .withArgs(market, first, alice.address);
      expect(await engine.ownerOf(first)).to.equal(alice.address);
      expect(await lens.vaultCount(market)).to.equal(1n);
      expect(await lens.vaultCount(MARKET), "market 0 is untouched").to.equal(1n);
      // The TWAP window is capped to the new pool's few seconds of history.
      const { tick } = await freshPool.slot0();
      expect(await lens.tokenPrice(market)).to.equal(quoteAtTick(Number(tick), WAD, tokenAddress, weth));
      expect(await lens.ethPrice(market)).to.equal(await lens.ethPrice(MARKET));
      expect(tickToPrice(Number(tick), 18, 18)).to.be.greaterThan(0);
    });

    it("OracleHistoryUnavailable while a pool has no history before the current block", async function () {
      const d = await loadProtocol();
      const { deployer, uniswap, engine, lens } = d;
      const owner = engine.connect(deployer);
      const deployerAddress = await deployer.getAddress();
      const [weth, usdc, ethPool] = await Promise.all([
        d.weth.getAddress(),
        d.usdc.getAddress(),
        d.ethUsdcPool.getAddress(),
      ]);
      const twap = d.market.twapPeriodSeconds;
      const nonce = await deployer.getNonce();
      // Token (nonce), pool (nonce + 1), cardinality (nonce + 2), price source (nonce + 3).
      const [tokenAddress, sourceAddress] = [0, 3].map((i) =>
        getCreateAddress({ from: deployerAddress, nonce: nonce + i }),
      );
      const [token0, token1] = sortTokens(tokenAddress, weth);
      const poolAddress = getCreate2Address(
        await uniswap.factory.getAddress(),
        keccak256(
          AbiCoder.defaultAbiCoder().encode(["address", "address", "uint24"], [token0, token1, 3000]),
        ),
        UNISWAP_V3_POOL_INIT_CODE_HASH,
      );
      // Explicit gas limits, as nothing can be estimated against the pool before it exists.
      const deployTx = async (name: string, args: unknown[], gasLimit: bigint) => {
        const c = await ethers.deployContract(name, args, { signer: deployer, gasLimit });
        const tx = c.deploymentTransaction();
        if (tx === null) throw new Error("no deployment transaction");
        return tx;
      };
      // Token, pool, cardinality and price source all in one block, as deployEvergamma orders them.
      const receipts = await inOneBlock(async () => [
        await deployTx("MarketToken", ["Test Power", "TP", await engine.getAddress()], 3_000_000n),
        await uniswap.positionManager
          .connect(deployer)
          .createAndInitializePoolIfNecessary(
            token0,
            token1,
            3000,
            sqrtPriceFor(tokenAddress, weth, "0.25"),
            { gasLimit: 6_000_000n },
          ),
        await getPoolContract(poolAddress, deployer).increaseObservationCardinalityNext(BigInt(twap) + 1n, {
          gasLimit: 15_000_000n,
        }),
        await deployTx(
          "UniswapTwapPrices",
          [weth, usdc, ethPool, tokenAddress, poolAddress, twap],
          5_000_000n,
        ),
      ]);
      expect(receipts.map((r) => r.status)).to.deep.equal([1, 1, 1, 1]);
      expect(receipts[3].contractAddress).to.equal(sourceAddress);
      const source = (await ethers.getContractAt(
        "UniswapTwapPrices",
        sourceAddress,
      )) as unknown as UniswapTwapPrices;

      // In the pool's first block there is nothing to average: the price source, and so createMarket, refuse.
      const params = toEngineParams(d.market);
      for (const view of [
        () => source.prices(),
        () => owner.createMarket.staticCall(params, tokenAddress, source),
      ]) {
        await expect(view())
          .to.be.revertedWithCustomError(source, "OracleHistoryUnavailable")
          .withArgs(poolAddress);
      }
      // One block later the window is capped to the history there is.
      await advance(5);
      const freshPool = getPoolContract(poolAddress, deployer);
      const { tick } = await freshPool.slot0();
      expect((await observeWindow(freshPool, 5)).meanTick).to.equal(Number(tick));
      await expect(freshPool.observe([6, 0])).to.be.revertedWith("OLD");
      await owner.createMarket(params, tokenAddress, source);
      expect(await lens.tokenPrice(1)).to.equal(quoteAtTick(Number(tick), WAD, tokenAddress, weth));
      expect((await source.prices())[1]).to.equal(quoteAtTick(Number(tick), WAD, tokenAddress, weth));
    });
  });
});
