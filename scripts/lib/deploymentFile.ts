/**
 * The deployment file (`deployments/<network>.json`): its format and validation live in the client
 * (`client/deployment.ts`, shipped with the package); this module adds writing it.
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import { parseDeployment, type Deployment } from "../../client/deployment.js";

export {
  DeploymentFileError,
  parseDeployment,
  readDeploymentFile,
  REQUIRED_CONTRACTS,
  selectMarket,
  type DeployedMarket,
  type DeployedMarketParams,
  type Deployment,
  type HexAddress,
  type RequiredContract,
} from "../../client/deployment.js";

/**
 * Validates and writes a deployment file (creating its directory), formatted with two-space indentation.
 *
 * @param path The file path.
 * @param deployment The deployment to write.
 */
export async function writeDeploymentFile(path: string, deployment: Deployment): Promise<void> {
  const checked = parseDeployment(deployment, `deployment for ${path}`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(checked, null, 2) + "\n");
}
