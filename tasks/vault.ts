/**
 * State-changing vault tasks: `vault:open`, `vault:deposit`, `vault:withdraw`, `vault:mint`, `vault:burn`.
 *
 * Each one validates its arguments and the chain's state first, simulates the transaction with an
 * `eth_call` (a revert is reported with the Controller's decoded error and nothing is sent), then sends it
 * and prints the vault afterwards.
 *
 * @module
 */
import {
  action,
  loadContext,
  parseAmount,
  parseVaultId,
  preflight,
  send,
  TaskInputError,
} from "./context.js";
import { exact } from "./format.js";
import { printVault } from "./views.js";

interface OpenArgs {
  collateral: string;
  mint: string;
  from: string;
}

/** `vault:open [--collateral ETH] [--mint TOKENS]` */
export const openVault = action<OpenArgs>(async (args, hre) => {
  const collateral = parseAmount("collateral", args.collateral, true);
  const amount = parseAmount("mint", args.mint, true);
  const ctx = await loadContext(hre, args.from);
  const c = ctx.controller;
  const symbol = await ctx.powerToken.symbol();
  let id: bigint;
  if (amount > 0n) {
    await preflight(
      `opening a vault with ${exact(collateral)} ETH and minting ${exact(amount)} ${symbol}`,
      () => c.mint.staticCall(0n, amount, { value: collateral }),
    );
    id = await c.mint.staticCall(0n, amount, { value: collateral });
    await send("mint", () => c.mint(0n, amount, { value: collateral }));
  } else {
    await preflight("opening a vault", () => c.openVault.staticCall());
    id = await c.openVault.staticCall();
    await send("openVault", () => c.openVault());
    if (collateral > 0n) await send("deposit", () => c.deposit(id, { value: collateral }));
  }
  if ((await c.getVault(id)).owner !== ctx.signer.address) {
    throw new TaskInputError(
      `vault ${id} is not owned by ${ctx.signer.address}: another transaction raced this one`,
    );
  }
  console.log(
    `Opened vault ${id} for ${ctx.signer.address}` +
      (collateral > 0n ? `, deposited ${exact(collateral)} ETH` : "") +
      (amount > 0n ? `, minted ${exact(amount)} ${symbol}` : ""),
  );
  await printVault(ctx, id);
});

interface AmountArgs {
  id: string;
  amount: string;
  from: string;
}

/** `vault:deposit --id N --amount ETH` (anyone may deposit into any vault) */
export const depositVault = action<AmountArgs>(async (args, hre) => {
  const amount = parseAmount("amount", args.amount);
  const ctx = await loadContext(hre, args.from);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.controller;
  await preflight(`depositing ${exact(amount)} ETH`, () => c.deposit.staticCall(id, { value: amount }));
  await send("deposit", () => c.deposit(id, { value: amount }));
  console.log(`Deposited ${exact(amount)} ETH into vault ${id}`);
  await printVault(ctx, id);
});

/** `vault:withdraw --id N --amount ETH|all` */
export const withdrawVault = action<AmountArgs>(async (args, hre) => {
  const all = args.amount.trim() === "all";
  const requested = all ? 0n : parseAmount("amount", args.amount);
  const ctx = await loadContext(hre, args.from);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.controller;
  const vault = await c.getVault(id);
  const amount = all ? vault.collateral : requested;
  if (amount === 0n) throw new TaskInputError(`vault ${id} holds no collateral to withdraw`);
  if (amount > vault.collateral) {
    throw new TaskInputError(
      `vault ${id} holds ${exact(vault.collateral)} ETH, cannot withdraw ${exact(amount)} ETH`,
    );
  }
  await preflight(`withdrawing ${exact(amount)} ETH`, () => c.withdraw.staticCall(id, amount));
  await send("withdraw", () => c.withdraw(id, amount));
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
  const ctx = await loadContext(hre, args.from);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.controller;
  const symbol = await ctx.powerToken.symbol();
  await preflight(`minting ${exact(amount)} ${symbol}`, () =>
    c.mint.staticCall(id, amount, { value: collateral }),
  );
  await send("mint", () => c.mint(id, amount, { value: collateral }));
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
  const ctx = await loadContext(hre, args.from);
  const id = await parseVaultId(ctx, args.id);
  const c = ctx.controller;
  const symbol = await ctx.powerToken.symbol();
  const vault = await c.getVault(id);
  const amount = allDebt ? vault.debt : requested;
  const withdraw = allCollateral ? vault.collateral : requestedWithdraw;
  if (amount === 0n && withdraw === 0n) {
    throw new TaskInputError(
      allDebt ? `vault ${id} has no debt to burn` : "--amount (and --withdraw) are zero: nothing to do",
    );
  }
  if (amount > vault.debt) {
    throw new TaskInputError(`vault ${id} owes ${exact(vault.debt)} ${symbol}, cannot burn ${exact(amount)}`);
  }
  const balance = await ctx.powerToken.balanceOf(ctx.signer.address);
  if (amount > balance) {
    throw new TaskInputError(
      `${ctx.signer.address} holds ${exact(balance)} ${symbol}, cannot burn ${exact(amount)} ${symbol}`,
    );
  }
  if (withdraw > vault.collateral) {
    throw new TaskInputError(
      `vault ${id} holds ${exact(vault.collateral)} ETH, cannot withdraw ${exact(withdraw)} ETH`,
    );
  }
  await preflight(`burning ${exact(amount)} ${symbol}`, () => c.burn.staticCall(id, amount, withdraw));
  await send("burn", () => c.burn(id, amount, withdraw));
  console.log(
    `Burned ${exact(amount)} ${symbol} against vault ${id}` +
      (withdraw > 0n ? ` and withdrew ${exact(withdraw)} ETH` : ""),
  );
  await printVault(ctx, id);
});
