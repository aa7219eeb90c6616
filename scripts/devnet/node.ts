/**
 * The devnet's chain: a `hardhat node` child process on a fixed port (see `scripts/lib/hardhatNode.ts`),
 * after checking that the port is free so that a second devnet fails with a clear message instead of
 * deploying to the first one's chain.
 *
 * @module
 */
import { createServer } from "node:net";

import { startHardhatNode, type HardhatNode } from "../lib/hardhatNode.js";

/** Resolves whether nothing listens on `hostname:port`. */
export function isPortFree(port: number, hostname: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, hostname, () => server.close(() => resolve(true)));
  });
}

/** The devnet's port is taken: the message is the whole story (no stack trace). */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

/**
 * Starts the node on `hostname:port`.
 *
 * @throws PortInUseError when the port is taken; Error when the node does not come up.
 */
export async function startDevnetNode(port: number, hostname: string): Promise<HardhatNode> {
  if (!(await isPortFree(port, hostname))) {
    throw new PortInUseError(
      `port ${port} on ${hostname} is already in use (another devnet or node?): stop it or pass --port`,
    );
  }
  return startHardhatNode({ port, hostname });
}
