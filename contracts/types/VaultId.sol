// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title VaultIdLib
/// @notice A vault id names its market in its high bits: vaultId = marketId << 64 | serial. Serials count from 1 in
///         each market, so the first market's (market 0) vault ids are 1, 2, 3, … and a vault stays one storage slot
///         with no second mapping for its market. Serial 0 names no vault: `mint` reads it as "open a new vault in
///         this market".
library VaultIdLib {
    /// @notice Bits of a vault id below the market id.
    uint256 internal constant SERIAL_BITS = 64;

    /// @notice The market a vault id belongs to (0 for ids below 2^64).
    /// @param vaultId The vault id.
    /// @return marketId Its market.
    function marketOf(uint256 vaultId) internal pure returns (uint32 marketId) {
        return uint32(vaultId >> SERIAL_BITS);
    }

    /// @notice The vault's number inside its market, from 1.
    /// @param vaultId The vault id.
    /// @return serial Its serial (0: no vault).
    function serialOf(uint256 vaultId) internal pure returns (uint64 serial) {
        return uint64(vaultId);
    }

    /// @notice The id of a market's `serial`-th vault.
    /// @param marketId The market.
    /// @param serial The serial, from 1.
    /// @return vaultId The vault id.
    function toVaultId(uint32 marketId, uint256 serial) internal pure returns (uint256 vaultId) {
        return (uint256(marketId) << SERIAL_BITS) | serial;
    }
}
