/**
 * Starts and stops a `hardhat node` child process (this project's config, so chain id 31337 and the 20 funded
 * development accounts) on a free port, and waits until its JSON-RPC endpoint answers.
 *
 * ```ts
 * const node = await startHardhatNode();
 * try {
 *   // talk to node.url
 * } finally {
 *   await node.stop();
 * }
 * ```
 *
 * A node that is still running when the parent process exits is killed, and so is one whose parent receives
 * SIGINT, SIGTERM or SIGHUP without handling it, so a crashed or interrupted script leaves no node behind.
 *
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Options of {@link startHardhatNode}. */
export interface HardhatNodeOptions {
  /** Port to listen on. Default: a free port chosen by the operating system. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  hostname?: string;
  /** Keep the node's per-request console logging on (slow with many requests). Default false. */
  logging?: boolean;
  /** How long to wait for the endpoint to answer, in milliseconds. Default 60 s. */
  timeoutMs?: number;
  /** Called with every line the node prints (stdout and stderr). */
  onOutput?: (line: string) => void;
}

/** A running `hardhat node`. */
export interface HardhatNode {
  /** The JSON-RPC URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** The process id of the node. */
  pid: number;
  /** Stops the node (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** The project root: this file lives in `scripts/lib/`. */
const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Hardhat's CLI entry, next to its main module. */
const HARDHAT_CLI = join(dirname(fileURLToPath(import.meta.resolve("hardhat"))), "cli.js");
const OUTPUT_TAIL_LINES = 40;
const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Asks the operating system for a free TCP port on `hostname`. */
export async function findFreePort(hostname = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, hostname, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** Sends one JSON-RPC request with `fetch`; resolves with the result or rejects. */
async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(2000),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error !== undefined) throw new Error(body.error.message ?? `${method} failed`);
  return body.result;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Kills a child process and waits for its exit (SIGTERM, then SIGKILL after `graceMs`). */
export async function killChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `hardhat node` as a child process and resolves once `eth_chainId` answers.
 *
 * @throws Error (with the node's last output lines) when the node exits early or does not answer in time.
 */
export async function startHardhatNode(options: HardhatNodeOptions = {}): Promise<HardhatNode> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? (await findFreePort(hostname));
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  const tail: string[] = [];

  const child = spawn(
    process.execPath,
    [HARDHAT_CLI, "node", "--hostname", hostname, "--port", String(port)],
    { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
  );
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  // A signal nobody else handles ends the node, then this process, as the signal's default action would (exit
  // code 128 + signal number). A process with its own handler for the signal stops the node itself.
  const onSignal = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return;
    killOnExit();
    process.exit(128 + (constants.signals[signal] ?? 0));
  };
  process.once("exit", killOnExit);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      tail.push(line);
      if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= killChild(child).finally(() => {
      process.removeListener("exit", killOnExit);
      for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
    });
    return stopping;
  };

  let exitedEarly = false;
  child.once("exit", () => (exitedEarly = true));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exitedEarly) {
      await stop();
      throw new Error(`hardhat node exited before answering on ${url}: ${tail.slice(-5).join(" | ")}`);
    }
    try {
      await rpc(url, "eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`hardhat node did not answer on ${url} in time: ${tail.slice(-5).join(" | ")}`);
      }
      await sleep(100);
    }
  }
  if (options.logging !== true) await rpc(url, "hardhat_setLoggingEnabled", [false]);
  if (child.pid === undefined) throw new Error("hardhat node has no pid");
  return { url, port, pid: child.pid, stop };
}
