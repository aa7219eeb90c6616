/**
 * Hardhat tasks for users of a deployed Evergamma (they read `deployments/<network>.json`).
 */
import type { TaskDefinition } from "hardhat/types/tasks";

export const evergammaTasks: TaskDefinition[] = [];
