// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

import {IEvergammaErrors} from "../interfaces/IEvergammaErrors.sol";
import {MarketParams, ProductKind} from "../types/MarketConfig.sol";
import {ConstantsLib as C} from "./ConstantsLib.sol";
import {VaultMath} from "./VaultMath.sol";

/// @title Health
/// @notice The one health rule of every vault, used by the engine (to refuse actions and to allow liquidations),
///         the lens and the keeper helper alike: a vault is healthy when it has no debt, or when it holds at least
///         the dust floor and collateral >= debt value * minimum ratio, where the debt value is debt * the ETH value
///         of one token rounded up (`Product.debtValuePerTokenWad`). The comparison is exact (no division), so it
///         agrees with "collateral ratio, rounded down, >= minimum ratio" for every input.
///
///         Liquidation. A power vault is liquidatable as soon as it is unhealthy (Squeeth's single ratio). An option
///         vault is liquidatable only below the *liquidation ratio*, minimum ratio / (1 + OPTION_LIQUIDATION_BUFFER)
///         (125% for 150%), the gap lending markets keep between their borrow and liquidation thresholds: its debt
///         value follows the token's TWAP, so without the gap pushing a thin option pool by a hair for one window
///         would make a vault minted at the limit liquidatable (adversarial (b), docs/spec.md). Between the two
///         ratios a vault is unhealthy but not liquidatable: its owner can deposit, close, or burn back to the
///         minimum, but not mint, withdraw or burn to a ratio still below it. An option market's liquidation ratio
///         is above 1 + its liquidation bonus (`Product.invalidTerm`).
library Health {
    /// @notice Whether a vault is healthy.
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @param debtValuePerTokenWad The ETH value of one token's debt (WAD, rounded up).
    /// @param params The market's terms (minimum ratio and dust floor).
    /// @return Whether the vault is healthy.
    function isHealthy(
        uint256 collateral,
        uint256 debt,
        uint256 debtValuePerTokenWad,
        MarketParams memory params
    ) internal pure returns (bool) {
        return
            debt == 0 ||
            _covers(collateral, debt, debtValuePerTokenWad, params, params.minCollateralRatioWad);
    }

    /// @notice Whether a vault can be liquidated: it has debt, and holds less than the dust floor or less than debt
    ///         value * the market's liquidation ratio (`liquidationRatioWad`).
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @param debtValuePerTokenWad The ETH value of one token's debt (WAD, rounded up).
    /// @param params The market's terms.
    /// @return Whether the vault is liquidatable (ignoring the market's liquidation grace period).
    function isLiquidatable(
        uint256 collateral,
        uint256 debt,
        uint256 debtValuePerTokenWad,
        MarketParams memory params
    ) internal pure returns (bool) {
        return
            debt != 0 &&
            !_covers(collateral, debt, debtValuePerTokenWad, params, liquidationRatioWad(params));
    }

    /// @dev Whether a vault holds the dust floor and collateral >= debt value * `ratioWad` (exact, no division).
    function _covers(
        uint256 collateral,
        uint256 debt,
        uint256 debtValuePerTokenWad,
        MarketParams memory params,
        uint256 ratioWad
    ) private pure returns (bool) {
        if (collateral < params.minCollateralWei) return false;
        return VaultMath.meetsRatio(collateral, VaultMath.debtValue(debt, debtValuePerTokenWad), ratioWad);
    }

    /// @notice The collateral ratio below which a vault is liquidatable (WAD): the minimum ratio for a power market,
    ///         minimum ratio / (1 + OPTION_LIQUIDATION_BUFFER_WAD) for an option market, rounded up (liquidatable
    ///         sooner: the protocol's favour).
    /// @param params The market's terms.
    /// @return The liquidation ratio (WAD).
    function liquidationRatioWad(MarketParams memory params) internal pure returns (uint256) {
        if (params.kind == ProductKind.Power) return params.minCollateralRatioWad;
        return
            FPML.fullMulDivUp(params.minCollateralRatioWad, C.WAD, C.WAD + C.OPTION_LIQUIDATION_BUFFER_WAD);
    }

    /// @notice Reverts unless the vault is healthy: `VaultBelowMinCollateral` under the dust floor, `VaultUnsafe`
    ///         (with the ratio it would have) under the minimum ratio.
    /// @param vaultId The vault id (for the error).
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @param debtValuePerTokenWad The ETH value of one token's debt (WAD, rounded up).
    /// @param params The market's terms.
    function requireHealthy(
        uint256 vaultId,
        uint256 collateral,
        uint256 debt,
        uint256 debtValuePerTokenWad,
        MarketParams memory params
    ) internal pure {
        if (debt == 0) return;
        if (collateral < params.minCollateralWei) {
            revert IEvergammaErrors.VaultBelowMinCollateral(vaultId, collateral, params.minCollateralWei);
        }
        uint256 debtValueWei = VaultMath.debtValue(debt, debtValuePerTokenWad);
        if (!VaultMath.meetsRatio(collateral, debtValueWei, params.minCollateralRatioWad)) {
            revert IEvergammaErrors.VaultUnsafe(
                vaultId,
                VaultMath.collateralRatioWad(collateral, debtValueWei)
            );
        }
    }

    /// @notice collateral / debt value (WAD, rounded down); type(uint256).max without debt.
    /// @param collateral The vault's collateral in wei.
    /// @param debt The vault's debt in token units.
    /// @param debtValuePerTokenWad The ETH value of one token's debt (WAD, rounded up).
    /// @return The ratio (WAD).
    function collateralRatioWad(
        uint256 collateral,
        uint256 debt,
        uint256 debtValuePerTokenWad
    ) internal pure returns (uint256) {
        return VaultMath.collateralRatioWad(collateral, VaultMath.debtValue(debt, debtValuePerTokenWad));
    }

    /// @notice Reverts with `SafeModeRatioLowered` when a withdrawal lowers a vault's collateral ratio: the rule of
    ///         a market in safe mode. The ratio collateral / (debt * value per token) is compared without the price
    ///         (the same value per token on both sides): after * debtBefore >= before * debtAfter, exactly. A vault
    ///         left without debt always passes (full close).
    /// @param vaultId The vault id (for the error).
    /// @param collateralBefore Collateral before the action (wei).
    /// @param debtBefore Debt before the action (token units).
    /// @param collateralAfter Collateral after the action (wei).
    /// @param debtAfter Debt after the action (token units).
    /// @param debtValuePerTokenWad The ETH value of one token's debt (WAD; for the error's ratios).
    function requireRatioKept(
        uint256 vaultId,
        uint256 collateralBefore,
        uint256 debtBefore,
        uint256 collateralAfter,
        uint256 debtAfter,
        uint256 debtValuePerTokenWad
    ) internal pure {
        if (debtAfter == 0) return;
        // Collateral fits 96 bits and debt 128 bits in a vault's slot: the products cannot overflow.
        if (collateralAfter * debtBefore < collateralBefore * debtAfter) {
            revert IEvergammaErrors.SafeModeRatioLowered(
                vaultId,
                collateralRatioWad(collateralBefore, debtBefore, debtValuePerTokenWad),
                collateralRatioWad(collateralAfter, debtAfter, debtValuePerTokenWad)
            );
        }
    }
}
