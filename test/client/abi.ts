/**
 * The client's committed ABIs (`client/abi/*.ts`) against the compiled artifacts: the files are exactly what
 * `npm run abi` generates from them now, their values equal the artifacts' ABIs, and a changed artifact (an event
 * gaining a field, say) makes the check fail.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import hre from "hardhat";

import {
  evergammaAbi,
  evergammaErrorsAbi,
  evergammaLensAbi,
  keeperHelperAbi,
  marketTokenAbi,
} from "../../client/index.js";
import { ABI_SOURCES, collectErrors, PROJECT_ROOT, staleAbiFiles } from "../../scripts/abi.js";

describe("TypeScript client ABIs", function () {
  it("are what `npm run abi` generates from the artifacts (run it after changing a contract)", async function () {
    expect(await staleAbiFiles()).to.deep.equal([]);
  });

  it("equal the compiled contracts' ABIs, and the errors file holds every error once", async function () {
    const committed = {
      Evergamma: evergammaAbi,
      EvergammaLens: evergammaLensAbi,
      KeeperHelper: keeperHelperAbi,
      MarketToken: marketTokenAbi,
    };
    const artifacts = [];
    for (const [name, abi] of Object.entries(committed)) {
      const artifact = await hre.artifacts.readArtifact(name);
      expect(abi, name).to.deep.equal(artifact.abi);
      artifacts.push(artifact.abi);
    }
    expect(evergammaErrorsAbi).to.deep.equal(collectErrors(artifacts));
    const names = evergammaErrorsAbi.map((e) => e.name);
    expect(names).to.include.members([
      "VaultUnsafe",
      "PageTooLarge",
      "ERC20InsufficientBalance",
      "MarketNotFound",
    ]);
    const signatures = evergammaErrorsAbi.map((e) => `${e.name}(${e.inputs.map((i) => i.type).join(",")})`);
    expect(new Set(signatures).size).to.equal(signatures.length);
  });

  it("fails the check when an artifact changes", async function () {
    const root = await mkdtemp(path.join(tmpdir(), "evergamma-abi-"));
    try {
      for (const source of ABI_SOURCES) {
        const dir = path.join("artifacts", "contracts", source.source);
        await cp(path.join(PROJECT_ROOT, dir), path.join(root, dir), { recursive: true });
      }
      await cp(path.join(PROJECT_ROOT, "client", "abi"), path.join(root, "client", "abi"), {
        recursive: true,
      });
      expect(await staleAbiFiles(root)).to.deep.equal([]);
      const file = path.join(root, "artifacts", "contracts", "core", "Evergamma.sol", "Evergamma.json");
      const artifact = JSON.parse(await readFile(file, "utf8")) as {
        abi: { name?: string; inputs?: object[] }[];
      };
      const event = artifact.abi.find((item) => item.name === "NormalizationFactorUpdated");
      event?.inputs?.push({ indexed: false, internalType: "uint256", name: "previous", type: "uint256" });
      await writeFile(file, JSON.stringify(artifact));
      expect(await staleAbiFiles(root)).to.deep.equal(["client/abi/evergamma.ts"]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
