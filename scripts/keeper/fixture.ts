/**
 * A keeper playground on a running `hardhat node` (used by the keeper tests and the keeper benchmark): deploys
 * the protocol with `deployEvergamma` and a KeeperHelper through an HTTP connection, writes the deployment file,
 * opens vaults in bulk (many `eth_sendTransaction` per JSON-RPC batch with automine off, mined in few blocks),
 * and funds a keeper account with power tokens from a vault of its own.
 *
 * @module
 */
import { Interface, parseEther, toQuantity } from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { deployEvergamma, deploymentAddresses, type EvergammaDeployment } from "../../deploy/evergamma.js";
import { writeDeploymentFile, type Deployment, type HexAddress } from "../lib/deploymentFile.js";

/** The protocol and a KeeperHelper deployed on a node. */
export interface KeeperDevnet {
  url: string;
  connection: NetworkConnection;
  evergamma: EvergammaDeployment;
  controller: HexAddress;
  keeperHelper: HexAddress;
  /** The deployment file contents (with "KeeperHelper"). */
  deployment: Deployment;
  /** The node's unlocked development accounts (#0 deployer, #1-#4 test users, #9 the default keeper). */
  accounts: HexAddress[];
}

/** A JSON-RPC call. */
export interface RpcCall {
  method: string;
  params: unknown[];
}

/**
 * Sends calls as one JSON-RPC batch.
 *
 * @returns The results, in order.
 * @throws Error with the first error message of the batch.
 */
export async function rpcBatch(url: string, calls: RpcCall[]): Promise<unknown[]> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map((call, id) => ({ jsonrpc: "2.0", id, ...call }))),
  });
  const answers = (await response.json()) as { id: number; result?: unknown; error?: { message: string } }[];
  answers.sort((a, b) => a.id - b.id);
  const failed = answers.find((a) => a.error !== undefined);
  if (failed?.error !== undefined) throw new Error(`${calls[failed.id].method}: ${failed.error.message}`);
  return answers.map((a) => a.result);
}

/** One JSON-RPC call. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  return (await rpcBatch(url, [{ method, params }]))[0];
}

/**
 * Deploys the protocol (deployEvergamma, default parameters: ETH = 3000, NF = 1, with its KeeperHelper:
 * recipient and owner the deployer, funding interval 1 hour) on the node at `url`.
 */
export async function deployKeeperDevnet(url: string): Promise<KeeperDevnet> {
  const connection = await network.create({ network: "localhost", override: { url } });
  const evergamma = await deployEvergamma(connection);
  const controller = (await evergamma.controller.getAddress()) as HexAddress;
  const keeperHelper = (await evergamma.keeperHelper.getAddress()) as HexAddress;
  const contracts = (await deploymentAddresses(evergamma)) as Record<string, HexAddress>;
  const chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  const accounts = (await rpc(url, "eth_accounts")) as HexAddress[];
  return {
    url,
    connection,
    evergamma,
    controller,
    keeperHelper,
    deployment: { chainId, rpcUrl: url, contracts },
    accounts,
  };
}

/** Writes the devnet's deployment file, optionally without some contracts (e.g. "KeeperHelper"). */
export async function writeDevnetDeployment(
  devnet: KeeperDevnet,
  path: string,
  omit: string[] = [],
): Promise<void> {
  const contracts = Object.fromEntries(
    Object.entries(devnet.deployment.contracts).filter(([name]) => !omit.includes(name)),
  ) as Record<string, HexAddress>;
  await writeDeploymentFile(path, { ...devnet.deployment, contracts });
}

/** A vault to open: ETH collateral and power tokens minted. */
export interface VaultSpec {
  collateral: bigint;
  debt: bigint;
}

const controllerInterface = new Interface([
  "function mint(uint256 vaultId, uint256 amount) payable returns (uint256)",
  "function openVault() returns (uint256)",
]);
const erc20Interface = new Interface(["function transfer(address to, uint256 amount) returns (bool)"]);

/**
 * Opens one vault per spec (`mint(0, debt)` with `collateral` ETH, or `openVault()` without debt), spread over
 * `senders` (unlocked node accounts). Automine is switched off while the transactions are queued in JSON-RPC
 * batches and mined a block at a time, then switched back on.
 *
 * @returns The number of blocks mined.
 */
export async function openVaults(
  url: string,
  controller: HexAddress,
  specs: readonly VaultSpec[],
  senders: readonly HexAddress[],
  batchSize = 500,
): Promise<number> {
  const nonces = (
    (await rpcBatch(
      url,
      senders.map((s) => ({ method: "eth_getTransactionCount", params: [s, "pending"] })),
    )) as string[]
  ).map((n) => Number(BigInt(n)));
  let blocks = 0;
  await rpc(url, "evm_setAutomine", [false]);
  try {
    for (let start = 0; start < specs.length; start += batchSize) {
      const calls: RpcCall[] = specs.slice(start, start + batchSize).map((spec, offset) => {
        const s = (start + offset) % senders.length;
        const data =
          spec.debt === 0n
            ? controllerInterface.encodeFunctionData("openVault", [])
            : controllerInterface.encodeFunctionData("mint", [0n, spec.debt]);
        return {
          method: "eth_sendTransaction",
          params: [
            {
              from: senders[s],
              to: controller,
              data,
              value: toQuantity(spec.debt === 0n ? 0n : spec.collateral),
              gas: toQuantity(400_000),
              nonce: toQuantity(nonces[s]++),
            },
          ],
        };
      });
      await rpcBatch(url, calls);
      await rpc(url, "evm_mine");
      blocks++;
    }
    // Blocks hold ~400 such transactions: mine until the mempool is empty.
    for (;;) {
      const pending = (await rpc(url, "eth_getBlockByNumber", ["pending", false])) as {
        transactions: string[];
      };
      if (pending.transactions.length === 0) break;
      await rpc(url, "evm_mine");
      blocks++;
    }
  } finally {
    await rpc(url, "evm_setAutomine", [true]);
  }
  return blocks;
}

/** Sends one transaction from an unlocked account (automine on) and checks its receipt. */
export async function sendFrom(
  url: string,
  from: HexAddress,
  to: HexAddress,
  data: string,
  value = 0n,
): Promise<void> {
  const hash = (await rpc(url, "eth_sendTransaction", [
    { from, to, data, value: toQuantity(value), gas: toQuantity(1_000_000) },
  ])) as string;
  const receipt = (await rpc(url, "eth_getTransactionReceipt", [hash])) as { status: string } | null;
  if (receipt === null || receipt.status !== "0x1") throw new Error(`transaction ${hash} failed`);
}

/**
 * Gives `keeper` power tokens by opening a vault for it (from its unlocked account) at 300% collateral:
 * `tokens` minted against `tokens x 0.9` ETH at ETH = 3000 (one token's debt is worth ~0.3 ETH there).
 */
export async function mintKeeperTokens(
  devnet: KeeperDevnet,
  keeper: HexAddress,
  tokens: bigint,
): Promise<void> {
  const collateral = (tokens * parseEther("0.9")) / parseEther("1");
  await sendFrom(
    devnet.url,
    keeper,
    devnet.controller,
    controllerInterface.encodeFunctionData("mint", [0n, tokens]),
    collateral,
  );
}

/** Transfers power tokens from an unlocked account (the deployer holds ~50 from the seed vault). */
export async function transferPowerTokens(
  devnet: KeeperDevnet,
  from: HexAddress,
  to: HexAddress,
  amount: bigint,
): Promise<void> {
  const token = devnet.deployment.contracts.PowerToken;
  await sendFrom(devnet.url, from, token, erc20Interface.encodeFunctionData("transfer", [to, amount]));
}
