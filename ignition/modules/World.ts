/**
 * The local world Evergamma needs and every real network already has: WETH9, a 6-decimal test USDC and Uniswap v3
 * (factory, position manager, swap router) from the npm artifacts, never recompiled. Deployed by the tests and the
 * devnet only; on a real network the parameters file names these contracts instead (`ignition/parameters/`).
 *
 * ```sh
 * npx hardhat ignition deploy ignition/modules/World.ts --network localhost
 * ```
 *
 * @module
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { uniswapV3Artifacts } from "../../deploy/uniswap.js";

/** No token descriptor: only the position manager's `tokenURI` is unusable. */
const NO_TOKEN_DESCRIPTOR = "0x0000000000000000000000000000000000000000";

export default buildModule("EvergammaWorld", (m) => {
  // In this order (nonces 0, 1, 2, …), as the tests' and benchmarks' addresses, hence pool orientations, have been.
  const weth = m.contract("WETH9");
  const usdc = m.contract("TestUSDC", [], { after: [weth] });
  const factory = m.contract("UniswapV3Factory", uniswapV3Artifacts.factory, [], { after: [usdc] });
  const positionManager = m.contract("NonfungiblePositionManager", uniswapV3Artifacts.positionManager, [
    factory,
    weth,
    NO_TOKEN_DESCRIPTOR,
  ]);
  const router = m.contract("SwapRouter", uniswapV3Artifacts.router, [factory, weth]);
  return { weth, usdc, factory, positionManager, router };
});
