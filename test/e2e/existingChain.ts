/**
 * Deployment onto an existing chain, end to end: `scripts/existing-chain/main.ts` (which knows nothing of Evergamma)
 * starts a `hardhat node` with WETH, a 6-decimal USDC, Uniswap v3, an ETH/USDC pool with an hour of history and a
 * Chainlink `MockV3Aggregator`, and writes the parameters file; then `npx hardhat evergamma:check` and
 * `evergamma:deploy` deploy Evergamma onto it through the Ignition modules, and the keeper (`--once`) and the tasks
 * work against the deployment file they wrote, unchanged.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import { readDeploymentFile } from "../../scripts/lib/deploymentFile.js";
import { getPoolContract } from "../../deploy/uniswap.js";
import {
  Background,
  childEnv,
  freePort,
  hardhat,
  PROJECT_ROOT,
  rpc,
  run,
  type RunResult,
} from "./helpers.js";

const EXISTING_CHAIN = path.join(PROJECT_ROOT, "scripts", "existing-chain", "main.ts");
const KEEPER = path.join(PROJECT_ROOT, "scripts", "keeper", "main.ts");

describe("Deployment onto an existing chain (e2e)", function () {
  this.timeout(240_000);

  let dir: string;
  let world: Background;
  let url: string;
  let parametersFile: string;
  let deploymentFile: string;

  const task = (args: string[]): Promise<RunResult> =>
    hardhat([...args, "--network", "localhost"], { EVERGAMMA_DEPLOYMENTS_DIR: dir });
  const ok = async (args: string[]): Promise<string> => {
    const result = await task(args);
    expect(result.code, `${args.join(" ")}\n${result.stdout}\n${result.stderr}`).to.equal(0);
    return result.stdout;
  };

  before(async function () {
    const started = Date.now();
    dir = await mkdtemp(path.join(tmpdir(), "evergamma-existing-"));
    parametersFile = path.join(dir, "parameters.json");
    deploymentFile = path.join(dir, "localhost.json");
    const port = await freePort();
    world = new Background(process.execPath, [
      ...["--import", "tsx", EXISTING_CHAIN],
      ...["--port", String(port), "--out", parametersFile],
    ]);
    url = (await world.waitFor(/Ready at (http\S+)/, 180_000))[1];
    console.log(`      existing chain ready in ${Date.now() - started} ms`);
  });

  after(async function () {
    if (world?.running) {
      world.child.kill("SIGTERM");
      await Promise.race([world.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      world.kill();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes the parameters the committed localhost template holds (the same addresses on every fresh node)", async function () {
    const written = JSON.parse(await readFile(parametersFile, "utf8")) as unknown;
    const template = path.join(PROJECT_ROOT, "ignition", "parameters", "localhost.json");
    expect(written).to.deep.equal(JSON.parse(await readFile(template, "utf8")));
  });

  it("evergamma:check accepts them; evergamma:deploy deploys through Ignition, seeds the pools and writes the deployment file", async function () {
    const started = Date.now();
    const common = ["--rpc", url, "--parameters", parametersFile];
    expect(await ok(["evergamma:check", ...common])).to.match(/every parameter fits chain 31337 \(2 market/);
    // A bad parameter: one line, exit code 1, nothing sent.
    const bad = JSON.parse(await readFile(parametersFile, "utf8")) as { chainlink: { feedDecimals: number } };
    bad.chainlink.feedDecimals = 18;
    const badFile = path.join(dir, "bad.json");
    await writeFile(badFile, JSON.stringify(bad));
    const blocks = await rpc(url, "eth_blockNumber");
    const refused = await task([
      "evergamma:deploy",
      "--rpc",
      url,
      "--parameters",
      badFile,
      "--deployment-file",
      deploymentFile,
    ]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr.trim()).to.equal(
      "Error: chainlink.ethUsdFeed answers with 8 decimals, expected 18 (feedDecimals)",
    );
    expect(await rpc(url, "eth_blockNumber")).to.equal(blocks);
    const out = await ok([
      ...["evergamma:deploy", ...common, "--deployment-file", deploymentFile],
      ...["--deployment-id", `existing-chain-e2e-${process.pid}`],
    ]);
    console.log(`      check + deploy in ${Date.now() - started} ms`);
    expect(out).to.match(/EvergammaCore.*successfully deployed/);
    expect(out).to.match(/ownership offered to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8/);
    const deployment = readDeploymentFile(deploymentFile);
    expect(deployment.rpcUrl).to.equal(url);
    expect(Object.values(deployment.markets).map((m) => [m.id, m.name])).to.deep.equal([
      [0, "ETH2"],
      [1, "ETH1"],
    ]);
    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
    for (const m of Object.values(deployment.markets)) {
      expect(await getPoolContract(m.pool, provider).liquidity(), m.name).to.be.greaterThan(0n);
    }
    provider.destroy();
    await rm(path.join(PROJECT_ROOT, "ignition", "deployments", `existing-chain-e2e-${process.pid}`), {
      recursive: true,
      force: true,
    });
  });

  it("the keeper (--once) and the tasks work against it unchanged", async function () {
    const keeper = await run(
      process.execPath,
      ["--import", "tsx", KEEPER, "--once", "--deployment", deploymentFile, "--rpc", url],
      { env: childEnv(), timeoutMs: 90_000 },
    );
    expect(keeper.code, keeper.stdout + keeper.stderr).to.equal(0);
    expect(keeper.stdout).to.match(/"event":"tick".*"status":"ok".*"markets":\["ETH2:ok","ETH1:ok"\]/);
    expect(await ok(["funding:status", "--market", "ETH2"])).to.match(/ETH price \(TWAP\)\s+\$3,000\.00/);
    const opened = await ok([
      "vault:open",
      "--market",
      "ETH2",
      "--collateral",
      "2",
      "--mint",
      "2",
      "--from",
      "3",
    ]);
    const id = /Opened vault (\d+) in market 0 \(ETH2\)/.exec(opened)?.[1];
    expect(id, opened).to.not.equal(undefined);
    expect(await ok(["vault:status", "--id", id!])).to.match(/collateral ratio\s+333\.33%/);
    expect(await ok(["funding:status", "--market", "ETH1"])).to.match(/Funding of market 1 \(ETH1/);
  });
});
