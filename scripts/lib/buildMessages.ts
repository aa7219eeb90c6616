/**
 * A Hardhat plugin for this project's builds: before a build that compiles anything it says what it compiles
 * and that a first build takes a few minutes (the devnet's `--quiet` build otherwise shows nothing for
 * minutes), and in quiet builds it leaves out one known warning: solc's transient-storage warning on
 * OpenZeppelin's `TransientSlot` (behind `ReentrancyGuardTransient`), which the project cannot act on. Every
 * other warning, and this one on any other source, is shown as before.
 *
 * @module
 */
import type { HardhatPlugin } from "hardhat/types/plugins";
import type { CompilerOutputError } from "hardhat/types/solidity";

/** The start of solc's warning for `tstore` in inline assembly. */
const TRANSIENT_STORAGE_WARNING = "Transient storage as defined by EIP-1153";
/** The package whose use of transient storage the warning reports. */
const KNOWN_SOURCE = "@openzeppelin/contracts";

/** Whether `error` is the known transient-storage warning from OpenZeppelin's sources. */
export function isKnownWarning(error: CompilerOutputError): boolean {
  return (
    error.severity === "warning" &&
    error.message.startsWith(TRANSIENT_STORAGE_WARNING) &&
    (error.formattedMessage ?? "").includes(KNOWN_SOURCE)
  );
}

/** The line printed before compiling `files` root files with the compiler versions `versions`. */
export function compilingLine(files: number, versions: string[]): string {
  return (
    `Compiling ${files} Solidity file${files === 1 ? "" : "s"} with solc ${versions.join(", ")} (via-IR): ` +
    "a first build takes a few minutes, once; later builds compile only what changed."
  );
}

/** Whether a quiet build is running (the warning filter applies only then). */
let quietBuilds = 0;

export const buildMessagesPlugin: HardhatPlugin = {
  id: "evergamma-build-messages",
  hookHandlers: {
    solidity: async () => ({
      default: async () => ({
        build: async (context, rootFilePaths, options, next) => {
          const jobs = await context.solidity.getCompilationJobs(rootFilePaths, options);
          if (jobs.success && jobs.compilationJobsPerFile.size > 0) {
            const versions = new Set(
              [...jobs.compilationJobsPerFile.values()].map((j) => j.solcConfig.version),
            );
            console.log(compilingLine(jobs.compilationJobsPerFile.size, [...versions]));
          }
          const quiet = options?.quiet === true;
          if (quiet) quietBuilds++;
          try {
            return await next(context, rootFilePaths, options);
          } finally {
            if (quiet) quietBuilds--;
          }
        },
        getCompilationJobErrors: async (context, job, output, next) => {
          const errors = await next(context, job, output);
          return quietBuilds > 0 ? errors.filter((error) => !isKnownWarning(error)) : errors;
        },
      }),
    }),
  },
};
