/**
 * The coverage gate's arithmetic (scripts/coverage-check.ts): LCOV parsing, statement counting through EDR's
 * instrumenter, and the aggregate over production contracts only.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { addStatementCoverageInstrumentation } from "@nomicfoundation/edr";
import { expect } from "chai";

import {
  isProductionContract,
  parseLcov,
  readExecutedTags,
  statementCoverage,
  summarize,
} from "../../scripts/coverage-check.js";

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

contract Sample {
    uint256 public x;

    function set(uint256 value) external {
        if (value == 0) {
            x = 1;
        } else {
            x = value;
        }
    }
}
`;

function tagsOf(file: string, content: string): string[] {
  const { metadata } = addStatementCoverageInstrumentation(content, `project/${file}`, "0.8.30");
  return metadata.filter((m) => m.kind === "statement").map((m) => Buffer.from(m.tag).toString("hex"));
}

describe("coverage gate (scripts/coverage-check.ts)", function () {
  it("merges several LCOV records of one file line by line", function () {
    const lcov = [
      "TN:",
      "SF:contracts/core/A.sol",
      "DA:1,0",
      "DA:2,3",
      "LH:1",
      "LF:2",
      "end_of_record",
      "SF:contracts/core/A.sol",
      "DA:1,2",
      "DA:3,0",
      "end_of_record",
    ].join("\n");
    expect(parseLcov(lcov)).to.deep.equal([{ file: "contracts/core/A.sol", linesFound: 3, linesHit: 2 }]);
  });

  it("counts a file's statements and the ones whose tags ran", function () {
    const file = "contracts/core/Sample.sol";
    const tags = tagsOf(file, SOURCE);
    expect(tags.length).to.be.greaterThan(2);
    expect(statementCoverage(file, SOURCE, new Set(), "0.8.30")).to.deep.equal({
      statementsFound: tags.length,
      statementsHit: 0,
    });
    expect(statementCoverage(file, SOURCE, new Set(tags.slice(1)), "0.8.30")).to.deep.equal({
      statementsFound: tags.length,
      statementsHit: tags.length - 1,
    });
    // Tags depend on the source name: another file's data does not count.
    expect(
      statementCoverage("contracts/core/Other.sol", SOURCE, new Set(tags), "0.8.30").statementsHit,
    ).to.equal(0);
  });

  it("reads the executed tags of every runner and ignores zero counts", async function () {
    const dir = await mkdtemp(join(tmpdir(), "coverage-check-"));
    try {
      await mkdir(join(dir, "data", "mocha"), { recursive: true });
      await mkdir(join(dir, "data", "solidity"), { recursive: true });
      await writeFile(join(dir, "data", "mocha", "a.json"), JSON.stringify({ aa: 2, bb: 0 }));
      await writeFile(join(dir, "data", "solidity", "b.json"), JSON.stringify({ cc: 1 }));
      expect([...readExecutedTags(dir)].sort()).to.deep.equal(["aa", "cc"]);
      expect(readExecutedTags(join(dir, "missing")).size).to.equal(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("aggregates production contracts only (mocks and test helpers excluded)", function () {
    expect(isProductionContract("contracts/core/Controller.sol")).to.equal(true);
    expect(isProductionContract("project/contracts/libraries/VaultMath.sol")).to.equal(true);
    expect(isProductionContract("contracts/mocks/WETH9.sol")).to.equal(false);
    expect(isProductionContract("test/solidity/Handler.sol")).to.equal(false);
    const { lineRatio, statementRatio, table } = summarize([
      { file: "contracts/core/A.sol", linesFound: 10, linesHit: 9, statementsFound: 20, statementsHit: 20 },
      {
        file: "contracts/libraries/B.sol",
        linesFound: 10,
        linesHit: 10,
        statementsFound: 20,
        statementsHit: 18,
      },
      { file: "contracts/mocks/M.sol", linesFound: 100, linesHit: 0, statementsFound: 100, statementsHit: 0 },
    ]);
    expect(lineRatio).to.equal(19 / 20);
    expect(statementRatio).to.equal(38 / 40);
    expect(table).to.not.contain("mocks");
    expect(table).to.match(/total\s+19\/20\s+95\.0%\s+38\/40\s+95\.0%/);
  });
});
