/**
 * Deployed (runtime) and init code size of every contract under contracts/ (mocks listed apart), against the
 * limits of EIP-170 (24,576 bytes of runtime code) and EIP-3860 (49,152 bytes of init code).
 *
 * Prints a table, writes bench/size.json and exits 1 when a protocol contract (not a mock) is over a limit, so
 * that CI fails before a deployment would. Run with `npm run bench:size` after a build.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** EIP-170: the largest runtime code a contract may have, in bytes. */
export const RUNTIME_SIZE_LIMIT_BYTES = 24_576;
/** EIP-3860: the largest init code a creation transaction may carry, in bytes. */
export const INIT_SIZE_LIMIT_BYTES = 49_152;

const ARTIFACTS_DIR = path.join("artifacts", "contracts");

export interface ContractSize {
  contract: string;
  runtimeBytes: number;
  initBytes: number;
  runtimeMarginBytes: number;
  mock: boolean;
}

interface Artifact {
  contractName: string;
  sourceName: string;
  bytecode: string;
  deployedBytecode: string;
}

function hexBytes(hex: string): number {
  return (hex.length - 2) / 2;
}

async function artifactFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return artifactFiles(full);
      return Promise.resolve(entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json") ? [full] : []);
    }),
  );
  return nested.flat();
}

/** Every deployable contract's sizes, largest runtime first (interfaces and libraries without code are left out). */
export async function contractSizes(): Promise<ContractSize[]> {
  const sizes: ContractSize[] = [];
  for (const file of await artifactFiles(ARTIFACTS_DIR)) {
    const artifact = JSON.parse(await readFile(file, "utf8")) as Partial<Artifact>;
    if (typeof artifact.deployedBytecode !== "string" || typeof artifact.bytecode !== "string") continue;
    const runtimeBytes = hexBytes(artifact.deployedBytecode);
    if (runtimeBytes === 0) continue;
    const source = artifact.sourceName ?? file;
    sizes.push({
      contract: `${path.dirname(source).replace(/^contracts\/?/, "")}/${artifact.contractName ?? path.basename(file, ".json")}`,
      runtimeBytes,
      initBytes: hexBytes(artifact.bytecode),
      runtimeMarginBytes: RUNTIME_SIZE_LIMIT_BYTES - runtimeBytes,
      mock: source.startsWith("contracts/mocks/"),
    });
  }
  return sizes.sort((a, b) => b.runtimeBytes - a.runtimeBytes);
}

/** Protocol contracts (not mocks) over either limit. */
export function oversized(sizes: ContractSize[]): ContractSize[] {
  return sizes.filter(
    (size) =>
      !size.mock && (size.runtimeBytes > RUNTIME_SIZE_LIMIT_BYTES || size.initBytes > INIT_SIZE_LIMIT_BYTES),
  );
}

async function main(): Promise<void> {
  const sizes = await contractSizes();
  if (sizes.length === 0) {
    console.error("bench:size: no artifacts under artifacts/contracts; run `./evergamma build` first");
    process.exit(2);
  }
  console.table(sizes);
  await mkdir("bench", { recursive: true });
  await writeFile(
    path.join("bench", "size.json"),
    `${JSON.stringify({ runtimeLimitBytes: RUNTIME_SIZE_LIMIT_BYTES, initLimitBytes: INIT_SIZE_LIMIT_BYTES, contracts: sizes }, null, 2)}\n`,
  );
  console.log("wrote bench/size.json");
  const over = oversized(sizes);
  for (const size of over) {
    console.error(
      `bench:size: ${size.contract} is ${size.runtimeBytes} bytes of runtime code (limit ${RUNTIME_SIZE_LIMIT_BYTES}) and ${size.initBytes} bytes of init code (limit ${INIT_SIZE_LIMIT_BYTES})`,
    );
  }
  if (over.length !== 0) process.exit(1);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
