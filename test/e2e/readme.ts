/**
 * The README's TypeScript example, run as the README says (its `sh` block after the example, through the
 * front door): it prints `false` (the vault is unsafe after the price move) and compiles nothing, so it takes
 * seconds, not the minutes of a build with every Solidity test suite.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

import { childEnv, PROJECT_ROOT, run } from "./helpers.js";

/** The fenced blocks of `language` in the README section that starts with `heading`. */
function readmeBlocks(heading: string, language: string): string[] {
  const readme = readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, heading).to.be.greaterThan(-1);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
}

describe("README example (e2e)", function () {
  this.timeout(600_000);

  const file = path.join(PROJECT_ROOT, `readme-example-${process.pid}.ts`);

  after(function () {
    rmSync(file, { force: true });
  });

  it("runs the TypeScript example with the documented commands, compiling nothing", async function () {
    const [example] = readmeBlocks("## Using Evergamma from TypeScript", "ts");
    const [commands] = readmeBlocks("## Using Evergamma from TypeScript", "sh");
    expect(commands, "the README says how to run the example").to.be.a("string");
    writeFileSync(file, example);
    const lines = commands
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line !== "");
    expect(lines).to.have.length(2);
    expect(lines[0]).to.equal("./evergamma hardhat build --no-tests");
    expect(lines[1]).to.equal("./evergamma hardhat run --no-compile example.ts");
    const built = await run("bash", ["-c", lines[0]], { env: childEnv(), timeoutMs: 600_000 });
    expect(built.code, built.stdout + built.stderr).to.equal(0);
    const start = Date.now();
    const ran = await run("bash", ["-c", lines[1].replace("example.ts", path.basename(file))], {
      env: childEnv(),
      timeoutMs: 120_000,
    });
    expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
    expect(ran.stdout.trim().split("\n").at(-1)).to.equal("false");
    expect(ran.stdout + ran.stderr).to.not.match(/Compiling/);
    console.log(`      (the example ran in ${((Date.now() - start) / 1000).toFixed(1)} s)`);
  });
});
