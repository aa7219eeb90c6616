/**
 * Regression tests of the keeper findings of the oracle/pricer/keeper review (M-1, L-1, L-3, L-4, L-5, I-4) and of
 * the keeper items of the front-door review (negative numbers, output modes, balances after a tick, SIGTERM),
 * against a real `hardhat node` (automine switched off where a transaction must wait in the mempool) and with the
 * keeper CLI as a child process.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import { Interface } from "ethers";
import { decodeFunctionData, type Hex } from "viem";

import { engineAbi, keeperHelperAbi } from "../../scripts/keeper/abi.js";
import { ExitCode } from "../../scripts/keeper/errors.js";
import { rpc, sendFrom } from "../../scripts/keeper/fixture.js";
import { createKeeper } from "../../scripts/keeper/keeper.js";
import { createMemoryLogger, type LogEntry } from "../../scripts/keeper/logging.js";
import { runTick } from "../../scripts/keeper/tick.js";
import { findFreePort } from "../../scripts/lib/hardhatNode.js";
import {
  ETH1_MARKET,
  KEEPER_ADDRESS,
  KEEPER_TOKENS,
  TcpProxy,
  advance,
  keeperOptions,
  killKeepers,
  lastFundingUpdate,
  moveEthPriceUp,
  openVault,
  parseLogLine,
  revert,
  runKeeper,
  snapshot,
  spawnKeeper,
  startDevnet,
  tokenBalanceOf,
  vaultOf,
  type TestDevnet,
} from "./support.js";

const engineInterface = new Interface(["function applyFunding(uint32 marketId) returns (uint256)"]);

/** The order of secp256k1 (written out here so that the test does not trust the keeper's own constant). */
const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

interface RpcTransaction {
  hash: Hex;
  nonce: Hex;
  to: Hex;
  input: Hex;
  maxFeePerGas: Hex;
  maxPriorityFeePerGas: Hex;
}

describe("keeper findings (child processes and a hardhat node)", function () {
  this.timeout(120_000);
  let devnet: TestDevnet;
  let base: string;

  before(async function () {
    devnet = await startDevnet();
    base = await snapshot(devnet);
  });

  beforeEach(async function () {
    await revert(devnet, base);
    base = await snapshot(devnet);
  });

  afterEach(async function () {
    await killKeepers();
    await rpc(devnet.url, "evm_setAutomine", [true]);
  });

  after(async function () {
    await killKeepers();
    await devnet?.stop();
  });

  const pendingTransactions = async () =>
    ((await rpc(devnet.url, "eth_getBlockByNumber", ["pending", true])) as { transactions: RpcTransaction[] })
      .transactions;
  const mine = () => rpc(devnet.url, "evm_mine", []);
  const fundingUpdatesIn = async (blockTag: string) => {
    const block = (await rpc(devnet.url, "eth_getBlockByNumber", [blockTag, false])) as {
      transactions: Hex[];
    };
    const receipts = (await Promise.all(
      block.transactions.map((hash) => rpc(devnet.url, "eth_getTransactionReceipt", [hash])),
    )) as { to: string; status: string }[];
    return receipts.filter((r) => r.to.toLowerCase() === devnet.engine.toLowerCase() && r.status === "0x1")
      .length;
  };
  const events = (entries: LogEntry[], event: string) => entries.filter((e) => e.event === event);
  /** 3700 s later, with ETH¹'s funding applied by the deployer: only ETH²'s funding is due. */
  const onlyEth2FundingDue = async () => {
    await advance(devnet, 3700);
    const data = engineInterface.encodeFunctionData("applyFunding", [ETH1_MARKET]);
    await sendFrom(devnet.url, devnet.accounts[0], devnet.engine, data);
  };

  async function newKeeper(overrides: Parameters<typeof keeperOptions>[1] = {}) {
    const logger = createMemoryLogger();
    const keeper = await createKeeper(keeperOptions(devnet, overrides), logger);
    return { keeper, logger };
  }

  it("keeper: M-1 funding is applied again after its pending transaction is dropped", async function () {
    await onlyEth2FundingDue();
    const before = await lastFundingUpdate(devnet);
    await rpc(devnet.url, "evm_setAutomine", [false]);
    const { keeper, logger } = await newKeeper({ receiptTimeoutMs: 300, maxLiquidationsPerTick: 0 });
    expect((await runTick(keeper)).funding).to.deep.equal({ ETH2: "pending", ETH1: "not-due" });
    const [dropped] = await pendingTransactions();
    expect(await rpc(devnet.url, "hardhat_dropTransaction", [dropped.hash])).to.equal(true);

    // The next tick notices the drop, re-uses the nonce instead of queueing behind the gap, and sends again.
    expect((await runTick(keeper)).funding).to.deep.equal({ ETH2: "pending", ETH1: "not-due" });
    const dropLine = events(logger.entries, "transaction").find((e) => e.status === "dropped");
    expect(dropLine).to.include({
      action: "funding:0",
      tx: dropped.hash,
      nonce: Number(BigInt(dropped.nonce)),
    });
    const [resent] = await pendingTransactions();
    expect(resent.nonce).to.equal(dropped.nonce);
    await mine();
    expect((await lastFundingUpdate(devnet)) > before).to.equal(true);

    await runTick(keeper);
    expect(events(logger.entries, "transaction").map((e) => e.status)).to.deep.equal(["dropped", "mined"]);
    expect(keeper.sender.allPending()).to.deep.equal([]);
  });

  it("keeper: L-5 three ticks with a pending applyFunding send one transaction per market, each mined once", async function () {
    await advance(devnet, 3700);
    const before = [await lastFundingUpdate(devnet, 0), await lastFundingUpdate(devnet, ETH1_MARKET)];
    await rpc(devnet.url, "evm_setAutomine", [false]);
    const { keeper } = await newKeeper({ receiptTimeoutMs: 300, maxLiquidationsPerTick: 0 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await runTick(keeper)).funding);
    const pending = { ETH2: "pending", ETH1: "pending" };
    expect(statuses).to.deep.equal([pending, pending, pending]);
    const waiting = await pendingTransactions();
    expect(waiting).to.have.length(2);
    const markets = waiting.map((t) => decodeFunctionData({ abi: engineAbi, data: t.input }).args[0]);
    expect(markets).to.deep.equal([0, ETH1_MARKET]);
    await mine();
    expect(await fundingUpdatesIn("latest")).to.equal(2);
    for (const [i, id] of [0, ETH1_MARKET].entries()) {
      expect((await lastFundingUpdate(devnet, id)) > before[i], `market ${id}`).to.equal(true);
    }
  });

  it("keeper: L-5 a transaction pending past --replace-after is replaced: same nonce, fees x1.25", async function () {
    await onlyEth2FundingDue();
    await rpc(devnet.url, "evm_setAutomine", [false]);
    const { keeper, logger } = await newKeeper({
      receiptTimeoutMs: 300,
      replaceAfterMs: 200,
      maxLiquidationsPerTick: 0,
    });
    await runTick(keeper);
    const [first] = await pendingTransactions();
    await runTick(keeper);
    const [second, ...others] = await pendingTransactions();
    expect(others).to.deep.equal([]);
    expect(second.hash).to.not.equal(first.hash);
    expect(second.nonce).to.equal(first.nonce);
    expect(second.input).to.equal(first.input);
    expect(BigInt(second.maxFeePerGas) >= (BigInt(first.maxFeePerGas) * 125n) / 100n).to.equal(true);
    expect(
      BigInt(second.maxPriorityFeePerGas) >= (BigInt(first.maxPriorityFeePerGas) * 125n) / 100n,
    ).to.equal(true);
    const line = events(logger.entries, "transaction").find((e) => e.status === "replaced");
    expect(line).to.include({ action: "funding:0", replaced: first.hash, tx: second.hash });
    await mine();
    expect(await fundingUpdatesIn("latest")).to.equal(1);
    await runTick(keeper);
    expect(events(logger.entries, "transaction").at(-1)).to.include({ status: "mined", tx: second.hash });
  });

  it("keeper: I-4 liquidates through liquidateWithLimits, offering the simulated repayment with a minimum out and a deadline", async function () {
    const risky = await openVault(devnet, devnet.accounts[1], "1", "2");
    const second = await openVault(devnet, devnet.accounts[2], "1", "2");
    await moveEthPriceUp(devnet);
    const { keeper, logger } = await newKeeper({
      maxSlippageBps: 150,
      liquidationDeadlineMs: 36_000,
      maxLiquidationsPerTick: 1,
    });
    const report = await runTick(keeper);
    expect(report.liquidations.confirmed).to.equal(1);
    const line = events(logger.entries, "liquidation")[0];
    const tx = (await rpc(devnet.url, "eth_getTransactionByHash", [line.tx])) as RpcTransaction;
    const helper = devnet.deployment.contracts.KeeperHelper ?? "";
    expect(tx.to.toLowerCase()).to.equal(helper.toLowerCase());
    const { functionName, args } = decodeFunctionData({ abi: keeperHelperAbi, data: tx.input });
    expect(functionName).to.equal("liquidateWithLimits");
    const [vaultId, maxDebt, minOut, deadline] = args as readonly bigint[];
    const debtRepaid = BigInt(String(line.debtRepaid));
    const collateralPaid = BigInt(String(line.collateralPaid));
    expect(vaultId).to.equal(risky);
    expect(maxDebt).to.equal(debtRepaid); // not the keeper's whole balance
    expect(minOut).to.equal((collateralPaid * 9850n + 9999n) / 10_000n);
    const clock = BigInt(Math.floor(Date.now() / 1000));
    expect(deadline >= report.timestamp + 36n).to.equal(true);
    expect(deadline <= (clock > report.timestamp ? clock : report.timestamp) + 36n).to.equal(true);
    expect(await tokenBalanceOf(devnet, KEEPER_ADDRESS)).to.equal(KEEPER_TOKENS - debtRepaid);
    expect(events(logger.entries, "approval")).to.have.length(1);
    expect(events(logger.entries, "approval")[0]).to.include({ market: "ETH2", status: "sent" });
    // The approval is made once: the next tick liquidates the second vault without another.
    const next = await runTick(keeper);
    expect(next.liquidations.confirmed).to.equal(1);
    expect(events(logger.entries, "liquidation")[1]).to.include({ status: "confirmed", vaultId: second });
    expect(events(logger.entries, "approval")).to.have.length(1);
  });

  it("keeper: I-4 a liquidation mined after its deadline reverts and costs the keeper no tokens", async function () {
    const risky = await openVault(devnet, devnet.accounts[1], "1", "2");
    await moveEthPriceUp(devnet);
    await rpc(devnet.url, "evm_setAutomine", [false]);
    const { keeper } = await newKeeper({ receiptTimeoutMs: 300, liquidationDeadlineMs: 5000 });
    await runTick(keeper); // sends the approval and the liquidation, which wait in the mempool
    const waiting = await pendingTransactions();
    expect(waiting).to.have.length(2);
    const vaultBefore = await vaultOf(devnet, risky);
    const latest = (await rpc(devnet.url, "eth_getBlockByNumber", ["latest", false])) as { timestamp: Hex };
    await rpc(devnet.url, "evm_mine", [Number(BigInt(latest.timestamp)) + 600]);
    const liquidation = waiting.find((t) => t.to.toLowerCase() !== devnet.tokens[0].toLowerCase());
    const receipt = (await rpc(devnet.url, "eth_getTransactionReceipt", [liquidation?.hash])) as {
      status: string;
    };
    expect(receipt.status).to.equal("0x0");
    expect(await tokenBalanceOf(devnet, KEEPER_ADDRESS)).to.equal(KEEPER_TOKENS);
    expect(await vaultOf(devnet, risky)).to.deep.equal(vaultBefore);
  });

  it("keeper: balances in the tick line are read after the tick's transactions", async function () {
    await openVault(devnet, devnet.accounts[1], "1", "2");
    await moveEthPriceUp(devnet);
    const { keeper, logger } = await newKeeper();
    const report = await runTick(keeper);
    expect(report.liquidations.confirmed).to.equal(1);
    const onChain = await tokenBalanceOf(devnet, KEEPER_ADDRESS);
    expect(onChain < KEEPER_TOKENS).to.equal(true);
    const tick = events(logger.entries, "tick")[0];
    expect(BigInt(String(tick["tokenBalance.ETH2"]))).to.equal(onChain);
    expect(BigInt(String(tick["tokenBalance.ETH1"]))).to.equal(
      await tokenBalanceOf(devnet, KEEPER_ADDRESS, ETH1_MARKET),
    );
    const eth = BigInt((await rpc(devnet.url, "eth_getBalance", [KEEPER_ADDRESS, "latest"])) as string);
    expect(BigInt(String(tick.ethBalance))).to.equal(eth);
  });

  it("keeper: L-1 durations of 0 or above 2,147,483,647 ms exit 2 with one line", async function () {
    const base = ["--once", "--dry-run", "--deployment", devnet.deploymentPath, "--rpc", devnet.url];
    const cases: [string, string, RegExp][] = [
      ["--interval", "0", /--interval: must be > 0/],
      ["--interval", "30d", /--interval: must be at most 2147483647 ms/],
      ["--rpc-timeout", "30d", /--rpc-timeout: must be at most 2147483647 ms/],
      ["--max-backoff", "25d", /--max-backoff: must be at most 2147483647 ms/],
      ["--receipt-timeout", "0.1ms", /--receipt-timeout: must be > 0/],
    ];
    const runs = await Promise.all(cases.map(([flag, value]) => runKeeper([...base, flag, value])));
    for (const [index, run] of runs.entries()) {
      expect(run.code, cases[index].join(" ")).to.equal(ExitCode.Usage);
      expect(run.stderr).to.have.length(1);
      expect(run.stderr[0]).to.match(cases[index][2]);
      expect(run.stdout).to.deep.equal([]);
    }
  });

  it("keeper: L-3 a bad rpcUrl in the deployment file exits 3; an invalid key exits 2 before any RPC contact", async function () {
    const file = join(devnet.dir, "bad-rpc-url.json");
    const deployment = JSON.parse(await readFile(devnet.deploymentPath, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...deployment, rpcUrl: "not a url" }));
    const deadRpc = `http://127.0.0.1:${await findFreePort()}`;
    const key = (k: bigint) => ({ KEEPER_PRIVATE_KEY: `0x${k.toString(16).padStart(64, "0")}` });
    const dead = ["--once", "--deployment", devnet.deploymentPath, "--rpc", deadRpc, "--rpc-retries", "0"];
    const [badUrl, zero, order, aboveOrder, lastValid] = await Promise.all([
      runKeeper(["--once", "--dry-run", "--deployment", file]),
      runKeeper(dead, key(0n)),
      runKeeper(dead, key(SECP256K1_ORDER)),
      runKeeper(dead, key(SECP256K1_ORDER + 1n)),
      runKeeper(dead, key(SECP256K1_ORDER - 1n)),
    ]);
    expect(badUrl.code).to.equal(ExitCode.Deployment);
    expect(badUrl.stderr).to.deep.equal([`keeper: deployment file ${file}: rpcUrl: not a URL: not a url`]);
    for (const run of [zero, order, aboveOrder]) {
      expect(run.code).to.equal(ExitCode.Usage);
      expect(run.stderr).to.have.length(1);
      expect(run.stderr[0]).to.match(/KEEPER_PRIVATE_KEY is not a valid secp256k1 private key/);
    }
    // The largest valid key passes the check and only then meets the dead endpoint.
    expect(lastValid.code).to.equal(ExitCode.Rpc);
  });

  it("keeper: L-4 the start line and fatal errors show RPC URLs redacted to their origin", async function () {
    const proxy = new TcpProxy(await findFreePort(), devnet.node.port);
    await proxy.start();
    try {
      const secretUrl = `http://keeper:S3CRET-PASSWORD@127.0.0.1:${proxy.port}/?apikey=S3CRET-QUERY`;
      const ok = await runKeeper([
        "--once",
        "--dry-run",
        "--deployment",
        devnet.deploymentPath,
        "--rpc",
        secretUrl,
      ]);
      expect(ok.code, ok.stderr.join()).to.equal(ExitCode.Ok);
      const start = parseLogLine(ok.stdout[0]);
      expect(start).to.include({ event: "start", rpcUrl: `http://127.0.0.1:${proxy.port}/…` });
      expect([...ok.stdout, ...ok.stderr].join("\n")).to.not.match(/S3CRET/);
    } finally {
      await proxy.stop();
    }
    const keyUrl = "https://eth-mainnet.example.invalid/v2/MY-ALCHEMY-KEY";
    const down = await runKeeper([
      "--once",
      "--deployment",
      devnet.deploymentPath,
      "--rpc",
      keyUrl,
      "--rpc-retries",
      "0",
    ]);
    expect(down.code).to.equal(ExitCode.Rpc);
    expect(down.stderr).to.have.length(1);
    expect(down.stderr[0]).to.include("cannot reach the RPC endpoint https://eth-mainnet.example.invalid/…");
    expect([...down.stdout, ...down.stderr].join("\n")).to.not.include("MY-ALCHEMY-KEY");
  });

  it("keeper: negative numbers get the flag's own check (exit 2), not Node's 'argument is ambiguous'", async function () {
    const base = ["--once", "--deployment", devnet.deploymentPath];
    const [interval, factor, page] = await Promise.all([
      runKeeper([...base, "--interval", "-1"]),
      runKeeper([...base, "--min-profit-factor", "-2"]),
      runKeeper([...base, "--page-size", "-1"]),
    ]);
    expect(interval.stderr).to.deep.equal(["keeper: --interval: must be > 0, got -1"]);
    expect(factor.stderr).to.deep.equal(["keeper: --min-profit-factor: must be ≥ 0, got -2"]);
    expect(page.stderr).to.deep.equal(["keeper: --page-size: must be > 0, got -1"]);
    for (const run of [interval, factor, page]) expect(run.code).to.equal(ExitCode.Usage);
  });

  it("keeper: --pretty prints human-readable lines with ETH amounts; JSON when stdout is not a terminal", async function () {
    const base = ["--once", "--dry-run", "--deployment", devnet.deploymentPath, "--rpc", devnet.url];
    const [pretty, piped] = await Promise.all([runKeeper([...base, "--pretty"]), runKeeper(base)]);
    expect(pretty.code).to.equal(ExitCode.Ok);
    expect(() => parseLogLine(pretty.stdout[0])).to.throw();
    expect(pretty.stdout[0]).to.match(/^\d\d:\d\d:\d\d start chainId=31337 /);
    expect(pretty.stdout[0]).to.match(/ethBalance=\d{1,3}(,\d{3})*\.\d\d ETH/);
    expect(pretty.stdout[0]).to.match(/tokenBalance\.ETH2=20\.00 tokens tokenBalance\.ETH1=20\.00 tokens/);
    expect(pretty.stdout.at(-1)).to.match(/ tick ok /);
    expect(piped.code).to.equal(ExitCode.Ok);
    expect(piped.stdout.map((line) => parseLogLine(line).event)).to.include("tick");
  });

  it("keeper: SIGTERM stops the keeper with exit code 0 within a second, even mid-tick", async function () {
    await advance(devnet, 3700);
    await rpc(devnet.url, "evm_setAutomine", [false]);
    const keeper = spawnKeeper(["--deployment", devnet.deploymentPath, "--rpc", devnet.url]);
    await keeper.waitForLog((e) => e.event === "start");
    // The funding transaction waits in the mempool: the tick is waiting for its receipt (up to 120 s).
    for (let i = 0; i < 100 && (await pendingTransactions()).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await pendingTransactions()).to.have.length(1);
    const signalled = Date.now();
    keeper.child.kill("SIGTERM");
    const code = await keeper.exited;
    expect(code).to.equal(ExitCode.Ok);
    expect(Date.now() - signalled).to.be.below(1000);
  });
});
