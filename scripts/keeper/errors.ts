/**
 * Exit codes of the keeper CLI and the error type that carries them.
 *
 * @module
 */

/** Process exit codes (documented in docs/keeper.md). */
export const ExitCode = {
  /** The tick (or the loop, until stopped) succeeded. */
  Ok: 0,
  /** A tick failed (`--once`), or an unexpected error. */
  TickFailed: 1,
  /** Bad command-line flags or environment (for example a malformed or missing `KEEPER_PRIVATE_KEY`). */
  Usage: 2,
  /** The deployment file is missing or malformed, or does not match the chain (no engine code). */
  Deployment: 3,
  /** The RPC endpoint cannot be reached (after retries). */
  Rpc: 4,
  /** The keeper account cannot pay for a transaction. */
  InsufficientFunds: 5,
} as const;

/** One of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A fatal keeper error: a one-line message and the exit code the CLI returns for it. */
export class KeeperError extends Error {
  override name = "KeeperError";

  /**
   * @param exitCode The exit code.
   * @param message A one-line explanation.
   */
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
  }
}

/** The first line of an error's message (viem messages span several lines). */
export function oneLine(error: unknown): string {
  if (error instanceof Error) {
    const short = (error as Error & { shortMessage?: unknown }).shortMessage;
    const text = typeof short === "string" && short !== "" ? short : error.message;
    return text.split("\n")[0].trim();
  }
  return String(error).split("\n")[0];
}
