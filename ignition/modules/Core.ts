/**
 * The engine and what every market shares: the everlasting-option pricer, the engine (also the vault NFT), its
 * lens, the keeper helper and the pool initializer the market modules create pools with. Parameters (module
 * `EvergammaCore`):
 *
 * - `owner`: the engine's and the keeper helper's owner. It must be the deploying account, which then lists the
 *   markets (`createMarket` is owner-only); hand ownership to a multisig afterwards (`Ownable2Step`, docs/deploy.md).
 * - `keeperRecipient`: where the keeper helper's liquidation proceeds go.
 * - `keeperFundingIntervalSeconds`: the keeper helper applies funding when the last update is older (default 3600).
 *
 * @module
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Default funding interval of the keeper helper, seconds. */
export const KEEPER_FUNDING_INTERVAL_SECONDS = 3600;

export default buildModule("EvergammaCore", (m) => {
  const owner = m.getParameter<string>("owner");
  const keeperRecipient = m.getParameter<string>("keeperRecipient");
  const interval = m.getParameter<number>("keeperFundingIntervalSeconds", KEEPER_FUNDING_INTERVAL_SECONDS);
  const pricer = m.contract("EverlastingOptionPricer");
  const engine = m.contract("Evergamma", [owner, pricer]);
  const lens = m.contract("EvergammaLens", [engine]);
  const keeperHelper = m.contract("KeeperHelper", [engine, keeperRecipient, interval, owner]);
  // Last, so that the engine's side keeps the addresses it had before the initializer existed.
  const poolInitializer = m.contract("MarketPoolInitializer", [], { after: [keeperHelper] });
  return { pricer, engine, lens, keeperHelper, poolInitializer };
});
