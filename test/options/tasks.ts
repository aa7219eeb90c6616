/**
 * How the tasks print an option market: `vault:status` adds the option (kind, strike, payoff, mark, fair value at
 * the implied or floor volatility), funding and the short's Greeks, and reads the lens's "never" liquidation price;
 * `funding:status` names the payoff and adds the fair value. A power market's lines are unchanged.
 */
import { expect } from "chai";
import { MaxUint256, parseEther, ZeroAddress } from "ethers";

import {
  formatFunding,
  formatVault,
  vaultJson,
  type FundingReport,
  type VaultReport,
} from "../../tasks/views.js";

const callVault: VaultReport = {
  id: 2n,
  marketId: 2,
  marketName: "C3500",
  owner: ZeroAddress,
  operator: ZeroAddress,
  collateral: parseEther("3"),
  debt: parseEther("5"),
  nominalDebt: parseEther("4.99"),
  normalizationFactor: parseEther("0.998"),
  debtValue: parseEther("1.1"),
  ethPrice: parseEther("3000"),
  collateralRatio: parseEther("2.7"),
  minCollateralRatio: parseEther("1.5"),
  liquidationPrice: parseEther("3456.789"),
  safe: true,
  liquidatable: false,
  maxMintable: parseEther("4"),
  option: {
    kind: "call",
    strike: parseEther("3500"),
    payoff: 0n,
    mark: parseEther("135.06"),
    fairValue: parseEther("135.05"),
    impliedVolatility: parseEther("0.8"),
    pricingVolatility: parseEther("0.8"),
    fundingRatePerDay: parseEther("0.142857"),
    delta: -parseEther("1.234567"),
    gamma: -parseEther("0.00012345"),
    vega: -parseEther("1234"),
  },
};

const funding: FundingReport = {
  marketId: 2,
  market: "C3500",
  ethPrice: parseEther("3000"),
  tokenPrice: parseEther("0.045"),
  index: 0n,
  mark: parseEther("135.06"),
  normalizationFactor: parseEther("1"),
  expectedNormalizationFactor: parseEther("0.999"),
  fundingRatePerDay: parseEther("0.142857"),
  impliedVolatility: parseEther("0.8"),
  lastFundingUpdate: 100n,
  now: 160n,
  fundingPeriodSeconds: 604_800n,
  power: 0n,
  premiumIndex: null,
  option: {
    kind: "call",
    strike: parseEther("3500"),
    fairValue: parseEther("135.05"),
    pricingVolatility: parseEther("0.8"),
  },
};

describe("Option markets: how the tasks print them", function () {
  it("vault:status shows the option, its fair value at the IV, funding and the short's Greeks", function () {
    const lines = formatVault(callVault, "eC3500");
    expect(lines).to.include(
      "  option               call, strike $3,500.00: payoff $0.00, mark $135.06, fair value $135.05 at IV 80.00%",
    );
    expect(lines).to.include("  funding per day      14.2857% (longs pay shorts)");
    expect(lines).to.include("  short delta          -1.234567 ETH (position value change per $1 of ETH)");
    expect(lines).to.include("  short gamma          -0.00012345 ETH per $");
    expect(lines).to.include("  short vega           -$12.34 per volatility point");
    expect(lines).to.include("  liquidation price    $3,456.79 per ETH (ETH now $3,000.00)");
    expect(vaultJson(callVault).option).to.deep.equal(callVault.option);
  });

  it("names the floor volatility when the mark implies none, and the lens's never-unsafe sentinel", function () {
    const option = { ...callVault.option!, impliedVolatility: 0n, pricingVolatility: parseEther("0.5") };
    const lines = formatVault({ ...callVault, option, liquidationPrice: MaxUint256 }, "eC3500");
    expect(lines.join("\n")).to.include("fair value $135.05 at floor volatility 50.00%");
    expect(lines).to.include(
      "  liquidation price    never (healthy at every ETH price within 1024x of now) (ETH now $3,000.00)",
    );
  });

  it("a power vault's report has no option lines and no option field", function () {
    const power = { ...callVault, marketName: "ETH2", option: null };
    const lines = formatVault(power, "eSQTH");
    expect(lines.some((line) => /option|short delta/.test(line))).to.equal(false);
    expect(vaultJson(power)).to.not.have.property("option");
  });

  it("funding:status names the payoff, the strike and the fair value, without a premium over a zero payoff", function () {
    const lines = formatFunding(funding, "eC3500");
    expect(lines[0]).to.equal("Funding of market 2 (C3500: call, strike $3,500.00, funding period 7d)");
    expect(lines).to.include("  payoff                   0.0000");
    expect(lines).to.include("  mark                     135.0600");
    expect(lines).to.include("  fair value               135.0500 at 80.00% volatility");
    const power = formatFunding({ ...funding, option: null, index: parseEther("900"), power: 2n }, "eSQTH");
    expect(power[0]).to.match(/\(C3500: power 2, /);
    expect(power).to.include("  index                    900.0000");
    expect(power.some((line) => line.startsWith("  fair value"))).to.equal(false);
  });
});
