// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IPriceSource
/// @notice The price seam of a market: the two prices the engine needs, read from wherever the source reads them
///         (Uniswap v3 TWAPs for `UniswapTwapPrices`; a Chainlink feed beside them next). A market's source is fixed
///         when the owner creates the market; the engine calls it with `staticcall` (it cannot re-enter), at most
///         once per block for the ETH price (cached in the market's state) and once per transaction for the token.
/// @dev A source must be stateless: its answers depend only on its code (immutables included) and on other
///      contracts' state, never on storage of its own or on its own address. The engine runs it from a copy of its
///      code with the market's configuration appended (the market account, `MarketConfigLib`), so that one cold
///      account serves both; `createMarket` refuses a source whose copy answers differently.
interface IPriceSource {
    /// @notice The ETH/USD price S and the market token's price in ETH q, both time-averaged.
    /// @return ethUsdWad S in USD per ETH (WAD).
    /// @return tokenEthWad q in ETH per market token (WAD).
    function prices() external view returns (uint256 ethUsdWad, uint256 tokenEthWad);

    /// @notice The market token the source prices (checked by `createMarket`).
    function token() external view returns (address);
}
