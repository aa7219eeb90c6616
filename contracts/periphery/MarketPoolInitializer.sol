// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

/// @title MarketPoolInitializer
/// @notice Creates a market token's Uniswap v3 pool against WETH at a price given for either token order, and raises
///         its observation capacity, in one call: a deployment (Hardhat Ignition) does not know which of the two
///         addresses sorts first before the token exists, so it passes the square-root price for both orders.
/// @dev Stateless and permissionless; an existing pool keeps its price (only its capacity is raised).
contract MarketPoolInitializer {
    /// @notice The pool of `token` and `weth` is created (or found), initialised and holds `cardinalityNext` slots.
    /// @param token The market token.
    /// @param pool The token/WETH pool.
    /// @param cardinalityNext The pool's observation capacity.
    event PoolReady(address indexed token, address indexed pool, uint16 cardinalityNext);

    /// @notice Creates, initialises and grows the token/WETH pool of fee tier `fee`.
    /// @param factory The Uniswap v3 factory.
    /// @param token The market token.
    /// @param weth The WETH the market trades against.
    /// @param fee The fee tier (hundredths of a bip).
    /// @param sqrtPriceTokenIs0 sqrtPriceX96 of the token in WETH, used when the token sorts first (token0).
    /// @param sqrtPriceTokenIs1 sqrtPriceX96 of WETH in the token, used when WETH sorts first.
    /// @param cardinalityNext The observation capacity the pool's TWAP window needs.
    /// @return pool The pool.
    function createPool(
        IUniswapV3Factory factory,
        address token,
        address weth,
        uint24 fee,
        uint160 sqrtPriceTokenIs0,
        uint160 sqrtPriceTokenIs1,
        uint16 cardinalityNext
    ) external returns (address pool) {
        pool = factory.getPool(token, weth, fee);
        if (pool == address(0)) pool = factory.createPool(token, weth, fee);
        (uint160 sqrtPriceX96, , , , , , ) = IUniswapV3Pool(pool).slot0();
        if (sqrtPriceX96 == 0) {
            IUniswapV3Pool(pool).initialize(token < weth ? sqrtPriceTokenIs0 : sqrtPriceTokenIs1);
        }
        IUniswapV3Pool(pool).increaseObservationCardinalityNext(cardinalityNext);
        emit PoolReady(token, pool, cardinalityNext);
    }
}
