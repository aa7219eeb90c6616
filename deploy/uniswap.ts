/**
 * Real Uniswap v3 on a local chain: deployment from the npm artifacts, pool creation with full-range
 * liquidity, exact price moves, time travel and TWAP reads.
 *
 * Shared by the protocol deploy, the mocha tests, the devnet script and the benchmarks. Every function
 * takes a plain ethers v6 `Signer`/`ContractRunner`, so it works on the in-process network and against
 * `hardhat node` over JSON-RPC alike.
 *
 * Price conventions: a "human price of base in quote" means how many whole `quote` tokens one whole
 * `base` token is worth (ETH = 3000 USDC → price of WETH in USDC is 3000), decimals handled here.
 * The pure helpers (`priceToSqrtPriceX96`, `tickToPrice`, ...) speak the pool's own orientation: price of
 * token0 in token1. All conversions use bigint arithmetic; prices may be given as a `number`, a decimal
 * string (`"0.3"`, `"1e-7"`) or a `bigint`, and decimal strings are converted exactly.
 *
 * The v3 contracts are never recompiled: the pool's init-code hash must equal the one hard-coded in the
 * periphery (`UNISWAP_V3_POOL_INIT_CODE_HASH`).
 *
 * @module
 */
import factoryArtifact from "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json" with { type: "json" };
import poolArtifact from "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json" with { type: "json" };
import positionManagerArtifact from "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json" with { type: "json" };
import routerArtifact from "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json" with { type: "json" };
import {
  Contract,
  ContractFactory,
  MaxUint256,
  ZeroAddress,
  getAddress,
  resolveAddress,
  toQuantity,
  type AddressLike,
  type Addressable,
  type BaseContract,
  type BaseContractMethod,
  type BigNumberish,
  type BytesLike,
  type ContractRunner,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type InterfaceAbi,
  type Signer,
} from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

// ---------------------------------------------------------------------------------------------------------
// Typed contract handles (only the members this project uses; everything else via `getFunction(name)`)
// ---------------------------------------------------------------------------------------------------------

/** A contract handle whose `connect` keeps the typed members `M`. */
export type Typed<M> = Omit<BaseContract, "connect"> &
  M & {
    /** A copy of the handle bound to another signer/provider. */
    connect(runner: ContractRunner | null): Typed<M>;
  };
/** A view method returning `R`. */
type View<A extends unknown[], R> = BaseContractMethod<A, R, R>;
/** A state-changing method: a call sends a transaction, `.staticCall` returns `R`. */
type Send<A extends unknown[], R = void> = BaseContractMethod<A, R, ContractTransactionResponse>;

/** `INonfungiblePositionManager.MintParams`. */
export interface MintParams {
  token0: AddressLike;
  token1: AddressLike;
  fee: BigNumberish;
  tickLower: BigNumberish;
  tickUpper: BigNumberish;
  amount0Desired: BigNumberish;
  amount1Desired: BigNumberish;
  amount0Min: BigNumberish;
  amount1Min: BigNumberish;
  recipient: AddressLike;
  deadline: BigNumberish;
}

/** `ISwapRouter.ExactInputSingleParams`. */
export interface ExactInputSingleParams {
  tokenIn: AddressLike;
  tokenOut: AddressLike;
  fee: BigNumberish;
  recipient: AddressLike;
  deadline: BigNumberish;
  amountIn: BigNumberish;
  amountOutMinimum: BigNumberish;
  sqrtPriceLimitX96: BigNumberish;
}

/** `UniswapV3Pool.slot0()` (ethers returns every integer as bigint). */
export interface Slot0 {
  sqrtPriceX96: bigint;
  tick: bigint;
  observationIndex: bigint;
  observationCardinality: bigint;
  observationCardinalityNext: bigint;
  feeProtocol: bigint;
  unlocked: boolean;
}

/** `UniswapV3Factory` (v3-core 1.0.1). */
export type UniswapV3Factory = Typed<{
  owner: View<[], string>;
  getPool: View<[tokenA: AddressLike, tokenB: AddressLike, fee: BigNumberish], string>;
  feeAmountTickSpacing: View<[fee: BigNumberish], bigint>;
  createPool: Send<[tokenA: AddressLike, tokenB: AddressLike, fee: BigNumberish], string>;
  enableFeeAmount: Send<[fee: BigNumberish, tickSpacing: BigNumberish]>;
}>;

/** `UniswapV3Pool` (v3-core 1.0.1). */
export type UniswapV3Pool = Typed<{
  token0: View<[], string>;
  token1: View<[], string>;
  fee: View<[], bigint>;
  tickSpacing: View<[], bigint>;
  liquidity: View<[], bigint>;
  slot0: View<[], Slot0>;
  observe: View<
    [secondsAgos: BigNumberish[]],
    { tickCumulatives: bigint[]; secondsPerLiquidityCumulativeX128s: bigint[] }
  >;
  increaseObservationCardinalityNext: Send<[observationCardinalityNext: BigNumberish]>;
}>;

/** `NonfungiblePositionManager` (v3-periphery 1.4.4). */
export type NonfungiblePositionManager = Typed<{
  factory: View<[], string>;
  WETH9: View<[], string>;
  balanceOf: View<[owner: AddressLike], bigint>;
  positions: View<
    [tokenId: BigNumberish],
    { token0: string; token1: string; fee: bigint; tickLower: bigint; tickUpper: bigint; liquidity: bigint }
  >;
  createAndInitializePoolIfNecessary: Send<
    [token0: AddressLike, token1: AddressLike, fee: BigNumberish, sqrtPriceX96: BigNumberish],
    string
  >;
  mint: Send<[params: MintParams], { tokenId: bigint; liquidity: bigint; amount0: bigint; amount1: bigint }>;
}>;

/** `SwapRouter` (v3-periphery 1.4.4). */
export type SwapRouter = Typed<{
  factory: View<[], string>;
  WETH9: View<[], string>;
  exactInputSingle: Send<[params: ExactInputSingleParams], bigint>;
}>;

/** The ERC-20 surface used here, plus the optional test faucet `mint` and WETH's `deposit`. */
export type TestToken = Typed<{
  decimals: View<[], bigint>;
  symbol: View<[], string>;
  balanceOf: View<[account: AddressLike], bigint>;
  allowance: View<[owner: AddressLike, spender: AddressLike], bigint>;
  approve: Send<[spender: AddressLike, amount: BigNumberish], boolean>;
  transfer: Send<[to: AddressLike, amount: BigNumberish], boolean>;
  /** Only on faucet tokens such as `TestUSDC`. */
  mint: Send<[to: AddressLike, amount: BigNumberish]>;
  /** Only on WETH. */
  deposit: Send<[]>;
}>;

/** The three deployed Uniswap v3 contracts. */
export interface UniswapV3 {
  factory: UniswapV3Factory;
  positionManager: NonfungiblePositionManager;
  router: SwapRouter;
}

/** ABI and creation bytecode of the npm Uniswap v3 artifacts, for callers that need them (viem, Ignition). */
export const uniswapV3Artifacts = {
  factory: factoryArtifact,
  pool: poolArtifact,
  positionManager: positionManagerArtifact,
  router: routerArtifact,
} as const;

/** `POOL_INIT_CODE_HASH` of v3-periphery's `PoolAddress.sol`; the npm pool bytecode hashes to it. */
export const UNISWAP_V3_POOL_INIT_CODE_HASH =
  "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54";

const ERC20_ABI = [
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address,address) view returns (uint256)",
  "function approve(address,uint256) returns (bool)",
  "function transfer(address,uint256) returns (bool)",
  "function mint(address,uint256)",
  "function deposit() payable",
];

/** Wraps an address in a typed contract handle (the one place where the static type is asserted). */
function attach<C>(address: string | Addressable, abi: InterfaceAbi, runner: ContractRunner | null) {
  return new Contract(address, abi, runner) as unknown as C;
}

/** Deploys an npm artifact and waits until the deployment is mined. */
async function deployArtifact<A extends unknown[], C>(
  artifact: { abi: InterfaceAbi; bytecode: BytesLike },
  signer: Signer,
  ...args: A
): Promise<C> {
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return contract as unknown as C;
}

/** Sends a transaction and waits for its receipt. */
async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was dropped");
  return receipt;
}

// ---------------------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------------------

/**
 * Deploys `UniswapV3Factory`, `NonfungiblePositionManager` (token descriptor = zero address, so only
 * `tokenURI` is unusable) and `SwapRouter` from the npm artifacts, in that order.
 *
 * @param signer Deployer; becomes the factory owner.
 * @param weth Address of the WETH9 the periphery wraps ETH with.
 */
export async function deployUniswapV3(signer: Signer, weth: AddressLike): Promise<UniswapV3> {
  const factory = await deployArtifact<[], UniswapV3Factory>(factoryArtifact, signer);
  const f = await factory.getAddress();
  const positionManager = await deployArtifact<
    [AddressLike, AddressLike, AddressLike],
    NonfungiblePositionManager
  >(positionManagerArtifact, signer, f, weth, ZeroAddress);
  const router = await deployArtifact<[AddressLike, AddressLike], SwapRouter>(
    routerArtifact,
    signer,
    f,
    weth,
  );
  return { factory, positionManager, router };
}

/** Typed handles on already deployed Uniswap v3 contracts (e.g. addresses read from a devnet file). */
export function attachUniswapV3(
  addresses: {
    factory: string | Addressable;
    positionManager: string | Addressable;
    router: string | Addressable;
  },
  runner: ContractRunner | null,
): UniswapV3 {
  return {
    factory: attach<UniswapV3Factory>(addresses.factory, factoryArtifact.abi, runner),
    positionManager: attach<NonfungiblePositionManager>(
      addresses.positionManager,
      positionManagerArtifact.abi,
      runner,
    ),
    router: attach<SwapRouter>(addresses.router, routerArtifact.abi, runner),
  };
}

/** A typed `UniswapV3Pool` handle at `address`. */
export function getPoolContract(address: string | Addressable, runner: ContractRunner | null): UniswapV3Pool {
  return attach<UniswapV3Pool>(address, poolArtifact.abi, runner);
}

/** A typed ERC-20 handle (with the optional `mint`/`deposit` members) at `address`. */
export function getTokenContract(address: string | Addressable, runner: ContractRunner | null): TestToken {
  return attach<TestToken>(address, ERC20_ABI, runner);
}

/**
 * Deploys the local mock tokens `WETH9` and `TestUSDC` (this project's `contracts/mocks`).
 *
 * @param ethers The `ethers` of a Hardhat network connection (`(await network.getOrCreate()).ethers`).
 * @param signer Deployer; defaults to the connection's first account.
 * @returns Their addresses (get typed handles with `ethers.getContractAt("WETH9", weth)`).
 */
export async function deployTestTokens(
  ethers: NetworkConnection["ethers"],
  signer?: Signer,
): Promise<{ weth: string; usdc: string }> {
  const weth = await ethers.deployContract("WETH9", [], signer);
  const usdc = await ethers.deployContract("TestUSDC", [], signer);
  await Promise.all([weth.waitForDeployment(), usdc.waitForDeployment()]);
  return { weth: await weth.getAddress(), usdc: await usdc.getAddress() };
}

// ---------------------------------------------------------------------------------------------------------
// Price and tick math (pure, bigint)
// ---------------------------------------------------------------------------------------------------------

/** A human price: a number, a decimal string such as `"0.3"` or `"2.5e-7"`, or a whole bigint. */
export type PriceLike = number | string | bigint;

/** 2^96, the fixed-point unit of `sqrtPriceX96`. */
export const Q96 = 1n << 96n;
/** Tick bounds of Uniswap v3 (`TickMath.MIN_TICK` / `MAX_TICK`). */
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
/** `TickMath.MIN_SQRT_RATIO` (inclusive) and `MAX_SQRT_RATIO` (exclusive). */
export const MIN_SQRT_RATIO = 4295128739n;
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;

/** An exact positive rational number. */
interface Ratio {
  num: bigint;
  den: bigint;
}

/** Parses a price exactly: numbers go through their shortest round-trip decimal string. */
function toRatio(price: PriceLike): Ratio {
  if (typeof price === "bigint") {
    if (price <= 0n) throw new RangeError(`price must be positive, got ${price}`);
    return { num: price, den: 1n };
  }
  const text = String(price).trim();
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null || `${m[1]}${m[2] ?? ""}` === "") throw new RangeError(`not a decimal price: "${text}"`);
  const frac = m[2] ?? "";
  const exp = Number(m[3] ?? "0") - frac.length;
  const digits = BigInt(`${m[1]}${frac}`);
  if (digits === 0n) throw new RangeError(`price must be positive, got "${text}"`);
  return exp >= 0 ? { num: digits * 10n ** BigInt(exp), den: 1n } : { num: digits, den: 10n ** BigInt(-exp) };
}

/** floor(sqrt(n)) by Newton's iteration from above. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** num/den as the nearest double (20 significant digits are kept before the final rounding). */
function ratioToNumber({ num, den }: Ratio): number {
  const shift = 20 - (num.toString().length - den.toString().length);
  const scaled = shift >= 0 ? (num * 10n ** BigInt(shift)) / den : num / (den * 10n ** BigInt(-shift));
  return Number(`${scaled}e${-shift}`);
}

/** sqrtPriceX96 = floor(sqrt(raw price) · 2^96) for a human price of token0 in token1. */
function ratioToSqrtPriceX96(price: Ratio, decimals0: number, decimals1: number): bigint {
  const num = (price.num * 10n ** BigInt(decimals1)) << 192n;
  const sqrtPriceX96 = isqrt(num / (price.den * 10n ** BigInt(decimals0)));
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new RangeError(`price ${ratioToNumber(price)} is outside Uniswap v3's price range`);
  }
  return sqrtPriceX96;
}

/**
 * `sqrtPriceX96` of a human price of token0 in token1: floor(sqrt(price · 10^d1 / 10^d0) · 2^96), exact.
 *
 * @param price Whole token1 per whole token0.
 * @param decimals0 Decimals of token0.
 * @param decimals1 Decimals of token1.
 */
export function priceToSqrtPriceX96(price: PriceLike, decimals0: number, decimals1: number): bigint {
  return ratioToSqrtPriceX96(toRatio(price), decimals0, decimals1);
}

/**
 * Human price of token0 in token1 for a `sqrtPriceX96` (correctly rounded to a double, up to 1e-19).
 *
 * @param sqrtPriceX96 Q64.96 square root of the raw price.
 * @param decimals0 Decimals of token0.
 * @param decimals1 Decimals of token1.
 */
export function sqrtPriceX96ToPrice(sqrtPriceX96: bigint, decimals0: number, decimals1: number): number {
  return ratioToNumber(sqrtPriceX96ToRatio(sqrtPriceX96, decimals0, decimals1));
}

/** Exact human price of token0 in token1 for a `sqrtPriceX96`. */
function sqrtPriceX96ToRatio(sqrtPriceX96: bigint, decimals0: number, decimals1: number): Ratio {
  return {
    num: sqrtPriceX96 * sqrtPriceX96 * 10n ** BigInt(decimals0),
    den: (10n ** BigInt(decimals1)) << 192n,
  };
}

/** `TickMath.getSqrtRatioAtTick` factors: entry i multiplies the ratio when bit i of |tick| is set (Q128). */
const TICK_FACTORS = [
  0xfffcb933bd6fad37aa2d162d1a594001n,
  0xfff97272373d413259a46990580e213an,
  0xfff2e50f5f656932ef12357cf3c7fdccn,
  0xffe5caca7e10e4e61c3624eaa0941cd0n,
  0xffcb9843d60f6159c9db58835c926644n,
  0xff973b41fa98c081472e6896dfb254c0n,
  0xff2ea16466c96a3843ec78b326b52861n,
  0xfe5dee046a99a2a811c461f1969c3053n,
  0xfcbe86c7900a88aedcffc83b479aa3a4n,
  0xf987a7253ac413176f2b074cf7815e54n,
  0xf3392b0822b70005940c7a398e4b70f3n,
  0xe7159475a2c29b7443b29c7fa6e889d9n,
  0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n,
  0x70d869a156d2a1b890bb3df62baf32f7n,
  0x31be135f97d08fd981231505542fcfa6n,
  0x9aa508b5b7a84e1c677de54f3e99bc9n,
  0x5d6af8dedb81196699c329225ee604n,
  0x2216e584f5fa1ea926041bedfe98n,
  0x48a170391f7dc42444e8fa2n,
];

/**
 * `TickMath.getSqrtRatioAtTick`, bit for bit: sqrt(1.0001^tick) · 2^96, rounded up.
 *
 * @param tick An integer in [MIN_TICK, MAX_TICK].
 */
export function tickToSqrtPriceX96(tick: number): bigint {
  if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK) throw new RangeError(`bad tick ${tick}`);
  const absTick = Math.abs(tick);
  let ratio = 1n << 128n;
  TICK_FACTORS.forEach((factor, bit) => {
    if ((absTick & (1 << bit)) !== 0) ratio = (ratio * factor) >> 128n;
  });
  if (tick > 0) ratio = MaxUint256 / ratio;
  return (ratio >> 32n) + (ratio % (1n << 32n) === 0n ? 0n : 1n);
}

/**
 * `TickMath.getTickAtSqrtRatio`: the greatest tick whose sqrt ratio is <= `sqrtPriceX96` (what
 * `slot0.tick` reads for that price). Found by binary search over `tickToSqrtPriceX96`, so it is exact.
 *
 * @param sqrtPriceX96 In [MIN_SQRT_RATIO, MAX_SQRT_RATIO).
 */
export function sqrtPriceX96ToTick(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new RangeError(`sqrtPriceX96 ${sqrtPriceX96} out of range`);
  }
  let lo = MIN_TICK;
  let hi = MAX_TICK;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (tickToSqrtPriceX96(mid) <= sqrtPriceX96) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Human price of token0 in token1 at `tick` (1.0001^tick · 10^(d0 − d1)), via the pool's own sqrt ratio.
 *
 * @param tick Pool tick.
 * @param decimals0 Decimals of token0.
 * @param decimals1 Decimals of token1.
 */
export function tickToPrice(tick: number, decimals0: number, decimals1: number): number {
  return sqrtPriceX96ToPrice(tickToSqrtPriceX96(tick), decimals0, decimals1);
}

/**
 * The tick a pool initialised at this human price of token0 in token1 reports (floor semantics).
 *
 * @param price Whole token1 per whole token0.
 * @param decimals0 Decimals of token0.
 * @param decimals1 Decimals of token1.
 */
export function priceToTick(price: PriceLike, decimals0: number, decimals1: number): number {
  return sqrtPriceX96ToTick(priceToSqrtPriceX96(price, decimals0, decimals1));
}

/** The lowest and highest initialisable ticks for a tick spacing (a full-range position). */
export function fullRangeTicks(tickSpacing: number): { tickLower: number; tickUpper: number } {
  return {
    tickLower: Math.ceil(MIN_TICK / tickSpacing) * tickSpacing,
    tickUpper: Math.floor(MAX_TICK / tickSpacing) * tickSpacing,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Pools: orientation, funding, creation, price moves
// ---------------------------------------------------------------------------------------------------------

/** A base/quote pair resolved against a pool's token0/token1 order. */
interface Pair {
  token0: string;
  token1: string;
  /** True when the base token is token0. */
  baseIs0: boolean;
  decimals0: number;
  decimals1: number;
}

/** Sorts two token addresses the way Uniswap does (numerically ascending). */
export function sortTokens(tokenA: string, tokenB: string): [token0: string, token1: string] {
  const [a, b] = [getAddress(tokenA), getAddress(tokenB)];
  if (a === b) throw new Error(`identical tokens ${a}`);
  return BigInt(a) < BigInt(b) ? [a, b] : [b, a];
}

async function resolvePair(
  base: AddressLike,
  quote: AddressLike,
  runner: ContractRunner | null,
): Promise<Pair> {
  const [b, q] = await Promise.all([resolveAddress(base), resolveAddress(quote)]);
  const [token0, token1] = sortTokens(b, q);
  const [d0, d1] = await Promise.all([token0, token1].map((t) => getTokenContract(t, runner).decimals()));
  return { token0, token1, baseIs0: token0 === getAddress(b), decimals0: Number(d0), decimals1: Number(d1) };
}

/** sqrtPriceX96 of a human price of base in quote, in the pool's token0/token1 orientation. */
function pairSqrtPriceX96(pair: Pair, priceBaseInQuote: PriceLike): bigint {
  const r = toRatio(priceBaseInQuote);
  const price0In1 = pair.baseIs0 ? r : { num: r.den, den: r.num };
  return ratioToSqrtPriceX96(price0In1, pair.decimals0, pair.decimals1);
}

/**
 * Human price of `baseToken` in the pool's other token, read from `slot0`.
 *
 * @param pool A pool handle whose runner can read the token contracts.
 * @param baseToken token0 or token1 of the pool.
 */
export async function readPoolPrice(pool: UniswapV3Pool, baseToken: AddressLike): Promise<number> {
  const [token0, token1, slot0] = await Promise.all([pool.token0(), pool.token1(), pool.slot0()]);
  const base = getAddress(await resolveAddress(baseToken));
  if (base !== token0 && base !== token1) throw new Error(`${base} is not a token of the pool`);
  const pair = await resolvePair(token0, token1, pool.runner);
  const { num, den } = sqrtPriceX96ToRatio(slot0.sqrtPriceX96, pair.decimals0, pair.decimals1);
  return ratioToNumber(base === token0 ? { num, den } : { num: den, den: num });
}

/**
 * Makes sure `signer` holds at least `amount` of `token`: the shortfall is wrapped from ETH when `token` is
 * the periphery's WETH, minted when the token has a public `mint(address,uint256)` (TestUSDC); for any
 * other ERC-20 the caller must provide the balance beforehand, otherwise this throws.
 */
async function ensureBalance(token: string, signer: Signer, amount: bigint, weth: string): Promise<void> {
  const erc20 = getTokenContract(token, signer);
  const owner = await signer.getAddress();
  const shortfall = amount - (await erc20.balanceOf(owner));
  if (shortfall <= 0n) return;
  if (token === getAddress(weth)) {
    await mined(erc20.deposit({ value: shortfall }));
    return;
  }
  try {
    await erc20.mint.staticCall(owner, shortfall);
  } catch {
    const symbol = await erc20.symbol();
    throw new Error(
      `${owner} lacks ${shortfall} ${symbol} (${token}), which has no public mint: fund it first`,
    );
  }
  await mined(erc20.mint(owner, shortfall));
}

/** {@link ensureBalance}, then an unlimited approval of `spender` unless the allowance covers `amount`. */
async function fundAndApprove(
  token: string,
  amount: bigint,
  signer: Signer,
  spender: Addressable,
  weth: string,
) {
  await ensureBalance(token, signer, amount, weth);
  const erc20 = getTokenContract(token, signer);
  if ((await erc20.allowance(await signer.getAddress(), spender)) < amount) {
    await mined(erc20.approve(spender, MaxUint256));
  }
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** Token amounts (rounded up) that `liquidity` needs in [sqrtLower, sqrtUpper] at price `sqrtP`. */
function amountsForLiquidity(sqrtP: bigint, sqrtLower: bigint, sqrtUpper: bigint, liquidity: bigint) {
  return {
    amount0: ceilDiv(ceilDiv((liquidity << 96n) * (sqrtUpper - sqrtP), sqrtUpper), sqrtP),
    amount1: ceilDiv(liquidity * (sqrtP - sqrtLower), Q96),
  };
}

/** Options of {@link createPoolWithLiquidity}. Amounts are raw token units (e.g. `parseUnits`). */
export interface CreatePoolParams {
  uniswap: UniswapV3;
  /** Creates the pool and owns the position; funded automatically for WETH and faucet tokens. */
  signer: Signer;
  tokenA: AddressLike;
  tokenB: AddressLike;
  /** Fee tier in hundredths of a bip; must be enabled in the factory. Default 3000 (0.3 %). */
  fee?: number;
  /** Initial human price: 1 whole tokenA = `priceAInB` whole tokenB. */
  priceAInB: PriceLike;
  /** tokenA to deposit. Alone, tokenB is sized to match it at the pool price. */
  amountA?: bigint;
  /** tokenB to deposit. Alone, tokenA is sized to match it at the pool price. */
  amountB?: bigint;
  /** Alternative sizing: the full-range liquidity L to mint (amounts derived). */
  liquidity?: bigint;
  /** `increaseObservationCardinalityNext` target, i.e. the TWAP history length. Default 128. */
  cardinality?: number;
}

/** Desired token0/token1 amounts of the full-range mint, from whichever sizing the caller gave. */
function mintAmounts(p: CreatePoolParams, baseIs0: boolean, sqrtP: bigint, lower: bigint, upper: bigint) {
  const [given0, given1] = baseIs0 ? [p.amountA, p.amountB] : [p.amountB, p.amountA];
  if (given0 !== undefined && given1 !== undefined) return { amount0: given0, amount1: given1 };
  let liquidity = p.liquidity;
  if (given0 !== undefined) liquidity = (given0 * ((sqrtP * upper) / Q96)) / (upper - sqrtP);
  if (given1 !== undefined) liquidity = (given1 * Q96) / (sqrtP - lower);
  if (liquidity === undefined || liquidity <= 0n) throw new Error("give amountA, amountB or liquidity (> 0)");
  const derived = amountsForLiquidity(sqrtP, lower, upper, liquidity);
  return { amount0: given0 ?? derived.amount0, amount1: given1 ?? derived.amount1 };
}

/**
 * Creates (or reuses) the tokenA/tokenB pool, initialises it at the exact `sqrtPriceX96` of `priceAInB`,
 * raises its observation cardinality and mints one full-range position through the position manager.
 * If the pool already exists its price is kept and the position is sized at that price.
 *
 * @returns The pool address.
 */
export async function createPoolWithLiquidity(p: CreatePoolParams): Promise<string> {
  const { signer, fee = 3000, cardinality = 128 } = p;
  const positionManager = p.uniswap.positionManager.connect(signer);
  const pair = await resolvePair(p.tokenA, p.tokenB, signer);
  const { token0, token1 } = pair;
  const initialSqrtPriceX96 = pairSqrtPriceX96(pair, p.priceAInB);
  await mined(positionManager.createAndInitializePoolIfNecessary(token0, token1, fee, initialSqrtPriceX96));
  const pool = getPoolContract(await p.uniswap.factory.connect(signer).getPool(token0, token1, fee), signer);
  await growObservations(pool, cardinality);

  const { tickLower, tickUpper } = fullRangeTicks(Number(await pool.tickSpacing()));
  const [lower, upper] = [tickToSqrtPriceX96(tickLower), tickToSqrtPriceX96(tickUpper)];
  const { sqrtPriceX96 } = await pool.slot0();
  const { amount0, amount1 } = mintAmounts(p, pair.baseIs0, sqrtPriceX96, lower, upper);
  const weth = await positionManager.WETH9();
  await fundAndApprove(token0, amount0, signer, positionManager, weth);
  await fundAndApprove(token1, amount1, signer, positionManager, weth);
  const recipient = await signer.getAddress();
  const [amount0Min, amount1Min, deadline] = [0n, 0n, MaxUint256];
  const mint = { token0, token1, fee, tickLower, tickUpper, amount0Min, amount1Min, recipient, deadline };
  await mined(positionManager.mint({ ...mint, amount0Desired: amount0, amount1Desired: amount1 }));
  return pool.getAddress();
}

/** Options of {@link movePoolPrice}. */
export interface MovePoolPriceParams {
  uniswap: UniswapV3;
  /** The pool, as address or any handle (e.g. a {@link UniswapV3Pool}). */
  pool: string | Addressable;
  /** Swaps; funded automatically for WETH and faucet tokens, other tokens must already be held. */
  signer: Signer;
  baseToken: AddressLike;
  quoteToken: AddressLike;
  /** Target human price: 1 whole base = `targetPrice` whole quote. */
  targetPrice: PriceLike;
  /** Safety bound on the number of swaps (one suffices unless liquidity grows along the path). Default 8. */
  maxSwaps?: number;
}

/**
 * Input (with fee, plus 1 % headroom) that moves the price from `sqrtP` to `target` if the current in-range
 * liquidity held all the way. More is harmless: the swap stops at its price limit and only pays what it used.
 */
function swapInputEstimate(liquidity: bigint, sqrtP: bigint, target: bigint, fee: bigint): bigint {
  const net =
    target < sqrtP
      ? ceilDiv(ceilDiv((liquidity << 96n) * (sqrtP - target), sqrtP), target)
      : ceilDiv(liquidity * (target - sqrtP), Q96);
  const gross = ceilDiv(net * 1_000_000n, 1_000_000n - fee);
  return gross + gross / 100n + 1n;
}

/**
 * Moves the pool's spot price exactly to `targetPrice` (human price of base in quote) with
 * `SwapRouter.exactInputSingle` whose `sqrtPriceLimitX96` is the target, so the swap ends exactly there.
 * Works in both directions. Usually one swap; if liquidity increases along the path the estimate can fall
 * short and further swaps follow (bounded by `maxSwaps`).
 *
 * Funding: the input token is wrapped from the signer's ETH when it is the periphery's WETH, minted when
 * it has a public `mint(address,uint256)` (TestUSDC); any other ERC-20 must already be held by the signer.
 *
 * @returns The receipt of the last swap, or `null` when the pool already sits at the target.
 */
export async function movePoolPrice(p: MovePoolPriceParams): Promise<ContractTransactionReceipt | null> {
  const { signer, maxSwaps = 8 } = p;
  const pool = getPoolContract(p.pool, signer);
  const router = p.uniswap.router.connect(signer);
  const pair = await resolvePair(p.baseToken, p.quoteToken, signer);
  const [token0, token1, fee] = await Promise.all([pool.token0(), pool.token1(), pool.fee()]);
  if (pair.token0 !== token0 || pair.token1 !== token1)
    throw new Error("base/quote are not the pool's tokens");
  const target = pairSqrtPriceX96(pair, p.targetPrice);
  const [weth, recipient] = await Promise.all([router.WETH9(), signer.getAddress()]);
  let receipt: ContractTransactionReceipt | null = null;
  for (let swaps = 0; ; swaps++) {
    const [{ sqrtPriceX96 }, liquidity] = await Promise.all([pool.slot0(), pool.liquidity()]);
    if (sqrtPriceX96 === target) return receipt;
    if (swaps === maxSwaps) throw new Error(`pool price still off target after ${maxSwaps} swaps`);
    const [tokenIn, tokenOut] = target < sqrtPriceX96 ? [token0, token1] : [token1, token0];
    const amountIn = swapInputEstimate(liquidity, sqrtPriceX96, target, fee);
    await fundAndApprove(tokenIn, amountIn, signer, router, weth);
    const swap = { tokenIn, tokenOut, fee, recipient, deadline: MaxUint256, amountIn, amountOutMinimum: 0n };
    receipt = await mined(router.exactInputSingle({ ...swap, sqrtPriceLimitX96: target }));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Time and oracle
// ---------------------------------------------------------------------------------------------------------

/** Anything that can move the chain's clock: Hardhat's `networkHelpers`, or a JSON-RPC provider with `send`. */
export type TimeController =
  | { time: { increase(seconds: number): Promise<unknown> } }
  | { send(method: string, params: unknown[]): Promise<unknown> };

/**
 * Mines one block exactly `seconds` after the latest block (Hardhat's `time.increase` semantics).
 *
 * @param clock `networkHelpers` of a connection, or a provider (e.g. `ethers.provider`, a `JsonRpcProvider`
 *   to a `hardhat node`) supporting `evm_setNextBlockTimestamp` and `evm_mine`.
 * @param seconds Positive number of seconds.
 */
export async function advanceTime(clock: TimeController, seconds: number): Promise<void> {
  if ("time" in clock) {
    await clock.time.increase(seconds);
    return;
  }
  const latest = (await clock.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  await clock.send("evm_setNextBlockTimestamp", [toQuantity(BigInt(latest.timestamp) + BigInt(seconds))]);
  await clock.send("evm_mine", []);
}

/** Ethereum's per-transaction gas cap (EIP-7825): a transaction asking for more is refused. */
export const TRANSACTION_GAS_CAP = 16_777_216n;

/** Margin over the estimate for `increaseObservationCardinalityNext` (its cost does not depend on the block), %. */
const OBSERVATIONS_GAS_MARGIN_PERCENT = 10n;

/**
 * Raises a pool's observation capacity to `cardinality` with an explicit gas limit: the estimate plus 10%, never
 * above the transaction gas cap. (A network's gas multiplier, e.g. localhost's ×2, would push the ~9.4M gas of 421
 * slots past the cap.)
 */
export async function growObservations(pool: UniswapV3Pool, cardinality: number): Promise<void> {
  const estimate = await pool.increaseObservationCardinalityNext.estimateGas(cardinality);
  const padded = (estimate * (100n + OBSERVATIONS_GAS_MARGIN_PERCENT)) / 100n;
  const gasLimit = padded < TRANSACTION_GAS_CAP ? padded : TRANSACTION_GAS_CAP;
  await mined(pool.increaseObservationCardinalityNext(cardinality, { gasLimit }));
}

/**
 * Arithmetic-mean tick over the last `seconds` from `pool.observe([seconds, 0])`, rounded towards negative
 * infinity exactly like v3-periphery's `OracleLibrary.consult`.
 *
 * @param pool A pool handle (see {@link getPoolContract}).
 * @param seconds Window length; needs enough observation history (cardinality) to cover it.
 */
export async function readTwapTick(pool: UniswapV3Pool, seconds: number): Promise<number> {
  const { tickCumulatives } = await pool.observe([seconds, 0]);
  const delta = tickCumulatives[1] - tickCumulatives[0];
  const window = BigInt(seconds);
  const mean = delta / window - (delta < 0n && delta % window !== 0n ? 1n : 0n);
  return Number(mean);
}
