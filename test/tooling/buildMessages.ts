/**
 * The build plugin's messages (`scripts/lib/buildMessages.ts`): which compiler warning a quiet build leaves
 * out, and the line a compiling build prints first.
 */
import { expect } from "chai";
import type { CompilerOutputError } from "hardhat/types/solidity";

import { compilingLine, isKnownWarning } from "../../scripts/lib/buildMessages.js";

const TRANSIENT =
  "Transient storage as defined by EIP-1153 can break the composability of smart contracts: Since transient " +
  "storage is cleared only at the end of the transaction ...";

function warning(message: string, file: string, severity: CompilerOutputError["severity"] = "warning") {
  return {
    type: "Warning",
    component: "general",
    severity,
    message,
    formattedMessage: `Warning: ${message}\n  --> ${file}:74:13:\n`,
  };
}

describe("build messages", function () {
  it("leaves out only OpenZeppelin's transient-storage warning", function () {
    expect(
      isKnownWarning(warning(TRANSIENT, "npm/@openzeppelin/contracts@5.7.0/utils/TransientSlot.sol")),
    ).to.equal(true);
    // The same warning on the project's own sources, other warnings and errors are kept.
    expect(isKnownWarning(warning(TRANSIENT, "contracts/core/Controller.sol"))).to.equal(false);
    expect(
      isKnownWarning(
        warning("Unused local variable.", "npm/@openzeppelin/contracts@5.7.0/utils/TransientSlot.sol"),
      ),
    ).to.equal(false);
    expect(
      isKnownWarning(
        warning(TRANSIENT, "npm/@openzeppelin/contracts@5.7.0/utils/TransientSlot.sol", "error"),
      ),
    ).to.equal(false);
  });

  it("says what a build compiles and that the first one takes minutes", function () {
    expect(compilingLine(42, ["0.8.30"])).to.equal(
      "Compiling 42 Solidity files with solc 0.8.30 (via-IR): a first build takes a few minutes, once; " +
        "later builds compile only what changed.",
    );
    expect(compilingLine(1, ["0.8.30"])).to.match(/^Compiling 1 Solidity file with/);
  });
});
