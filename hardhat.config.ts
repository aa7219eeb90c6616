import { createRequire } from "node:module";

import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

import { buildMessagesPlugin } from "./scripts/lib/buildMessages.js";
import { evergammaTasks } from "./tasks/index.js";

const require = createRequire(import.meta.url);

/** The compiler comes from the npm `solc` package (WASM), never from a download. */
const SOLC_VERSION = "0.8.30";
const solcPath = require.resolve("solc/soljson.js");

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin, buildMessagesPlugin],
  tasks: evergammaTasks,
  solidity: {
    version: SOLC_VERSION,
    path: solcPath,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 2000 },
      viaIR: true,
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
    // An estimate made in a block whose funding is already applied misses the next block's funding update (two
    // pool reads, and Uniswap's observation search when a pool traded inside the window: up to ~70k gas on a ~90k
    // call). Twice the estimate covers it; unused gas is not charged.
    localhost: { type: "http", url: "http://127.0.0.1:8545", gasMultiplier: 2 },
  },
});
