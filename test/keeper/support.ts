/**
 * Shared by the keeper tests: a `hardhat node` child with the protocol (two markets: ETH², market 0, and ETH¹,
 * market 1), a KeeperHelper and a keeper funded with both markets' tokens; keeper
 * CLI child processes (every one of them killed at the end, even on failure); a TCP proxy that can be stopped to
 * make the RPC endpoint unreachable; and small chain helpers over HTTP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { Interface, parseEther } from "ethers";
import { privateKeyToAccount } from "viem/accounts";

import { advanceTime, setEthPrice, setTokenPrice, vaultIdOf } from "../../deploy/evergamma.js";
import { DEFAULT_OPTIONS, DEV_KEEPER_PRIVATE_KEY, type KeeperOptions } from "../../scripts/keeper/config.js";
import {
  ETH1_MARKET,
  deployKeeperDevnet,
  rpc,
  sendFrom,
  transferTokens,
  writeDevnetDeployment,
  type KeeperDevnet,
} from "../../scripts/keeper/fixture.js";
import type { HexAddress } from "../../scripts/lib/deploymentFile.js";
import { startHardhatNode, type HardhatNode } from "../../scripts/lib/hardhatNode.js";

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The keeper's default account (Hardhat development account #9). */
export const KEEPER_ADDRESS = privateKeyToAccount(DEV_KEEPER_PRIVATE_KEY).address;
/** Tokens of each market the keeper account gets from the deployer. */
export const KEEPER_TOKENS = parseEther("20");
export { ETH1_MARKET };

/** A node with the protocol deployed and the deployment file written. */
export interface TestDevnet extends KeeperDevnet {
  node: HardhatNode;
  dir: string;
  deploymentPath: string;
  /** Stops the node and removes the temporary directory. */
  stop(): Promise<void>;
}

/** Starts a node, deploys, writes the deployment file and gives the keeper account tokens of both markets. */
export async function startDevnet(): Promise<TestDevnet> {
  const node = await startHardhatNode();
  const dir = await mkdtemp(join(tmpdir(), "evergamma-keeper-test-"));
  const stop = async () => {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const devnet = await deployKeeperDevnet(node.url);
    const deploymentPath = join(dir, "localhost.json");
    await writeDevnetDeployment(devnet, deploymentPath);
    await transferTokens(devnet, devnet.accounts[0], KEEPER_ADDRESS, KEEPER_TOKENS, 0);
    await transferTokens(devnet, devnet.accounts[0], KEEPER_ADDRESS, KEEPER_TOKENS, ETH1_MARKET);
    return { ...devnet, node, dir, deploymentPath, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Keeper options for in-process ticks against the devnet. */
export function keeperOptions(devnet: TestDevnet, overrides: Partial<KeeperOptions> = {}): KeeperOptions {
  return { ...DEFAULT_OPTIONS, deploymentPath: devnet.deploymentPath, rpcUrl: devnet.url, ...overrides };
}

/** `evm_snapshot`. */
export async function snapshot(devnet: TestDevnet): Promise<string> {
  return (await rpc(devnet.url, "evm_snapshot")) as string;
}

/** `evm_revert` (the snapshot is consumed). */
export async function revert(devnet: TestDevnet, id: string): Promise<void> {
  if ((await rpc(devnet.url, "evm_revert", [id])) !== true) throw new Error(`evm_revert ${id} failed`);
}

const engineInterface = new Interface([
  "function mint(uint256 vaultId, uint256 amount) payable returns (uint256)",
  "event Liquidated(uint32 indexed marketId, uint256 indexed vaultId, address indexed liquidator, uint256 debtRepaid, uint256 collateralPaid)",
]);
const lensInterface = new Interface([
  "function vaultCount(uint32 marketId) view returns (uint256)",
  "function getVault(uint256 vaultId) view returns (address owner, address operator, uint256 collateral, uint256 debt)",
  "function lastFundingUpdate(uint32 marketId) view returns (uint256)",
  "function isVaultSafe(uint256 vaultId) view returns (bool)",
]);
const erc20Interface = new Interface(["function balanceOf(address account) view returns (uint256)"]);

async function call(devnet: TestDevnet, to: string, iface: Interface, name: string, args: unknown[] = []) {
  const data = iface.encodeFunctionData(name, args);
  const result = (await rpc(devnet.url, "eth_call", [{ to, data }, "latest"])) as string;
  return iface.decodeFunctionResult(name, result);
}

/** Opens a vault in a market (default 0) from an unlocked account: `collateral` ETH against `debt` tokens. */
export async function openVault(
  devnet: TestDevnet,
  from: HexAddress,
  collateral: string,
  debt: string,
  marketId = 0,
): Promise<bigint> {
  const data = engineInterface.encodeFunctionData("mint", [vaultIdOf(marketId, 0n), parseEther(debt)]);
  await sendFrom(devnet.url, from, devnet.engine, data, parseEther(collateral));
  const serial = (await call(devnet, devnet.lens, lensInterface, "vaultCount", [marketId]))[0] as bigint;
  return vaultIdOf(marketId, serial);
}

/** A vault's collateral and debt. */
export async function vaultOf(
  devnet: TestDevnet,
  vaultId: bigint,
): Promise<{ collateral: bigint; debt: bigint }> {
  const [, , collateral, debt] = await call(devnet, devnet.lens, lensInterface, "getVault", [vaultId]);
  return { collateral: collateral as bigint, debt: debt as bigint };
}

/** Whether a vault is safe. */
export async function isVaultSafe(devnet: TestDevnet, vaultId: bigint): Promise<boolean> {
  return (await call(devnet, devnet.lens, lensInterface, "isVaultSafe", [vaultId]))[0] as boolean;
}

/** A market's last funding update (default market 0). */
export async function lastFundingUpdate(devnet: TestDevnet, marketId = 0): Promise<bigint> {
  return (await call(devnet, devnet.lens, lensInterface, "lastFundingUpdate", [marketId]))[0] as bigint;
}

/** A balance of a market's token (default market 0). */
export async function tokenBalanceOf(devnet: TestDevnet, account: string, marketId = 0): Promise<bigint> {
  const token = devnet.tokens[marketId];
  return (await call(devnet, token, erc20Interface, "balanceOf", [account]))[0] as bigint;
}

/** How many `Liquidated` events each vault has had (all markets). */
export async function liquidationCounts(devnet: TestDevnet): Promise<Map<bigint, number>> {
  const event = engineInterface.getEvent("Liquidated");
  const logs = (await rpc(devnet.url, "eth_getLogs", [
    { address: devnet.engine, fromBlock: "0x0", toBlock: "latest", topics: [event?.topicHash] },
  ])) as { topics: string[] }[];
  const counts = new Map<bigint, number>();
  for (const log of logs) {
    const id = BigInt(log.topics[2]);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** ETH to 3400 and 600 s for the TWAP to follow: 1 ETH / 2 token vaults (~167% at 3000) become unsafe. */
export async function moveEthPriceUp(devnet: TestDevnet): Promise<void> {
  await setEthPrice(devnet.evergamma, 3400);
  await advanceTime(devnet.evergamma, 600);
}

/**
 * ETH¹ vaults are worth NF ETH per token of debt whatever ETH does: they become unsafe as funding raises NF. The
 * ETH¹ token is pushed to 0.8 ETH (mark / index at the 0.8 floor), its TWAP follows in 600 s, and a day later NF
 * has grown ~1.3%: a 1 ETH / 0.665 token vault (~150.4%) is then unsafe. Funding is due in both markets by then.
 */
export async function raiseEth1Funding(devnet: TestDevnet): Promise<void> {
  await setTokenPrice(devnet.evergamma, devnet.evergamma.markets[ETH1_MARKET], "0.8");
  await advanceTime(devnet.evergamma, 600);
  await advanceTime(devnet.evergamma, 86_400);
}

/** Mines a block `seconds` later. */
export async function advance(devnet: TestDevnet, seconds: number): Promise<void> {
  await advanceTime(devnet.evergamma, seconds);
}

/* KEEPER CLI CHILD PROCESSES */

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** A keeper CLI child with its output split into lines. */
export interface KeeperProcess {
  child: ChildProcess;
  stdoutLines: string[];
  stderrLines: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Waits for a stdout line whose JSON satisfies `match`; rejects after `timeoutMs` or when the child exits. */
  waitForLog(
    match: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

/** Parses a stdout line as a JSON object (throws when it is not one). */
export function parseLogLine(line: string): Record<string, unknown> {
  const value: unknown = JSON.parse(line);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`not an object: ${line}`);
  return value as Record<string, unknown>;
}

/** Starts `scripts/keeper/main.ts` (as `npm run keeper` does) with `args`. */
export function spawnKeeper(args: string[], env: NodeJS.ProcessEnv = {}): KeeperProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/keeper/main.ts", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, KEEPER_PRIVATE_KEY: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  const waiters = new Set<() => void>();
  const split = (target: string[]) => {
    let rest = "";
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString("utf8")).split("\n");
      rest = parts.pop() ?? "";
      target.push(...parts.filter((p) => p.trim() !== ""));
      for (const wake of waiters) wake();
    };
  };
  child.stdout?.on("data", split(stdoutLines));
  child.stderr?.on("data", split(stderrLines));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      for (const wake of waiters) wake();
      resolve(code);
    }),
  );
  const waitForLog = (match: (entry: Record<string, unknown>) => boolean, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < stdoutLines.length; seen++) {
          let entry: Record<string, unknown>;
          try {
            entry = parseLogLine(stdoutLines[seen]);
          } catch {
            continue;
          }
          if (match(entry)) return finish(() => resolve(entry));
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          finish(() => reject(new Error(`keeper exited (${child.exitCode}): ${stderrLines.join(" | ")}`)));
        }
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(`no matching log line in ${timeoutMs} ms: ${stdoutLines.slice(-3).join(" | ")}`),
            ),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  return { child, stdoutLines, stderrLines, exited, waitForLog };
}

/** Runs the keeper CLI to completion (killed after `timeoutMs`). */
export async function runKeeper(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 75_000, // a cold tsx start under a loaded CI machine can take tens of seconds
): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const keeper = spawnKeeper(args, env);
  const timer = setTimeout(() => keeper.child.kill("SIGKILL"), timeoutMs);
  const code = await keeper.exited;
  clearTimeout(timer);
  return { code, stdout: keeper.stdoutLines, stderr: keeper.stderrLines };
}

/** Kills every keeper child still running and waits for them. */
export async function killKeepers(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

/* TCP PROXY */

/** A TCP proxy to the node that can be stopped (the endpoint becomes unreachable) and started again. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  /**
   * @param port The port to listen on.
   * @param targetPort The node's port.
   */
  constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, "127.0.0.1");
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.once("close", () => this.sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  /** Refuses new connections and cuts the open ones. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
