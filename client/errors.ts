/**
 * Errors of the client: every failed read, simulation or transaction becomes an {@link EvergammaError} with a
 * one-line message naming the call and, when the contracts reverted with a custom error, its name and arguments
 * (`mint: VaultUnsafe(2, 1400000000000000000)`).
 *
 * @module
 */
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex } from "viem";

import { evergammaErrorsAbi } from "./abi/errors.js";

/** A custom error decoded from revert data. */
export interface DecodedRevert {
  /** The Solidity error's name (`VaultUnsafe`). */
  errorName: string;
  /** Its arguments, in order. */
  args: readonly unknown[];
}

/** A failed client call: a one-line message, and the decoded custom error when there is one. */
export class EvergammaError extends Error {
  override name = "EvergammaError";

  /**
   * @param message A one-line explanation.
   * @param revert The decoded custom error, if the call reverted with one.
   * @param cause The underlying (viem) error.
   */
  constructor(
    message: string,
    readonly revert?: DecodedRevert,
    cause?: unknown,
  ) {
    super(message, { cause });
  }

  /** The custom error's name, if the call reverted with one. */
  get errorName(): string | undefined {
    return this.revert?.errorName;
  }
}

const HEX_DATA = /^0x[0-9a-fA-F]{8}/;

/** Revert data anywhere in an error's chain: a `data` field holding hex, or `{ data: hex }`. */
function findRevertData(error: unknown): Hex | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 12; depth++) {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && HEX_DATA.test(data)) return data as Hex;
    const inner = typeof data === "object" && data !== null ? (data as { data?: unknown }).data : undefined;
    if (typeof inner === "string" && HEX_DATA.test(inner)) return inner as Hex;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Decodes revert data with every custom error of the protocol's contracts; undefined when unknown. */
export function decodeRevertData(data: Hex): DecodedRevert | undefined {
  try {
    const { errorName, args } = decodeErrorResult({ abi: evergammaErrorsAbi, data });
    return { errorName, args: args ?? [] };
  } catch {
    return undefined;
  }
}

/** The custom error an error carries (a viem contract error, or raw revert data in its chain), if any. */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName !== undefined) {
      return { errorName: reverted.data.errorName, args: reverted.data.args ?? [] };
    }
  }
  const data = findRevertData(error);
  return data === undefined ? undefined : decodeRevertData(data);
}

const formatArg = (value: unknown): string => (typeof value === "bigint" ? value.toString() : String(value));

/** `VaultUnsafe(2, 1400000000000000000)`. */
export function formatRevert(revert: DecodedRevert): string {
  return `${revert.errorName}(${revert.args.map(formatArg).join(", ")})`;
}

/** The first line of an error's short message. */
function firstLine(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage.split("\n")[0].trim();
  return (error instanceof Error ? error.message : String(error)).split("\n")[0].trim();
}

/** Wraps any error of the call `label` into an {@link EvergammaError} (returned as is when it already is one). */
export function toEvergammaError(label: string, error: unknown): EvergammaError {
  if (error instanceof EvergammaError) return error;
  const revert = decodeRevert(error);
  const reason = revert === undefined ? firstLine(error) : formatRevert(revert);
  return new EvergammaError(`${label}: ${reason}`, revert, error);
}
