/**
 * `createEvergammaClient`: a typed viem client of a deployed Evergamma engine, for any of its markets. Reads go
 * through the lens; writes are simulated first (a revert throws before anything is sent), then sent from the wallet
 * client and confirmed, and return the transaction hash, the receipt, the result and the engine's decoded events.
 * Every failure is an {@link EvergammaError} with a one-line message naming the call and the contracts' custom error.
 * The Hardhat tasks, the keeper and the devnet status all call the engine and the lens through it.
 *
 * @module
 */
import {
  encodeFunctionData,
  getAddress,
  parseEventLogs,
  type Account,
  type Address,
  type Chain,
  type ContractEventName,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type GetContractEventsParameters,
  type GetContractEventsReturnType,
  type Hex,
  type ParseEventLogsReturnType,
  type PublicClient,
  type ReadContractParameters,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";

import { evergammaErrorsAbi } from "./abi/errors.js";
import { evergammaAbi } from "./abi/evergamma.js";
import { evergammaLensAbi } from "./abi/evergammaLens.js";
import { keeperHelperAbi } from "./abi/keeperHelper.js";
import { marketTokenAbi } from "./abi/marketToken.js";
import { readDeploymentFile, type Deployment } from "./deployment.js";
import { EvergammaError, toEvergammaError } from "./errors.js";
import { marketOfVault, newVaultId, serialOfVault, vaultIdOf } from "./vaultId.js";

/** The engine's ABI with every custom error of the protocol (so reverts of nested calls decode too). */
const engineAbi = [...evergammaAbi, ...evergammaErrorsAbi] as const;
/** The lens's ABI with every custom error of the protocol. */
const lensAbi = [...evergammaLensAbi, ...evergammaErrorsAbi] as const;

/** The lens's `vaultReport(vaultId)`. */
export type VaultReport = ContractFunctionReturnType<typeof evergammaLensAbi, "view", "vaultReport">;
/** The lens's `marketReport(marketId)`. */
export type MarketReport = ContractFunctionReturnType<typeof evergammaLensAbi, "view", "marketReport">;
/** The lens's `marketConfig(marketId)`: terms, token, price source. */
export type MarketConfig = ContractFunctionReturnType<typeof evergammaLensAbi, "view", "marketConfig">;
/** The lens's `optionReport(marketId)`: an option market's quote per unit of claim and its Greeks. */
export type OptionReport = ContractFunctionReturnType<typeof evergammaLensAbi, "view", "optionReport">;
/** A vault's stored state (the lens's `getVault`). */
export interface VaultState {
  owner: Address;
  operator: Address;
  /** ETH collateral, wei. */
  collateral: bigint;
  /** Debt in the market's tokens (normalized units). */
  debt: bigint;
}
/** An option vault's short position's Greeks (the lens's `vaultGreeks`), WAD, signed. */
export interface VaultGreeks {
  delta: bigint;
  gamma: bigint;
  vega: bigint;
}
/** The block a read is made at (default: the latest). */
export interface ReadAt {
  blockNumber?: bigint;
}
/** Options of a write: `gas` sets the transaction's gas limit instead of the node's estimate. */
export interface WriteOptions {
  gas?: bigint;
}
/** An engine event decoded from a receipt. */
export type EngineEvent = ParseEventLogsReturnType<typeof evergammaAbi, undefined, true>[number];
/** The name of an engine event. */
export type EngineEventName = ContractEventName<typeof evergammaAbi>;
/** Values of an engine event's indexed arguments to select its logs by (`{ marketId: 1, vaultId }`). */
export type EngineEventFilter<E extends EngineEventName> = GetContractEventsParameters<
  typeof evergammaAbi,
  E
>["args"];

/** Contract addresses, when no deployment file is at hand. */
export interface EvergammaAddresses {
  /** The engine (also the vaults' ERC-721). */
  engine: Address;
  lens: Address;
  /** Needed only by `calls.liquidateWithLimits`. */
  keeperHelper?: Address;
  /** Market names by id (default: the market id as a string). */
  marketNames?: Readonly<Record<number, string>>;
}

/** Options of {@link createEvergammaClient}: a deployment (object or file path) or explicit addresses. */
export interface EvergammaClientOptions {
  publicClient: PublicClient<Transport, Chain | undefined>;
  /** Needed for writes. */
  walletClient?: WalletClient<Transport, Chain | undefined, Account | undefined>;
  /** The sender of simulations and writes (default: the wallet client's account). */
  account?: Address | Account;
  deployment?: Deployment | string;
  addresses?: EvergammaAddresses;
}

/** One market: its id, name, token, price source and configuration. */
export interface MarketInfo {
  id: number;
  name: string;
  token: Address;
  priceSource: Address;
  config: MarketConfig;
}

/** A transaction to send yourself (an encoded call of the engine, the helper or a token). */
export interface EvergammaCall {
  to: Address;
  data: Hex;
  value?: bigint;
}

/** What a confirmed write returns. */
export interface WriteResult<R> {
  hash: Hex;
  receipt: TransactionReceipt;
  /** The call's result: from the engine's events when they tell it, otherwise from the simulation. */
  result: R;
  /** The engine's events of the transaction. */
  events: EngineEvent[];
}

/** What a liquidation repaid and paid. */
export interface LiquidationResult {
  debtRepaid: bigint;
  collateralPaid: bigint;
}

/** A page of a market's vaults: serials `start` (default 1) to `start + count - 1` (default: to the last). */
export interface VaultPage {
  start?: bigint;
  count?: bigint;
  /** Only the vaults this account owns. */
  owner?: Address;
}

/** A block range of an event query (default: every block). */
export interface BlockRange {
  fromBlock?: bigint;
  toBlock?: bigint;
}

/** Resolved addresses and names. */
interface Resolved {
  engine: Address;
  lens: Address;
  keeperHelper?: Address;
  names: ReadonlyMap<number, string>;
  tokens: Map<number, Address>;
}

function resolveAddresses(options: EvergammaClientOptions): Resolved {
  const { deployment, addresses } = options;
  if ((deployment === undefined) === (addresses === undefined)) {
    throw new EvergammaError("createEvergammaClient: give either a deployment or addresses");
  }
  if (addresses !== undefined) {
    const names = new Map(
      Object.entries(addresses.marketNames ?? {}).map(([id, name]) => [Number(id), name]),
    );
    const helper = addresses.keeperHelper === undefined ? undefined : getAddress(addresses.keeperHelper);
    return {
      engine: getAddress(addresses.engine),
      lens: getAddress(addresses.lens),
      keeperHelper: helper,
      names,
      tokens: new Map(),
    };
  }
  const d = typeof deployment === "string" ? readDeploymentFile(deployment) : (deployment as Deployment);
  const markets = Object.values(d.markets);
  const helper = d.contracts.KeeperHelper;
  return {
    engine: getAddress(d.contracts.Evergamma),
    lens: getAddress(d.contracts.EvergammaLens),
    keeperHelper: helper === undefined ? undefined : getAddress(helper),
    names: new Map(markets.map((m) => [m.id, m.name])),
    tokens: new Map(markets.map((m) => [m.id, getAddress(m.token)])),
  };
}

/** Runs `f`, turning any failure into an {@link EvergammaError} labelled `label`. */
async function labelled<T>(label: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    throw toEvergammaError(label, error);
  }
}

/**
 * A typed client of a deployed Evergamma engine.
 *
 * @throws EvergammaError when neither or both of `deployment` and `addresses` are given, or the deployment file
 *   cannot be read.
 */
export function createEvergammaClient(options: EvergammaClientOptions) {
  const { publicClient, walletClient } = options;
  let resolved: Resolved;
  try {
    resolved = resolveAddresses(options);
  } catch (error) {
    throw toEvergammaError("createEvergammaClient", error);
  }
  const { engine, lens, keeperHelper, names, tokens } = resolved;
  const account = options.account ?? walletClient?.account;

  const readLens = labelledLensReads(publicClient, lens);

  const marketName = (id: number) => names.get(id) ?? String(id);

  async function tokenAddress(marketId: number): Promise<Address> {
    const known = tokens.get(marketId);
    if (known !== undefined) return known;
    const config = await readLens.marketConfig(marketId);
    tokens.set(marketId, config.token);
    return config.token;
  }

  async function marketCount(): Promise<number> {
    return labelled("marketCount", () =>
      publicClient.readContract({ address: engine, abi: engineAbi, functionName: "marketCount" }),
    );
  }

  async function optionPricer(): Promise<Address> {
    return labelled("optionPricer", () =>
      publicClient.readContract({ address: engine, abi: engineAbi, functionName: "optionPricer" }),
    );
  }

  async function market(selector: number | string): Promise<MarketInfo> {
    const all = await markets();
    const wanted = String(selector).trim().toLowerCase();
    const found = all.find((m) => String(m.id) === wanted || m.name.toLowerCase() === wanted);
    if (found !== undefined) return found;
    const known = all.map((m) => `${m.id} (${m.name})`).join(", ");
    throw new EvergammaError(`market: unknown market "${selector}"; the engine has ${known}`);
  }

  async function markets(): Promise<MarketInfo[]> {
    const count = await marketCount();
    const ids = Array.from({ length: count }, (_, id) => id);
    const configs = await Promise.all(ids.map((id) => readLens.marketConfig(id)));
    return configs.map((config, id) => ({
      id,
      name: marketName(id),
      token: config.token,
      priceSource: config.priceSource,
      config,
    }));
  }

  async function vaults(marketId: number, page: VaultPage = {}): Promise<VaultReport[]> {
    const total = await readLens.vaultCount(marketId);
    const start = page.start === undefined || page.start < 1n ? 1n : page.start;
    const last = page.count === undefined ? total : start + page.count - 1n;
    const end = last < total ? last : total;
    const ids: bigint[] = [];
    for (let serial = start; serial <= end; serial++) ids.push(vaultIdOf(marketId, serial));
    const reports = await Promise.all(ids.map((id) => readLens.vaultReport(id)));
    const owner = page.owner === undefined ? undefined : getAddress(page.owner);
    return owner === undefined ? reports : reports.filter((r) => r.owner === owner);
  }

  async function tokenBalance(marketId: number, holder?: Address): Promise<bigint> {
    const who = holder ?? accountAddress(account);
    if (who === undefined) throw new EvergammaError("tokenBalance: no account given");
    const token = await tokenAddress(marketId);
    return labelled("tokenBalance", () =>
      publicClient.readContract({
        address: token,
        abi: marketTokenAbi,
        functionName: "balanceOf",
        args: [who],
      }),
    );
  }

  async function getEvents<E extends EngineEventName>(
    eventName: E,
    range: BlockRange = {},
    args?: EngineEventFilter<E>,
  ): Promise<GetContractEventsReturnType<typeof evergammaAbi, E, true>> {
    const parameters = {
      address: engine,
      abi: evergammaAbi,
      eventName,
      args,
      fromBlock: range.fromBlock ?? 0n,
      toBlock: range.toBlock ?? "latest",
      strict: true as const,
    } as GetContractEventsParameters<typeof evergammaAbi, E, true>;
    return labelled(
      `getEvents ${eventName}`,
      () =>
        publicClient.getContractEvents(parameters) as Promise<
          GetContractEventsReturnType<typeof evergammaAbi, E, true>
        >,
    );
  }

  const calls = engineCalls(engine, keeperHelper);
  const simulate = engineSimulations(publicClient, engine, account);

  /** Sends a simulated call (with `options.gas` as its gas limit if given), waits for its receipt, decodes the events. */
  async function execute<R>(
    label: string,
    call: EvergammaCall,
    options: WriteOptions,
    simulated: R,
    fromEvents: (events: EngineEvent[], simulated: R) => R = (_, r) => r,
  ): Promise<WriteResult<R>> {
    return labelled(label, async () => {
      if (walletClient === undefined) throw new EvergammaError(`${label}: no wallet client`);
      if (account === undefined) throw new EvergammaError(`${label}: no account`);
      const hash = await walletClient.sendTransaction({
        ...call,
        ...(options.gas === undefined ? {} : { gas: options.gas }),
        account,
        chain: walletClient.chain ?? null,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new EvergammaError(`${label}: transaction ${hash} reverted`);
      const logs = receipt.logs.filter((log) => log.address.toLowerCase() === engine.toLowerCase());
      const events = parseEventLogs({ abi: evergammaAbi, logs, strict: true });
      return { hash, receipt, result: fromEvents(events, simulated), events };
    });
  }

  return {
    /** The viem public client reads go through. */
    publicClient,
    /** Contract addresses in use. */
    addresses: { engine, lens, keeperHelper } as const,
    /** The account simulations and writes come from (undefined: reads only). */
    account: accountAddress(account),

    // Vault ids ------------------------------------------------------------------------------------------------
    vaultIdOf,
    newVaultId,
    marketOfVault,
    serialOfVault,

    // Reads ----------------------------------------------------------------------------------------------------
    marketCount,
    /** Every market of the engine, in id order (names from the deployment file, else the id). */
    markets,
    /** One market, by id or name (case-insensitive). */
    market,
    marketName,
    marketReport: readLens.marketReport,
    marketConfig: readLens.marketConfig,
    vaultReport: readLens.vaultReport,
    vaultCount: readLens.vaultCount,
    isVaultSafe: readLens.isVaultSafe,
    previewLiquidation: readLens.previewLiquidation,
    /** A vault's stored owner, operator, collateral and (normalized) debt. */
    getVault: readLens.getVault,
    /** A vault's collateral ratio (WAD; the maximum uint256 without debt). */
    collateralRatio: readLens.collateralRatio,
    /** An option market's quote and Greeks per unit of claim (reverts for a power market). */
    optionReport: readLens.optionReport,
    /** An option vault's short position's Greeks. */
    vaultGreeks: readLens.vaultGreeks,
    /** A market's ETH/USD TWAP (WAD). */
    ethPrice: readLens.ethPrice,
    /** A market's normalization factor as if funding were applied now. */
    expectedNormalizationFactor: readLens.expectedNormalizationFactor,
    /** A market's stored normalization factor (at `blockNumber` if given). */
    normalizationFactor: readLens.normalizationFactor,
    /** When a market's funding was last applied, a timestamp (at `blockNumber` if given). */
    lastFundingUpdate: readLens.lastFundingUpdate,
    /** The engine's everlasting option pricer. */
    optionPricer,
    /** A market's vault reports, serial order, clipped to its vault count; optionally one owner's only. */
    vaults,
    /** The market's token address. */
    tokenAddress,
    /** An account's balance of a market's token (default: the client's account). */
    tokenBalance,
    /** The engine's events of one name in a block range, optionally only those with the given indexed arguments. */
    getEvents,

    // Simulations and encoded calls -----------------------------------------------------------------------------
    simulate,
    calls,

    // Writes: simulated, sent, confirmed; `options.gas` overrides the node's gas estimate ---------------------------
    /** Opens an empty vault in a market; result: its id. */
    async openVault(marketId: number, options: WriteOptions = {}): Promise<WriteResult<bigint>> {
      const simulated = await simulate.openVault(marketId);
      return execute("openVault", calls.openVault(marketId), options, simulated, openedVaultId);
    },
    /** Adds `value` wei of collateral to a vault (anyone may). */
    async deposit(
      vaultId: bigint,
      value: bigint,
      options: WriteOptions = {},
    ): Promise<WriteResult<undefined>> {
      await simulate.deposit(vaultId, value);
      return execute("deposit", calls.deposit(vaultId, value), options, undefined);
    },
    /**
     * Mints `amount` tokens against a vault, adding the ETH `value` first; `newVaultId(marketId)` opens a vault.
     * Result: the vault's id.
     */
    async mint(vaultId: bigint, amount: bigint, options: WriteOptions & { value?: bigint } = {}) {
      const value = options.value ?? 0n;
      const simulated = await simulate.mint(vaultId, amount, { value });
      return execute("mint", calls.mint(vaultId, amount, { value }), options, simulated, openedVaultId);
    },
    /** Burns `amount` of the caller's tokens against a vault's debt, then withdraws `withdrawAmount` wei. */
    async burn(
      vaultId: bigint,
      amount: bigint,
      withdrawAmount = 0n,
      options: WriteOptions = {},
    ): Promise<WriteResult<undefined>> {
      await simulate.burn(vaultId, amount, withdrawAmount);
      return execute("burn", calls.burn(vaultId, amount, withdrawAmount), options, undefined);
    },
    /** Withdraws `amount` wei of collateral to the caller. */
    async withdraw(
      vaultId: bigint,
      amount: bigint,
      options: WriteOptions = {},
    ): Promise<WriteResult<undefined>> {
      await simulate.withdraw(vaultId, amount);
      return execute("withdraw", calls.withdraw(vaultId, amount), options, undefined);
    },
    /** Liquidates an unsafe vault with the caller's tokens (at most `maxDebtAmount`). */
    async liquidate(
      vaultId: bigint,
      maxDebtAmount: bigint,
      options: WriteOptions = {},
    ): Promise<WriteResult<LiquidationResult>> {
      const simulated = await simulate.liquidate(vaultId, maxDebtAmount);
      const call = calls.liquidate(vaultId, maxDebtAmount);
      return execute("liquidate", call, options, simulated, liquidationFromEvents);
    },
    /** Applies a market's funding; result: the normalization factor after it. */
    async applyFunding(marketId: number, options: WriteOptions = {}): Promise<WriteResult<bigint>> {
      const simulated = await simulate.applyFunding(marketId);
      return execute("applyFunding", calls.applyFunding(marketId), options, simulated, fundingFromEvents);
    },
    /** Names a vault's operator (the zero address removes it); the owner only. */
    async setOperator(vaultId: bigint, operator: Address, options: WriteOptions = {}) {
      await simulate.setOperator(vaultId, operator);
      return execute("setOperator", calls.setOperator(vaultId, operator), options, undefined);
    },
    /** Moves a vault (its ERC-721 token) from the client's account to `to` (`safeTransferFrom`). */
    async transferVault(vaultId: bigint, to: Address, options: WriteOptions = {}) {
      await simulate.transferVault(vaultId, to);
      const from = accountAddress(account);
      if (from === undefined) throw new EvergammaError("transferVault: no account");
      return execute("transferVault", calls.transferVault(from, to, vaultId), options, undefined);
    },
  };
}

/** The encoded calls of {@link engineCalls}. */
export type EvergammaCalls = ReturnType<typeof engineCalls>;

/** The client {@link createEvergammaClient} returns. */
export type EvergammaClient = ReturnType<typeof createEvergammaClient>;

function accountAddress(account: Address | Account | undefined): Address | undefined {
  return typeof account === "string" ? getAddress(account) : account?.address;
}

/** The vault a write opened (its `VaultOpened` event), else the simulated id. */
function openedVaultId(events: EngineEvent[], simulated: bigint): bigint {
  for (const event of events) if (event.eventName === "VaultOpened") return event.args.vaultId;
  return simulated;
}

function liquidationFromEvents(events: EngineEvent[], simulated: LiquidationResult): LiquidationResult {
  for (const event of events) {
    if (event.eventName === "Liquidated") {
      return { debtRepaid: event.args.debtRepaid, collateralPaid: event.args.collateralPaid };
    }
  }
  return simulated;
}

function fundingFromEvents(events: EngineEvent[], simulated: bigint): bigint {
  for (const event of events) {
    if (event.eventName === "NormalizationFactorUpdated") return event.args.normalizationFactor;
  }
  return simulated;
}

/** A view of the lens. */
type LensView = ContractFunctionName<typeof lensAbi, "view">;

/** Reads `functionName` of the lens at `blockNumber` (default: the latest block), labelled with its name in errors. */
function lensReader(publicClient: PublicClient<Transport, Chain | undefined>, lens: Address) {
  return <F extends LensView>(
    functionName: F,
    args: ContractFunctionArgs<typeof lensAbi, "view", F>,
    blockNumber?: bigint,
  ): Promise<ContractFunctionReturnType<typeof lensAbi, "view", F>> =>
    labelled(functionName, () => {
      const parameters = { address: lens, abi: lensAbi, functionName, args, blockNumber };
      return publicClient.readContract(parameters as ReadContractParameters<typeof lensAbi, F>) as Promise<
        ContractFunctionReturnType<typeof lensAbi, "view", F>
      >;
    });
}

/** The lens reads, each labelled with its name in errors. */
function labelledLensReads(publicClient: PublicClient<Transport, Chain | undefined>, lens: Address) {
  const read = lensReader(publicClient, lens);
  return {
    vaultReport: (vaultId: bigint): Promise<VaultReport> => read("vaultReport", [vaultId]),
    marketReport: (marketId: number): Promise<MarketReport> => read("marketReport", [marketId]),
    marketConfig: (marketId: number): Promise<MarketConfig> => read("marketConfig", [marketId]),
    vaultCount: (marketId: number): Promise<bigint> => read("vaultCount", [marketId]),
    isVaultSafe: (vaultId: bigint): Promise<boolean> => read("isVaultSafe", [vaultId]),
    previewLiquidation: async (vaultId: bigint) => {
      const [liquidatable, maxDebt, collateralPaid] = await read("previewLiquidation", [vaultId]);
      return { liquidatable, maxDebt, collateralPaid };
    },
    getVault: async (vaultId: bigint): Promise<VaultState> => {
      const [owner, operator, collateral, debt] = await read("getVault", [vaultId]);
      return { owner, operator, collateral, debt };
    },
    collateralRatio: (vaultId: bigint): Promise<bigint> => read("collateralRatio", [vaultId]),
    optionReport: (marketId: number): Promise<OptionReport> => read("optionReport", [marketId]),
    vaultGreeks: async (vaultId: bigint): Promise<VaultGreeks> => {
      const [delta, gamma, vega] = await read("vaultGreeks", [vaultId]);
      return { delta, gamma, vega };
    },
    ethPrice: (marketId: number): Promise<bigint> => read("ethPrice", [marketId]),
    expectedNormalizationFactor: (marketId: number): Promise<bigint> =>
      read("expectedNormalizationFactor", [marketId]),
    normalizationFactor: (marketId: number, at: ReadAt = {}): Promise<bigint> =>
      read("normalizationFactor", [marketId], at.blockNumber),
    lastFundingUpdate: (marketId: number, at: ReadAt = {}): Promise<bigint> =>
      read("lastFundingUpdate", [marketId], at.blockNumber),
  };
}

/** Encoded calls of the engine's entry points (plus the helper's guarded liquidation and token approvals). */
export function engineCalls(engine: Address, keeperHelper?: Address) {
  const call = (data: Hex, value?: bigint): EvergammaCall =>
    value === undefined ? { to: engine, data } : { to: engine, data, value };
  return {
    openVault: (marketId: number) =>
      call(encodeFunctionData({ abi: evergammaAbi, functionName: "openVault", args: [marketId] })),
    deposit: (vaultId: bigint, value: bigint) =>
      call(encodeFunctionData({ abi: evergammaAbi, functionName: "deposit", args: [vaultId] }), value),
    mint: (vaultId: bigint, amount: bigint, { value = 0n }: { value?: bigint } = {}) =>
      call(encodeFunctionData({ abi: evergammaAbi, functionName: "mint", args: [vaultId, amount] }), value),
    burn: (vaultId: bigint, amount: bigint, withdrawAmount = 0n) =>
      call(
        encodeFunctionData({
          abi: evergammaAbi,
          functionName: "burn",
          args: [vaultId, amount, withdrawAmount],
        }),
      ),
    withdraw: (vaultId: bigint, amount: bigint) =>
      call(encodeFunctionData({ abi: evergammaAbi, functionName: "withdraw", args: [vaultId, amount] })),
    liquidate: (vaultId: bigint, maxDebtAmount: bigint) =>
      call(
        encodeFunctionData({ abi: evergammaAbi, functionName: "liquidate", args: [vaultId, maxDebtAmount] }),
      ),
    applyFunding: (marketId: number) =>
      call(encodeFunctionData({ abi: evergammaAbi, functionName: "applyFunding", args: [marketId] })),
    setOperator: (vaultId: bigint, operator: Address) =>
      call(encodeFunctionData({ abi: evergammaAbi, functionName: "setOperator", args: [vaultId, operator] })),
    /** The vault NFT's `safeTransferFrom(from, to, vaultId)`. */
    transferVault: (from: Address, to: Address, vaultId: bigint) =>
      call(
        encodeFunctionData({
          abi: evergammaAbi,
          functionName: "safeTransferFrom",
          args: [from, to, vaultId],
        }),
      ),
    /** KeeperHelper's `liquidateWithLimits` (the caller's tokens; approve the helper first). */
    liquidateWithLimits(vaultId: bigint, maxDebtAmount: bigint, minCollateralOut: bigint, deadline: bigint) {
      if (keeperHelper === undefined)
        throw new EvergammaError("liquidateWithLimits: no KeeperHelper address");
      const args = [vaultId, maxDebtAmount, minCollateralOut, deadline] as const;
      const data = encodeFunctionData({ abi: keeperHelperAbi, functionName: "liquidateWithLimits", args });
      return { to: keeperHelper, data } satisfies EvergammaCall;
    },
    /** A market token's `approve(spender, amount)`. */
    approve: (token: Address, spender: Address, amount: bigint): EvergammaCall => ({
      to: token,
      data: encodeFunctionData({ abi: marketTokenAbi, functionName: "approve", args: [spender, amount] }),
    }),
  };
}

/** Simulations of the engine's entry points at the latest block, from `account`; each returns the call's result. */
function engineSimulations(
  publicClient: PublicClient<Transport, Chain | undefined>,
  engine: Address,
  account: Address | Account | undefined,
) {
  const base = (label: string) => {
    if (account === undefined) throw new EvergammaError(`${label}: no account`);
    return { address: engine, abi: engineAbi, account } as const;
  };
  return {
    openVault: (marketId: number): Promise<bigint> =>
      labelled("openVault", async () => {
        const { result } = await publicClient.simulateContract({
          ...base("openVault"),
          functionName: "openVault",
          args: [marketId],
        });
        return result;
      }),
    deposit: (vaultId: bigint, value: bigint): Promise<undefined> =>
      labelled("deposit", async () => {
        await publicClient.simulateContract({
          ...base("deposit"),
          functionName: "deposit",
          args: [vaultId],
          value,
        });
        return undefined;
      }),
    mint: (vaultId: bigint, amount: bigint, { value = 0n }: { value?: bigint } = {}): Promise<bigint> =>
      labelled("mint", async () => {
        const { result } = await publicClient.simulateContract({
          ...base("mint"),
          functionName: "mint",
          args: [vaultId, amount],
          value,
        });
        return result;
      }),
    burn: (vaultId: bigint, amount: bigint, withdrawAmount = 0n): Promise<undefined> =>
      labelled("burn", async () => {
        await publicClient.simulateContract({
          ...base("burn"),
          functionName: "burn",
          args: [vaultId, amount, withdrawAmount],
        });
        return undefined;
      }),
    withdraw: (vaultId: bigint, amount: bigint): Promise<undefined> =>
      labelled("withdraw", async () => {
        await publicClient.simulateContract({
          ...base("withdraw"),
          functionName: "withdraw",
          args: [vaultId, amount],
        });
        return undefined;
      }),
    liquidate: (vaultId: bigint, maxDebtAmount: bigint): Promise<LiquidationResult> =>
      labelled("liquidate", async () => {
        const { result } = await publicClient.simulateContract({
          ...base("liquidate"),
          functionName: "liquidate",
          args: [vaultId, maxDebtAmount],
        });
        return { debtRepaid: result[0], collateralPaid: result[1] };
      }),
    applyFunding: (marketId: number): Promise<bigint> =>
      labelled("applyFunding", async () => {
        const { result } = await publicClient.simulateContract({
          ...base("applyFunding"),
          functionName: "applyFunding",
          args: [marketId],
        });
        return result;
      }),
    setOperator: (vaultId: bigint, operator: Address): Promise<undefined> =>
      labelled("setOperator", async () => {
        await publicClient.simulateContract({
          ...base("setOperator"),
          functionName: "setOperator",
          args: [vaultId, operator],
        });
        return undefined;
      }),
    /** `safeTransferFrom(account, to, vaultId)`. */
    transferVault: (vaultId: bigint, to: Address): Promise<undefined> =>
      labelled("transferVault", async () => {
        const from = accountAddress(account);
        if (from === undefined) throw new EvergammaError("transferVault: no account");
        await publicClient.simulateContract({
          ...base("transferVault"),
          functionName: "safeTransferFrom",
          args: [from, to, vaultId],
        });
        return undefined;
      }),
  };
}
