/**
 * The npm package, end to end: `npm pack` the project, install the tarball into a temporary copy of
 * `examples/consumer` with `npm install --prefer-offline`, and run the example's tests there (Hardhat
 * compiles the package's contracts from node_modules and the test deploys them with `deployEvergamma`).
 *
 * To keep it fast and offline, the copy's toolchain (hardhat, ethers, mocha, solc, ...) is not installed but
 * found through a `node_modules` link to this project's in the copy's parent folder; only the tarball (and
 * whatever it declares as dependencies) is installed by npm; its peers (hardhat, ethers) are not
 * (`--legacy-peer-deps`), so that the one Hardhat of the parent link runs.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { childEnv, HARDHAT_CLI, PROJECT_ROOT, run } from "./helpers.js";

/** The npm CLI that runs this test (`npm_execpath`), or `npm` from the PATH. */
function npm(args: string[], cwd: string) {
  const execPath = process.env.npm_execpath;
  const [command, prefix] =
    execPath !== undefined && /npm-cli\.js$/.test(execPath) ? [process.execPath, [execPath]] : ["npm", []];
  return run(command, [...prefix, ...args], {
    cwd,
    env: childEnv({ npm_config_update_notifier: "false" }),
    timeoutMs: 120_000,
  });
}

describe("npm package (e2e)", function () {
  this.timeout(180_000);

  let work: string;

  before(function () {
    work = mkdtempSync(path.join(tmpdir(), "evergamma-package-"));
  });

  after(function () {
    rmSync(work, { recursive: true, force: true });
  });

  it("packs a tarball that a Hardhat 3 project installs, compiles and tests against", async function () {
    const timings: string[] = [];
    const timed = async <T>(label: string, step: () => Promise<T>): Promise<T> => {
      const start = Date.now();
      const result = await step();
      timings.push(`${label} ${((Date.now() - start) / 1000).toFixed(1)} s`);
      return result;
    };

    const packed = await timed("npm pack", () =>
      npm(["pack", "--json", "--pack-destination", work], PROJECT_ROOT),
    );
    expect(packed.code, packed.stderr).to.equal(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info.files.map((f) => f.path);
    expect(files).to.include.members([
      "package.json",
      "deploy/evergamma.ts",
      "deploy/uniswap.ts",
      "contracts/core/Controller.sol",
      "contracts/mocks/WETH9.sol",
      "contracts/mocks/TestUSDC.sol",
      "types/ethers-contracts/index.ts",
    ]);
    expect(files.filter((f) => /^(test|scripts|tasks|artifacts|cache)\//.test(f))).to.deep.equal([]);
    const tarball = path.join(work, info.filename);

    // The consumer, minus anything a previous local run left in it; its toolchain comes from the parent link.
    const consumer = path.join(work, "consumer");
    cpSync(path.join(PROJECT_ROOT, "examples", "consumer"), consumer, {
      recursive: true,
      filter: (source) =>
        !/[\\/](node_modules|artifacts|cache|types)$|package-lock\.json$|\.tgz$/.test(source),
    });
    symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
    const manifestPath = path.join(consumer, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
    expect((manifest.dependencies as Record<string, string>).evergamma).to.match(/^file:.*\.tgz$/);
    manifest.dependencies = { evergamma: `file:${tarball}` };
    delete manifest.devDependencies;
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));

    const installed = await timed("npm install", () =>
      npm(
        ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--legacy-peer-deps"],
        consumer,
      ),
    );
    expect(installed.code, installed.stdout + installed.stderr).to.equal(0);

    const tested = await timed("hardhat test", () =>
      run(process.execPath, [HARDHAT_CLI, "test", "mocha"], {
        cwd: consumer,
        env: childEnv(),
        timeoutMs: 150_000,
      }),
    );
    const output = tested.stdout + tested.stderr;
    expect(tested.code, output).to.equal(0);
    expect(output).to.match(/opens a vault and mints power tokens/);
    expect(output).to.match(/3 passing/);
    expect(output).to.not.match(/failing/);

    // The shipped TypeScript (deploy/ and the typechain types it imports) type-checks in the consumer.
    const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
    const typed = await timed("tsc", () =>
      run(process.execPath, [tsc, "--noEmit", "-p", "."], {
        cwd: consumer,
        env: childEnv(),
        timeoutMs: 120_000,
      }),
    );
    expect(typed.code, typed.stdout + typed.stderr).to.equal(0);
    console.log(`      (${timings.join(", ")})`);
  });
});
