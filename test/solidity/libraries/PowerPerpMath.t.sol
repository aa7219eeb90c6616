// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PowerPerpMath} from "../../../contracts/libraries/PowerPerpMath.sol";
import {VaultMath} from "../../../contracts/libraries/VaultMath.sol";
import {Test} from "../utils/Test.sol";

/// @notice Rounding directions of the power-perpetual prices for every power n = 1 to 4: a debt's value rounds up
///         and a claim's value rounds down, each within a few wei of the exact value, so that vault debts always
///         cover the claims of the same tokens at settlement.
contract PowerPerpMathTest is Test {
    uint256 private constant WAD = 1e18;

    /// @dev S^k with S between 1e-3 and 1e7 USD (WAD) and k = 0 to 3 (n = 1 to 4): S^k <= 1e75 fits in 256 bits,
    ///      so the exact value S^k / 1e18^(k-1) is compared without rounding.
    function testEthPowerRoundsInTheNamedDirection(uint256 ethSeed, uint256 kSeed) external pure {
        uint256 eth = bound(ethSeed, 1e15, 1e25);
        uint256 k = bound(kSeed, 0, 3);
        uint256 up = PowerPerpMath.ethPowerWad(eth, k, true);
        uint256 down = PowerPerpMath.ethPowerWad(eth, k, false);
        uint256 exactScaled = eth ** k; // S^k = result * 1e18^(k-1) exactly
        uint256 unit = k == 0 ? 1 : WAD ** (k - 1);
        if (k == 0) {
            assertTrue(up == WAD && down == WAD, "S^0 = 1");
            return;
        }
        assertGe(up * unit, exactScaled, "S^k rounded up is below the exact value");
        assertLe(down * unit, exactScaled, "S^k rounded down is above the exact value");
        // A remainder exists: the two directions differ (a mutant ignoring roundUp fails here).
        if (exactScaled % unit != 0) assertGt(up, down, "S^k with a remainder rounded the same both ways");
    }

    /// @dev Per-token debt value (up) >= exact >= per-token claim value (down) for n = 1 to 4, for any NF and
    ///      scale; and the debt of a vault at the up value covers the claim of its tokens at the down value.
    function testDebtRoundsUpAndClaimsDownForEveryPower(
        uint256 nfSeed,
        uint256 ethSeed,
        uint256 powerSeed,
        uint256 scaleSeed,
        uint256 tokensSeed
    ) external pure {
        uint256 nf = bound(nfSeed, 1, 1e20);
        uint256 eth = bound(ethSeed, 1e15, 1e25);
        uint256 power = bound(powerSeed, 1, 4);
        uint256 scale = 10 ** bound(scaleSeed, 0, 12);
        uint256 debtValue = PowerPerpMath.debtValuePerTokenWad(nf, eth, power, scale);
        uint256 claimValue = PowerPerpMath.claimValuePerTokenWad(nf, eth, power, scale);
        assertGe(debtValue, claimValue, "debt value below claim value");
        // exact = NF * S^(n-1) / (scale * 1e18^(n-1)); compare debtValue * scale * 1e18^(n-2) with NF * S^(n-1)
        // / 1e18 through the library's own S^(n-1) bounds, which the test above pins exactly.
        uint256 ethPowerUp = PowerPerpMath.ethPowerWad(eth, power - 1, true);
        uint256 ethPowerDown = PowerPerpMath.ethPowerWad(eth, power - 1, false);
        assertGe(debtValue * scale * WAD, nf * ethPowerUp, "debt value rounded down");
        assertLe(claimValue * scale * WAD, nf * ethPowerDown, "claim value rounded up");
        uint256 tokens = bound(tokensSeed, 1, 1e30);
        uint256 claim = (tokens * claimValue) / WAD;
        assertGe(VaultMath.debtValue(tokens, debtValue), claim, "a debt worth less than its tokens' claim");
    }
}
