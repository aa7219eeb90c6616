/**
 * What every Evergamma task shares: finding `deployments/<network>.json`, connecting to the chain it names, the
 * TypeScript client (`client/`) every engine and lens call goes through, account selection, argument parsing and
 * the error convention (a clear one-line message on stderr and a non-zero exit code, with nothing sent).
 *
 * @module
 */
import path from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { getAddress, isAddress, parseEther } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import type { NewTaskActionFunction, TaskArguments } from "hardhat/types/tasks";
import { errorResult, successfulResult } from "hardhat/utils/result";
import { createPublicClient, createWalletClient, custom, getAddress as toAddress, type Address } from "viem";

import {
  createEvergammaClient,
  decodeRevert,
  EvergammaError,
  formatRevert,
  type EvergammaCall,
  type EvergammaClient,
  type MarketConfig,
  type WriteResult,
} from "../client/index.js";

import { marketOfVault, vaultIdOf, VAULT_SERIAL_BITS } from "../deploy/evergamma.js";
import {
  DeploymentFileError,
  readDeploymentFile,
  selectMarket,
  type DeployedMarket,
  type Deployment,
} from "../scripts/lib/deploymentFile.js";
import type { MarketToken } from "../types/ethers-contracts/index.js";
import { money, moneyAmount, percent, shortAddress } from "./format.js";

/** Environment variable naming the folder of deployment files (default: `deployments/` in the project). */
export const DEPLOYMENTS_DIR_ENV = "EVERGAMMA_DEPLOYMENTS_DIR";

/** Chain ids of local development chains (Hardhat, Anvil/Ganache); `price:set` refuses any other. */
export const DEV_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

/** A problem with the user's input or the chain's state that is reported as one line, without a stack. */
export class TaskInputError extends Error {
  override name = "TaskInputError";
}

/** The deployment file of a network: `$EVERGAMMA_DEPLOYMENTS_DIR/<network>.json` or `deployments/<network>.json`. */
export function deploymentFilePath(networkName: string, projectRoot: string): string {
  const dir = process.env[DEPLOYMENTS_DIR_ENV];
  const base = dir !== undefined && dir !== "" ? path.resolve(dir) : path.join(projectRoot, "deployments");
  return path.join(base, `${networkName}.json`);
}

/** Connection, deployment, client and account a task works with. */
export interface TaskContext {
  connection: NetworkConnection;
  ethers: NetworkConnection["ethers"];
  networkName: string;
  chainId: bigint;
  deploymentPath: string;
  /** The deployment file's contents. */
  deployment: Deployment;
  /** Contract addresses by name, as written by the devnet. */
  contracts: Record<string, string>;
  /**
   * The TypeScript client on this connection, sending from the `--from` account: every engine call (simulated,
   * then sent) and every lens read of the tasks goes through it.
   */
  client: EvergammaClient;
  /** The `--from` account (default: the first account of the network), for token and Uniswap calls (ethers). */
  signer: HardhatEthersSigner;
  /** The `--from` account as messages name it: "account #0 (0xf39f…2266)". */
  account: string;
  /** The market the task works on (`--market`, or the market of the `--id` vault; default the first market). */
  marketId: number;
  /** That market's entry in the deployment file (name, token, pool, price source). */
  deployedMarket: DeployedMarket;
  /** Whether `--market` was given (then a full vault id from another market is refused). */
  marketGiven: boolean;
  /** The market's token (an ERC-20: its symbol, and the devnet's arbitrage bot). */
  token: MarketToken;
  /** Power n, index scale and the other market parameters, read from the lens (`marketConfig(marketId)`). */
  market: MarketConfig["params"];
}

/**
 * Reads the deployment file, connects, checks that the chain matches it and selects the market `--market` names
 * (an id or a name; empty: the first market).
 */
export async function loadContext(
  hre: HardhatRuntimeEnvironment,
  from = "",
  marketSelector = "",
): Promise<TaskContext> {
  const networkName = hre.globalOptions.network || "default";
  const deploymentPath = deploymentFilePath(networkName, hre.config.paths.root);
  let deployment: Deployment;
  try {
    deployment = readDeploymentFile(deploymentPath);
  } catch (error) {
    throw new TaskInputError(
      `cannot read the deployment of network "${networkName}" at ${deploymentPath} (${messageOf(error)}). ` +
        `Start the devnet (./evergamma devnet) and pass --network localhost, or set ${DEPLOYMENTS_DIR_ENV}.`,
    );
  }

  // A devnet may run on another port than the config's: the deployment file knows where.
  const networkConfig = hre.config.networks[networkName];
  const connection =
    networkName === "localhost" && networkConfig?.type === "http" && deployment.rpcUrl
      ? await hre.network.create({ network: networkName, override: { url: deployment.rpcUrl } })
      : await hre.network.getOrCreate();
  const { ethers } = connection;

  let chainId: bigint;
  try {
    chainId = (await ethers.provider.getNetwork()).chainId;
  } catch (error) {
    throw new TaskInputError(
      `cannot reach network "${networkName}" at ${deployment.rpcUrl}: is the devnet running? (${messageOf(error)})`,
    );
  }
  if (BigInt(deployment.chainId) !== chainId) {
    throw new TaskInputError(
      `${deploymentPath} is for chain ${deployment.chainId}, but network "${networkName}" is chain ${chainId}`,
    );
  }

  const given = marketSelector.trim() !== "";
  let selected: DeployedMarket;
  try {
    selected = selectMarket(deployment, given ? marketSelector : undefined);
  } catch (error) {
    if (error instanceof DeploymentFileError) throw new TaskInputError(`--market: ${error.message}`);
    throw error;
  }
  const contracts = deployment.contracts;
  const required: [string, string | undefined][] = [
    ["Evergamma", contracts.Evergamma],
    ["EvergammaLens", contracts.EvergammaLens],
    [`market ${selected.id} (${selected.name}) token`, selected.token],
  ];
  for (const [name, address] of required) {
    if (address === undefined || !isAddress(address)) {
      throw new TaskInputError(`${deploymentPath} has no valid address for ${name}`);
    }
    if ((await ethers.provider.getCode(address)) === "0x") {
      throw new TaskInputError(
        `no contract at ${name} ${address} on network "${networkName}": the deployment file is stale ` +
          `(was the devnet restarted?)`,
      );
    }
  }
  const signer = await resolveSigner(connection, from);
  const accountIndex = (await ethers.getSigners()).findIndex((s) => s.address === signer.address);
  const ctx = {
    connection,
    ethers,
    networkName,
    chainId,
    deploymentPath,
    deployment,
    contracts,
    client: taskClient(connection, deployment, signer.address),
    signer,
    account: `account #${accountIndex} (${shortAddress(signer.address)})`,
    marketGiven: given,
  } as TaskContext;
  await useMarket(ctx, selected);
  return ctx;
}

/**
 * Milliseconds between polls for a transaction's receipt (the first poll is immediate: an automining devnet
 * answers it).
 */
const RECEIPT_POLLING_MS = 250;

/**
 * The TypeScript client of the deployment on the Hardhat connection, sending from `from`: viem clients over the
 * connection's provider, which signs for the network's accounts (the node's unlocked ones on localhost, the
 * configured keys elsewhere).
 */
function taskClient(connection: NetworkConnection, deployment: Deployment, from: string): EvergammaClient {
  // No retries: a revert is an answer, not a transport failure; no cache: every read sees the latest block.
  const transport = custom(connection.provider, { retryCount: 0 });
  const account = toAddress(from);
  return createEvergammaClient({
    publicClient: createPublicClient({ transport, cacheTime: 0, pollingInterval: RECEIPT_POLLING_MS }),
    walletClient: createWalletClient({ account, transport, pollingInterval: RECEIPT_POLLING_MS }),
    account,
    deployment,
  });
}

/** Points the context at `market`: its id, deployment entry, token and parameters (from the lens). */
async function useMarket(ctx: TaskContext, market: DeployedMarket): Promise<void> {
  let config: MarketConfig;
  try {
    config = await ctx.client.marketConfig(market.id);
  } catch (error) {
    throw new TaskInputError(
      `market ${market.id} (${market.name}) of ${ctx.deploymentPath} is not on network "${ctx.networkName}" ` +
        `(${messageOf(error)}): the deployment file is stale (was the devnet restarted?)`,
    );
  }
  ctx.marketId = market.id;
  ctx.deployedMarket = market;
  ctx.token = await ctx.ethers.getContractAt("MarketToken", market.token, ctx.signer);
  ctx.market = config.params;
}

/**
 * The account selected by `--from`: empty for the first account, an index into the network's accounts
 * ("2"), or one of their addresses.
 */
export async function resolveSigner(
  connection: NetworkConnection,
  from: string,
): Promise<HardhatEthersSigner> {
  const signers = await connection.ethers.getSigners();
  if (signers.length === 0) throw new TaskInputError("the network has no accounts to send from");
  const text = from.trim();
  if (text === "") return signers[0];
  if (/^\d+$/.test(text)) {
    const index = Number(text);
    if (index >= signers.length) {
      throw new TaskInputError(
        `--from ${text}: the network has only ${signers.length} accounts (0 to ${signers.length - 1})`,
      );
    }
    return signers[index];
  }
  if (!isAddress(text))
    throw new TaskInputError(`--from "${from}" is neither an account index nor an address`);
  const wanted = getAddress(text);
  const signer = signers.find((s) => s.address === wanted);
  if (signer === undefined) throw new TaskInputError(`--from ${wanted} is not an account of this network`);
  return signer;
}

/** Parses an 18-decimal amount ("1.5", "2") given as `--<option>`; `allowZero` accepts "0". */
export function parseAmount(option: string, text: string, allowZero = false): bigint {
  const value = text.trim();
  if (value === "") throw new TaskInputError(`--${option} is required`);
  rejectNegative(option, value, allowZero);
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(value)) {
    throw new TaskInputError(`--${option} must be a non-negative decimal number, got "${text}"`);
  }
  const [, fraction = ""] = value.split(".");
  if (fraction.length > 18) throw new TaskInputError(`--${option} has more than 18 decimals: "${text}"`);
  const amount = parseEther(value.startsWith(".") ? `0${value}` : value);
  if (amount === 0n && !allowZero) throw new TaskInputError(`--${option} must be greater than zero`);
  return amount;
}

/**
 * Rejects a negative number ("-1", "-0.5") with the same message as the other range checks: `must be ≥ 0`,
 * or `must be > 0` when zero is not accepted either.
 */
export function rejectNegative(option: string, text: string, allowZero: boolean): void {
  if (/^-\s*(\d+(\.\d*)?|\.\d+)$/.test(text.trim())) {
    throw new TaskInputError(`--${option} must be ${allowZero ? "≥ 0" : "> 0"}, got "${text.trim()}"`);
  }
}

/** Parses a whole number ≥ 0 (seconds, a block number) given as `--<option>`. */
export function parseWholeNumber(option: string, text: string, what: string): bigint {
  const value = text.trim();
  rejectNegative(option, value, true);
  if (!/^\d+$/.test(value)) throw new TaskInputError(`--${option} must be ${what}, got "${text}"`);
  return BigInt(value);
}

/**
 * Parses a vault id given as `--id`, checks that the vault exists and points the context at its market. A full
 * vault id (market id << 64 | serial) names its market; a number below 2⁶⁴ is a serial in the selected market
 * (`--market`, default the first: market 0's vault ids are its serials 1, 2, 3…).
 */
export async function parseVaultId(ctx: TaskContext, text: string): Promise<bigint> {
  const value = text.trim();
  if (value === "") throw new TaskInputError("--id is required (a vault id, from 1)");
  rejectNegative("id", value, false);
  if (!/^\d+$/.test(value) || BigInt(value) === 0n) {
    throw new TaskInputError(`--id must be a positive integer vault id, got "${text}"`);
  }
  const given = BigInt(value);
  const id = given >> VAULT_SERIAL_BITS === 0n ? vaultIdOf(ctx.marketId, given) : given;
  const marketId = marketOfVault(id);
  if (marketId !== ctx.marketId) {
    if (ctx.marketGiven) {
      throw new TaskInputError(
        `vault ${id} belongs to market ${marketId}, not to --market ${ctx.marketId} (${ctx.deployedMarket.name})`,
      );
    }
    const market = ctx.deployment.markets[String(marketId)];
    if (market === undefined) {
      throw new TaskInputError(
        `vault ${id} would be in market ${marketId}, which this deployment does not have`,
      );
    }
    await useMarket(ctx, market);
  }
  const serial = id & ((1n << VAULT_SERIAL_BITS) - 1n);
  const count = await ctx.client.vaultCount(ctx.marketId);
  if (serial === 0n || serial > count) {
    const where = ctx.marketId === 0 ? "" : ` in market ${ctx.marketId} (${ctx.deployedMarket.name})`;
    throw new TaskInputError(
      `vault ${id} does not exist (${count} vault${count === 1n ? "" : "s"}${where} so far)`,
    );
  }
  return id;
}

/** Parses an address option, or an account index into the network's accounts. */
export async function parseAccount(ctx: TaskContext, option: string, text: string): Promise<Address> {
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const signers = await ctx.ethers.getSigners();
    const index = Number(value);
    if (index >= signers.length) {
      throw new TaskInputError(`--${option} ${value}: the network has only ${signers.length} accounts`);
    }
    return toAddress(signers[index].address);
  }
  if (!isAddress(value))
    throw new TaskInputError(`--${option} must be an address or an account index, got "${text}"`);
  return toAddress(value);
}

/** The custom error (`Name(args)`) a client, viem or ethers error carries, if any. */
function revertOf(error: unknown): string | undefined {
  if (error instanceof EvergammaError)
    return error.revert === undefined ? undefined : formatRevert(error.revert);
  if (typeof error === "object" && error !== null) {
    // ethers (the Uniswap helpers, the arbitrage bot) decodes with the contract's own ABI.
    const revert = (error as { revert?: { name?: string; args?: readonly unknown[] } | null }).revert;
    if (revert?.name !== undefined) {
      return `${revert.name}(${(revert.args ?? []).map((a) => String(a)).join(", ")})`;
    }
  }
  const decoded = decodeRevert(error);
  return decoded === undefined ? undefined : formatRevert(decoded);
}

/** The messages of an error and of its causes, one a line (where a node's own words end up in viem's errors). */
function messagesOf(error: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 12; depth++) {
    lines.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join("\n");
}

/** The message of anything thrown, reduced to the engine's custom error (`Name(args)`) when it is one. */
export function messageOf(error: unknown): string {
  const revert = revertOf(error);
  if (revert !== undefined) return revert;
  const message = messagesOf(error);
  const funds = /max upfront cost is: (\d+) and the sender's balance is: (\d+)/.exec(message);
  if (funds !== null) {
    return `the account has ${money(BigInt(funds[2]), "ETH")}; this needs ${money(BigInt(funds[1]), "ETH")} (with gas)`;
  }
  const custom = /reverted with custom error '([^']+)'/.exec(message);
  if (custom !== null) return custom[1].replaceAll('"', "");
  const reason = /reverted with reason string '([^']*)'/.exec(message);
  if (reason !== null) return reason[1];
  const shortMessage = (error as { shortMessage?: unknown } | null)?.shortMessage;
  if (typeof shortMessage === "string") return shortMessage;
  return message.split("\n")[0];
}

/**
 * Runs `simulate` (an `eth_call` of the transaction about to be sent) and turns a revert into a
 * {@link TaskInputError}, so that a doomed transaction is never sent.
 */
export async function preflight(what: string, simulate: () => Promise<unknown>): Promise<void> {
  try {
    await simulate();
  } catch (error) {
    throw new TaskInputError(`${what} would revert: ${explainRevert(messageOf(error))}`);
  }
}

/** Adds a plain-language reading to the engine's most common custom errors. */
function explainRevert(message: string): string {
  const ratio = /^VaultUnsafe\((\d+), (\d+)\)$/.exec(message);
  if (ratio !== null) {
    return `${message}: vault ${ratio[1]} would be left at a ${percent(BigInt(ratio[2]))} collateral ratio, below the minimum`;
  }
  const hints: Record<string, string> = {
    VaultBelowMinCollateral: "a vault with debt must keep at least the minimum collateral",
    InsufficientCollateral: "the vault does not hold that much collateral",
    BurnExceedsDebt: "that is more than the vault's debt",
    NotVaultOwnerOrOperator: "only the vault's owner or operator may do this (use --from)",
    NotVaultOwner: "only the vault's owner may do this (use --from)",
    VaultSafe: "the vault is safe, so it cannot be liquidated",
    MarketPaused: "the market is paused",
    MarketShutDown: "the market is shut down",
    NotOwnerNorApproved: "only the vault's owner (or an approved account) may transfer it (use --from)",
    LiquidationLeavesDust: "offer more tokens (--max) so that no dust is left",
    ZeroAmount: "the amount must be greater than zero",
  };
  const hint = hints[message.split("(")[0]];
  return hint === undefined ? message : `${message}: ${hint}`;
}

/** What a mined transaction receipt tells the user. */
interface MinedReceipt {
  hash: string;
  gasUsed: bigint;
}

/** The line every state-changing task prints per transaction: "tx deposit 0x… (gas used 52,345)". */
export function transactionLine(what: string, receipt: MinedReceipt): string {
  return `tx ${what} ${receipt.hash} (gas used ${receipt.gasUsed.toLocaleString("en-US")})`;
}

/**
 * Sends a transaction through the client (one of its writes: simulated, sent, confirmed), prints its hash and gas
 * used and returns the write's result; a failure becomes a {@link TaskInputError}.
 */
export async function send<R>(what: string, write: () => Promise<WriteResult<R>>): Promise<R> {
  let written: WriteResult<R>;
  try {
    written = await write();
  } catch (error) {
    throw new TaskInputError(`${what} failed: ${explainRevert(messageOf(error))}`);
  }
  console.log(transactionLine(what, { hash: written.hash, gasUsed: written.receipt.gasUsed }));
  return written.result;
}

/**
 * Prints one {@link transactionLine} for each transaction the task's account sent in the blocks after
 * `afterBlock` (for helpers that send several transactions themselves: wrapping, approvals, swaps).
 */
export async function printTransactionsSince(ctx: TaskContext, afterBlock: number): Promise<void> {
  const provider = ctx.ethers.provider;
  const latest = await provider.getBlockNumber();
  for (let number = afterBlock + 1; number <= latest; number++) {
    const block = await provider.getBlock(number, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from !== ctx.signer.address) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      const to = tx.to ?? "";
      const name = Object.keys(ctx.contracts).find(
        (key) => ctx.contracts[key].toLowerCase() === to.toLowerCase(),
      );
      if (receipt !== null) console.log(transactionLine(`to ${name ?? shortAddress(to)}`, receipt));
    }
  }
}

/**
 * Gas limit of an engine call that brings funding up to date (mint, burn, withdraw, liquidate). An estimate made in
 * a block whose funding is already applied misses the next block's update (two pool reads, and Uniswap's
 * observation search when a pool traded inside the window: up to ~70k gas on a ~90k call); unused gas is not
 * charged, so the tasks send these calls with this limit.
 */
export const FUNDING_CALL_GAS_LIMIT = 500_000n;

/** The gas an engine call (one of the client's `calls`) would use, sent from the task's account now. */
export function estimateGas(ctx: TaskContext, call: EvergammaCall): Promise<bigint> {
  return ctx.client.publicClient.estimateGas({ account: ctx.client.account, ...call });
}

/** Gas units allowed per transaction when it cannot be estimated before an earlier one is mined. */
export const UNESTIMATED_GAS_LIMIT = 300_000n;

/**
 * Checks that the task's account can pay `value` plus `gasLimit` gas at the current fee before anything is
 * sent: "account #0 (0xf39f…2266) has 8,791.70 ETH; this needs 100,000 ETH (+ gas)".
 */
export async function requireEth(ctx: TaskContext, value: bigint, gasLimit = 0n): Promise<void> {
  const provider = ctx.ethers.provider;
  const balance = await provider.getBalance(ctx.signer.address);
  const needs = `${ctx.account} has ${money(balance, "ETH")}; this needs ${money(value, "ETH")}`;
  if (balance < value) throw new TaskInputError(`${needs} (+ gas)`);
  const fees = await provider.getFeeData();
  const gasCost = gasLimit * (fees.maxFeePerGas ?? fees.gasPrice ?? 0n);
  if (balance < value + gasCost) {
    throw new TaskInputError(`${needs} + ${money(gasCost, "ETH")} for gas`);
  }
}

/** Checks a token balance: "account #1 (0x7099…79c8) has 12.5 eSQTH; this needs 20 (hint)". */
export function requireTokens(
  ctx: TaskContext,
  balance: bigint,
  needed: bigint,
  symbol: string,
  hint = "",
): void {
  if (balance >= needed) return;
  const suffix = hint === "" ? "" : ` (${hint})`;
  throw new TaskInputError(
    `${ctx.account} has ${money(balance, symbol)}; this needs ${moneyAmount(needed)}${suffix}`,
  );
}

/**
 * Wraps a task action: a {@link TaskInputError} is printed as `Error: <message>` on stderr and turned into a
 * failed result (exit code 1); anything else propagates to Hardhat's own error reporting.
 */
export function action<A extends TaskArguments>(
  run: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>,
): NewTaskActionFunction<A> {
  return async (args: A, hre: HardhatRuntimeEnvironment) => {
    try {
      await run(args, hre);
      return successfulResult();
    } catch (error) {
      if (error instanceof TaskInputError) {
        console.error(`Error: ${error.message}`);
        process.exitCode = 1;
        return errorResult(error.message);
      }
      throw error;
    }
  };
}
