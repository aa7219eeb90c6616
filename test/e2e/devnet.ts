/**
 * End-to-end tests of the devnet (`scripts/devnet.ts`, run as `node --import tsx scripts/devnet.ts` like
 * `npm run devnet` does after building): it starts a node, deploys four markets side by side (ETH² as market 0,
 * ETH¹ as market 1, a 3500 call and a 2500 put as markets 2 and 3), writes a valid deployment file, prints a status line per market and stops cleanly on
 * SIGTERM, leaving no process behind and the port free.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { parseDeployment, REQUIRED_CONTRACTS } from "../../scripts/lib/deploymentFile.js";
import { allGone, Background, childEnv, descendants, freePort, isPortFree, rpc, run } from "./helpers.js";
import { expectNear } from "../utils/near.js";

const DEVNET = path.join("scripts", "devnet.ts");

/** Starts the devnet with `args`, writing its deployment file into `dir`. */
function devnet(args: string[], dir: string): Background {
  return new Background(process.execPath, ["--import", "tsx", DEVNET, ...args], {
    env: childEnv({ EVERGAMMA_DEPLOYMENTS_DIR: dir }),
  });
}

describe("devnet (e2e)", function () {
  this.timeout(120_000);

  let dir: string;
  const started: Background[] = [];

  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), "evergamma-devnet-"));
  });

  after(async function () {
    for (const b of started) {
      for (const pid of b.running ? descendants(b.pid) : []) process.kill(pid, "SIGKILL");
      b.kill();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts, writes a valid deployment file, prints status lines and stops cleanly on SIGTERM", async function () {
    const port = await freePort();
    const d = devnet(["--port", String(port), "--interval", "1"], dir);
    started.push(d);
    await d.waitFor(/^Ready\./m);
    await d.waitFor(
      /^\[\d\d:\d\d:\d\d\] ETH2 \| ETH \$[\d,]+\.\d\d \| index [\d,.]+ \| mark [\d,.]+ \| NF [\d.]+ \| funding\/day -?[\d.]+% \| IV [\d.]+% \| vaults 3 \| unsafe 0 \| liquidations 0$/m,
    );
    // ETH¹: index = S / 1, so the index is the ETH price; only its seed vault.
    const [, eth, index] = await d.waitFor(
      /^\[\d\d:\d\d:\d\d\] ETH1 \| ETH (\$[\d,]+\.\d\d) \| index ([\d,.]+) \| mark [\d,.]+ \| NF [\d.]+ \| funding\/day -?[\d.]+% \| IV [^|]+ \| vaults 2 \| unsafe 0 \| liquidations 0$/m,
    );
    expect(`$${index}`).to.equal(eth);
    // The options, both out of the money at ETH = 3000: payoff 0, a positive mark and implied volatility; the seed
    // and keeper-stock vaults.
    for (const name of ["C3500", "P2500"]) {
      await d.waitFor(
        new RegExp(
          `^\\[\\d\\d:\\d\\d:\\d\\d\\] ${name} \\| ETH \\$[\\d,]+\\.\\d\\d \\| payoff 0\\.00 \\| mark [1-9][\\d,.]+ \\| NF [\\d.]+ \\| funding\\/day [\\d.]+% \\| IV [\\d.]+% \\| vaults 2 \\| unsafe 0 \\| liquidations 0$`,
          "m",
        ),
      );
    }

    const file = path.join(dir, "localhost.json");
    const deployment = parseDeployment(JSON.parse(readFileSync(file, "utf8")), file);
    const url = `http://127.0.0.1:${port}`;
    expect(deployment.chainId).to.equal(31337);
    expect(deployment.rpcUrl).to.equal(url);
    for (const name of [...REQUIRED_CONTRACTS, "EverlastingOptionPricer", "KeeperHelper"]) {
      const address = deployment.contracts[name];
      expect(address, name).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(await rpc(url, "eth_getCode", [address, "latest"]), name).to.not.equal("0x");
    }
    expect(await rpc(url, "eth_chainId")).to.equal("0x7a69");
    const markets = Object.values(deployment.markets).sort((a, b) => a.id - b.id);
    expect(
      markets.map((m) => [m.id, m.name, m.params.power, m.params.indexScale, m.params.kind]),
    ).to.deep.equal([
      [0, "ETH2", 2, "10000", undefined],
      [1, "ETH1", 1, "1", undefined],
      [2, "C3500", 0, "1", "call"],
      [3, "P2500", 0, "1", "put"],
    ]);
    for (const m of markets) {
      for (const field of ["token", "pool", "priceSource"] as const) {
        expect(await rpc(url, "eth_getCode", [m[field], "latest"]), `${m.name} ${field}`).to.not.equal("0x");
      }
    }
    expect(new Set(markets.map((m) => m.pool)).size).to.equal(4);
    expect(d.output).to.match(
      /Demo vault 2 \(account #1 0x[0-9a-fA-F]{40}\): 10 ETH, 15 eSQTH, ratio [\d.]+%/,
    );

    // The printed next step works as printed (through the front door, with its Node 22).
    const [, hint] = await d.waitFor(/^Ready\. Try: (\.\/evergamma hardhat [^\n]*?) {3}\(Ctrl-C to stop\)$/m);
    const tried = await run("bash", ["-c", hint], {
      env: childEnv({ EVERGAMMA_DEPLOYMENTS_DIR: dir }),
      timeoutMs: 120_000,
    });
    expect(tried.code, tried.stdout + tried.stderr).to.equal(0);
    expect(tried.stdout).to.match(/vault 2/i);

    await d.waitFor(
      /^\[keeper\] started: account 0x[0-9a-fA-F]{40}, tokens: 100 ETH2, 100 ETH1, 100 C3500, 100 P2500$/m,
    );
    const children = descendants(d.pid);
    expect(children.length, d.output).to.be.at.least(2); // the node and the keeper
    d.child.kill("SIGTERM");
    const exit = await d.exited;
    expect(exit.code, d.output).to.equal(0);
    expect(d.output).to.match(/SIGTERM: stopping the devnet/);
    expect(d.output).to.match(/^\[keeper\] stopped$/m);
    expect(d.output).to.match(/Devnet stopped\.\s*$/);
    expect(await allGone(children), "children still alive").to.deep.equal([]);
    expect(await isPortFree(port)).to.equal(true);
  });

  it("--simulate runs the price path with the arbitrage bot and ends with a summary", async function () {
    const port = await freePort();
    const d = devnet(
      [
        "--port",
        String(port),
        "--simulate",
        "--steps",
        "4",
        "--dt",
        "7200",
        "--step-delay",
        "0",
        "--no-keeper",
      ],
      dir,
    );
    started.push(d);
    const exit = await d.exited;
    expect(exit.code, d.output).to.equal(0);
    expect(d.output).to.match(/^Ready\. Try: \.\/evergamma hardhat vault:status --id 2 --network localhost/m);
    expect(d.output).to.match(
      /Simulation: 4 steps of 7200 s, ETH vol 0\.8, target implied vol 0\.8, seed 1, markets 0 \(ETH2\), 1 \(ETH1\), 2 \(C3500\), 3 \(P2500\)/,
    );
    // One line a step, with every market's index (an option's payoff), mark, fair mark and NF.
    expect(
      d.output.match(
        /^ {2}step [1-4]\/4 {2}spot \$[\d,.]+ {2}ETH2: index .* {2}ETH1: index .* {2}C3500: index .* {2}P2500: index .* {2}unsafe \d+/gm,
      ) ?? [],
    ).to.have.length(4);
    // Per market: tracking error of mark against fair value, NF, and funding paid against a mark at fair value.
    const summary = (market: string, product: string) => {
      const block = new RegExp(
        `market \\d \\(${market}, ${product}\\)\\n` +
          `\\s+tracking error\\s+rms ([\\d.]+)%, max ([\\d.]+)%, mean (-?[\\d.]+)% \\(mark / fair − 1\\)\\n` +
          `\\s+NF\\s+([\\d.]+) -> ([\\d.]+) = (-?[\\d.]+)%\\n` +
          `\\s+funding paid\\s+(.*)\\n` +
          `\\s+arbitrage\\s+\\d+ trades, [\\d.]+ ETH, \\d+ capital-limited\\n` +
          `\\s+liquidations, bad debt\\s+\\d+, [\\d.]+ tokens`,
      ).exec(d.output);
      expect(block, d.output).to.not.equal(null);
      const m = block as RegExpExecArray;
      return { rms: Number(m[1]), nfChange: Number(m[6]), funding: m[7] };
    };
    // ETH²: eight hours at 80% implied volatility: NF falls by ~0.058%; the honest arbitrageur keeps the mark within
    // its fee band, so the funding paid is near what a mark at fair value pays.
    const eth2 = summary("ETH2", "power 2");
    expect(eth2.rms).to.be.lessThan(2);
    const [, paid, expected, ratio] =
      /^(-?[\d.]+)% of NF vs (-?[\d.]+)% at the fair mark \(n\(n−1\)σ\*²\/2 · t\), ratio ([\d.]+)$/.exec(
        eth2.funding,
      ) ?? [];
    expectNear(Number(expected), 0.058, 0.002);
    expect(Number(paid)).to.be.greaterThan(0);
    expect(Number(ratio)).to.be.within(0.5, 1.5);
    // ETH¹ (the exchanges' rule): no convexity, no premium at fair value, so the resting rate I = 0.01% per 8 hours is
    // expected over the 8 hours; the noise trader's pushes inside the arbitrageur's fee band move the premium by
    // tenths of a percent, so what is paid differs, but NF barely moves.
    const eth1 = summary("ETH1", "power 1");
    expect(Math.abs(eth1.nfChange)).to.be.lessThan(0.5);
    expect(eth1.rms).to.be.lessThan(2);
    expect(eth1.funding).to.match(/ of NF vs 0\.0100% at the fair mark \(the exchanges' F · t\/T\)/);
    // The options: funding paid per unit of claim equals W/T within a few percent; NF falls (longs pay).
    for (const [name, product] of [
      ["C3500", "call 3500"],
      ["P2500", "put 2500"],
    ]) {
      const option = summary(name, product);
      expect(option.rms, name).to.be.lessThan(3);
      expect(option.nfChange, name).to.be.lessThan(0);
      const [, r] =
        /^\$[\d.]+ per unit of claim vs W\/T \$[\d.]+, ratio ([\d.]+)$/.exec(option.funding) ?? [];
      expect(Number(r), name).to.be.within(0.9, 1.1);
    }
    expect(d.output).to.match(/^ {2}liquidations\s+\d+$/m);
    expect(await isPortFree(port)).to.equal(true);
  });

  it("rejects bad flags with the usage and exit code 2", async function () {
    const r = await run(process.execPath, ["--import", "tsx", DEVNET, "--port", "abc"], {
      env: childEnv({ EVERGAMMA_DEPLOYMENTS_DIR: dir }),
    });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--port must be a port number/);
    expect(r.stderr).to.match(/Usage: \.\/evergamma devnet/);
  });

  it("fails clearly when the port is taken, leaving nothing behind", async function () {
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      }),
    );
    try {
      const d = devnet(["--port", String(port)], dir);
      started.push(d);
      const exit = await d.exited;
      expect(exit.code).to.equal(1);
      expect(d.output).to.match(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(d.output).to.not.match(/node http:/); // no node was started
      expect(d.output).to.not.match(/^\s+at /m); // the message alone, no stack trace
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
