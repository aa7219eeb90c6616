// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title MockAggregator
/// @notice A Chainlink aggregator for tests, benchmarks and the devnet: the ETH/USD feed (answer with `decimals`) or
///         the L2 sequencer-uptime feed (answer 0 = up, 1 = down, `startedAt` = when the status last changed).
///         Every round is set by hand; `setReverting` makes `latestRoundData` revert, as a retired feed would.
/// @dev Chainlink's own `MockV3Aggregator` ships in `@chainlink/contracts` as source only (no artifact is built for
///      a package import), and cannot revert on demand; this mock covers both.
contract MockAggregator is AggregatorV3Interface {
    /// @notice Thrown by `latestRoundData` and `getRoundData` while `reverting` is set.
    error FeedUnavailable();

    /// @inheritdoc AggregatorV3Interface
    uint8 public immutable decimals;
    /// @notice The latest round id.
    uint80 public roundId;
    /// @notice The latest answer.
    int256 public answer;
    /// @notice When the latest round started (for the sequencer feed: when the status changed).
    uint256 public startedAt;
    /// @notice When the latest answer was written.
    uint256 public updatedAt;
    /// @notice Whether reads revert.
    bool public reverting;

    /// @notice Deploys the feed with a first answer at the current block's time.
    /// @param decimals_ The answer's decimals (8 for Chainlink's USD feeds, 0 for the sequencer feed).
    /// @param answer_ The first answer.
    constructor(uint8 decimals_, int256 answer_) {
        decimals = decimals_;
        setAnswer(answer_);
    }

    /// @notice Writes a new round whose answer is `answer_`, started and updated now.
    /// @param answer_ The answer.
    function setAnswer(int256 answer_) public {
        setRound(answer_, block.timestamp, block.timestamp);
    }

    /// @notice Writes a new round with explicit times (for stale answers and sequencer restarts).
    /// @param answer_ The answer.
    /// @param startedAt_ The round's start time.
    /// @param updatedAt_ The round's update time.
    function setRound(int256 answer_, uint256 startedAt_, uint256 updatedAt_) public {
        ++roundId;
        answer = answer_;
        startedAt = startedAt_;
        updatedAt = updatedAt_;
    }

    /// @notice Makes reads revert (or succeed again).
    /// @param reverting_ Whether reads revert.
    function setReverting(bool reverting_) external {
        reverting = reverting_;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external pure returns (string memory) {
        return "MockAggregator";
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 4;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80) external view returns (uint80, int256, uint256, uint256, uint80) {
        return latestRoundData();
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() public view returns (uint80, int256, uint256, uint256, uint80) {
        if (reverting) revert FeedUnavailable();
        return (roundId, answer, startedAt, updatedAt, roundId);
    }
}
