/**
 * Vault ids: a vault's id is its market id in the high bits and its serial (from 1) in the low 64 bits, so market
 * 0's vault ids are 1, 2, 3… Serial 0 names no vault: `mint(newVaultId(marketId), …)` opens one.
 *
 * @module
 */

/** Bits of a vault id that hold its serial. */
export const VAULT_SERIAL_BITS = 64n;

const SERIAL_MASK = (1n << VAULT_SERIAL_BITS) - 1n;

/** The id of the vault with `serial` in market `marketId`: `marketId << 64 | serial`. */
export function vaultIdOf(marketId: number | bigint, serial: bigint): bigint {
  if (serial < 0n || serial > SERIAL_MASK) throw new RangeError(`vault serial ${serial} out of range`);
  return (BigInt(marketId) << VAULT_SERIAL_BITS) | serial;
}

/** The id that makes `mint` open a new vault in a market (serial 0). */
export function newVaultId(marketId: number | bigint): bigint {
  return vaultIdOf(marketId, 0n);
}

/** The market a vault id belongs to. */
export function marketOfVault(vaultId: bigint): number {
  return Number(vaultId >> VAULT_SERIAL_BITS);
}

/** A vault id's serial within its market. */
export function serialOfVault(vaultId: bigint): bigint {
  return vaultId & SERIAL_MASK;
}
