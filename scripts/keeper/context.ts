/**
 * The state a keeper carries between ticks, and the snapshot a tick reads at its pinned block.
 *
 * @module
 */
import type { Address } from "viem";

import type { EvergammaCalls } from "../../client/index.js";
import type { Deployment } from "../lib/deploymentFile.js";
import type { KeeperOptions } from "./config.js";
import type { HealthReader } from "./health.js";
import type { Logger } from "./logging.js";
import type { KeeperClient } from "./rpc.js";
import type { Fees, TransactionSender } from "./transactions.js";

/** One market the keeper keeps: its engine id, its name (in every log line about it) and its token. */
export interface KeeperMarket {
  id: number;
  name: string;
  token: Address;
}

/** A configured keeper: clients, contracts and the state kept between ticks. */
export interface Keeper {
  options: KeeperOptions;
  deployment: Deployment;
  /** The RPC URL in use. */
  rpcUrl: string;
  chainId: number;
  client: KeeperClient;
  sender: TransactionSender;
  /** The engine (liquidations and funding). */
  engine: Address;
  /** The lens (market views). */
  lens: Address;
  /** The engine's, the helper's and the tokens' calls, encoded by the TypeScript client. */
  calls: EvergammaCalls;
  /** Every market of the deployment file, in id order. */
  markets: KeeperMarket[];
  /** Paged health reads (the deployed KeeperHelper, or its bytecode in a deployless call). */
  health: HealthReader;
  logger: Logger;
  /**
   * How liquidations are sent: through the deployed KeeperHelper's `liquidateWithLimits` (minimum ETH out and
   * deadline enforced on chain), or straight to the engine when no helper is deployed.
   */
  liquidationRoute: LiquidationRoute;
  /** Aborted when the keeper is asked to stop: receipt waits end early. */
  signal?: AbortSignal;
}

/** Where liquidations go. */
export type LiquidationRoute = { kind: "helper"; helper: Address } | { kind: "engine" };

/** What a tick reads about one market at its pinned block. */
export interface MarketSnapshot {
  market: KeeperMarket;
  paused: boolean;
  shutDown: boolean;
  lastFundingUpdate: bigint;
  /** The lens's `vaultCount(marketId)` (the market's serials run from 1 to it). */
  vaultCount: bigint;
  /** The keeper's balance of the market's token. */
  tokenBalance: bigint;
  /** What the keeper allows the KeeperHelper to take of the market's token (0 without a helper route). */
  helperAllowance: bigint;
  /** The token's market TWAP (ETH per token, WAD), or undefined when the pools cannot tell. */
  tokenPriceWad: bigint | undefined;
}

/** What a tick reads at its pinned block. */
export interface TickSnapshot {
  blockNumber: bigint;
  timestamp: bigint;
  /** One entry per market, in id order. */
  markets: MarketSnapshot[];
  /** The keeper's ETH balance, in wei. */
  ethBalance: bigint;
  fees: Fees;
}
