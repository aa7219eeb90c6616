// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarketParams} from "../types/MarketConfig.sol";
import {IEvergammaErrors} from "./IEvergammaErrors.sol";
import {IEvergammaEvents} from "./IEvergammaEvents.sol";

/// @title IEvergamma
/// @notice The vault engine of every Evergamma market. A market has a product (a power perpetual on ETH^n so far),
///         a token, a price source and fixed terms; vaults hold ETH collateral and owe the market's tokens. One
///         power token is worth NF * S^n / indexScale in USD at index (S the ETH/USD price). Funding is paid in
///         kind: each market's normalization factor NF drifts by (index / mark)^(dt / fundingPeriod), so tokens never
///         expire and need no per-user accounting. Views are in `IEvergammaLens`. The engine is also the one
///         ERC-721 collection of every vault in every market ("Evergamma Vault", token id = vault id): a vault
///         belongs to the holder of its token, and a transfer clears its operator.
/// @dev Ids: market ids count from 0; a vault id is marketId << 64 | serial with serials from 1 (`VaultIdLib`), so
///      the first market's vaults are 1, 2, 3, … Units: ETH amounts in wei; token amounts in 18-decimal units;
///      prices, ratios and NF in WAD (1e18 = 1). Rounding always favours the protocol: debt values round up,
///      collateral released and ratios reported round down.
/// @dev Warning: the collateral ratio used for minting is also the liquidation threshold (150% by default); a vault
///      minted to the limit becomes unsafe on the next adverse price or funding move.
interface IEvergamma is IEvergammaErrors, IEvergammaEvents {
    /* MARKETS */

    /// @notice Lists a market: validates its terms, checks that `token` names this engine and serves no other market
    ///         and that `priceSource` prices `token`, deploys the market account (a copy of the source's code with
    ///         the configuration appended, immutable from now on; see `MarketConfigLib`), checks that the copy
    ///         answers as the source does, and starts funding at NF = 1. Owner only.
    /// @param params The market's terms (see `MarketParams`).
    /// @param token The market's `IMarketToken`, deployed for this engine and not yet listed.
    /// @param priceSource The `IPriceSource` whose code the market account runs (stateless: see `IPriceSource`).
    /// @return marketId The new market's id (`marketCount` before the call).
    function createMarket(
        MarketParams calldata params,
        address token,
        address priceSource
    ) external returns (uint32 marketId);

    /// @notice The number of markets created (market ids are 0 to marketCount - 1).
    function marketCount() external view returns (uint32);

    /// @notice The `EverlastingOptionPricer` that values option debt and runs option funding (fixed at deployment).
    function optionPricer() external view returns (address);

    /* VAULT ACTIONS */

    /// @notice Opens an empty vault in a market, owned by the caller, and mints its NFT (a safe mint).
    /// @param marketId The market.
    /// @return vaultId The new vault id (marketId << 64 | serial).
    function openVault(uint32 marketId) external returns (uint256 vaultId);

    /// @notice Adds the sent ETH to a vault's collateral. Anyone may deposit into any vault of a running market.
    /// @dev Applies no funding: collateral does not accrue any (as Morpho Blue's `supplyCollateral`).
    /// @param vaultId The vault id.
    function deposit(uint256 vaultId) external payable;

    /// @notice Sends ETH collateral from a vault to the caller (its owner or operator).
    /// @dev Reverts with `VaultUnsafe` or `VaultBelowMinCollateral` when the vault would be left unhealthy.
    /// @param vaultId The vault id.
    /// @param amount The amount in wei.
    function withdraw(uint256 vaultId, uint256 amount) external;

    /// @notice Adds the sent ETH as collateral, then mints the market's tokens to the caller against the vault.
    /// @param vaultId The vault id, or a market's id with serial 0 (marketId << 64; 0 for the first market) to
    ///        open a new vault for the caller in that market.
    /// @param amount The amount of tokens (18 decimals).
    /// @return vaultId The vault id used (the new id when a new vault was opened).
    function mint(uint256 vaultId, uint256 amount) external payable returns (uint256);

    /// @notice Burns the caller's tokens against a vault's debt, then withdraws ETH to the caller.
    /// @dev The caller must be the vault's owner or operator. Burning all debt always succeeds.
    /// @param vaultId The vault id.
    /// @param amount The amount of tokens to burn from the caller's balance (no approval needed).
    /// @param withdrawAmount The amount of ETH to withdraw afterwards, in wei.
    function burn(uint256 vaultId, uint256 amount, uint256 withdrawAmount) external;

    /// @notice Applies a market's funding up to now (at most once per block) and returns its normalization factor.
    /// @param marketId The market.
    /// @return normalizationFactor The updated factor (WAD).
    function applyFunding(uint32 marketId) external returns (uint256 normalizationFactor);

    /// @notice Sets the vault's operator, who may withdraw, mint and burn for the owner. Owner only. Revoking
    ///         (`operator` zero) works in every state, paused and shut down included; granting only while the
    ///         market runs.
    /// @param vaultId The vault id.
    /// @param operator The new operator, or zero to remove it.
    function setOperator(uint256 vaultId, address operator) external;

    /* LIQUIDATION */

    /// @notice Liquidates a vault below its market's liquidation ratio (`Health.isLiquidatable`: the minimum ratio for
    ///         a power market, minimum / 1.2 for an option) or under the dust floor: burns up to `maxDebtAmount` of
    ///         the caller's tokens (no approval needed) against its debt and pays the caller collateral worth the
    ///         repaid debt at the token's market price plus the liquidation bonus.
    /// @dev Reverts `LiquidationGracePeriod` for one hour after every unpause (while every vault action is open).
    ///      At most half the debt per call, or all of it when half would leave a dust vault or when the
    ///      collateral cannot cover the whole debt plus bonus (the liquidator then receives all collateral). The
    ///      payout never exceeds the vault's collateral and a liquidation never leaves dust. Debt left with no
    ///      collateral is recorded as bad debt.
    /// @param vaultId The vault id.
    /// @param maxDebtAmount The most tokens the caller is willing to repay.
    /// @return debtRepaid Tokens burned.
    /// @return collateralPaid ETH paid to the caller, in wei.
    function liquidate(
        uint256 vaultId,
        uint256 maxDebtAmount
    ) external returns (uint256 debtRepaid, uint256 collateralPaid);

    /* FEES */

    /// @notice Sets a market's mint fee, in basis points of the minted value at the token's market price (at most
    ///         1%), and the address its fees are paid to. Owner only; works in every state (paused, shut down), so
    ///         accrued fees can always be redirected from a recipient that refuses ETH.
    /// @param marketId The market.
    /// @param feeBps The fee in basis points.
    /// @param recipient The fee recipient (non-zero).
    function setFee(uint32 marketId, uint256 feeBps, address recipient) external;

    /// @notice Sends a market's accrued mint fees to its fee recipient. Anyone may call, in every state.
    /// @param marketId The market.
    /// @return amount The amount sent, in wei.
    function collectFees(uint32 marketId) external returns (uint256 amount);

    /* PAUSE AND SHUTDOWN */

    /// @notice Pauses a market's vault actions, liquidations and funding updates (operator revocation, fees, NFT and
    ///         token transfers, unpause, shutdown and views still work). Owner only, at most 4 times per market,
    ///         only within 182 days of the market's creation. Applies funding up to now first; the normalization
    ///         factor then stays frozen until unpause: the paused interval is never charged.
    /// @param marketId The market.
    function pause(uint32 marketId) external;

    /// @notice Pauses every running market at once (the global pause), each as `pause` would. Owner only.
    function pauseAll() external;

    /// @notice Unpauses a market: the owner at any time, anyone once the pause is one day old. Funding restarts
    ///         from now (with the factor frozen at the pause), and liquidations stay closed for a one-hour grace
    ///         period.
    /// @param marketId The market.
    function unpause(uint32 marketId) external;

    /// @notice Shuts a market down, irreversibly: applies funding up to now (none for a paused interval), fixes the
    ///         settlement price at the market's ETH/USD price and opens its settlement. Owner only; allowed while
    ///         paused. Other markets are not affected.
    /// @param marketId The market.
    function shutdown(uint32 marketId) external;

    /// @notice Settles up to `maxVaults` more vaults of a shut-down market, accumulating the shortfall of insolvent
    ///         vaults. Anyone may call; redemptions open once every vault of the market is settled.
    /// @param marketId The market.
    /// @param maxVaults The most vaults to process in this call.
    /// @return complete Whether every vault of the market is now settled.
    function settleVaults(uint32 marketId, uint256 maxVaults) external returns (bool complete);

    /// @notice After settlement, burns the caller's tokens and pays their value at the settlement price:
    ///         amount * NF * S^(n-1) / scale, or a pro-rata share of the longs' pool when insolvent vaults left a
    ///         shortfall.
    /// @param marketId The market.
    /// @param amount Tokens to redeem.
    /// @return payout ETH paid, in wei.
    function redeemLong(uint32 marketId, uint256 amount) external returns (uint256 payout);

    /// @notice After settlement, pays a vault's collateral minus its debt value at the settlement price (zero for
    ///         an insolvent vault) to the caller, its owner or operator, and closes the vault.
    /// @param vaultId The vault id.
    /// @return payout ETH paid, in wei.
    function redeemShort(uint256 vaultId) external returns (uint256 payout);

    /* STORAGE ACCESS */

    /// @notice One storage slot of the engine, for the lens and integrators (Uniswap v4's `extsload`).
    /// @param slot The slot.
    /// @return value Its value.
    function extsload(bytes32 slot) external view returns (bytes32 value);

    /// @notice Several storage slots of the engine at once.
    /// @param slots The slots.
    /// @return values Their values, in order.
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory values);
}
