// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEvergamma} from "../interfaces/IEvergamma.sol";
import {Market} from "../libraries/Market.sol";
import {VaultIdLib} from "../types/VaultId.sol";

/// @notice A vault as the engine stores it.
/// @param collateral ETH collateral in wei.
/// @param debt Debt in token units.
struct StoredVault {
    uint256 collateral;
    uint256 debt;
}

/// @notice A market's fee and pause bookkeeping as the engine stores it.
/// @param feeRecipient The recipient of the market's fees.
/// @param feeBps The mint fee in basis points.
/// @param pausesLeft Pauses the owner has left for the market.
/// @param pausedAt The time of the last pause.
/// @param liquidationsOpenAt When liquidations open after the last unpause (0 before any).
/// @param vaultCount Vaults opened in the market.
/// @param createdAt The market's creation time.
/// @param accruedFees Mint fees not yet collected, in wei.
/// @param badDebt Debt of the market's vaults that hold debt and no collateral, in token units.
struct StoredBook {
    address feeRecipient;
    uint256 feeBps;
    uint256 pausesLeft;
    uint256 pausedAt;
    uint256 liquidationsOpenAt;
    uint256 vaultCount;
    uint256 createdAt;
    uint256 accruedFees;
    uint256 badDebt;
}

/// @notice A market's settlement as the engine stores it (zero before shutdown).
/// @param normalizationFactor NF at shutdown.
/// @param ethPriceWad The settlement ETH/USD price.
/// @param settledVaults Vaults settled so far.
/// @param shortfall Debt value not covered by insolvent vaults, in wei.
/// @param supply The token supply at shutdown.
/// @param longPayoutPool ETH for all longs together once settled, in wei.
struct StoredSettlement {
    uint256 normalizationFactor;
    uint256 ethPriceWad;
    uint256 settledVaults;
    uint256 shortfall;
    uint256 supply;
    uint256 longPayoutPool;
}

/// @title EngineStorage
/// @notice Reads the engine's storage through `extsload` (Uniswap v4's `StateLibrary` pattern), for the lens and
///         the keeper helper. The slot numbers follow the declaration order of `Evergamma`'s state variables:
///         `Ownable`'s owner in slot 0, `Ownable2Step`'s pending owner in slot 1 (with `marketCount` packed beside
///         it), then the mappings from slot 2. The lens's tests compare its values with the engine's behaviour, so
///         a layout change that is not mirrored here fails them.
library EngineStorage {
    uint256 private constant MARKET_STATES_SLOT = 2;
    uint256 private constant ADMINS_SLOT = 3;
    uint256 private constant BOOKS_SLOT = 4;
    uint256 private constant VAULTS_SLOT = 5;
    uint256 private constant OPERATORS_SLOT = 6;
    uint256 private constant BAD_DEBTS_SLOT = 7;
    uint256 private constant SETTLEMENTS_SLOT = 8;

    /// @notice A market's state slot (NF, last update, cached ETH price, status).
    /// @param engine The engine.
    /// @param marketId The market.
    /// @return state The state (NF zero for a market that does not exist).
    function marketState(
        IEvergamma engine,
        uint32 marketId
    ) internal view returns (Market.State memory state) {
        uint256 word = uint256(engine.extsload(_slot(uint256(marketId), MARKET_STATES_SLOT)));
        state.normalizationFactor = uint128(word);
        state.lastUpdate = uint32(word >> 128);
        state.ethPriceWad = uint88(word >> 160);
        state.status = uint8(word >> 248);
    }

    /// @notice A vault's collateral and debt.
    /// @param engine The engine.
    /// @param vaultId The vault id.
    /// @return vault The vault (zeros for an id never opened).
    function vault(IEvergamma engine, uint256 vaultId) internal view returns (StoredVault memory) {
        return _decodeVault(engine.extsload(_slot(vaultId, VAULTS_SLOT)));
    }

    /// @notice `count` consecutive vaults of a market from serial `firstSerial`, in one call.
    /// @param engine The engine.
    /// @param marketId The market.
    /// @param firstSerial The first serial.
    /// @param count How many.
    /// @return vaults The vaults in serial order.
    function vaultRange(
        IEvergamma engine,
        uint32 marketId,
        uint256 firstSerial,
        uint256 count
    ) internal view returns (StoredVault[] memory vaults) {
        bytes32[] memory slots = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            slots[i] = _slot(VaultIdLib.toVaultId(marketId, firstSerial + i), VAULTS_SLOT);
        }
        bytes32[] memory words = engine.extsload(slots);
        vaults = new StoredVault[](count);
        for (uint256 i; i < count; ++i) vaults[i] = _decodeVault(words[i]);
    }

    /// @notice A vault's operator (zero for none).
    /// @param engine The engine.
    /// @param vaultId The vault id.
    /// @return The operator.
    function operator(IEvergamma engine, uint256 vaultId) internal view returns (address) {
        return address(uint160(uint256(engine.extsload(_slot(vaultId, OPERATORS_SLOT)))));
    }

    /// @notice A market's fee, pause and vault bookkeeping.
    /// @param engine The engine.
    /// @param marketId The market.
    /// @return stored The bookkeeping.
    function book(IEvergamma engine, uint32 marketId) internal view returns (StoredBook memory stored) {
        bytes32[] memory slots = new bytes32[](3);
        slots[0] = _slot(uint256(marketId), ADMINS_SLOT);
        slots[1] = _slot(uint256(marketId), BOOKS_SLOT);
        slots[2] = _slot(uint256(marketId), BAD_DEBTS_SLOT);
        bytes32[] memory words = engine.extsload(slots);
        uint256 admin = uint256(words[0]);
        stored.feeRecipient = address(uint160(admin));
        stored.feeBps = uint16(admin >> 160);
        stored.pausesLeft = uint8(admin >> 176);
        stored.pausedAt = uint32(admin >> 184);
        stored.liquidationsOpenAt = uint32(admin >> 216);
        uint256 counters = uint256(words[1]);
        stored.vaultCount = uint64(counters);
        stored.createdAt = uint32(counters >> 64);
        stored.accruedFees = uint128(counters >> 96);
        stored.badDebt = uint256(words[2]);
    }

    /// @notice A market's settlement (zeros before shutdown).
    /// @param engine The engine.
    /// @param marketId The market.
    /// @return stored The settlement.
    function settlement(
        IEvergamma engine,
        uint32 marketId
    ) internal view returns (StoredSettlement memory stored) {
        uint256 base = uint256(_slot(uint256(marketId), SETTLEMENTS_SLOT));
        bytes32[] memory slots = new bytes32[](5);
        for (uint256 i; i < 5; ++i) slots[i] = bytes32(base + i);
        bytes32[] memory words = engine.extsload(slots);
        stored.normalizationFactor = uint128(uint256(words[0]));
        stored.ethPriceWad = uint256(words[0]) >> 128;
        stored.settledVaults = uint256(words[1]);
        stored.shortfall = uint256(words[2]);
        stored.supply = uint256(words[3]);
        stored.longPayoutPool = uint256(words[4]);
    }

    function _decodeVault(bytes32 word) private pure returns (StoredVault memory) {
        return StoredVault(uint96(uint256(word)), uint128(uint256(word) >> 96));
    }

    /// @dev The slot of `key` in the mapping declared at `mappingSlot`.
    function _slot(uint256 key, uint256 mappingSlot) private pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, key)
            mstore(0x20, mappingSlot)
            slot := keccak256(0x00, 0x40)
        }
    }
}
