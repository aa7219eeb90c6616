import { createRequire } from "node:module";

import hardhatIgnitionEthersPlugin from "@nomicfoundation/hardhat-ignition-ethers";
import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import type { HttpNetworkUserConfig } from "hardhat/types/config";

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

/**
 * The build: every contract with 2000 optimizer runs, the engine with ENGINE_OPTIMIZER_RUNS — its code stays within
 * the size budget for new products (≤ 21,500 bytes) for about 1.2k gas per call (bench:gas, docs/spec.md "Measured").
 */
function buildProfile() {
  return {
    compilers: [{ version: SOLC_VERSION, path: solcPath, settings: compilerSettings(2000) }],
    overrides: {
      "contracts/core/Evergamma.sol": {
        version: SOLC_VERSION,
        path: solcPath,
        settings: compilerSettings(ENGINE_OPTIMIZER_RUNS),
      },
    },
  };
}

/** A public network: its RPC URL and the deployer's key are configuration variables, resolved when first used. */
function publicNetwork(chainType: "l1" | "op" | "generic", rpcUrlVariable: string): HttpNetworkUserConfig {
  return {
    type: "http",
    chainType,
    url: configVariable(rpcUrlVariable),
    accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
  };
}

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin, hardhatIgnitionEthersPlugin, buildMessagesPlugin],
  tasks: evergammaTasks,
  solidity: {
    // One build for everything: tests, the devnet and `hardhat ignition deploy` (which builds the production profile)
    // compile the same bytecode.
    profiles: { default: buildProfile(), production: buildProfile() },
    // Chainlink's own mock feed, for the existing-chain rehearsal (scripts/existing-chain/): a package import gets
    // no artifact unless listed here.
    npmFilesToBuild: ["@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol"],
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
  // Public networks read their RPC URL and deployer key from the keystore or the environment only when used
  // (`npx hardhat keystore set SEPOLIA_RPC_URL`, docs/deploy.md); tests and CI never connect to them.
  // `npx hardhat ignition verify evergamma-<chainId> --network <name>` (docs/deploy.md); the key is read only then.
  verify: { etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") } },
  networks: {
    localhost: { type: "http", url: "http://127.0.0.1:8545" },
    sepolia: publicNetwork("l1", "SEPOLIA_RPC_URL"),
    mainnet: publicNetwork("l1", "MAINNET_RPC_URL"),
    arbitrum: publicNetwork("generic", "ARBITRUM_RPC_URL"),
    base: publicNetwork("op", "BASE_RPC_URL"),
  },
});
