/**
 * The README's TypeScript examples, run as the README says (the `sh` block after each example):
 *
 * - "Using Evergamma from TypeScript", through the front door: it prints `false` (the vault is unsafe after the
 *   price move) and compiles nothing, so it takes seconds, not the minutes of a build with every Solidity test suite;
 * - "TypeScript client", against a devnet (started as `npm run devnet` starts it, on a free port, writing its
 *   deployment file to a temporary folder the example is pointed at): it opens a vault, mints, reads its report and
 *   closes it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { allGone, Background, childEnv, descendants, freePort, PROJECT_ROOT, rpc, run } from "./helpers.js";

/** The fenced blocks of `language` in the README section that starts with `heading`. */
function readmeBlocks(heading: string, language: string): string[] {
  const readme = readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, heading).to.be.greaterThan(-1);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
}

describe("README example (e2e)", function () {
  this.timeout(600_000);

  const file = path.join(PROJECT_ROOT, `readme-example-${process.pid}.ts`);

  after(function () {
    rmSync(file, { force: true });
  });

  it("runs the TypeScript example with the documented commands, compiling nothing", async function () {
    const [example] = readmeBlocks("## Using Evergamma from TypeScript", "ts");
    const [commands] = readmeBlocks("## Using Evergamma from TypeScript", "sh");
    expect(commands, "the README says how to run the example").to.be.a("string");
    writeFileSync(file, example);
    const lines = commands
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line !== "");
    expect(lines).to.have.length(2);
    expect(lines[0]).to.equal("./evergamma hardhat build --no-tests");
    expect(lines[1]).to.equal("./evergamma hardhat run --no-compile example.ts");
    const built = await run("bash", ["-c", lines[0]], { env: childEnv(), timeoutMs: 600_000 });
    expect(built.code, built.stdout + built.stderr).to.equal(0);
    const start = Date.now();
    const ran = await run("bash", ["-c", lines[1].replace("example.ts", path.basename(file))], {
      env: childEnv(),
      timeoutMs: 120_000,
    });
    expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
    expect(ran.stdout.trim().split("\n").at(-1)).to.equal("false");
    expect(ran.stdout + ran.stderr).to.not.match(/Compiling/);
    console.log(`      (the example ran in ${((Date.now() - start) / 1000).toFixed(1)} s)`);
  });
});

describe("README client example (e2e)", function () {
  this.timeout(600_000);

  const file = path.join(PROJECT_ROOT, `client-example-${process.pid}.ts`);
  const dir = mkdtempSync(path.join(tmpdir(), "evergamma-client-example-"));
  let devnet: Background | undefined;

  after(function () {
    for (const pid of devnet?.running === true ? descendants(devnet.pid) : []) process.kill(pid, "SIGKILL");
    devnet?.kill();
    rmSync(file, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("opens a vault, mints, reads its report and closes it on a devnet, with the documented commands", async function () {
    const [example] = readmeBlocks("## TypeScript client", "ts");
    const [commands] = readmeBlocks("## TypeScript client", "sh");
    const lines = commands
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line !== "");
    expect(lines).to.deep.equal(["./evergamma devnet", "node --import tsx client-example.ts"]);
    const deploymentFile = path.join(dir, "localhost.json");
    expect(example).to.include('"deployments/localhost.json"');
    writeFileSync(file, example.replace('"deployments/localhost.json"', JSON.stringify(deploymentFile)));

    const port = await freePort();
    devnet = new Background(
      process.execPath,
      ["--import", "tsx", path.join("scripts", "devnet.ts"), "--port", String(port), "--no-keeper"],
      { env: childEnv({ EVERGAMMA_DEPLOYMENTS_DIR: dir }) },
    );
    await devnet.waitFor(/^Ready\./m, 300_000);
    const url = `http://127.0.0.1:${port}`;
    const blockBefore = Number(await rpc(url, "eth_blockNumber"));

    const start = Date.now();
    const [command, ...args] = lines[1].replace("client-example.ts", path.basename(file)).split(" ");
    expect(command).to.equal("node");
    const ran = await run(process.execPath, args, { env: childEnv(), timeoutMs: 120_000 });
    expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
    const output = ran.stdout.trim().split("\n");
    expect(output).to.have.length(2);
    const [, vaultId] = output[0].match(/^vault (\d+): ratio ([\d.]+), healthy true$/) ?? [];
    expect(vaultId, output[0]).to.be.a("string");
    // The devnet's ETH² market holds the seed, demo and keeper-stock vaults: the example's is serial 4.
    expect(vaultId).to.equal("4");
    expect(output[1]).to.equal("closed: collateral 0, debt 0");
    // Two transactions: the mint (opening the vault) and the burn that closed it.
    expect(Number(await rpc(url, "eth_blockNumber")) - blockBefore).to.equal(2);
    console.log(`      (the client example ran in ${((Date.now() - start) / 1000).toFixed(1)} s)`);

    const pids = descendants(devnet.pid);
    devnet.child.kill("SIGTERM");
    expect((await devnet.exited).code).to.equal(0);
    expect(await allGone(pids)).to.deep.equal([]);
  });
});
