/**
 * The simulation's own liquidator, for runs without the keeper (the standalone simulation, `--no-keeper`): after
 * each step it liquidates every vault the lens's `previewLiquidation` calls liquidatable, repaying as much debt as
 * allowed with the tokens the account holds (the arbitrage bots' inventory).
 *
 * @module
 */
import type { Signer } from "ethers";

import { vaultIdOf, type EvergammaDeployment } from "../../deploy/evergamma.js";

/** Liquidates every liquidatable vault of every market it holds tokens for; resolves with how many it did. */
export async function liquidateUnsafe(d: EvergammaDeployment, signer: Signer): Promise<number> {
  const owner = await signer.getAddress();
  const engine = d.engine.connect(signer);
  let done = 0;
  for (const m of d.markets) {
    const count = await d.lens.vaultCount(m.id);
    for (let serial = 1n; serial <= count; serial++) {
      const id = vaultIdOf(m.id, serial);
      const [liquidatable, maxDebt] = await d.lens.previewLiquidation(id);
      if (!liquidatable || maxDebt === 0n) continue;
      const balance = await m.token.balanceOf(owner);
      const amount = maxDebt < balance ? maxDebt : balance;
      if (amount === 0n) continue;
      try {
        await (await engine.liquidate(id, amount)).wait();
        done++;
      } catch {
        // Another liquidator was first, or the vault recovered: nothing to do.
      }
    }
  }
  return done;
}
