/**
 * The shapes of a deployment file's entries, written by `deploymentRecord()` (deploy/evergamma.ts) and read by
 * the devnet, the tasks and the keeper (scripts/lib/deploymentFile.ts validates a whole file). They live beside the
 * deploy code so that the npm package, which ships deploy/ but not scripts/, carries them.
 *
 * @module
 */

/** A `0x`-prefixed 20-byte hex address. */
export type HexAddress = `0x${string}`;

/** A market's terms as written to a deployment file (WAD values as decimal strings). */
export interface DeployedMarketParams {
  power: number;
  indexScale: string;
  minCollateralRatioWad: string;
  minCollateralWei: string;
  twapPeriodSeconds: number;
  fundingPeriodSeconds: number;
  markRatioFloorWad: string;
  markRatioCapWad: string;
  liquidationBonusWad: string;
  /** Options only: the product ("call" or "put"), the strike and the floor volatility (WAD strings). */
  kind?: "power" | "call" | "put";
  strikeWad?: string;
  floorVolatilityWad?: string;
  /** Power markets with the exchanges' rule only: "premiumIndex", I and c per funding period (WAD strings). */
  fundingRule?: "standard" | "premiumIndex";
  interestRatePerPeriodWad?: string;
  premiumClampWad?: string;
}

/** One market of a deployment file. */
export interface DeployedMarket {
  /** The engine's market id. */
  id: number;
  /** A short name for humans and `--market` (for example "ETH2"). */
  name: string;
  /** The market's ERC-20. */
  token: HexAddress;
  /** The token/WETH Uniswap v3 pool. */
  pool: HexAddress;
  /** The market's price source. */
  priceSource: HexAddress;
  params: DeployedMarketParams;
}
