/** The contract-size gate of `bench:size`: which contracts fail CI. */
import { expect } from "chai";

import {
  contractSizes,
  INIT_SIZE_LIMIT_BYTES,
  oversized,
  RUNTIME_SIZE_LIMIT_BYTES,
  type ContractSize,
} from "../../scripts/bench/size.js";

function size(contract: string, runtimeBytes: number, initBytes: number, mock = false): ContractSize {
  return {
    contract,
    runtimeBytes,
    initBytes,
    runtimeMarginBytes: RUNTIME_SIZE_LIMIT_BYTES - runtimeBytes,
    mock,
  };
}

describe("bench:size gate", function () {
  it("fails a protocol contract one byte over either limit, never a mock, and passes one at the limit", function () {
    const sizes = [
      size("core/AtLimit", RUNTIME_SIZE_LIMIT_BYTES, INIT_SIZE_LIMIT_BYTES),
      size("core/RuntimeOver", RUNTIME_SIZE_LIMIT_BYTES + 1, 30_000),
      size("core/InitOver", 20_000, INIT_SIZE_LIMIT_BYTES + 1),
      size("mocks/Big", RUNTIME_SIZE_LIMIT_BYTES + 1_000, INIT_SIZE_LIMIT_BYTES + 1_000, true),
    ];
    expect(oversized(sizes).map((s) => s.contract)).to.deep.equal(["core/RuntimeOver", "core/InitOver"]);
  });

  it("reads every built contract from the artifacts, with the mocks marked", async function () {
    // Sizes are not asserted here: the coverage run instruments the artifacts (the CI step gates the real build).
    const sizes = await contractSizes();
    expect(sizes.find((s) => s.contract === "core/Evergamma")?.mock).to.equal(false);
    expect(sizes.find((s) => s.contract === "mocks/WETH9")?.mock).to.equal(true);
    for (const s of sizes) expect(s.runtimeMarginBytes).to.equal(RUNTIME_SIZE_LIMIT_BYTES - s.runtimeBytes);
  });
});
