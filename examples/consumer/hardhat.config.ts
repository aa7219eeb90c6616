/**
 * A consumer of the evergamma package: Hardhat compiles the package's contracts from node_modules
 * (`npmFilesToBuild`) with the compiler settings they need, and the tests deploy them with `deployEvergamma`.
 */
import { createRequire } from "node:module";

import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin],
  solidity: {
    // Evergamma needs solc 0.8.30 with via-IR and the Cancun EVM (transient storage). The compiler is the
    // npm `solc` package (WASM), so the build works offline; drop `path` to let Hardhat download solc.
    version: "0.8.30",
    path: require.resolve("solc/soljson.js"),
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 2000 },
      viaIR: true,
    },
    // What deployEvergamma() deploys by contract name.
    npmFilesToBuild: [
      "evergamma/contracts/core/Evergamma.sol",
      "evergamma/contracts/periphery/EvergammaLens.sol",
      "evergamma/contracts/tokens/MarketToken.sol",
      "evergamma/contracts/prices/UniswapTwapPrices.sol",
      "evergamma/contracts/pricing/EverlastingOptionPricer.sol",
      "evergamma/contracts/periphery/KeeperHelper.sol",
      "evergamma/contracts/periphery/MarketPoolInitializer.sol",
      "evergamma/contracts/mocks/WETH9.sol",
      "evergamma/contracts/mocks/TestUSDC.sol",
    ],
  },
  paths: { tests: { mocha: "test" } },
});
