/**
 * Batched vault health checks through KeeperHelper's paged view `getLiquidatableVaults(marketId, startSerial,
 * count)`: every market's serials 1 to the lens's `vaultCount(marketId)` are cut into pages of at most
 * `--page-size`, and every page of every market is read at the tick's pinned block, a few pages per JSON-RPC batch.
 * Never one call per vault, and no event scanning: a market's vault serials are sequential.
 *
 * Without a deployed KeeperHelper (no "KeeperHelper" in the deployment file), the same view runs as a deployless
 * call: the helper's creation bytecode (from the compiled artifact) is executed inside `eth_call`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { decodeFunctionResult, encodeDeployData, encodeFunctionData, type Address, type Hex } from "viem";

import { keeperHelperAbi } from "./abi.js";
import { ExitCode, KeeperError } from "./errors.js";
import type { KeeperClient } from "./rpc.js";

/** One page's answer: liquidatable ids and how many scanned vaults have debt. */
export interface PageHealth {
  vaultIds: readonly bigint[];
  withDebt: bigint;
}

/** Reads one page of vault health at a block. */
export interface HealthReader {
  /** "deployed" (a KeeperHelper address) or "deployless" (its bytecode in `eth_call`). */
  readonly mode: "deployed" | "deployless";
  /** The helper's address (deployed mode). */
  readonly address?: Address;
  readPage(marketId: number, startSerial: bigint, count: bigint, blockNumber: bigint): Promise<PageHealth>;
}

/** The result of a full health scan of one market. */
export interface HealthScan {
  marketId: number;
  /** Vaults scanned (the market's vault count). */
  scanned: number;
  /** Scanned vaults with debt. */
  withDebt: number;
  /** Liquidatable vault ids of the market, ascending. */
  liquidatable: bigint[];
  /** Health-check calls made. */
  pages: number;
  durationMs: number;
}

/** The health view of a deployed KeeperHelper. */
export function deployedHealthReader(client: KeeperClient, address: Address): HealthReader {
  return {
    mode: "deployed",
    address,
    async readPage(marketId, startSerial, count, blockNumber) {
      const [vaultIds, withDebt] = await client.readContract({
        address,
        abi: keeperHelperAbi,
        functionName: "getLiquidatableVaults",
        args: [marketId, startSerial, count],
        blockNumber,
      });
      return { vaultIds, withDebt };
    },
  };
}

/** Where the compiled KeeperHelper lives, relative to this file (scripts/keeper/). */
const KEEPER_HELPER_ARTIFACT = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "artifacts",
  "contracts",
  "periphery",
  "KeeperHelper.sol",
  "KeeperHelper.json",
);

/**
 * The health view run deployless: KeeperHelper's creation code, constructed for `engine`, inside `eth_call`.
 *
 * @throws KeeperError (deployment) when the artifact has not been built.
 */
export function deploylessHealthReader(client: KeeperClient, engine: Address): HealthReader {
  let bytecode: Hex;
  try {
    const artifact = JSON.parse(readFileSync(KEEPER_HELPER_ARTIFACT, "utf8")) as { bytecode?: unknown };
    if (typeof artifact.bytecode !== "string" || !artifact.bytecode.startsWith("0x"))
      throw new Error("no bytecode");
    bytecode = artifact.bytecode as Hex;
  } catch {
    throw new KeeperError(
      ExitCode.Deployment,
      'the deployment file has no "KeeperHelper" and its artifact is not built (run `npx hardhat build`)',
    );
  }
  // The recipient and owner only matter for upkeeps; any non-zero address will do for a view.
  const code = encodeDeployData({
    abi: keeperHelperAbi,
    bytecode,
    args: [engine, engine, 3600n, engine],
  });
  return {
    mode: "deployless",
    async readPage(marketId, startSerial, count, blockNumber) {
      const { data } = await client.call({
        code,
        data: encodeFunctionData({
          abi: keeperHelperAbi,
          functionName: "getLiquidatableVaults",
          args: [marketId, startSerial, count],
        }),
        blockNumber,
      });
      if (data === undefined) throw new Error("deployless getLiquidatableVaults returned no data");
      const [vaultIds, withDebt] = decodeFunctionResult({
        abi: keeperHelperAbi,
        functionName: "getLiquidatableVaults",
        data,
      });
      return { vaultIds, withDebt };
    },
  };
}

/** A page of one market's serials: `startSerial` to `startSerial + count - 1`. */
export interface Page {
  marketId: number;
  startSerial: bigint;
  count: bigint;
}

/** Cuts a market's serials 1 to `vaultCount` into pages of at most `pageSize`. */
export function toPages(marketId: number, vaultCount: bigint, pageSize: number): Page[] {
  const pages: Page[] = [];
  const size = BigInt(pageSize);
  for (let start = 1n; start <= vaultCount; start += size) {
    const rest = vaultCount - start + 1n;
    pages.push({ marketId, startSerial: start, count: rest < size ? rest : size });
  }
  return pages;
}

/** Pages in flight at once (each JSON-RPC batch carries up to this many health calls). */
const PAGE_CONCURRENCY = 4;

/**
 * Checks the health of every vault of every given market at `blockNumber`: the pages of all markets share one
 * pool of concurrent reads.
 *
 * @param reader The health view.
 * @param markets Each market's id and vault count (its serials run from 1 to it).
 * @param pageSize Vaults per call.
 * @param blockNumber The pinned block.
 * @returns One scan per market, in the order given (`durationMs`: the wall time of the whole scan).
 */
export async function scanHealth(
  reader: HealthReader,
  markets: readonly { marketId: number; vaultCount: bigint }[],
  pageSize: number,
  blockNumber: bigint,
): Promise<HealthScan[]> {
  const started = performance.now();
  const pages = markets.flatMap((m) => toPages(m.marketId, m.vaultCount, pageSize));
  const results: PageHealth[] = new Array<PageHealth>(pages.length);
  let next = 0;
  const worker = async () => {
    while (next < pages.length) {
      const index = next++;
      const page = pages[index];
      results[index] = await reader.readPage(page.marketId, page.startSerial, page.count, blockNumber);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PAGE_CONCURRENCY, pages.length) }, worker));
  const durationMs = Math.round(performance.now() - started);
  return markets.map(({ marketId, vaultCount }) => {
    const liquidatable: bigint[] = [];
    let withDebt = 0;
    let count = 0;
    for (const [index, page] of pages.entries()) {
      if (page.marketId !== marketId) continue;
      count++;
      liquidatable.push(...results[index].vaultIds);
      withDebt += Number(results[index].withDebt);
    }
    return { marketId, scanned: Number(vaultCount), withDebt, liquidatable, pages: count, durationMs };
  });
}
