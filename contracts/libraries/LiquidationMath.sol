// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib as FPML} from "solady/src/utils/FixedPointMathLib.sol";

/// @notice A vault to liquidate and the liquidator's offer.
/// @param collateral The vault's collateral in wei.
/// @param debt The vault's debt in power-token units (non-zero).
/// @param maxDebtAmount The most the liquidator offers to repay.
/// @param insolventAtIndex Whether the collateral is below the debt's value at index (`Product.insolventAtIndex`:
///        for an option, its claim NF * payoff / S): only then may a liquidation leave debt with no collateral.
struct LiquidationInput {
    uint256 collateral;
    uint256 debt;
    uint256 maxDebtAmount;
    bool insolventAtIndex;
}

/// @notice The outcome of a liquidation.
/// @param debtRepaid Power tokens the liquidator burns.
/// @param collateralPaid ETH (wei) the liquidator receives.
/// @param leavesDust True when the offered `maxDebtAmount` is too small to avoid leaving a dust vault.
/// @param debtRequired When `leavesDust`: the smallest offer from which the liquidation goes through again
///        (the whole debt, or less when that much already takes all of the collateral).
struct LiquidationResult {
    uint256 debtRepaid;
    uint256 collateralPaid;
    bool leavesDust;
    uint256 debtRequired;
}

/// @title LiquidationMath
/// @notice How much debt a liquidation repays and how much collateral it pays out.
/// @dev The liquidator receives the repaid debt's value at the power token's market price plus a bonus, capped at
///      the vault's collateral. Close factor 50%; the whole debt may be repaid when half would leave dust or when
///      the collateral cannot cover the whole debt plus bonus. A liquidation never leaves dust (0 < collateral <
///      floor with debt), and leaves debt with no collateral only from a vault insolvent at index.
///      The property, over any sequence of liquidations by anyone (the owner included): a liquidation never
///      leaves a vault that was solvent at index (collateral >= debt value at index) insolvent at index unless it
///      repays the whole debt. Two cases make it hold:
///      - the collateral covers the whole debt at the payout price plus bonus (`coversWholeDebt`): a partial
///        liquidation then pays less per token than the vault holds per token of debt, so the collateral per
///        token of debt, and with it the ratio at index, can only rise;
///      - it does not (a payout price above the vault's collateral per token): any partial repayment would lower
///        that ratio (audit H-1: two steps turned a 107% vault into bad debt), so a vault solvent at index
///        accepts only the whole debt (as Squeeth's "full liquidation"), and a smaller offer reverts with the
///        whole debt as `debtRequired`.
///      Hence no sequence turns a solvent vault into bad debt, and self-liquidation in any number of steps never
///      leaves the owner better off (valued at index) than repaying. Payouts round down.
library LiquidationMath {
    uint256 internal constant WAD = 1e18;

    /// @notice The repayment and payout of a liquidation offer against a vault, and whether it would leave dust.
    /// @param input The vault and the offer.
    /// @param powerPriceWad The power token's market price in ETH (WAD).
    /// @param bonusWad The liquidation bonus (0.1e18 = 10%).
    /// @param minCollateral The dust floor in wei.
    /// @return result The debt repaid, the collateral paid, and when the offer is too small to avoid dust, the
    ///         smallest offer that avoids it (`leavesDust`, `debtRequired`).
    function compute(
        LiquidationInput memory input,
        uint256 powerPriceWad,
        uint256 bonusWad,
        uint256 minCollateral
    ) internal pure returns (LiquidationResult memory result) {
        (uint256 collateral, uint256 debt) = (input.collateral, input.debt);
        uint256 payPerTokenWad = FPML.mulWad(powerPriceWad, WAD + bonusWad);
        // Insolvent at market (collateral <= whole debt plus bonus): the whole debt is open to liquidation.
        bool coversWholeDebt = FPML.fullMulDiv(debt, payPerTokenWad, WAD) < collateral;
        if (!coversWholeDebt && !input.insolventAtIndex && input.maxDebtAmount < debt) {
            // Solvent at index, not at the payout price: a partial repayment would lower the ratio (H-1).
            return LiquidationResult(0, 0, true, debt);
        }
        uint256 closeLimit = coversWholeDebt ? (debt + 1) / 2 : debt; // half, rounded up so 1 wei is liquidatable
        result = _settle(collateral, _min(input.maxDebtAmount, closeLimit), payPerTokenWad);
        if (_leavesDust(input, result, minCollateral)) {
            // Half would leave dust: the liquidation must take the whole debt.
            result = _settle(collateral, _min(input.maxDebtAmount, debt), payPerTokenWad);
            if (_leavesDust(input, result, minCollateral)) {
                result.leavesDust = true;
                // From this offer on the liquidation takes all collateral; below insolvency it must take all debt.
                uint256 takesAllCollateral = FPML.fullMulDivUp(collateral, WAD, payPerTokenWad);
                result.debtRequired = input.insolventAtIndex ? _min(debt, takesAllCollateral) : debt;
            }
        }
    }

    /// @dev `repay` is already capped at the debt by the caller.
    function _settle(
        uint256 collateral,
        uint256 repay,
        uint256 payPerTokenWad
    ) private pure returns (LiquidationResult memory) {
        uint256 pay = FPML.fullMulDiv(repay, payPerTokenWad, WAD);
        if (pay > collateral) pay = collateral;
        return LiquidationResult(repay, pay, false, 0);
    }

    /// @dev Debt left with 0 < collateral < floor. (Debt left with no collateral is reached only from a vault
    ///      insolvent at index: a solvent one either covers its whole debt, so a partial payout leaves collateral,
    ///      or is refused anything but the whole debt in `compute`.)
    function _leavesDust(
        LiquidationInput memory input,
        LiquidationResult memory r,
        uint256 minCollateral
    ) private pure returns (bool) {
        if (r.debtRepaid == input.debt) return false;
        uint256 collateralLeft = input.collateral - r.collateralPaid;
        return collateralLeft != 0 && collateralLeft < minCollateral;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
