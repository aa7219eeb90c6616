/**
 * The front door's commands (`./evergamma`): an unknown command prints what it accepts and exits with code 2;
 * `hardhat` runs a Hardhat task with the front door's Node.
 */
import path from "node:path";

import { expect } from "chai";

import { childEnv, PROJECT_ROOT, run } from "./helpers.js";

const FRONT_DOOR = path.join(PROJECT_ROOT, "evergamma");

describe("front door (e2e)", function () {
  this.timeout(120_000);

  it("prints the accepted commands for an unknown one and exits with code 2", async function () {
    const r = await run("bash", [FRONT_DOOR, "vault:status"], { env: childEnv() });
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.match(/^\.\/evergamma: unknown command "vault:status"$/m);
    for (const accepted of [/^ {2}devnet \[flags\]/m, /^ {2}hardhat <task>/m, /^ {2}keeper \[flags\]/m]) {
      expect(r.stderr).to.match(accepted);
    }
    expect(r.stderr).to.match(/an npm script of package\.json: devnet, simulate, existing-chain, test, /);
  });

  it("runs a Hardhat task with ./evergamma hardhat", async function () {
    const r = await run("bash", [FRONT_DOOR, "hardhat", "--version"], { env: childEnv() });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(/^3\.\d+\.\d+$/);
  });
});
