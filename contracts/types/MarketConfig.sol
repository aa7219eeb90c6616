// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CREATE3} from "solady/src/utils/CREATE3.sol";

import {IEvergammaErrors} from "../interfaces/IEvergammaErrors.sol";

/// @notice What a market's token is a claim on. The product library (`Product`) is the one place that knows each
///         kind: a power perpetual on ETH^n, or an everlasting call or put on ETH/USD.
enum ProductKind {
    Power,
    Call,
    Put
}

/// @notice How a market's funding is computed. `Standard` is the kind's own rule: Squeeth's mark / index for a power
///         perpetual (`FundingMath`), Paradigm's payoff / mark for an option (`OptionFundingMath`). `PremiumIndex`
///         is the perpetual-futures exchanges' rule, F = P + clamp(I - P, -c, +c) per period
///         (`PremiumFundingMath`), for power markets only.
enum FundingRule {
    Standard,
    PremiumIndex
}

/// @notice The owner's choice of terms for a new market, validated by `createMarket` and fixed forever. The two
///         funding-clamp fields bound a different ratio per kind: mark / index for a power perpetual, payoff / mark
///         (x in `OptionFundingMath`) for an option.
/// @param kind The product.
/// @param power The power n of a power perpetual (an integer from 1 to 4): one token tracks ETH^n. 0 for options.
/// @param indexScale The divisor of a power perpetual's index: index = S^n / indexScale (1e4 for n = 2). 1 for
///        options (one token is a claim on NF times one payoff).
/// @param minCollateralRatioWad Minimum collateral / debt value after every mint, burn and withdraw (1.5e18).
/// @param minCollateralWei The dust floor: minimum collateral of a vault that has debt, in wei.
/// @param fundingPeriodSeconds The funding period T in seconds.
/// @param markRatioFloorWad Power: the lower clamp of mark / index used for funding (0.8e18, in (0, 1]); with the
///        `PremiumIndex` rule, 1 + the lowest funding rate per period (0.9925e18: shorts pay at most 0.75%). Option:
///        the floor of payoff / mark (0 to 0.5; 0 charges an out-of-the-money option the full 1/T).
/// @param markRatioCapWad Power: the upper clamp of mark / index (1.4e18, 1 to 10); with the `PremiumIndex` rule,
///        1 + the highest funding rate per period (1.0075e18). It also caps the token price used for payouts (q at
///        most this times the debt value). Option: the cap of payoff / mark (1 to 2; above 1 lets NF rise when the
///        token trades below intrinsic).
/// @param liquidationBonusWad The liquidator's bonus over the repaid debt's market value (0.1e18 = 10%).
/// @param strikeWad An option's strike K in USD (WAD). 0 for power perpetuals.
/// @param floorVolatilityWad An option's floor volatility (WAD, annualised): a short's debt is valued at no less
///        than NF times the everlasting fair value at this volatility. 0 for power perpetuals.
/// @param fundingRule The funding rule (`PremiumIndex`: power markets only).
/// @param interestRatePerPeriodWad `PremiumIndex`: I, the interest rate per funding period (1e14 = 0.01%), 0 to c.
///        0 otherwise.
/// @param premiumClampWad `PremiumIndex`: c, the clamp of I - P per period (5e14 = 0.05%), at most 1%. 0 otherwise.
struct MarketParams {
    ProductKind kind;
    uint8 power;
    uint256 indexScale;
    uint256 minCollateralRatioWad;
    uint256 minCollateralWei;
    uint32 fundingPeriodSeconds;
    uint256 markRatioFloorWad;
    uint256 markRatioCapWad;
    uint256 liquidationBonusWad;
    uint256 strikeWad;
    uint256 floorVolatilityWad;
    FundingRule fundingRule;
    uint256 interestRatePerPeriodWad;
    uint256 premiumClampWad;
}

/// @notice A market's immutable configuration as the engine stores it: its terms, its token and price source, and
///         the logarithms of the funding clamp (computed once at creation). Every field is one ABI word, so the whole
///         configuration is read with one `EXTCODECOPY` (see `MarketConfigLib`).
/// @param params The terms chosen at creation.
/// @param token The market's ERC-20 (minted and burned only by the engine).
/// @param priceSource The market's `IPriceSource`.
/// @param logMarkRatioFloorWad ln(markRatioFloorWad) (WAD).
/// @param logMarkRatioCapWad ln(markRatioCapWad) (WAD).
struct MarketConfig {
    MarketParams params;
    address token;
    address priceSource;
    int256 logMarkRatioFloorWad;
    int256 logMarkRatioCapWad;
}

/// @title MarketConfigLib
/// @notice Each market lives in one account, its *market account*: a copy of its price source's runtime code with
///         the market's configuration appended, deployed by the engine at an address that depends only on the
///         engine and the market id (solady's CREATE3). The engine calls the account for prices (it runs the price
///         source's code: immutables and all) and reads the configuration from the tail of its code, so one cold
///         account serves both: the first touch (`EXTCODESIZE`) warms it for the `EXTCODECOPY` and the price call.
///         Nobody can change either after creation.
/// @dev A price source can be copied when its answers depend only on its code and other contracts' state: no storage
///      of its own and no use of its own address (`IPriceSource` states this; `createMarket` checks that the copy
///      answers as the original does). The appended bytes are never executed: they follow the copied code's metadata,
///      and the copied code only jumps to targets inside itself.
library MarketConfigLib {
    /// @dev The size of `MarketParams` in memory and in its ABI encoding: fourteen one-word fields.
    uint256 private constant PARAMS_BYTES = 0x1c0;
    /// @dev The four one-word fields of `MarketConfig` after `params`.
    uint256 private constant TAIL_BYTES = 0x80;
    /// @dev The configuration's size at the end of a market account's code: `PARAMS_BYTES + TAIL_BYTES`.
    uint256 internal constant CONFIG_BYTES = 0x240;
    /// @dev EIP-170: the largest runtime code an account can hold, in bytes.
    uint256 internal constant MAX_CODE_BYTES = 24_576;

    /// @notice The market account's address: depends only on the engine and the market id.
    /// @param engine The engine that creates it.
    /// @param marketId The market id (the CREATE3 salt).
    /// @return The address.
    function accountOf(address engine, uint32 marketId) internal pure returns (address) {
        return CREATE3.predictDeterministicAddress(bytes32(uint256(marketId)), engine);
    }

    /// @notice Deploys a new market's account: `priceSource`'s runtime code followed by `config`, whose
    ///         `priceSource` field is set to the account itself. Called once per market id by the engine.
    /// @param marketId The market id.
    /// @param config The configuration (its `priceSource` field is overwritten).
    /// @param priceSource The price source whose code the account runs.
    /// @return account The market account (the engine's price source for this market).
    function write(
        uint32 marketId,
        MarketConfig memory config,
        address priceSource
    ) internal returns (address account) {
        bytes memory code = priceSource.code;
        if (code.length == 0 || code.length + CONFIG_BYTES > MAX_CODE_BYTES) {
            revert IEvergammaErrors.InvalidMarketAddress("priceSource");
        }
        account = accountOf(address(this), marketId);
        config.priceSource = account;
        bytes memory runtime = abi.encodePacked(code, abi.encode(config));
        // Init code: PUSH2 len, DUP1, PUSH1 10, RETURNDATASIZE, CODECOPY, RETURNDATASIZE, RETURN: returns the
        // 10-byte prefix's trailing bytes as the runtime code.
        bytes memory initCode = abi.encodePacked(hex"61", uint16(runtime.length), hex"80600a3d393df3", runtime);
        CREATE3.deployDeterministic(initCode, bytes32(uint256(marketId)));
    }

    /// @notice Reads a market's configuration from the tail of its account's code, copying it straight into the
    ///         structs: every field is one word, so the ABI encoding `write` appended is the memory layout of
    ///         `MarketParams` (14 words) followed by the four words after `params` in `MarketConfig`. Nothing is
    ///         decoded or validated: only the engine writes these accounts. A market that was never created has no
    ///         code and reads as zeros (the copy offset then lies beyond its empty code).
    /// @param engine The engine that wrote it.
    /// @param marketId The market id.
    /// @return config The configuration.
    function read(address engine, uint32 marketId) internal view returns (MarketConfig memory config) {
        address account = accountOf(engine, marketId);
        MarketParams memory params = config.params;
        assembly ("memory-safe") {
            let start := sub(extcodesize(account), CONFIG_BYTES)
            extcodecopy(account, params, start, PARAMS_BYTES)
            extcodecopy(account, add(config, 0x20), add(start, PARAMS_BYTES), TAIL_BYTES)
        }
    }
}
