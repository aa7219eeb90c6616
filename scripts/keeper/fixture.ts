/**
 * A keeper playground on a running `hardhat node` (used by the keeper tests and the keeper benchmark): deploys
 * the protocol with `deployEvergamma` (two markets: ETH², market 0, and ETH¹, market 1) and its KeeperHelper
 * through an HTTP connection, writes the deployment file (`deploymentRecord`), opens vaults in bulk in any market
 * (many `eth_sendTransaction` per JSON-RPC batch with automine off, mined in few blocks), and funds a keeper
 * account with market tokens.
 *
 * @module
 */
import { Interface, parseEther, toQuantity } from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import {
  deployEvergamma,
  deploymentRecord,
  vaultIdOf,
  type EvergammaDeployment,
} from "../../deploy/evergamma.js";
import { writeDeploymentFile, type Deployment, type HexAddress } from "../lib/deploymentFile.js";

/** The markets the devnet creates: ETH² (market 0, Squeeth's terms) and ETH¹ (market 1: n = 1, scale 1). */
export const DEVNET_MARKETS = [{ name: "ETH2" }, { name: "ETH1", params: { power: 1, indexScale: 1n } }];

/** The ETH¹ market's id on the devnet. */
export const ETH1_MARKET = 1;

/** The protocol and a KeeperHelper deployed on a node. */
export interface KeeperDevnet {
  url: string;
  connection: NetworkConnection;
  evergamma: EvergammaDeployment;
  engine: HexAddress;
  lens: HexAddress;
  keeperHelper: HexAddress;
  /** Each market's token, by market id. */
  tokens: HexAddress[];
  /** The deployment file contents (with "KeeperHelper" and both markets). */
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
 * Deploys the protocol (deployEvergamma with {@link DEVNET_MARKETS}, default parameters otherwise: ETH = 3000,
 * NF = 1, with its KeeperHelper: recipient and owner the deployer, funding interval 1 hour) on the node at `url`.
 */
export async function deployKeeperDevnet(url: string): Promise<KeeperDevnet> {
  const connection = await network.create({ network: "localhost", override: { url } });
  const evergamma = await deployEvergamma(connection, { markets: DEVNET_MARKETS });
  const engine = (await evergamma.engine.getAddress()) as HexAddress;
  const lens = (await evergamma.lens.getAddress()) as HexAddress;
  const keeperHelper = (await evergamma.keeperHelper.getAddress()) as HexAddress;
  const { contracts, markets } = await deploymentRecord(evergamma);
  const tokens = Object.values(markets)
    .sort((a, b) => a.id - b.id)
    .map((m) => m.token);
  const chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  const accounts = (await rpc(url, "eth_accounts")) as HexAddress[];
  return {
    url,
    connection,
    evergamma,
    engine,
    lens,
    keeperHelper,
    tokens,
    deployment: { chainId, rpcUrl: url, contracts, markets },
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

/** A vault to open: its market (default 0), ETH collateral and tokens minted. */
export interface VaultSpec {
  marketId?: number;
  collateral: bigint;
  debt: bigint;
}

const engineInterface = new Interface([
  "function mint(uint256 vaultId, uint256 amount) payable returns (uint256)",
  "function openVault(uint32 marketId) returns (uint256)",
]);
const erc20Interface = new Interface(["function transfer(address to, uint256 amount) returns (bool)"]);

/**
 * Opens one vault per spec (`mint(newVaultId, debt)` in the spec's market with `collateral` ETH, or
 * `openVault(marketId)` without debt), spread over `senders` (unlocked node accounts). Automine is switched off while the transactions are queued in JSON-RPC
 * batches and mined a block at a time, then switched back on.
 *
 * @returns The number of blocks mined.
 */
export async function openVaults(
  url: string,
  engine: HexAddress,
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
        const marketId = spec.marketId ?? 0;
        const data =
          spec.debt === 0n
            ? engineInterface.encodeFunctionData("openVault", [marketId])
            : engineInterface.encodeFunctionData("mint", [vaultIdOf(marketId, 0n), spec.debt]);
        return {
          method: "eth_sendTransaction",
          params: [
            {
              from: senders[s],
              to: engine,
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
 * Gives `keeper` tokens of a market by opening a vault for it (from its unlocked account) at 300% collateral:
 * `tokens` minted against `tokens x 0.9` ETH in ETH² at ETH = 3000 (one token's debt is worth ~0.3 ETH there), or
 * `tokens x 3` ETH in ETH¹ (one token is worth ~1 ETH).
 */
export async function mintKeeperTokens(
  devnet: KeeperDevnet,
  keeper: HexAddress,
  tokens: bigint,
  marketId = 0,
): Promise<void> {
  const perToken = marketId === ETH1_MARKET ? parseEther("3") : parseEther("0.9");
  const collateral = (tokens * perToken) / parseEther("1");
  await sendFrom(
    devnet.url,
    keeper,
    devnet.engine,
    engineInterface.encodeFunctionData("mint", [vaultIdOf(marketId, 0n), tokens]),
    collateral,
  );
}

/** Transfers a market's tokens from an unlocked account (the deployer holds ~50 of each from the seed vaults). */
export async function transferTokens(
  devnet: KeeperDevnet,
  from: HexAddress,
  to: HexAddress,
  amount: bigint,
  marketId = 0,
): Promise<void> {
  const token = devnet.tokens[marketId];
  await sendFrom(devnet.url, from, token, erc20Interface.encodeFunctionData("transfer", [to, amount]));
}
