/**
 * Keeper start-up (every check that makes the CLI exit early with a one-line explanation) and the tick loop.
 *
 * @module
 */
import { formatEther, getAddress, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { engineCalls } from "../../client/index.js";
import { DeploymentFileError, readDeploymentFile, type Deployment } from "../lib/deploymentFile.js";
import { erc20Abi } from "./abi.js";
import { checkRpcUrl, type KeeperOptions, resolvePrivateKey } from "./config.js";
import type { Keeper, KeeperMarket, LiquidationRoute } from "./context.js";
import { ExitCode, KeeperError, oneLine } from "./errors.js";
import { deployedHealthReader, deploylessHealthReader, type HealthReader } from "./health.js";
import { createLogger, type Logger } from "./logging.js";
import { redactUrl } from "./redact.js";
import { createKeeperClient, describeError, isConnectionError, type KeeperClient } from "./rpc.js";
import { runTick, tokenBalanceFields, type TickReport } from "./tick.js";
import { TransactionSender, abortableDelay } from "./transactions.js";

/** Gas one keeper transaction may need at most (a liquidation uses ~100-150k); the minimum balance is this many. */
const MIN_GAS_BALANCE_UNITS = 300_000n;

function loadDeployment(path: string): Deployment {
  try {
    return readDeploymentFile(path);
  } catch (error) {
    if (error instanceof DeploymentFileError) throw new KeeperError(ExitCode.Deployment, error.message);
    throw error;
  }
}

async function requireCode(client: KeeperClient, name: string, address: Address, url: string): Promise<void> {
  const code = await client.getCode({ address });
  if (code === undefined || code === "0x") {
    throw new KeeperError(
      ExitCode.Deployment,
      `no contract at ${name} ${address} on ${url} (is the deployment file from another run of the node?)`,
    );
  }
}

/**
 * Reads the deployment file, connects, and checks everything before the first tick.
 *
 * @param options The keeper options.
 * @param logger Where action lines go (default: stdout).
 * @throws KeeperError with the exit code for: a missing or malformed deployment file (its `rpcUrl` included) or
 *   no engine, lens or market-token code (3), an unreachable RPC endpoint (4), a bad `--rpc` or a missing key off the development
 *   chain (2), a key without funds (5). Messages show RPC URLs redacted to their origin.
 */
export async function createKeeper(options: KeeperOptions, logger: Logger = createLogger()): Promise<Keeper> {
  const deployment = loadDeployment(options.deploymentPath);
  if (options.rpcUrl !== undefined) checkRpcUrl(options.rpcUrl, "--rpc", ExitCode.Usage);
  else
    checkRpcUrl(deployment.rpcUrl, `deployment file ${options.deploymentPath}: rpcUrl`, ExitCode.Deployment);
  const rpcUrl = options.rpcUrl ?? deployment.rpcUrl;
  const shownUrl = redactUrl(rpcUrl);
  const client = createKeeperClient({
    url: rpcUrl,
    chainId: deployment.chainId,
    retries: options.rpcRetries,
    timeoutMs: options.rpcTimeoutMs,
  });

  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (error) {
    throw new KeeperError(ExitCode.Rpc, `cannot reach the RPC endpoint ${shownUrl}: ${oneLine(error)}`);
  }
  if (chainId !== deployment.chainId) {
    throw new KeeperError(
      ExitCode.Deployment,
      `${options.deploymentPath} is for chain ${deployment.chainId} but ${shownUrl} serves chain ${chainId}`,
    );
  }
  const account = privateKeyToAccount(resolvePrivateKey(options.privateKey, chainId));
  const sender = new TransactionSender(client, account, chainId);
  const engine = getAddress(deployment.contracts.Evergamma);
  const lens = getAddress(deployment.contracts.EvergammaLens);
  const markets: KeeperMarket[] = Object.values(deployment.markets)
    .map((m) => ({ id: m.id, name: m.name, token: getAddress(m.token) }))
    .sort((a, b) => a.id - b.id);

  try {
    await requireCode(client, "Evergamma", engine, shownUrl);
    await requireCode(client, "EvergammaLens", lens, shownUrl);
    for (const market of markets) {
      await requireCode(client, `the ${market.name} token`, market.token, shownUrl);
    }
    let health: HealthReader;
    let liquidationRoute: LiquidationRoute;
    const helperAddress = deployment.contracts.KeeperHelper;
    if (helperAddress !== undefined) {
      await requireCode(client, "KeeperHelper", getAddress(helperAddress), shownUrl);
      health = deployedHealthReader(client, getAddress(helperAddress));
      liquidationRoute = { kind: "helper", helper: getAddress(helperAddress) };
    } else {
      health = deploylessHealthReader(client, engine);
      liquidationRoute = { kind: "engine" };
    }

    const block = await client.getBlock({ blockTag: "latest" });
    const [ethBalance, tokenBalances, fees] = await Promise.all([
      client.getBalance({ address: account.address }),
      Promise.all(
        markets.map((market) =>
          client.readContract({
            address: market.token,
            abi: erc20Abi,
            functionName: "balanceOf",
            args: [account.address],
          }),
        ),
      ),
      sender.fees(block.baseFeePerGas),
    ]);
    const minBalance = MIN_GAS_BALANCE_UNITS * fees.maxFeePerGas;
    if (!options.dryRun && ethBalance < minBalance) {
      throw new KeeperError(
        ExitCode.InsufficientFunds,
        `keeper account ${account.address} has ${formatEther(ethBalance)} ETH, less than the gas of one ` +
          `transaction (${formatEther(minBalance)} ETH): fund it or use --dry-run`,
      );
    }

    const keeper: Keeper = {
      options,
      deployment,
      rpcUrl,
      chainId,
      client,
      sender,
      engine,
      lens,
      calls: engineCalls(engine, liquidationRoute.kind === "helper" ? liquidationRoute.helper : undefined),
      markets,
      health,
      logger,
      liquidationRoute,
    };
    logger.log("start", {
      chainId,
      rpcUrl: shownUrl,
      account: account.address,
      engine,
      markets: markets.map((m) => `${m.id}:${m.name}`),
      healthReader: health.mode,
      keeperHelper: health.address,
      ethBalance,
      ...tokenBalanceFields(Object.fromEntries(markets.map((m, i) => [m.name, tokenBalances[i]]))),
      dryRun: options.dryRun,
      once: options.once,
      fundingIntervalSeconds: options.fundingIntervalSeconds,
      minProfitFactor: options.minProfitFactor,
      liquidationRoute: liquidationRoute.kind,
      maxSlippageBps: options.maxSlippageBps,
    });
    if (liquidationRoute.kind === "engine") {
      const message =
        "no KeeperHelper in the deployment file: liquidations go straight to the engine, without a minimum ETH out or a deadline";
      logger.log("warning", { message }, "warn");
    }
    for (const [index, market] of markets.entries()) {
      if (tokenBalances[index] !== 0n) continue;
      const message = `the keeper account holds no ${market.name} tokens: it can apply the market's funding but not liquidate in it`;
      logger.log("warning", { market: market.name, marketId: market.id, message }, "warn");
    }
    return keeper;
  } catch (error) {
    if (error instanceof KeeperError) throw error;
    if (isConnectionError(error)) {
      throw new KeeperError(ExitCode.Rpc, `cannot reach the RPC endpoint ${shownUrl}: ${oneLine(error)}`);
    }
    throw error;
  }
}

/** Options of {@link runLoop}. */
export interface LoopOptions {
  /** Stops the loop (after the current tick). */
  signal?: AbortSignal;
  /** Called after every successful tick. */
  onTick?: (report: TickReport) => void;
}

/**
 * The wait after `failures` consecutive failed ticks: `intervalMs × 2^(failures−1)`, never more than `capMs`.
 */
export function backoffDelayMs(intervalMs: number, failures: number, capMs: number): number {
  if (failures <= 0) return Math.min(intervalMs, capMs);
  // 2^31 ms is past any accepted duration: a larger exponent cannot lower the result below the cap.
  const exponent = Math.min(failures - 1, 31);
  return Math.min(intervalMs * 2 ** exponent, capMs);
}

/**
 * Runs ticks every `pollIntervalMs` until the signal aborts. A failed tick (the node unreachable, say) is logged as
 * a `tick-error` line and the next one is tried after an exponential backoff (interval x 2^(failures-1), at most
 * `maxBackoffMs`); the loop never exits on RPC errors.
 */
export async function runLoop(keeper: Keeper, loop: LoopOptions = {}): Promise<void> {
  const { options, logger } = keeper;
  keeper.signal = loop.signal;
  let failures = 0;
  const stopped = () => loop.signal?.aborted === true;
  while (!stopped()) {
    let delay = options.pollIntervalMs;
    try {
      const report = await runTick(keeper);
      if (failures > 0) logger.log("recovered", { afterFailures: failures });
      failures = 0;
      loop.onTick?.(report);
    } catch (error) {
      failures++;
      delay = backoffDelayMs(options.pollIntervalMs, failures, options.maxBackoffMs);
      logger.log(
        "tick-error",
        {
          reason: describeError(error),
          unreachable: isConnectionError(error),
          consecutiveFailures: failures,
          retryInMs: delay,
        },
        "error",
      );
    }
    if (stopped()) break;
    await abortableDelay(delay, loop.signal);
  }
  logger.log("stop", {});
}
