import { createRequire } from "node:module";

import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

import { buildMessagesPlugin } from "./scripts/lib/buildMessages.js";
import { evergammaTasks } from "./tasks/index.js";

const require = createRequire(import.meta.url);

/** The compiler comes from the npm `solc` package (WASM), never from a download. */
const SOLC_VERSION = "0.8.30";
const solcPath = require.resolve("solc/soljson.js");

/** Optimizer runs of the engine (every other contract: 2000). */
const ENGINE_OPTIMIZER_RUNS = 200;

/** The compiler settings shared by every contract, with `runs` optimizer runs. */
function compilerSettings(runs: number) {
  return { evmVersion: "cancun", optimizer: { enabled: true, runs }, viaIR: true };
}

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin, buildMessagesPlugin],
  tasks: evergammaTasks,
  solidity: {
    compilers: [{ version: SOLC_VERSION, path: solcPath, settings: compilerSettings(2000) }],
    // The engine is optimised for fewer runs: its code stays within the size budget for new products (≤ 21,500
    // bytes) for about 1.2k gas per call (bench:gas, docs/spec.md "Measured").
    overrides: {
      "contracts/core/Evergamma.sol": {
        version: SOLC_VERSION,
        path: solcPath,
        settings: compilerSettings(ENGINE_OPTIMIZER_RUNS),
      },
    },
    npmFilesToBuild: [],
  },
  paths: {
    tests: { mocha: "test", solidity: "test/solidity" },
  },
  test: {
    solidity: {
      profiles: {
        // CI: fixed seed, 256 fuzz runs, 256 invariant runs of depth 50.
        default: {
          fuzz: { runs: 256, seed: "0x45564552" },
          invariant: { runs: 256, depth: 50, failOnRevert: true },
        },
        // `npm run test:deep`: the long campaign.
        deep: {
          fuzz: { runs: 10_000, seed: "0x45564552" },
          invariant: { runs: 2_000, depth: 100, failOnRevert: true },
        },
      },
    },
  },
  networks: {
    localhost: { type: "http", url: "http://127.0.0.1:8545" },
  },
});
