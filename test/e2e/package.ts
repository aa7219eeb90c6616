/**
 * The npm package, end to end, the way another project gets it: `npm pack` the project, copy the
 * `examples/consumer` template into a temporary folder outside the repository, install the tarball there
 * with npm (its dependencies and the template's toolchain from the registry, nothing from this repository's
 * `node_modules`), then compile and test the example with the consumer's own Hardhat and type-check it with
 * its own TypeScript (`scripts/lib/consumerProject.ts`, also behind `npm run pack:example`).
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import {
  consumerTool,
  createConsumer,
  installConsumer,
  packPackage,
  PROJECT_ROOT,
} from "../../scripts/lib/consumerProject.js";

/** The packages the shipped Solidity sources import (`import ... "<package>/..."`). */
function solidityImportPackages(root: string, files: string[]): Set<string> {
  const packages = new Set<string>();
  for (const file of files.filter((f) => f.endsWith(".sol"))) {
    for (const [, target] of readFileSync(path.join(root, file), "utf8").matchAll(
      /(?:import|from)\s+"([^"]+)"/g,
    )) {
      if (target.startsWith(".")) continue;
      const parts = target.split("/");
      packages.add(target.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]);
    }
  }
  return packages;
}

describe("npm package (e2e)", function () {
  this.timeout(1_200_000);

  let work: string;

  before(function () {
    work = mkdtempSync(path.join(tmpdir(), "evergamma-package-"));
  });

  after(function () {
    rmSync(work, { recursive: true, force: true });
  });

  it("packs a tarball whose Solidity imports resolve from its own dependencies", async function () {
    const { files } = await packPackage(work);
    expect(files).to.include.members([
      "package.json",
      "deploy/evergamma.ts",
      "deploy/uniswap.ts",
      "deploy/deploymentRecord.ts",
      "deploy/ignition.ts",
      "deploy/parameters.ts",
      "deploy/check.ts",
      "deploy/network.ts",
      "ignition/modules/World.ts",
      "ignition/modules/Core.ts",
      "ignition/modules/Market.ts",
      "ignition/parameters/localhost.json",
      "ignition/parameters/sepolia.json",
      "ignition/parameters/mainnet.json",
      "ignition/parameters/arbitrum.json",
      "ignition/parameters/base.json",
      "contracts/periphery/MarketPoolInitializer.sol",
      "client/index.ts",
      "client/client.ts",
      "client/deployment.ts",
      "client/abi/evergamma.ts",
      "client/abi/errors.ts",
      "contracts/core/Evergamma.sol",
      "contracts/periphery/EvergammaLens.sol",
      "contracts/tokens/MarketToken.sol",
      "contracts/prices/UniswapTwapPrices.sol",
      "contracts/types/MarketConfig.sol",
      "contracts/mocks/WETH9.sol",
      "contracts/mocks/TestUSDC.sol",
      "types/ethers-contracts/index.ts",
    ]);
    expect(files.filter((f) => /^(test|scripts|tasks|artifacts|cache)\//.test(f))).to.deep.equal([]);
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const imported = [...solidityImportPackages(PROJECT_ROOT, files)];
    expect(imported).to.include.members(["@openzeppelin/contracts", "solady", "@uniswap/v4-core"]);
    expect(imported.filter((name) => manifest.dependencies[name] === undefined)).to.deep.equal([]);
  });

  it("installs from the tarball alone outside the repository, compiles and tests there", async function () {
    const timings: string[] = [];
    const timed = async <T>(label: string, step: () => Promise<T>): Promise<T> => {
      const start = Date.now();
      const result = await step();
      timings.push(`${label} ${((Date.now() - start) / 1000).toFixed(1)} s`);
      return result;
    };
    const { tarball } = await timed("npm pack", () => packPackage(work));
    const consumer = createConsumer(work, tarball);
    expect(path.relative(PROJECT_ROOT, realpathSync(consumer)).startsWith("..")).to.equal(true);
    // The template names none of the package's dependencies: the package brings them.
    const template = JSON.parse(readFileSync(path.join(consumer, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const name of ["solady", "@uniswap/v4-core", "@openzeppelin/contracts", "@uniswap/v3-core"]) {
      expect(template.devDependencies[name], name).to.equal(undefined);
    }

    const installed = await timed("npm install", () => installConsumer(consumer));
    expect(installed.code, installed.output).to.equal(0);
    const evergamma = path.join(consumer, "node_modules", "evergamma");
    expect(lstatSync(evergamma).isSymbolicLink(), "evergamma must be extracted, not linked").to.equal(false);
    for (const name of ["solady", "@uniswap/v4-core"]) {
      expect(existsSync(path.join(consumer, "node_modules", name, "package.json")), name).to.equal(true);
    }

    const tested = await timed("hardhat test", () => consumerTool(consumer, "hardhat", ["test", "mocha"]));
    expect(tested.code, tested.output).to.equal(0);
    expect(tested.output).to.match(/opens a vault and mints power tokens/);
    expect(tested.output).to.match(/writes an everlasting call and reads its quote/);
    expect(tested.output).to.match(/4 passing/);
    expect(tested.output).to.not.match(/failing/);

    // The shipped TypeScript (deploy/ and the typechain types it imports) type-checks in the consumer.
    const typed = await timed("tsc", () => consumerTool(consumer, "tsc", ["--noEmit", "-p", "."]));
    expect(typed.code, typed.output).to.equal(0);
    console.log(`      (${timings.join(", ")})`);
  });
});
