/**
 * The keeper CLI: `npm run keeper -- --rpc URL --deployment FILE [--once] [--dry-run] ...` (see docs/keeper.md).
 *
 * stdout: one line per action (human-readable on a terminal or with `--pretty`, JSON otherwise or with `--json`).
 * stderr: one line explaining a fatal error. Exit codes: 0 ok (also after SIGINT/SIGTERM), 1 tick failed,
 * 2 usage, 3 deployment file, 4 RPC unreachable, 5 key without funds. RPC URLs are shown redacted.
 *
 * @module
 */
import { USAGE, parseCommandLine } from "./config.js";
import { ExitCode, KeeperError, oneLine, type ExitCodeValue } from "./errors.js";
import { createKeeper, runLoop } from "./keeper.js";
import { createLogger, logFormat, stdoutSink } from "./logging.js";
import { redactText } from "./redact.js";
import { describeError, isConnectionError } from "./rpc.js";
import { runTick } from "./tick.js";

/** How long a stop signal waits for the current step before the process exits anyway. */
const STOP_GRACE_MS = 800;

function fail(code: ExitCodeValue, message: string): never {
  process.stderr.write(`keeper: ${redactText(message)}\n`);
  process.exit(code);
}

/**
 * SIGINT and SIGTERM stop the keeper with exit code 0: the loop ends after the current step, and if that step
 * (an RPC call, say) is still running after {@link STOP_GRACE_MS}, the process exits anyway. A transaction is
 * atomic on chain, so stopping in the middle of a tick half-applies nothing.
 */
function stopOnSignals(): AbortController {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) return;
    controller.abort();
    setTimeout(() => process.exit(ExitCode.Ok), STOP_GRACE_MS).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return controller;
}

async function main(): Promise<ExitCodeValue> {
  const stopping = stopOnSignals();
  const commandLine = parseCommandLine(process.argv.slice(2));
  if (commandLine.help) {
    process.stdout.write(USAGE + "\n");
    return ExitCode.Ok;
  }
  const { options } = commandLine;
  const logger = createLogger(stdoutSink(logFormat(options.output, process.stdout.isTTY === true)));
  const keeper = await createKeeper(options, logger);

  if (options.once) {
    keeper.signal = stopping.signal;
    try {
      await runTick(keeper);
      return ExitCode.Ok;
    } catch (error) {
      const unreachable = isConnectionError(error);
      keeper.logger.log("tick-error", { reason: describeError(error), unreachable }, "error");
      fail(unreachable ? ExitCode.Rpc : ExitCode.TickFailed, `tick failed: ${describeError(error)}`);
    }
  }

  await runLoop(keeper, { signal: stopping.signal });
  return ExitCode.Ok;
}

try {
  process.exit(await main());
} catch (error) {
  if (error instanceof KeeperError) fail(error.exitCode, error.message);
  fail(ExitCode.TickFailed, oneLine(error));
}
