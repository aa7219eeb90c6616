/**
 * State-changing vault tasks: `vault:open`, `vault:deposit`, `vault:withdraw`, `vault:mint`, `vault:burn`,
 * `vault:operator`, `vault:transfer`.
 *
 * Each one does all it says or nothing: it validates its arguments and the chain's state first (including the
 * account's ETH and token balances), simulates the transaction with the TypeScript client (`ctx.client.simulate`:
 * a revert is reported with the engine's decoded error and nothing is sent), then sends it with the client's write,
 * prints its hash and gas used, and prints the vault afterwards.
 *
 * @module
 */
import { zeroAddress } from "viem";

import { newVaultId, type EvergammaCall } from "../client/index.js";
import {
  action,
  estimateGas,
  loadContext,
  parseAccount,
  parseAmount,
  parseVaultId,
  preflight,
  requireEth,
  requireTokens,
  FUNDING_CALL_GAS_LIMIT,
  send,
  TaskInputError,
  type TaskContext,
} from "./context.js";
import { exact, money } from "./format.js";
import { printVault } from "./views.js";

/** An engine call about to be sent: its simulation (the client's `simulate`) and its encoding (`calls`). */
interface Simulated {
  simulate(): Promise<unknown>;
  call: EvergammaCall;
}

/**
 * Before a transaction that pays `value`: the account holds `value` (an `eth_call` with more than the balance
 * fails with the provider's wei message), the call does not revert, and the account also covers its gas.
 */
async function checkPayable(ctx: TaskContext, what: string, value: bigint, call: Simulated): Promise<void> {
  await requireEth(ctx, value);
  await preflight(what, call.simulate);
  await requireEth(ctx, value, await estimateGas(ctx, call.call));
}

interface OpenArgs {
  collateral: string;
  mint: string;
  from: string;
  market: string;
}

/** `vault:open [--market M] [--collateral ETH] [--mint TOKENS]` */
export const openVault = action<OpenArgs>(async (args, hre) => {
  const collateral = parseAmount("collateral", args.collateral, true);
  const amount = parseAmount("mint", args.mint, true);
  const ctx = await loadContext(hre, args.from, args.market);
  const c = ctx.client;
  const symbol = await ctx.token.symbol();
  const open = newVaultId(ctx.marketId);
  let id: bigint;
  if (amount > 0n) {
    // One transaction: mint with the market's serial 0 opens the vault, deposits msg.value and mints.
    const value = { value: collateral };
    await checkPayable(
      ctx,
      `opening a vault with ${exact(collateral)} ETH and minting ${exact(amount)} ${symbol}`,
      collateral,
      { simulate: () => c.simulate.mint(open, amount, value), call: c.calls.mint(open, amount, value) },
    );
    id = await send("mint", () => c.mint(open, amount, { ...value, gas: FUNDING_CALL_GAS_LIMIT }));
  } else {
    // Two transactions (the engine has no payable open): both are paid for before the first is sent.
    const marketId = ctx.marketId;
    await requireEth(ctx, collateral);
    await preflight("opening a vault", () => c.simulate.openVault(marketId));
    const openGas = await estimateGas(ctx, c.calls.openVault(marketId));
    // A deposit costs less gas than an open (which also mints the NFT): twice the open covers both.
    await requireEth(ctx, collateral, collateral > 0n ? 2n * openGas : openGas);
    id = await send("openVault", () => c.openVault(marketId));
    if (collateral > 0n) await send("deposit", () => c.deposit(id, collateral));
  }
  if ((await c.getVault(id)).owner !== ctx.signer.address) {
    throw new TaskInputError(
      `vault ${id} is not owned by ${ctx.signer.address}: another transaction raced this one`,
    );
  }
  console.log(
    `Opened vault ${id} in market ${ctx.marketId} (${ctx.deployedMarket.name}) for ${ctx.signer.address}` +
      (collateral > 0n ? `, deposited ${exact(collateral)} ETH` : "") +
      (amount > 0n ? `, minted ${exact(amount)} ${symbol}` : ""),
  );
  await printVault(ctx, id);
});

interface AmountArgs {
  id: string;
  amount: string;
  from: string;
  market: string;
}

/** `vault:deposit --id N --amount ETH` (anyone may deposit into any vault) */
export const depositVault = action<AmountArgs>(async (args, hre) => {
  const amount = parseAmount("amount", args.amount);
  const ctx = await loadContext(hre, args.from, args.market);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.client;
  await checkPayable(ctx, `depositing ${exact(amount)} ETH`, amount, {
    simulate: () => c.simulate.deposit(id, amount),
    call: c.calls.deposit(id, amount),
  });
  await send("deposit", () => c.deposit(id, amount));
  console.log(`Deposited ${exact(amount)} ETH into vault ${id}`);
  await printVault(ctx, id);
});

/** `vault:withdraw --id N --amount ETH|all` */
export const withdrawVault = action<AmountArgs>(async (args, hre) => {
  const all = args.amount.trim() === "all";
  const requested = all ? 0n : parseAmount("amount", args.amount);
  const ctx = await loadContext(hre, args.from, args.market);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.client;
  const vault = await c.getVault(id);
  const amount = all ? vault.collateral : requested;
  if (amount === 0n) throw new TaskInputError(`vault ${id} holds no collateral to withdraw`);
  if (amount > vault.collateral) {
    throw new TaskInputError(
      `vault ${id} holds ${money(vault.collateral, "ETH")}; this needs ${money(amount, "ETH")}`,
    );
  }
  await preflight(`withdrawing ${exact(amount)} ETH`, () => c.simulate.withdraw(id, amount));
  await send("withdraw", () => c.withdraw(id, amount, { gas: FUNDING_CALL_GAS_LIMIT }));
  console.log(`Withdrew ${exact(amount)} ETH from vault ${id} to ${ctx.signer.address}`);
  await printVault(ctx, id);
});

interface MintArgs extends AmountArgs {
  collateral: string;
}

/** `vault:mint --id N --amount TOKENS [--collateral ETH]` */
export const mintVault = action<MintArgs>(async (args, hre) => {
  const amount = parseAmount("amount", args.amount);
  const collateral = parseAmount("collateral", args.collateral, true);
  const ctx = await loadContext(hre, args.from, args.market);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.client;
  const symbol = await ctx.token.symbol();
  const value = { value: collateral };
  await checkPayable(ctx, `minting ${exact(amount)} ${symbol}`, collateral, {
    simulate: () => c.simulate.mint(id, amount, value),
    call: c.calls.mint(id, amount, value),
  });
  await send("mint", () => c.mint(id, amount, { ...value, gas: FUNDING_CALL_GAS_LIMIT }));
  console.log(
    `Minted ${exact(amount)} ${symbol} from vault ${id} to ${ctx.signer.address}` +
      (collateral > 0n ? ` (deposited ${exact(collateral)} ETH first)` : ""),
  );
  await printVault(ctx, id);
});

interface BurnArgs extends AmountArgs {
  withdraw: string;
}

/** `vault:burn --id N --amount TOKENS|all [--withdraw ETH|all]` */
export const burnVault = action<BurnArgs>(async (args, hre) => {
  const allDebt = args.amount.trim() === "all";
  const allCollateral = args.withdraw.trim() === "all";
  const requested = allDebt ? 0n : parseAmount("amount", args.amount, true);
  const requestedWithdraw = allCollateral ? 0n : parseAmount("withdraw", args.withdraw, true);
  const ctx = await loadContext(hre, args.from, args.market);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.client;
  const symbol = await ctx.token.symbol();
  const vault = await c.getVault(id);
  const amount = allDebt ? vault.debt : requested;
  const withdraw = allCollateral ? vault.collateral : requestedWithdraw;
  if (amount === 0n && withdraw === 0n) {
    throw new TaskInputError(
      allDebt ? `vault ${id} has no debt to burn` : "--amount (and --withdraw) are zero: nothing to do",
    );
  }
  if (amount > vault.debt) {
    throw new TaskInputError(
      `vault ${id} owes ${money(vault.debt, symbol)}, cannot burn ${money(amount, symbol)}`,
    );
  }
  requireTokens(ctx, await c.tokenBalance(ctx.marketId), amount, symbol);
  if (withdraw > vault.collateral) {
    throw new TaskInputError(
      `vault ${id} holds ${money(vault.collateral, "ETH")}; this needs ${money(withdraw, "ETH")}`,
    );
  }
  await preflight(`burning ${exact(amount)} ${symbol}`, () => c.simulate.burn(id, amount, withdraw));
  await send("burn", () => c.burn(id, amount, withdraw, { gas: FUNDING_CALL_GAS_LIMIT }));
  console.log(
    `Burned ${exact(amount)} ${symbol} against vault ${id}` +
      (withdraw > 0n ? ` and withdrew ${exact(withdraw)} ETH` : ""),
  );
  await printVault(ctx, id);
});

interface OperatorArgs {
  id: string;
  operator: string;
  revoke: boolean;
  from: string;
  market: string;
}

/** `vault:operator --id N (--operator ADDRESS|INDEX | --revoke)`: the owner names or removes the operator. */
export const setOperator = action<OperatorArgs>(async (args, hre) => {
  const given = args.operator.trim() !== "";
  if (given === args.revoke) {
    throw new TaskInputError("give either --operator ADDRESS (or account index) or --revoke");
  }
  const ctx = await loadContext(hre, args.from, args.market);
  const id = await parseVaultId(ctx, args.id);
  const operator = args.revoke ? zeroAddress : await parseAccount(ctx, "operator", args.operator);
  if (operator === zeroAddress && given)
    throw new TaskInputError("--operator: use --revoke to remove the operator");
  const c = ctx.client;
  const what = args.revoke
    ? `removing the operator of vault ${id}`
    : `making ${operator} operator of vault ${id}`;
  await preflight(what, () => c.simulate.setOperator(id, operator));
  await requireEth(ctx, 0n, await estimateGas(ctx, c.calls.setOperator(id, operator)));
  await send("setOperator", () => c.setOperator(id, operator));
  console.log(args.revoke ? `Vault ${id} has no operator now` : `${operator} is now operator of vault ${id}`);
  await printVault(ctx, id);
});

interface TransferArgs {
  id: string;
  to: string;
  from: string;
  market: string;
}

/** `vault:transfer --id N --to ADDRESS|INDEX`: moves the vault NFT (the engine's ERC-721) (and with it the vault; the operator is reset). */
export const transferVault = action<TransferArgs>(async (args, hre) => {
  const ctx = await loadContext(hre, args.from, args.market);
  const id = await parseVaultId(ctx, args.id);
  if (args.to.trim() === "") throw new TaskInputError("--to is required (an address or account index)");
  const to = await parseAccount(ctx, "to", args.to);
  if (to === zeroAddress)
    throw new TaskInputError("--to cannot be the zero address (that would burn the vault)");
  const c = ctx.client;
  const owner = (await c.getVault(id)).owner;
  if (owner !== ctx.signer.address) {
    throw new TaskInputError(`vault ${id} belongs to ${owner}, not ${ctx.account} (use --from)`);
  }
  if (to === owner) throw new TaskInputError(`vault ${id} already belongs to ${to}`);
  const from = owner;
  await preflight(`transferring vault ${id} to ${to}`, () => c.simulate.transferVault(id, to));
  await requireEth(ctx, 0n, await estimateGas(ctx, c.calls.transferVault(from, to, id)));
  await send("safeTransferFrom", () => c.transferVault(id, to));
  console.log(`Transferred vault ${id} from ${from} to ${to}`);
  await printVault(ctx, id);
});
