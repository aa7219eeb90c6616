/**
 * `npm run pack:example`: packs this project, installs the tarball into a copy of `examples/consumer` in a
 * temporary folder outside the repository (see `scripts/lib/consumerProject.ts`), then runs the example's
 * tests and type-check there. Exit code 0 when every step passes, 1 otherwise (with the failing step's output).
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  consumerTool,
  createConsumer,
  installConsumer,
  packPackage,
  type CommandResult,
} from "./lib/consumerProject.js";

async function step(label: string, action: () => Promise<CommandResult>): Promise<void> {
  const start = Date.now();
  process.stdout.write(`${label}... `);
  const result = await action();
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  if (result.code !== 0) {
    console.log(`failed (${seconds} s)\n${result.output}`);
    throw new Error(`${label} failed`);
  }
  console.log(`ok (${seconds} s)`);
}

const work = mkdtempSync(path.join(tmpdir(), "evergamma-consumer-"));
try {
  process.stdout.write("npm pack... ");
  const { tarball } = await packPackage(work);
  console.log(path.basename(tarball));
  const consumer = createConsumer(work, tarball);
  console.log(`consumer project: ${consumer}`);
  await step("npm install (the tarball and its dependencies)", () => installConsumer(consumer));
  await step("hardhat test mocha", () => consumerTool(consumer, "hardhat", ["test", "mocha"]));
  await step("tsc --noEmit", () => consumerTool(consumer, "tsc", ["--noEmit", "-p", "."]));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
