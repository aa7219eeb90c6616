/**
 * The keeper CLI as a child process (`node --import tsx scripts/keeper/main.ts`, what `npm run keeper` runs)
 * against a real `hardhat node`: the documented `--once` exit codes with JSON lines on stdout and one line on
 * stderr, and the loop riding out a spell of an unreachable RPC endpoint (a TCP proxy that is stopped and
 * restarted) before liquidating vaults of both markets made unsafe meanwhile.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import { generatePrivateKey } from "viem/accounts";

import { ExitCode } from "../../scripts/keeper/errors.js";
import { findFreePort } from "../../scripts/lib/hardhatNode.js";
import {
  ETH1_MARKET,
  TcpProxy,
  killKeepers,
  moveEthPriceUp,
  openVault,
  parseLogLine,
  raiseEth1Funding,
  runKeeper,
  spawnKeeper,
  startDevnet,
  type TestDevnet,
} from "./support.js";

describe("keeper CLI (child process, hardhat node)", function () {
  this.timeout(90_000);
  let devnet: TestDevnet;
  let proxy: TcpProxy | undefined;

  before(async function () {
    devnet = await startDevnet();
  });

  afterEach(async function () {
    await killKeepers();
    await proxy?.stop();
    proxy = undefined;
  });

  after(async function () {
    await killKeepers();
    await devnet?.stop();
  });

  it("returns the documented --once exit codes, with JSON lines on stdout and one line on stderr", async function () {
    const dir = devnet.dir;
    const malformed = join(dir, "malformed.json");
    await writeFile(malformed, "{ not json");
    const incomplete = join(dir, "incomplete.json");
    await writeFile(incomplete, JSON.stringify({ chainId: 31337, rpcUrl: devnet.url, contracts: {} }));
    const deadPort = await findFreePort();
    const base = ["--once", "--deployment", devnet.deploymentPath, "--rpc", devnet.url];

    const [ok, badRpc, missing, bad, partial, unfunded, dryRunUnfunded, usage, help] = await Promise.all([
      runKeeper(base),
      runKeeper([
        "--once",
        "--deployment",
        devnet.deploymentPath,
        "--rpc",
        `http://127.0.0.1:${deadPort}`,
        "--rpc-retries",
        "1",
      ]),
      runKeeper(["--once", "--deployment", join(dir, "missing.json"), "--rpc", devnet.url]),
      runKeeper(["--once", "--deployment", malformed, "--rpc", devnet.url]),
      runKeeper(["--once", "--deployment", incomplete, "--rpc", devnet.url]),
      runKeeper(base, { KEEPER_PRIVATE_KEY: generatePrivateKey() }),
      runKeeper([...base, "--dry-run"], { KEEPER_PRIVATE_KEY: generatePrivateKey() }),
      runKeeper([...base, "--no-such-flag"]),
      runKeeper(["--help"]),
    ]);

    expect(ok.code, ok.stderr.join("\n")).to.equal(ExitCode.Ok);
    expect(ok.stderr).to.deep.equal([]);
    const events = ok.stdout.map((line) => parseLogLine(line).event);
    expect(events[0]).to.equal("start");
    expect(events).to.include("tick");

    const expectFailure = (
      run: { code: number | null; stderr: string[] },
      code: number,
      pattern: RegExp,
      label: string,
    ) => {
      expect(run.code, label).to.equal(code);
      expect(run.stderr, label).to.have.length(1);
      expect(run.stderr[0], label).to.match(pattern);
    };
    expectFailure(badRpc, ExitCode.Rpc, /^keeper: cannot reach the RPC endpoint/, "bad RPC URL");
    expectFailure(missing, ExitCode.Deployment, /missing\.json: file not found/, "missing deployment file");
    expectFailure(bad, ExitCode.Deployment, /malformed\.json: not valid JSON/, "malformed deployment file");
    expectFailure(
      partial,
      ExitCode.Deployment,
      /missing contracts: Evergamma, EvergammaLens/,
      "incomplete deployment file",
    );
    expectFailure(
      unfunded,
      ExitCode.InsufficientFunds,
      /has 0 ETH, less than the gas of one transaction/,
      "no funds",
    );
    expectFailure(usage, ExitCode.Usage, /no-such-flag/, "unknown flag");
    expect(dryRunUnfunded.code, "a dry run needs no funds").to.equal(ExitCode.Ok);
    expect(help.code).to.equal(ExitCode.Ok);
    expect(help.stdout.join("\n")).to.match(/Exit codes: 0 ok/);
  });

  it("keeps running while the RPC endpoint is unreachable and resumes, then liquidates", async function () {
    proxy = new TcpProxy(await findFreePort(), devnet.node.port);
    await proxy.start();
    const keeper = spawnKeeper([
      "--deployment",
      devnet.deploymentPath,
      "--rpc",
      proxy.url,
      "--interval",
      "200ms",
      "--max-backoff",
      "400ms",
      "--rpc-retries",
      "1",
      "--rpc-timeout",
      "2s",
    ]);
    await keeper.waitForLog((e) => e.event === "tick");

    await proxy.stop();
    const failure = await keeper.waitForLog((e) => e.event === "tick-error");
    expect(failure.unreachable).to.equal(true);
    await keeper.waitForLog((e) => e.event === "tick-error" && Number(e.consecutiveFailures) >= 3);
    expect(keeper.child.exitCode, "still running").to.equal(null);

    // While the keeper is cut off, a vault in each market is opened and made unsafe (straight on the node).
    const risky = await openVault(devnet, devnet.accounts[1], "1", "2");
    const risky1 = await openVault(devnet, devnet.accounts[2], "1", "0.665", ETH1_MARKET);
    await moveEthPriceUp(devnet);
    await raiseEth1Funding(devnet);
    await proxy.start();
    await keeper.waitForLog((e) => e.event === "recovered");
    const liquidation = await keeper.waitForLog(
      (e) => e.event === "liquidation" && e.vaultId === risky.toString(),
    );
    expect(liquidation).to.include({ status: "confirmed", market: "ETH2" });
    const liquidation1 = await keeper.waitForLog(
      (e) => e.event === "liquidation" && e.vaultId === risky1.toString(),
    );
    expect(liquidation1).to.include({ status: "confirmed", market: "ETH1" });

    keeper.child.kill("SIGTERM");
    expect(await keeper.exited).to.equal(ExitCode.Ok);
    expect(parseLogLine(keeper.stdoutLines[keeper.stdoutLines.length - 1]).event).to.equal("stop");
    for (const line of keeper.stdoutLines) parseLogLine(line);
  });
});
