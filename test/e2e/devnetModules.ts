/**
 * Fast checks of the devnet's and the tasks' pure helpers: flag parsing, the seeded price path, the keeper
 * log condenser and the tasks' amount parsing and formatting.
 */
import path from "node:path";

import { expect } from "chai";
import { parseEther } from "ethers";

import { DevnetArgsError, parseDevnetArgs } from "../../scripts/devnet/args.js";
import { formatKeeperLine } from "../../scripts/devnet/keeper.js";
import { gbmPath, mulberry32, normals } from "../../scripts/devnet/simulate.js";
import { StatusLog, type MarketStatus } from "../../scripts/devnet/status.js";
import { parseAmount, TaskInputError } from "../../tasks/context.js";
import { duration, exact, fixed, percent } from "../../tasks/format.js";

describe("devnet and task helpers", function () {
  const root = path.join("project");

  it("parses the devnet's flags with their defaults", function () {
    const o = parseDevnetArgs([], root);
    expect(o).to.include({ port: 8545, hostname: "127.0.0.1", interval: 5, keeper: true, simulate: false });
    expect(o).to.include({ seed: 1, steps: 48, vol: 0.8, dt: 3600, targetVol: 0.8, keepRunning: false });
    expect(path.basename(o.deploymentFile)).to.equal("localhost.json");
    const s = parseDevnetArgs(
      [
        "--port",
        "9000",
        "--simulate",
        "--seed",
        "7",
        "--steps",
        "10",
        "--vol",
        "1.2",
        "--dt",
        "60",
        "--no-keeper",
      ],
      root,
    );
    expect(s).to.include({ port: 9000, simulate: true, seed: 7, steps: 10, vol: 1.2, dt: 60, keeper: false });
  });

  it("rejects bad devnet flags with a message naming the flag", function () {
    const bad: [string[], RegExp][] = [
      [["--port", "70000"], /--port must be a port number/],
      [["--steps", "0"], /--steps must be a whole number/],
      [["--vol", "0"], /--vol must be a volatility/],
      [["--dt", "1.5"], /--dt must be a whole number of seconds/],
      [["--bogus"], /Unknown option '--bogus'/],
      [["extra"], /unexpected argument "extra"/],
      [["--keep-running"], /--keep-running only applies to --simulate/],
      // A negative number is the flag's value, checked like any other (not Node's "argument is ambiguous").
      [["--steps", "-1"], /^--steps must be a whole number of steps ≥ 1 \(at most 100000\), got "-1"$/],
      [["--interval", "-1"], /^--interval must be a number of seconds > 0, got "-1"$/],
      [["--heartbeat", "-0.5"], /^--heartbeat must be a number of seconds > 0, got "-0.5"$/],
      [["--step-delay", "-5"], /^--step-delay must be milliseconds ≥ 0 \(at most 60000\), got "-5"$/],
      [["--port", "-8545"], /^--port must be a port number/],
      [["--seed", "-.5"], /^--seed must be an integer ≥ 0/],
      [["--vol", "-1", "--simulate"], /^--vol must be a volatility > 0/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseDevnetArgs(argv, root), argv.join(" "))
        .to.throw(DevnetArgsError)
        .with.property("message")
        .that.matches(message);
    }
  });

  it("prints a status line when the market changes, and an unchanged one only as a heartbeat", function () {
    const base: MarketStatus = {
      market: "ETH2",
      ethPrice: parseEther("3000"),
      indexLabel: "index",
      index: parseEther("900"),
      mark: parseEther("928"),
      normalizationFactor: parseEther("0.99999"),
      fundingRatePerDay: parseEther("0.00176"),
      impliedVolatility: parseEther("0.8"),
      vaults: 3n,
      unsafeVaults: 0,
      liquidations: 0,
      status: "active",
    };
    const log = new StatusLog(60_000);
    expect(log.shouldPrint(base, 0)).to.equal(true); // the first reading
    expect(log.shouldPrint(base, 5_000)).to.equal(false);
    // NF drifts with chain time while nothing happens: not a change.
    expect(log.shouldPrint({ ...base, normalizationFactor: parseEther("0.99998") }, 10_000)).to.equal(false);
    expect(log.shouldPrint({ ...base, unsafeVaults: 1 }, 15_000)).to.equal(true);
    expect(log.shouldPrint({ ...base, unsafeVaults: 1 }, 20_000)).to.equal(false);
    expect(log.shouldPrint(base, 25_000)).to.equal(true); // back to the old reading: a change too
    expect(log.shouldPrint({ ...base, ethPrice: parseEther("3001") }, 30_000)).to.equal(true);
    expect(log.shouldPrint({ ...base, ethPrice: parseEther("3001") }, 89_999)).to.equal(false);
    expect(log.shouldPrint({ ...base, ethPrice: parseEther("3001") }, 90_000)).to.equal(true); // heartbeat
    expect(log.shouldPrint({ ...base, ethPrice: parseEther("3001") }, 95_000)).to.equal(false);
    // Each market has its own last line and heartbeat: another market's first reading is printed, and does not
    // make the first market's unchanged reading new.
    const other: MarketStatus = { ...base, market: "ETH1", ethPrice: parseEther("3001") };
    expect(log.shouldPrint(other, 96_000)).to.equal(true);
    expect(log.shouldPrint(other, 97_000)).to.equal(false);
    expect(log.shouldPrint({ ...base, ethPrice: parseEther("3001") }, 98_000)).to.equal(false);
    // Every 5 s for 16 minutes without a change: 1 line and a heartbeat a minute, not 192 lines.
    const quiet = new StatusLog(60_000);
    let printed = 0;
    for (let t = 0; t < 16 * 60_000; t += 5_000) if (quiet.shouldPrint(base, t)) printed++;
    expect(printed).to.equal(16);
  });

  it("draws the same price path for the same seed, with the volatility asked for", function () {
    expect(gbmPath(3000, 0.8, 3600, 5, 42)).to.deep.equal(gbmPath(3000, 0.8, 3600, 5, 42));
    expect(gbmPath(3000, 0.8, 3600, 5, 42)).to.not.deep.equal(gbmPath(3000, 0.8, 3600, 5, 43));
    const z = normals(mulberry32(1));
    const draws = Array.from({ length: 20_000 }, () => z());
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).to.be.lessThan(0.03);
    expect(Math.abs(variance - 1)).to.be.lessThan(0.05);
    const path = gbmPath(3000, 0.8, 86_400, 2000, 3);
    const logReturns = path.map((s, i) => Math.log(s / (i === 0 ? 3000 : path[i - 1])));
    const sd = Math.sqrt(logReturns.reduce((a, r) => a + r * r, 0) / logReturns.length);
    expect(Math.abs(sd * Math.sqrt(365) - 0.8)).to.be.lessThan(0.05);
  });

  it("condenses the keeper's JSON events and hides routine ticks", function () {
    const tick = { event: "tick", level: "info", liquidationsSent: 0, block: "9" };
    expect(formatKeeperLine(JSON.stringify(tick))).to.equal(undefined);
    expect(
      formatKeeperLine(
        JSON.stringify({
          event: "liquidation",
          level: "info",
          vaultId: "4",
          status: "confirmed",
          debtRepaid: "5000000000000000000",
          collateralPaid: "1500000000000000000",
        }),
      ),
    ).to.equal("liquidation of vault 4 confirmed: repaid 5 tokens, received 1.5 ETH");
    expect(
      formatKeeperLine(JSON.stringify({ event: "funding", level: "warn", status: "failed", reason: "x" })),
    ).to.equal("warn: funding failed (x)");
    expect(formatKeeperLine("keeper: not JSON")).to.equal("keeper: not JSON");
  });

  it("parses task amounts strictly and formats them exactly", function () {
    expect(parseAmount("amount", "1.5")).to.equal(parseEther("1.5"));
    expect(parseAmount("amount", ".25")).to.equal(parseEther("0.25"));
    expect(parseAmount("amount", "0", true)).to.equal(0n);
    for (const text of ["", "-1", "1e3", "abc", "0", "1.0000000000000000001", "1,5"]) {
      expect(() => parseAmount("amount", text), text).to.throw(TaskInputError);
    }
    expect(exact(parseEther("10"))).to.equal("10");
    expect(exact(parseEther("0.000001"))).to.equal("0.000001");
    expect(fixed(parseEther("3000.005"))).to.equal("3,000.01");
    expect(fixed(-parseEther("1234.5"), 1)).to.equal("-1,234.5");
    expect(percent(parseEther("1.5"))).to.equal("150.00%");
    expect(duration(90_061n)).to.equal("1d 1h 1m 1s");
  });
});
