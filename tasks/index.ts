/**
 * Hardhat tasks for users of a deployed Evergamma. They read `deployments/<network>.json` (the folder can be
 * moved with `EVERGAMMA_DEPLOYMENTS_DIR`), e.g. `npx hardhat vault:status --id 2 --network localhost`.
 *
 * Every task works on one market: `--market` (an id or a name, default the first market of the deployment file),
 * or the market of the `--id` vault. Amounts are decimal: ETH for collateral, whole tokens (18 decimals) for
 * debt. `--from` picks the sending account: an index into the network's accounts or one of their addresses
 * (default: the first).
 * State-changing tasks do all they say or nothing (balances checked and the action simulated before the first
 * transaction) and print each transaction's hash and gas used. Bad arguments print `Error: ...` on stderr,
 * send nothing and exit with code 1. The actions call the engine and the lens through the TypeScript client
 * (`client/`, built per task in `loadContext`), like the keeper and the devnet status.
 *
 * @module
 */
import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { TaskDefinition } from "hardhat/types/tasks";

const from = {
  name: "from",
  type: ArgumentType.STRING,
  defaultValue: "",
  description: "Sending account: an account index or address (default: the first account)",
} as const;
const id = {
  name: "id",
  type: ArgumentType.STRING,
  defaultValue: "",
  description:
    "Vault id (required): a full vault id, or a serial in --market (market 0's ids are its serials)",
} as const;
const market = {
  name: "market",
  type: ArgumentType.STRING,
  defaultValue: "",
  description: 'Market: an id ("1") or a name ("ETH1") from the deployment file (default: the first market)',
} as const;
const json = { name: "json", description: "Print machine-readable JSON (amounts in wei / WAD)" } as const;
const csv = { name: "csv", description: "Print CSV rows with a header (amounts in wei / WAD)" } as const;
const fromBlock = {
  name: "fromBlock",
  type: ArgumentType.STRING,
  defaultValue: "0",
  description: "First block to read events from",
} as const;

const parametersOption = {
  name: "parameters",
  type: ArgumentType.STRING,
  defaultValue: "",
  description: "Deployment parameters file (ignition/parameters/<network>.json)",
} as const;
const rpcOption = {
  name: "rpc",
  type: ArgumentType.STRING,
  defaultValue: "",
  description: "JSON-RPC URL overriding the http network's url",
} as const;

export const evergammaTasks: TaskDefinition[] = [
  task(
    "option:quote",
    "Quotes an everlasting option market: payoff, mark, implied volatility, fair value, funding, Greeks",
  )
    .addOption(market)
    .addOption({
      name: "spot",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: "Price a scenario at this ETH price in USD (default: the market's TWAP)",
    })
    .addOption({
      name: "volatility",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: "Price a scenario at this volatility, e.g. 0.8 (default: the mark's implied volatility)",
    })
    .addFlag(json)
    .setAction(() => import("./option.js").then((m) => ({ default: m.optionQuote })))
    .build(),

  task("vault:open", "Opens a vault, optionally depositing ETH collateral and minting power tokens")
    .addOption({
      name: "collateral",
      type: ArgumentType.STRING,
      defaultValue: "0",
      description: "ETH to deposit",
    })
    .addOption({
      name: "mint",
      type: ArgumentType.STRING,
      defaultValue: "0",
      description: "Power tokens to mint (needs at least 150% collateral)",
    })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./vault.js").then((m) => ({ default: m.openVault })))
    .build(),

  task("vault:deposit", "Adds ETH collateral to a vault (anyone may deposit)")
    .addOption(id)
    .addOption({ name: "amount", type: ArgumentType.STRING, defaultValue: "", description: "ETH to deposit" })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./vault.js").then((m) => ({ default: m.depositVault })))
    .build(),

  task("vault:withdraw", "Withdraws ETH collateral from a vault (owner or operator)")
    .addOption(id)
    .addOption({
      name: "amount",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: 'ETH to withdraw, or "all"',
    })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./vault.js").then((m) => ({ default: m.withdrawVault })))
    .build(),

  task("vault:mint", "Mints power tokens against a vault (owner or operator)")
    .addOption(id)
    .addOption({
      name: "amount",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: "Power tokens to mint",
    })
    .addOption({
      name: "collateral",
      type: ArgumentType.STRING,
      defaultValue: "0",
      description: "ETH to deposit first",
    })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./vault.js").then((m) => ({ default: m.mintVault })))
    .build(),

  task(
    "vault:burn",
    "Burns power tokens against a vault's debt, optionally withdrawing ETH (owner or operator)",
  )
    .addOption(id)
    .addOption({
      name: "amount",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: 'Power tokens to burn, or "all" for the whole debt',
    })
    .addOption({
      name: "withdraw",
      type: ArgumentType.STRING,
      defaultValue: "0",
      description: 'ETH to withdraw afterwards, or "all"',
    })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./vault.js").then((m) => ({ default: m.burnVault })))
    .build(),

  task("vault:operator", "Names an operator who may manage a vault (owner only), or removes it with --revoke")
    .addOption(id)
    .addOption({
      name: "operator",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: "Operator address or account index",
    })
    .addFlag({ name: "revoke", description: "Remove the vault's operator" })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./vault.js").then((m) => ({ default: m.setOperator })))
    .build(),

  task("vault:transfer", "Transfers a vault (its NFT) to another owner; the operator is reset (owner only)")
    .addOption(id)
    .addOption({
      name: "to",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: "New owner: an address or account index",
    })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./vault.js").then((m) => ({ default: m.transferVault })))
    .build(),

  task(
    "vault:history",
    "Lists a vault's events in block order: opened, deposits, mints, burns, withdrawals, liquidations, " +
      "operator changes, transfers",
  )
    .addOption(id)
    .addOption(fromBlock)
    .addFlag(json)
    .addFlag(csv)
    .addOption(market)
    .setAction(() => import("./history.js").then((m) => ({ default: m.vaultHistory })))
    .build(),

  task("vault:status", "Shows a vault: collateral, debt (normalized and nominal), ratio, liquidation price")
    .addOption(id)
    .addFlag(json)
    .addOption(market)
    .setAction(() => import("./views.js").then((m) => ({ default: m.vaultStatus })))
    .build(),

  task("vault:list", "Lists the vaults an account owns")
    .addOption({
      name: "owner",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: "Owner address or account index (default: the --from account)",
    })
    .addOption(from)
    .addFlag(json)
    .addOption(market)
    .setAction(() => import("./views.js").then((m) => ({ default: m.vaultList })))
    .build(),

  task("liquidate", "Liquidates an unsafe vault with the sender's power tokens")
    .addOption(id)
    .addOption({
      name: "max",
      type: ArgumentType.STRING,
      defaultValue: "all",
      description: 'Most power tokens to repay (default "all": as much as the protocol allows)',
    })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./market.js").then((m) => ({ default: m.liquidate })))
    .build(),

  task("funding:status", "Shows index, mark, normalization factor, funding per day and implied volatility")
    .addFlag(json)
    .addOption(market)
    .setAction(() => import("./views.js").then((m) => ({ default: m.fundingStatus })))
    .build(),

  task(
    "funding:history",
    "Lists normalization-factor updates: time, old and new NF, elapsed time, implied funding rate per day",
  )
    .addOption(fromBlock)
    .addFlag(json)
    .addFlag(csv)
    .addOption(market)
    .setAction(() => import("./history.js").then((m) => ({ default: m.fundingHistory })))
    .build(),

  task(
    "price:set",
    "Devnet only: swaps the ETH/USDC pool to a new ETH price (with --arb the power pool follows to fair value)",
  )
    .addOption({ name: "eth", type: ArgumentType.STRING, defaultValue: "", description: "ETH price in USD" })
    .addFlag({
      name: "arb",
      description:
        "Then trade the power pool to the pricer's fair price at --vol (as the devnet's arbitrage bot)",
    })
    .addOption({
      name: "vol",
      type: ArgumentType.STRING,
      defaultValue: "0.8",
      description: "Implied volatility --arb prices the power token at (0.8 = 80%)",
    })
    .addOption({
      name: "advance",
      type: ArgumentType.STRING,
      defaultValue: "0",
      description:
        "Seconds of chain time to advance afterwards (the TWAP period, 420, lets the index follow)",
    })
    .addOption(from)
    .addOption(market)
    .setAction(() => import("./market.js").then((m) => ({ default: m.setPrice })))
    .build(),
  task("evergamma:check", "Checks a deployment parameters file against the network; sends nothing")
    .addOption(parametersOption)
    .addOption(rpcOption)
    .setAction(() => import("./deploy.js").then((m) => ({ default: m.checkParameters })))
    .build(),
  task(
    "evergamma:deploy",
    "Checks a parameters file, deploys Evergamma with Ignition and writes the deployment file",
  )
    .addOption(parametersOption)
    .addOption(rpcOption)
    .addOption({
      name: "deploymentFile",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: "Where to write the deployment file (default: deployments/<network>.json)",
    })
    .addOption({
      name: "deploymentId",
      type: ArgumentType.STRING,
      defaultValue: "",
      description: "Ignition deployment id, the journal's folder (default: evergamma-<chainId>)",
    })
    .setAction(() => import("./deploy.js").then((m) => ({ default: m.deployNetwork })))
    .build(),
];
