/**
 * Batched vault health checks through KeeperHelper's paged view `getLiquidatableVaults(startId, count)`: the
 * known vault ids are cut into pages of contiguous ids (at most `--page-size`), and every page is read at the
 * tick's pinned block, a few pages per JSON-RPC batch. Never one call per vault.
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
  readPage(startId: bigint, count: bigint, blockNumber: bigint): Promise<PageHealth>;
}

/** The result of a full health scan. */
export interface HealthScan {
  /** Vault ids scanned. */
  scanned: number;
  /** Scanned vaults with debt. */
  withDebt: number;
  /** Liquidatable vault ids, ascending. */
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
    async readPage(startId, count, blockNumber) {
      const [vaultIds, withDebt] = await client.readContract({
        address,
        abi: keeperHelperAbi,
        functionName: "getLiquidatableVaults",
        args: [startId, count],
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
 * The health view run deployless: KeeperHelper's creation code, constructed for `controller`, inside `eth_call`.
 *
 * @throws KeeperError (deployment) when the artifact has not been built.
 */
export function deploylessHealthReader(client: KeeperClient, controller: Address): HealthReader {
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
    args: [controller, controller, 3600n, controller],
  });
  return {
    mode: "deployless",
    async readPage(startId, count, blockNumber) {
      const { data } = await client.call({
        code,
        data: encodeFunctionData({
          abi: keeperHelperAbi,
          functionName: "getLiquidatableVaults",
          args: [startId, count],
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

/** A page of contiguous vault ids. */
export interface Page {
  startId: bigint;
  count: bigint;
}

/** Cuts ascending vault ids into pages of contiguous ids, each at most `pageSize` long. */
export function toPages(ids: readonly bigint[], pageSize: number): Page[] {
  const pages: Page[] = [];
  const size = BigInt(pageSize);
  let i = 0;
  while (i < ids.length) {
    const startId = ids[i];
    let count = 1n;
    while (i + 1 < ids.length && ids[i + 1] === startId + count && count < size) {
      count++;
      i++;
    }
    pages.push({ startId, count });
    i++;
  }
  return pages;
}

/** Pages in flight at once (each JSON-RPC batch carries up to this many health calls). */
const PAGE_CONCURRENCY = 4;

/**
 * Checks the health of every known vault at `blockNumber`.
 *
 * @param reader The health view.
 * @param ids Known vault ids, ascending.
 * @param pageSize Vaults per call.
 * @param blockNumber The pinned block.
 */
export async function scanHealth(
  reader: HealthReader,
  ids: readonly bigint[],
  pageSize: number,
  blockNumber: bigint,
): Promise<HealthScan> {
  const started = performance.now();
  const pages = toPages(ids, pageSize);
  const results: PageHealth[] = new Array<PageHealth>(pages.length);
  let next = 0;
  const worker = async () => {
    while (next < pages.length) {
      const index = next++;
      results[index] = await reader.readPage(pages[index].startId, pages[index].count, blockNumber);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PAGE_CONCURRENCY, pages.length) }, worker));
  const liquidatable: bigint[] = [];
  let withDebt = 0;
  for (const page of results) {
    liquidatable.push(...page.vaultIds);
    withDebt += Number(page.withDebt);
  }
  return {
    scanned: ids.length,
    withDebt,
    liquidatable,
    pages: pages.length,
    durationMs: Math.round(performance.now() - started),
  };
}
