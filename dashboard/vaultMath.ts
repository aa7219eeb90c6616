/**
 * A vault's ratio, health and liquidation price computed in the page from its collateral and debt (lens `getVault`,
 * a cheap read) and its market's figures at the same block (lens `marketReport`: debt value per token, NF, status,
 * liquidations opening time), with the engine's own integer rules (`VaultMath`, `Health`), so that the page does
 * not pay one price-source read per vault. An option vault's liquidation price needs the pricer (bisection): the
 * lens's `liquidationPrice` gives it.
 *
 * @module
 */
import { MAX_UINT256, WAD } from "./format.js";

/** What the vault table shows of a vault (the lens's `VaultReport` fields it needs). */
export interface VaultState {
  vaultId: bigint;
  marketId: number;
  owner: `0x${string}`;
  collateral: bigint;
  debt: bigint;
  collateralRatioWad: bigint;
  healthy: boolean;
  liquidatable: boolean;
  /**
   * 0 without debt or for n = 1, MAX_UINT256 when never unsafe (options); undefined while an option vault's is being
   * read from the lens.
   */
  liquidationPriceWad?: bigint;
}

/** The market figures the computation needs. */
export interface VaultMarket {
  /** 0 for a power market. */
  kind: number;
  power: number;
  indexScale: bigint;
  minCollateralRatioWad: bigint;
  minCollateralWei: bigint;
  debtValuePerTokenWad: bigint;
  normalizationFactor: bigint;
  /** 0 active, 1 paused, 2 shut down, 3 safe mode. */
  status: number;
  liquidationsOpenAt: bigint;
  /** The block's timestamp. */
  timestamp: bigint;
}

const divUp = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** `VaultMath.debtValue`: debt × value per token, rounded up (wei). */
export function debtValue(debt: bigint, m: VaultMarket): bigint {
  return divUp(debt * m.debtValuePerTokenWad, WAD);
}

/** `Health.collateralRatioWad`. */
export function collateralRatio(collateral: bigint, debt: bigint, m: VaultMarket): bigint {
  const value = debtValue(debt, m);
  return value === 0n ? MAX_UINT256 : (collateral * WAD) / value;
}

/** `Health.isHealthy`: the minimum ratio and the dust floor. */
export function isHealthy(collateral: bigint, debt: bigint, m: VaultMarket): boolean {
  if (debt === 0n) return true;
  if (collateral < m.minCollateralWei) return false;
  return collateral >= divUp(debtValue(debt, m) * m.minCollateralRatioWad, WAD);
}

/** `ConstantsLib.OPTION_LIQUIDATION_BUFFER_WAD`: an option vault is liquidatable below minimum / 1.2. */
const OPTION_LIQUIDATION_BUFFER_WAD = 2n * 10n ** 17n;

/** `Health.liquidationRatioWad`: the minimum ratio (power), minimum / 1.2 rounded up (option). */
export function liquidationRatio(m: VaultMarket): bigint {
  if (m.kind === 0) return m.minCollateralRatioWad;
  return divUp(m.minCollateralRatioWad * WAD, WAD + OPTION_LIQUIDATION_BUFFER_WAD);
}

/** `Health.isLiquidatable`: debt, and under the dust floor or below the liquidation ratio. */
function belowLiquidationRatio(collateral: bigint, debt: bigint, m: VaultMarket): boolean {
  if (debt === 0n) return false;
  if (collateral < m.minCollateralWei) return true;
  return collateral < divUp(debtValue(debt, m) * liquidationRatio(m), WAD);
}

/**
 * `MarketSnapshot.isLiquidatable`: below the liquidation ratio, the market running (not paused or shut down),
 * liquidations open.
 */
export function isLiquidatable(collateral: bigint, debt: bigint, m: VaultMarket): boolean {
  const live = m.status !== 1 && m.status !== 2;
  return live && m.timestamp >= m.liquidationsOpenAt && belowLiquidationRatio(collateral, debt, m);
}

/** ⌊√x⌋. */
export function sqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let r = BigInt(Math.floor(Math.sqrt(Number(x))));
  while (r * r > x) r--;
  while ((r + 1n) * (r + 1n) <= x) r++;
  return r;
}

/** ⌊∛x⌋. */
export function cbrt(x: bigint): bigint {
  if (x < 2n) return x;
  let r = BigInt(Math.floor(Math.cbrt(Number(x))));
  while (r * r * r > x) r--;
  while ((r + 1n) * (r + 1n) * (r + 1n) <= x) r++;
  return r;
}

/** `VaultMath.liquidationPriceWad` of a power market: (C · scale / (NF · debt · ratio))^{1/(n−1)}. */
export function powerLiquidationPrice(collateral: bigint, debt: bigint, m: VaultMarket): bigint {
  if (debt === 0n || m.power < 2) return 0n;
  const perDebt = (collateral * m.indexScale * WAD) / divUp(debt * m.minCollateralRatioWad, WAD);
  const ethPower = (perDebt * WAD) / m.normalizationFactor;
  if (m.power === 2) return ethPower;
  if (m.power === 3) return sqrt(ethPower * WAD);
  return cbrt(ethPower * WAD * WAD);
}

/** A vault's state from its stored fields and its market's figures (liquidation price: power markets only). */
export function vaultState(
  vaultId: bigint,
  marketId: number,
  stored: { owner: `0x${string}`; collateral: bigint; debt: bigint },
  m: VaultMarket,
): VaultState {
  const { collateral, debt } = stored;
  return {
    vaultId,
    marketId,
    owner: stored.owner,
    collateral,
    debt,
    collateralRatioWad: collateralRatio(collateral, debt, m),
    healthy: isHealthy(collateral, debt, m),
    liquidatable: debt > 0n && isLiquidatable(collateral, debt, m),
    liquidationPriceWad:
      m.kind === 0 ? powerLiquidationPrice(collateral, debt, m) : debt === 0n ? 0n : undefined,
  };
}
