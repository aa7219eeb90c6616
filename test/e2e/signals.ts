/**
 * Signals, tested the way a supervisor sends them: each command a user starts (`./evergamma devnet`,
 * `npm run devnet`, `./evergamma keeper`, `npm run keeper`) runs detached (a process group of its own, so no
 * terminal's group signal helps), gets SIGTERM to its own PID alone, and must leave no process of its tree
 * behind (node, keeper, shell, npm) and, for the devnet, its port free.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { allGone, Background, childEnv, descendants, freePort, isPortFree, PROJECT_ROOT } from "./helpers.js";

const FRONT_DOOR = path.join(PROJECT_ROOT, "evergamma");

/** The npm CLI that runs these tests (`npm_execpath`) under this Node, or `npm` from the PATH. */
function npmCommand(args: string[]): [string, string[]] {
  const execPath = process.env.npm_execpath;
  return execPath !== undefined && /npm-cli\.js$/.test(execPath)
    ? [process.execPath, [execPath, ...args]]
    : ["npm", args];
}

describe("signals (e2e)", function () {
  this.timeout(240_000);

  let dir: string;
  const started: Background[] = [];
  const trees: number[] = [];

  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), "evergamma-signals-"));
  });

  after(function () {
    for (const pid of [...trees, ...started.map((b) => b.pid)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `command` detached, waits for `ready`, then SIGTERMs its PID alone and checks the whole tree ends. */
  async function terminates(command: [string, string[]], ready: RegExp, port?: number): Promise<void> {
    const b = new Background(command[0], command[1], {
      env: childEnv({ EVERGAMMA_DEPLOYMENTS_DIR: dir }),
      detached: true,
    });
    started.push(b);
    await b.waitFor(ready, 180_000);
    const tree = descendants(b.pid);
    trees.push(...tree);
    process.kill(b.pid, "SIGTERM");
    const exit = await Promise.race([
      b.exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000)),
    ]);
    expect(exit, `pid ${b.pid} did not exit on SIGTERM:\n${b.output}`).to.not.equal(undefined);
    expect(await allGone(tree), `left behind after SIGTERM:\n${b.output}`).to.deep.equal([]);
    if (port !== undefined) expect(await isPortFree(port), `port ${port} still taken`).to.equal(true);
  }

  for (const [name, command] of [
    ["./evergamma devnet", (port: string) => ["bash", [FRONT_DOOR, "devnet", "--port", port]]],
    ["npm run devnet", (port: string) => npmCommand(["run", "devnet", "--", "--port", port])],
  ] as [string, (port: string) => [string, string[]]][]) {
    it(`${name}: SIGTERM to its PID stops the node and the keeper and frees the port`, async function () {
      const port = await freePort();
      await terminates(command(String(port)), /^\[keeper\] started/m, port);
    });
  }

  describe("the keeper", function () {
    let devnet: Background;
    let rpcUrl: string;

    before(async function () {
      const port = await freePort();
      rpcUrl = `http://127.0.0.1:${port}`;
      devnet = new Background(
        process.execPath,
        ["--import", "tsx", path.join("scripts", "devnet.ts"), "--port", String(port), "--no-keeper"],
        { env: childEnv({ EVERGAMMA_DEPLOYMENTS_DIR: dir }) },
      );
      started.push(devnet);
      await devnet.waitFor(/^Ready\./m, 180_000);
    });

    after(async function () {
      const tree = descendants(devnet.pid);
      devnet.child.kill("SIGTERM");
      await devnet.exited;
      await allGone(tree);
    });

    for (const [name, command] of [
      ["./evergamma keeper", (args: string[]) => ["bash", [FRONT_DOOR, "keeper", ...args]]],
      ["npm run keeper", (args: string[]) => npmCommand(["run", "keeper", "--", ...args])],
    ] as [string, (args: string[]) => [string, string[]]][]) {
      it(`${name}: SIGTERM to its PID stops the keeper`, async function () {
        const args = ["--rpc", rpcUrl, "--deployment", path.join(dir, "localhost.json"), "--interval", "1s"];
        await terminates(command(args), /"event":"start"|^started/m);
      });
    }
  });
});
