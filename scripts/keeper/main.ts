/**
 * The keeper CLI: `npm run keeper -- --rpc URL --deployment FILE [--once] [--dry-run] ...` (see docs/keeper.md).
 *
 * stdout: one JSON line per action. stderr: one line explaining a fatal error. Exit codes: 0 ok, 1 tick failed,
 * 2 usage, 3 deployment file, 4 RPC unreachable, 5 key without funds.
 *
 * @module
 */
import { USAGE, parseCommandLine } from "./config.js";
import { ExitCode, KeeperError, oneLine, type ExitCodeValue } from "./errors.js";
import { createKeeper, runLoop } from "./keeper.js";
import { describeError, isConnectionError } from "./rpc.js";
import { runTick } from "./tick.js";

function fail(code: ExitCodeValue, message: string): never {
  process.stderr.write(`keeper: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<ExitCodeValue> {
  const commandLine = parseCommandLine(process.argv.slice(2));
  if (commandLine.help) {
    process.stdout.write(USAGE + "\n");
    return ExitCode.Ok;
  }
  const { options } = commandLine;
  const keeper = await createKeeper(options);

  if (options.once) {
    try {
      await runTick(keeper);
      return ExitCode.Ok;
    } catch (error) {
      const unreachable = isConnectionError(error);
      keeper.logger.log("tick-error", { reason: describeError(error), unreachable }, "error");
      fail(unreachable ? ExitCode.Rpc : ExitCode.TickFailed, `tick failed: ${describeError(error)}`);
    }
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await runLoop(keeper, { signal: controller.signal });
  return ExitCode.Ok;
}

try {
  process.exit(await main());
} catch (error) {
  if (error instanceof KeeperError) fail(error.exitCode, error.message);
  fail(ExitCode.TickFailed, oneLine(error));
}
