/**
 * The tasks' message helpers: money in ETH and tokens (never wei), the implied-volatility text shared with the
 * devnet status line, range checks of negative numbers, transaction lines and funding-history rates.
 */
import { expect } from "chai";
import { parseEther } from "ethers";

import { formatStatus, type MarketStatus } from "../../scripts/devnet/status.js";
import {
  messageOf,
  parseAmount,
  parseWholeNumber,
  rejectNegative,
  TaskInputError,
  transactionLine,
} from "../../tasks/context.js";
import { impliedVolatilityText, money, moneyAmount, shortAddress } from "../../tasks/format.js";
import { impliedRatePerDay } from "../../tasks/history.js";

describe("task message helpers", function () {
  it("money shows ETH and token amounts with separators, exact to the cent or truncated", function () {
    expect(money(8_791_703_203_708_648_588_064n, "ETH")).to.equal("8,791.70 ETH");
    expect(money(parseEther("100000"), "ETH")).to.equal("100,000 ETH");
    expect(money(parseEther("12.5"), "eSQTH")).to.equal("12.5 eSQTH");
    expect(money(0n, "ETH")).to.equal("0 ETH");
    expect(money(parseEther("0.000123456"), "ETH")).to.equal("0.0001234 ETH");
    expect(money(parseEther("0.1"), "ETH")).to.equal("0.1 ETH");
    // Truncated, never rounded up: a balance just short of 2 never reads as 2.
    expect(moneyAmount(parseEther("1.999999"))).to.equal("1.99");
    expect(moneyAmount(-parseEther("1234.5"))).to.equal("-1,234.5");
  });

  it("the provider's wei message about funds becomes ETH", function () {
    const provider = new Error(
      "Sender doesn't have enough funds to send tx. The max upfront cost is: 100000000091745854542144 " +
        "and the sender's balance is: 8791703203708648588064",
    );
    expect(messageOf(provider)).to.equal(
      "the account has 8,791.70 ETH; this needs 100,000.00 ETH (with gas)",
    );
  });

  it("shortAddress and transactionLine", function () {
    expect(shortAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")).to.equal("0xf39F…2266");
    expect(transactionLine("deposit", { hash: "0xabc", gasUsed: 52_345n })).to.equal(
      "tx deposit 0xabc (gas used 52,345)",
    );
  });

  it("implied volatility reads n/a when mark ≤ index, in the tasks and the devnet status line", function () {
    const index = parseEther("900");
    expect(impliedVolatilityText(parseEther("0.8"), parseEther("928"), index)).to.equal("80.00%");
    expect(impliedVolatilityText(0n, parseEther("540"), index)).to.equal("n/a (mark below index)");
    expect(impliedVolatilityText(0n, index, index)).to.equal("n/a (mark below index)");
    const status: MarketStatus = {
      market: "ETH2",
      ethPrice: parseEther("4600"),
      indexLabel: "index",
      index,
      mark: parseEther("540"),
      normalizationFactor: parseEther("1"),
      fundingRatePerDay: 0n,
      impliedVolatility: 0n,
      vaults: 1n,
      unsafeVaults: 0,
      liquidations: 0,
      status: "active",
    };
    expect(formatStatus(status)).to.match(/^ETH2 \| ETH \$4,600\.00 \| /);
    // An active market's line ends with its liquidations; any other status is named at the end.
    expect(formatStatus(status)).to.match(/\| liquidations 0$/);
    expect(formatStatus({ ...status, status: "safe mode" })).to.match(/\| liquidations 0 \| safe mode$/);
    expect(formatStatus({ ...status, status: "paused" })).to.match(/\| paused$/);
    expect(formatStatus(status)).to.include("| IV n/a (mark below index) |");
    expect(
      formatStatus({ ...status, mark: parseEther("928"), impliedVolatility: parseEther("0.8") }),
    ).to.include("| IV 80.00% |");
    // An option market shows its payoff where a power market shows its index.
    const call = { ...status, market: "C3500", indexLabel: "payoff" as const, index: 0n };
    expect(formatStatus(call)).to.match(/^C3500 \| ETH \$4,600\.00 \| payoff 0\.00 \| mark 540\.00 \| /);
  });

  it("negative numbers get the range message, not a parse error", function () {
    const cases: [() => unknown, string][] = [
      [() => parseAmount("collateral", "-1", true), '--collateral must be ≥ 0, got "-1"'],
      [() => parseAmount("amount", "-0.5"), '--amount must be > 0, got "-0.5"'],
      [
        () => parseWholeNumber("advance", "-1", "a whole number of seconds"),
        '--advance must be ≥ 0, got "-1"',
      ],
      [() => rejectNegative("id", "-3", false), '--id must be > 0, got "-3"'],
    ];
    for (const [run, message] of cases) {
      expect(run, message).to.throw(TaskInputError).with.property("message", message);
    }
    expect(parseWholeNumber("from-block", "12", "a block number")).to.equal(12n);
  });

  it("funding history's implied rate per day inverts the NF update", function () {
    // NF falls by a factor exp(-r · elapsed / 1 day) at rate r per day: 0.1%/day over 6 h.
    const rate = 0.001;
    const oldFactor = parseEther("0.99");
    const newFactor = BigInt(Math.round(0.99 * Math.exp(-rate / 4) * 1e18));
    expect(Math.abs((impliedRatePerDay(oldFactor, newFactor, 21_600n) ?? 0) - rate)).to.be.lessThan(1e-9);
    expect(impliedRatePerDay(oldFactor, oldFactor, 0n)).to.equal(null);
  });
});
