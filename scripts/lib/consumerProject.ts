/**
 * The consumer example outside the repository: `npm pack` this project, copy the `examples/consumer` template
 * into a folder of its own (no `node_modules` of this repository above it), install the tarball there with
 * npm (the tarball's dependencies and the template's toolchain come from the registry), then run the
 * example's tests and type-check with the consumer's own Hardhat and TypeScript. Used by
 * `npm run pack:example` and `test/e2e/package.ts`.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file lives in `scripts/lib/`). */
export const PROJECT_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The template the consumer is copied from. */
export const CONSUMER_TEMPLATE = path.join(PROJECT_ROOT, "examples", "consumer");

/** How a finished command ended and what it printed. */
export interface CommandResult {
  code: number | null;
  /** What it printed on stdout. */
  stdout: string;
  /** stdout and stderr as they came. */
  output: string;
}

/** Runs a command to completion with piped output; a command that exceeds `timeoutMs` is killed. */
export function runCommand(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      output += `\n(killed after ${timeoutMs / 1000} s)`;
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

/** The environment of the consumer's commands: ours without Hardhat's per-run variables, no colours. */
export function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("HARDHAT_") && key !== "NODE_PATH") env[key] = value;
  }
  return { ...env, FORCE_COLOR: "0", NO_COLOR: "1", npm_config_update_notifier: "false" };
}

/** The npm CLI: the one running us (`npm_execpath`) under this Node, or `npm` from the PATH. */
export function npm(args: string[], cwd: string, timeoutMs: number): Promise<CommandResult> {
  const execPath = process.env.npm_execpath;
  const [command, prefix] =
    execPath !== undefined && /npm-cli\.js$/.test(execPath) ? [process.execPath, [execPath]] : ["npm", []];
  return runCommand(command, [...prefix, ...args], cwd, timeoutMs, consumerEnv());
}

/** The tarball `npm pack` wrote and the files it holds. */
export interface PackedPackage {
  tarball: string;
  files: string[];
}

/** Packs this project into `destination`. */
export async function packPackage(destination: string): Promise<PackedPackage> {
  const packed = await npm(["pack", "--json", "--pack-destination", destination], PROJECT_ROOT, 120_000);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(destination, info.filename), files: info.files.map((f) => f.path) };
}

/**
 * Copies the consumer template to `<workDir>/consumer` (without anything a local run left in it) and points
 * its `evergamma` dependency at `tarball`. Returns the consumer's folder.
 */
export function createConsumer(workDir: string, tarball: string): string {
  const consumer = path.join(workDir, "consumer");
  cpSync(CONSUMER_TEMPLATE, consumer, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|artifacts|cache|types)$|package-lock\.json$|\.tgz$/.test(source),
  });
  const manifestPath = path.join(consumer, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { dependencies: Record<string, string> };
  manifest.dependencies = { ...manifest.dependencies, evergamma: `file:${tarball}` };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
  return consumer;
}

/** `npm install` in the consumer: the tarball, its dependencies and the template's toolchain. */
export function installConsumer(consumer: string): Promise<CommandResult> {
  return npm(
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
    consumer,
    600_000,
  );
}

/** Runs one of the consumer's own command-line tools (`hardhat`, `tsc`) with this Node. */
export function consumerTool(consumer: string, tool: string, args: string[]): Promise<CommandResult> {
  const bin = path.join(consumer, "node_modules", ".bin", tool);
  return runCommand(process.execPath, [bin, ...args], consumer, 900_000, consumerEnv());
}
