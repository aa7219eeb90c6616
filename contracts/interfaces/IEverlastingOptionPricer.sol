// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IEverlastingOptionPricer
/// @notice Closed-form fair prices, Greeks and implied volatilities of continuously funded everlasting
///         options (Paradigm, "Everlasting Options", White and Bankman-Fried, 2021) under Black-Scholes
///         with zero rates, and fair marks of power perpetuals with normalization-factor funding
///         (Paradigm, "Power Perpetuals", 2021).
/// @dev Units, shared by every function:
///      - `spot`, `strike`, option prices, marks, payoffs and index prices: 18-decimal fixed point of the
///        quote currency (1e18 = one unit of quote);
///      - `volatility`: annualised, 18 decimals (1e18 = 100% per year);
///      - `fundingPeriod`: seconds; one year is 365 days (31,536,000 s). An everlasting option pays
///        (mark - payoff) once per funding period, accrued continuously, i.e. (mark - payoff) / period
///        per second;
///      - `power`: 18 decimals (2e18 for a squared perpetual);
///      - deltas: 18 decimals, signed; gamma: 18 decimals, per unit of quote; vega: 18 decimals of
///        quote per 1.0 (100 percentage points) of volatility.
///      Domain: 0 < spot, strike <= 1e36; 0 < volatility <= 1e22; 0 < fundingPeriod <= 1000 years;
///      volatility^2 * fundingPeriod must keep u = sqrt(1 + 8 / (volatility^2 * T)) below 2^40. Everything
///      outside reverts with one of the errors below; inside it no price function reverts (a time value
///      too small to represent is 0).
interface IEverlastingOptionPricer {
    /// @notice The spot (or index, or mark) price is zero.
    error ZeroSpot();

    /// @notice The strike is zero.
    error ZeroStrike();

    /// @notice The volatility is zero.
    error ZeroVolatility();

    /// @notice The funding period is zero.
    error ZeroFundingPeriod();

    /// @notice A price input exceeds the supported maximum.
    /// @param price The offending input, 18 decimals.
    /// @param maxPrice The largest accepted value, 18 decimals.
    error PriceTooLarge(uint256 price, uint256 maxPrice);

    /// @notice The volatility exceeds the supported maximum.
    /// @param volatility The offending input, 18 decimals.
    /// @param maxVolatility The largest accepted value, 18 decimals.
    error VolatilityTooLarge(uint256 volatility, uint256 maxVolatility);

    /// @notice The funding period exceeds the supported maximum.
    /// @param fundingPeriod The offending input, seconds.
    /// @param maxFundingPeriod The largest accepted value, seconds.
    error FundingPeriodTooLarge(uint256 fundingPeriod, uint256 maxFundingPeriod);

    /// @notice volatility^2 * fundingPeriod is so small that u = sqrt(1 + 8 / (sigma^2 T)) exceeds 2^40.
    /// @param volatility The volatility, 18 decimals.
    /// @param fundingPeriod The funding period, seconds.
    error VarianceTooSmall(uint256 volatility, uint256 fundingPeriod);

    /// @notice The option price is outside the open no-arbitrage interval (intrinsic, upper), where upper
    ///         is the spot for a call and the strike for a put.
    /// @param optionPrice The offending price, 18 decimals.
    /// @param lowerBound The intrinsic value (exclusive bound), 18 decimals.
    /// @param upperBound The spot for a call or the strike for a put (exclusive bound), 18 decimals.
    error OptionPriceOutOfBounds(uint256 optionPrice, uint256 lowerBound, uint256 upperBound);

    /// @notice The implied volatility is not representable: above the supported maximum volatility,
    ///         indistinguishable from infinite at the input's resolution, or so small that it rounds down to 0
    ///         (in 18 decimals).
    error ImpliedVolatilityOutOfRange();

    /// @notice The power is above the supported maximum, or is 0 or 1 where the implied volatility of a
    ///         power perpetual is undefined.
    /// @param power The offending power, 18 decimals.
    error InvalidPower(uint256 power);

    /// @notice The power perpetual's mark is on the wrong side of its index for the power: a fair mark is
    ///         above the index when n(n - 1) > 0 and below it when n(n - 1) < 0.
    /// @param mark The mark price, 18 decimals.
    /// @param index The index price, 18 decimals.
    error MarkOutOfBounds(uint256 mark, uint256 index);

    /// @notice The power perpetual's fair price does not fit the output.
    error PowerPerpPriceOverflow();

    /// @notice Fair price of an everlasting call: max(S - K, 0) + W, with the time value W of
    ///         `timeValue`. Rounded down.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return price The call price, 18 decimals.
    function callPrice(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 price);

    /// @notice Fair price of an everlasting put: max(K - S, 0) + W. Rounded down; callPrice - putPrice is
    ///         exactly spot - strike.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return price The put price, 18 decimals.
    function putPrice(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 price);

    /// @notice Time value W = (sqrt(S K) / u) exp(-u |ln(S / K)| / 2), u = sqrt(1 + 8 / (sigma^2 T)), the
    ///         same for the call and the put. Rounded down; 0 where it is below one wei.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return value The time value, 18 decimals.
    function timeValue(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 value);

    /// @notice Call delta: (u + 1) W / (2 S) below the strike, 1 - (u - 1) W / (2 S) at or above it
    ///         ((u + 1) / (2u) at S = K).
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return delta The call delta, 18 decimals, in [0, 1e18].
    function callDelta(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (int256 delta);

    /// @notice Put delta: call delta - 1.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return delta The put delta, 18 decimals, in [-1e18, 0].
    function putDelta(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (int256 delta);

    /// @notice Gamma of the call and the put: W (u^2 - 1) / (4 S^2) = 2 W / (sigma^2 T S^2).
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return value Gamma, 18 decimals, per unit of quote.
    function gamma(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 value);

    /// @notice Vega of the call and the put: (1 - 1/u^2) (1 + u |ln(S/K)| / 2) W / sigma.
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return value Vega, 18 decimals of quote per 1.0 (100 points) of volatility.
    function vega(
        uint256 spot,
        uint256 strike,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 value);

    /// @notice Volatility at which the everlasting option is worth `optionPrice`. Closed form at the money,
    ///         sigma = W sqrt(8 / (T (K^2 - W^2))); elsewhere a bounded Newton iteration on
    ///         x = ln u solving x + (|ln(S/K)| / 2) e^x = ln(sqrt(S K) / W), which converges monotonically.
    /// @param optionPrice The option price, 18 decimals; must lie strictly between the intrinsic value and
    ///        the spot (call) or the strike (put).
    /// @param spot The spot price S, 18 decimals.
    /// @param strike The strike K, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @param isCall True for a call, false for a put.
    /// @return volatility The implied annualised volatility, 18 decimals, rounded down.
    function impliedVolatility(
        uint256 optionPrice,
        uint256 spot,
        uint256 strike,
        uint256 fundingPeriod,
        bool isCall
    ) external pure returns (uint256 volatility);

    /// @notice Fair mark of a power perpetual under normalization-factor funding:
    ///         S^n exp(n (n - 1) sigma^2 T / 2). Rounded down; 0 when below one wei.
    /// @param spot The spot price S, 18 decimals.
    /// @param power The power n, 18 decimals.
    /// @param volatility The annualised volatility sigma, 18 decimals.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return price The fair mark, 18 decimals.
    function powerPerpFairPrice(
        uint256 spot,
        uint256 power,
        uint256 volatility,
        uint256 fundingPeriod
    ) external pure returns (uint256 price);

    /// @notice Volatility implied by a power perpetual's mark and index under normalization-factor funding:
    ///         sigma = sqrt(2 ln(mark / index) / (n (n - 1) T)).
    /// @param mark The mark price, 18 decimals.
    /// @param index The index price S^n, 18 decimals.
    /// @param power The power n, 18 decimals; not 0 or 1.
    /// @param fundingPeriod The funding period T, seconds.
    /// @return volatility The implied annualised volatility, 18 decimals, rounded down.
    function powerPerpImpliedVolatility(
        uint256 mark,
        uint256 index,
        uint256 power,
        uint256 fundingPeriod
    ) external pure returns (uint256 volatility);

    /// @notice Funding per second of a contract funded (mark - payoff) once per funding period:
    ///         (markPrice - payoff) / fundingPeriod. Positive when longs pay shorts. Rounded toward zero.
    /// @param markPrice The mark price, 18 decimals.
    /// @param payoff The payoff (intrinsic value or index), 18 decimals.
    /// @param fundingPeriod The funding period, seconds.
    /// @return rate Funding per second per contract, 18 decimals of quote.
    function fundingRate(
        uint256 markPrice,
        uint256 payoff,
        uint256 fundingPeriod
    ) external pure returns (int256 rate);

    /// @notice An everlasting option market's normalization factor after `elapsedSeconds` of funding at fixed prices:
    ///         d ln NF / dt = -(1 - x) / T with x = payoff / mark clamped to [bandFloor, bandCap], mark = q S / NF,
    ///         integrated exactly (`OptionFundingMath`). The engine calls this on the first transaction of a block of
    ///         an option market. Never reverts for a band the engine accepts.
    /// @param normalizationFactor NF at the last update (WAD).
    /// @param payoffUsdWad The payoff at S (USD, WAD).
    /// @param tokenPriceEthWad q, the token's price in ETH (WAD).
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @param bandFloorWad The band's floor on x (WAD).
    /// @param bandCapWad The band's cap on x (WAD).
    /// @param elapsedSeconds Seconds since the last update.
    /// @param fundingPeriodSeconds T, seconds.
    /// @return NF now (WAD).
    function optionNormalizationFactor(
        uint256 normalizationFactor,
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 bandFloorWad,
        uint256 bandCapWad,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) external pure returns (uint256);

    /// @notice An everlasting option market's funding rate per day at its current prices: (1 - x) / T times a day,
    ///         x = payoff / mark clamped to the band (WAD; positive when longs pay).
    /// @param normalizationFactor NF (WAD).
    /// @param payoffUsdWad The payoff at S (USD, WAD).
    /// @param tokenPriceEthWad q (WAD).
    /// @param ethPriceWad S (WAD).
    /// @param bandFloorWad The band's floor on x (WAD).
    /// @param bandCapWad The band's cap on x (WAD).
    /// @param fundingPeriodSeconds T, seconds.
    /// @return The rate per day (WAD).
    function optionFundingRatePerDay(
        uint256 normalizationFactor,
        uint256 payoffUsdWad,
        uint256 tokenPriceEthWad,
        uint256 ethPriceWad,
        uint256 bandFloorWad,
        uint256 bandCapWad,
        uint256 fundingPeriodSeconds
    ) external pure returns (int256);

    /// @notice The ETH value of one token of an everlasting option market's debt for the engine's health rule
    ///         (`OptionMarketMath.debtValuePerTokenWad`): the floor model's value after a 20% adverse ETH move,
    ///         scaled by q over the floor model's value now, never below q (WAD, rounded up).
    /// @param isCall Call (true) or put (false).
    /// @param strikeWad K, USD (WAD).
    /// @param floorVolatilityWad The market's floor volatility (WAD).
    /// @param fundingPeriodSeconds T, seconds.
    /// @param normalizationFactor NF (WAD).
    /// @param ethPriceWad S, USD per ETH (WAD).
    /// @param tokenPriceWad q, ETH per token (WAD).
    /// @return The debt value of one token in ETH (WAD).
    function optionDebtValuePerToken(
        bool isCall,
        uint256 strikeWad,
        uint256 floorVolatilityWad,
        uint256 fundingPeriodSeconds,
        uint256 normalizationFactor,
        uint256 ethPriceWad,
        uint256 tokenPriceWad
    ) external pure returns (uint256);

    /// @notice The first option term an engine market cannot have, or "" (`OptionMarketMath.invalidTerm`).
    /// @param strikeWad K, USD (WAD).
    /// @param floorVolatilityWad The floor volatility (WAD).
    /// @param bandFloorWad The funding band's floor on payoff / mark (WAD).
    /// @param bandCapWad The funding band's cap (WAD).
    /// @return The name of the invalid `MarketParams` field, or "".
    function invalidOptionTerm(
        uint256 strikeWad,
        uint256 floorVolatilityWad,
        uint256 bandFloorWad,
        uint256 bandCapWad
    ) external pure returns (string memory);

    /// @notice NF after `elapsedSeconds` of the exchanges' funding rule F = clamp(P + clamp(I - P, -c, +c), floor - 1,
    ///         cap - 1) per period, P = mark / index - 1, exactly integrated with the pool prices fixed
    ///         (`PremiumFundingMath.nextNormalizationFactor`).
    /// @param normalizationFactor NF at the last update (WAD).
    /// @param markIndexRatioWad mark / index at that NF and this block's prices (WAD).
    /// @param interestRatePerPeriodWad I per period (WAD).
    /// @param premiumClampWad c per period (WAD).
    /// @param markRatioFloorWad 1 + the lowest F per period (WAD).
    /// @param markRatioCapWad 1 + the highest F per period (WAD).
    /// @param elapsedSeconds Seconds since the last update.
    /// @param fundingPeriodSeconds The funding period T, seconds (8 hours on the exchanges).
    /// @return NF now (WAD).
    function premiumNormalizationFactor(
        uint256 normalizationFactor,
        uint256 markIndexRatioWad,
        uint256 interestRatePerPeriodWad,
        uint256 premiumClampWad,
        uint256 markRatioFloorWad,
        uint256 markRatioCapWad,
        uint256 elapsedSeconds,
        uint256 fundingPeriodSeconds
    ) external pure returns (uint256);

    /// @notice The exchanges' funding rule's rate per day, F * 1 day / T (WAD; positive when longs pay).
    /// @param markIndexRatioWad mark / index (WAD).
    /// @param interestRatePerPeriodWad I per period (WAD).
    /// @param premiumClampWad c per period (WAD).
    /// @param markRatioFloorWad 1 + the lowest F per period (WAD).
    /// @param markRatioCapWad 1 + the highest F per period (WAD).
    /// @param fundingPeriodSeconds T, seconds.
    /// @return The rate per day (WAD).
    function premiumFundingRatePerDay(
        uint256 markIndexRatioWad,
        uint256 interestRatePerPeriodWad,
        uint256 premiumClampWad,
        uint256 markRatioFloorWad,
        uint256 markRatioCapWad,
        uint256 fundingPeriodSeconds
    ) external pure returns (int256);

    /// @notice The first term of the exchanges' funding rule a power market cannot have, or ""
    ///         (`PremiumFundingMath.invalidTerm`).
    /// @param interestRatePerPeriodWad I per period (WAD).
    /// @param premiumClampWad c per period (WAD).
    /// @param markRatioFloorWad 1 + the lowest F per period (WAD).
    /// @param markRatioCapWad 1 + the highest F per period (WAD).
    /// @return The name of the invalid `MarketParams` field, or "".
    function invalidPremiumTerm(
        uint256 interestRatePerPeriodWad,
        uint256 premiumClampWad,
        uint256 markRatioFloorWad,
        uint256 markRatioCapWad
    ) external pure returns (string memory);
}
