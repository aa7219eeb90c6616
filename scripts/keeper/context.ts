/**
 * The state a keeper carries between ticks, and the snapshot a tick reads at its pinned block.
 *
 * @module
 */
import type { Address } from "viem";

import type { Deployment } from "../lib/deploymentFile.js";
import type { KeeperOptions } from "./config.js";
import type { VaultDiscovery } from "./discovery.js";
import type { HealthReader } from "./health.js";
import type { Logger } from "./logging.js";
import type { KeeperClient } from "./rpc.js";
import type { Fees, TransactionSender } from "./transactions.js";

/** A configured keeper: clients, contracts and the discovery state kept between ticks. */
export interface Keeper {
  options: KeeperOptions;
  deployment: Deployment;
  /** The RPC URL in use. */
  rpcUrl: string;
  chainId: number;
  client: KeeperClient;
  sender: TransactionSender;
  controller: Address;
  powerToken: Address;
  /** Paged health reads (the deployed KeeperHelper, or its bytecode in a deployless call). */
  health: HealthReader;
  discovery: VaultDiscovery;
  logger: Logger;
  /**
   * How liquidations are sent: through the deployed KeeperHelper's `liquidateWithLimits` (minimum ETH out and
   * deadline enforced on chain), or straight to the Controller when no helper is deployed.
   */
  liquidationRoute: LiquidationRoute;
  /** Aborted when the keeper is asked to stop: receipt waits end early. */
  signal?: AbortSignal;
}

/** Where liquidations go. */
export type LiquidationRoute = { kind: "helper"; helper: Address } | { kind: "controller" };

/** What a tick reads at its pinned block. */
export interface TickSnapshot {
  blockNumber: bigint;
  timestamp: bigint;
  paused: boolean;
  shutDown: boolean;
  lastFundingUpdate: bigint;
  /** The Controller's `vaultCount()` (vault ids run from 1 to it). */
  vaultCount: bigint;
  /** The keeper's power-token balance. */
  powerBalance: bigint;
  /** What the keeper allows the KeeperHelper to take (0 without a helper route). */
  helperAllowance: bigint;
  /** The keeper's ETH balance, in wei. */
  ethBalance: bigint;
  /** The power token's market TWAP (ETH per token, WAD), or undefined when the pools cannot tell. */
  powerPriceWad: bigint | undefined;
  fees: Fees;
}
