/**
 * Shared fixtures for the TypeScript tests: one in-process connection per test process and a snapshot of the
 * deployed protocol that every test restores (so no test repeats the deployment or depends on another).
 */
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { deployEvergamma, type EvergammaDeployment } from "../deploy/evergamma.js";

export const connection = await network.getOrCreate();
export const { ethers, networkHelpers } = connection;

/** The deployed protocol plus named accounts (the deployer owns the seed vault and the pools' liquidity). */
export interface ProtocolFixture extends EvergammaDeployment {
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
}

/** A fresh deployment with default parameters (new addresses: the deployer's nonce has moved on). */
export async function deployProtocol(): Promise<ProtocolFixture> {
  const deployment = await deployEvergamma(connection);
  const [, alice, bob, carol, keeper] = await ethers.getSigners();
  return { ...deployment, alice, bob, carol, keeper };
}

/** The protocol as deployed with default parameters (ETH = 3000, NF = 1), restored from a snapshot. */
export function loadProtocol(): Promise<ProtocolFixture> {
  return networkHelpers.loadFixture(deployProtocol);
}
