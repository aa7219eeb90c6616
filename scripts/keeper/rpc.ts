/**
 * The keeper's JSON-RPC client (viem, HTTP with request batching and retries with exponential backoff) and
 * helpers that turn viem errors into short reasons.
 *
 * @module
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  HttpRequestError,
  TimeoutError,
  createPublicClient,
  defineChain,
  http,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";

import { decodeRevertData, formatRevert } from "../../client/index.js";
import { oneLine } from "./errors.js";

/** The public client type the keeper uses. */
export type KeeperClient = PublicClient<Transport, Chain>;

/** Options of {@link createKeeperClient}. */
export interface ClientOptions {
  /** The JSON-RPC URL. */
  url: string;
  /** The chain id (known from the deployment file; checked against the node at startup). */
  chainId: number;
  /** Retries of a failed request, with exponential backoff (150 ms, 300 ms, 600 ms, ...). */
  retries: number;
  /** Timeout of one HTTP request, in milliseconds. */
  timeoutMs: number;
}

/**
 * A viem public client over HTTP. Requests made in the same event-loop turn go out as one JSON-RPC batch, so a
 * tick's reads at its pinned block cost one round trip. Failed requests (network errors, timeouts, HTTP 5xx/429)
 * are retried with exponential backoff; reverts are not.
 */
export function createKeeperClient(options: ClientOptions): KeeperClient {
  const chain = defineChain({
    id: options.chainId,
    name: `chain-${options.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.url] } },
  });
  return createPublicClient({
    chain,
    pollingInterval: 250,
    transport: http(options.url, {
      batch: { batchSize: 500, wait: 0 },
      retryCount: options.retries,
      retryDelay: 150,
      timeout: options.timeoutMs,
    }),
  });
}

/** Whether an error means the endpoint could not be reached (rather than an answer we did not like). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof BaseError)) {
    return error instanceof TypeError && /fetch failed/i.test(error.message);
  }
  const found = error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError);
  return found !== null && found !== undefined;
}

/** Whether a send failed because the nonce was already used (another sender with the same key, say). */
export function isNonceError(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /nonce too low|nonce has already been used|replacement transaction underpriced|already known/i.test(
    text,
  );
}

const formatArgs = (args: readonly unknown[] | undefined) =>
  (args ?? []).map((a) => (typeof a === "bigint" ? a.toString() : String(a))).join(", ");

/** The revert data carried by an RPC error (code 3, `data` = the ABI-encoded error), if any. */
function revertData(error: BaseError): Hex | undefined {
  const found = error.walk((e) => {
    const data = (e as { data?: unknown }).data;
    return typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data);
  });
  const data = (found as { data?: unknown } | null)?.data;
  return typeof data === "string" ? (data as Hex) : undefined;
}

/**
 * Whether an error is a revert: a failed simulation, or (on a node that mines on receipt, like Hardhat's) a sent
 * transaction that was mined and reverted.
 */
export function isRevertError(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  if (error.walk((e) => e instanceof ContractFunctionRevertedError) !== null) return true;
  if (revertData(error) !== undefined) return true;
  return error.walk((e) => (e as { code?: unknown }).code === 3) !== null;
}

/**
 * A short reason for a failed call: the custom error with its arguments (`VaultSafe(12, 1600000000000000000)`)
 * when it can be decoded, otherwise the node's details or the first line of the message.
 */
export function describeError(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName;
      if (name !== undefined) return `${name}(${formatArgs(reverted.data?.args)})`;
      if (reverted.reason !== undefined) return reverted.reason;
    }
    const data = revertData(error);
    const decoded = data === undefined ? undefined : decodeRevertData(data);
    if (decoded !== undefined) return formatRevert(decoded);
    if (error.details !== undefined && error.details !== "") return error.details.split("\n")[0].trim();
  }
  return oneLine(error);
}
