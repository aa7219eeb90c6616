/**
 * Keeper units that need no chain: flags and defaults, the deployment file format, paging, the profitability
 * rule, the log format, and the hand-written ABIs against the compiled artifacts.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { artifacts } from "hardhat";
import { toEventSelector, toFunctionSelector } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { engineAbi, erc20Abi, keeperHelperAbi, lensAbi } from "../../scripts/keeper/abi.js";
import {
  DEFAULT_OPTIONS,
  DEV_KEEPER_PRIVATE_KEY,
  MAX_DURATION_MS,
  SECP256K1_ORDER,
  parseCommandLine,
  parseDurationMs,
  resolvePrivateKey,
  type KeeperOptions,
} from "../../scripts/keeper/config.js";
import { ExitCode, KeeperError } from "../../scripts/keeper/errors.js";
import { toPages } from "../../scripts/keeper/health.js";
import { isProfitable, liquidationBonus } from "../../scripts/keeper/liquidation.js";
import { backoffDelayMs } from "../../scripts/keeper/keeper.js";
import { formatEth, formatLogLine, formatPrettyLine, logFormat } from "../../scripts/keeper/logging.js";
import { redactText, redactUrl } from "../../scripts/keeper/redact.js";
import {
  DeploymentFileError,
  REQUIRED_CONTRACTS,
  readDeploymentFile,
  writeDeploymentFile,
  type Deployment,
} from "../../scripts/lib/deploymentFile.js";

function options(argv: string[], env: NodeJS.ProcessEnv = {}): KeeperOptions {
  const parsed = parseCommandLine(argv, env);
  if (parsed.help) throw new Error("unexpected --help");
  return parsed.options;
}

function expectExit(f: () => unknown, code: number, pattern: RegExp): void {
  try {
    f();
  } catch (error) {
    expect(error).to.be.instanceOf(KeeperError);
    expect((error as KeeperError).exitCode).to.equal(code);
    expect((error as KeeperError).message).to.match(pattern);
    return;
  }
  expect.fail("expected a KeeperError");
}

const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as const;

describe("keeper units", function () {
  describe("command line", function () {
    it("has the documented defaults", function () {
      expect(options([])).to.deep.equal({ ...DEFAULT_OPTIONS, rpcUrl: undefined, privateKey: undefined });
      expect(DEFAULT_OPTIONS).to.include({
        fundingIntervalSeconds: 3600,
        minProfitFactor: 2,
        pageSize: 1000,
        once: false,
        dryRun: false,
        deploymentPath: "deployments/localhost.json",
      });
    });

    it("parses every flag", function () {
      const parsed = options(
        [
          "--rpc",
          "http://127.0.0.1:8545",
          "--deployment",
          "d.json",
          "--once",
          "--dry-run",
          "--interval",
          "500ms",
          "--funding-interval",
          "30m",
          "--min-profit-factor",
          "1.5",
          "--page-size",
          "250",
          "--max-liquidations",
          "7",
          "--rpc-retries",
          "5",
          "--rpc-timeout",
          "3s",
          "--max-backoff",
          "1m",
          "--receipt-timeout",
          "90",
          "--replace-after",
          "45s",
          "--max-slippage",
          "2.5",
          "--deadline",
          "24s",
          "--pretty",
        ],
        { KEEPER_PRIVATE_KEY: DEV_KEEPER_PRIVATE_KEY.slice(2) },
      );
      expect(parsed).to.deep.equal({
        rpcUrl: "http://127.0.0.1:8545",
        deploymentPath: "d.json",
        once: true,
        dryRun: true,
        pollIntervalMs: 500,
        fundingIntervalSeconds: 1800,
        minProfitFactor: 1.5,
        pageSize: 250,
        maxLiquidationsPerTick: 7,
        rpcRetries: 5,
        rpcTimeoutMs: 3000,
        maxBackoffMs: 60_000,
        receiptTimeoutMs: 90_000,
        replaceAfterMs: 45_000,
        maxSlippageBps: 250,
        liquidationDeadlineMs: 24_000,
        output: "pretty",
        privateKey: DEV_KEEPER_PRIVATE_KEY,
      });
      expect(options(["--json"]).output).to.equal("json");
      expect(parseCommandLine(["--help"])).to.deep.equal({ help: true });
      expect(parseDurationMs("1h", "--x")).to.equal(3_600_000);
      expect(parseDurationMs("2d", "--x")).to.equal(172_800_000);
    });

    it("rejects bad flags and keys with exit code 2", function () {
      expectExit(() => options(["--bogus"]), ExitCode.Usage, /bogus/);
      // Vault discovery by events is gone (serials run from 1 to each market's vault count): so are its flags.
      expectExit(() => options(["--from-block", "12"]), ExitCode.Usage, /from-block/);
      expectExit(() => options(["--log-range", "2000"]), ExitCode.Usage, /log-range/);
      expectExit(() => options(["--interval", "soon"]), ExitCode.Usage, /--interval: not a duration/);
      expectExit(() => options(["--page-size", "1001"]), ExitCode.Usage, /between 1 and 1000/);
      expectExit(() => options(["--min-profit-factor=-1"]), ExitCode.Usage, /must be ≥ 0, got -1/);
      expectExit(
        () => options(["--max-slippage", "101"]),
        ExitCode.Usage,
        /--max-slippage: must be at most 100/,
      );
      expectExit(() => options(["--pretty", "--json"]), ExitCode.Usage, /exclude each other/);
      expectExit(() => options(["--rpc", "ws://x"]), ExitCode.Usage, /only http/);
      expectExit(() => options([], { KEEPER_PRIVATE_KEY: "0x1234" }), ExitCode.Usage, /not a 32-byte hex/);
    });

    it("defaults the key to development account #9 on chain 31337 only", function () {
      const devKey = resolvePrivateKey(undefined, 31337);
      expect(privateKeyToAccount(devKey).address).to.equal("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
      expectExit(
        () => resolvePrivateKey(undefined, 1),
        ExitCode.Usage,
        /KEEPER_PRIVATE_KEY is required on chain 1/,
      );
      const own = `0x${"11".repeat(32)}` as const;
      expect(resolvePrivateKey(own, 1)).to.equal(own);
    });
  });

  describe("deployment file", function () {
    let dir: string;
    before(async function () {
      dir = await mkdtemp(join(tmpdir(), "evergamma-deployment-"));
    });
    after(async function () {
      await rm(dir, { recursive: true, force: true });
    });

    const market = (id: number, name: string, power: number) => ({
      id,
      name,
      token: address(100 + 3 * id),
      pool: address(101 + 3 * id),
      priceSource: address(102 + 3 * id),
      params: {
        power,
        indexScale: power === 2 ? "10000" : "1",
        minCollateralRatioWad: "1500000000000000000",
        minCollateralWei: "500000000000000000",
        twapPeriodSeconds: 420,
        fundingPeriodSeconds: 1_512_000,
        markRatioFloorWad: "800000000000000000",
        markRatioCapWad: "1400000000000000000",
        liquidationBonusWad: "100000000000000000",
      },
    });
    const deployment = (): Deployment => ({
      chainId: 31337,
      rpcUrl: "http://127.0.0.1:8545",
      contracts: Object.fromEntries(
        [...REQUIRED_CONTRACTS, "KeeperHelper"].map((name, i) => [name, address(i + 1)]),
      ),
      markets: { "0": market(0, "ETH2", 2), "1": market(1, "ETH1", 1) },
    });

    it("round-trips through write and read", async function () {
      const path = join(dir, "nested", "localhost.json");
      await writeDeploymentFile(path, deployment());
      expect(readDeploymentFile(path)).to.deep.equal(deployment());
      expect(JSON.parse(await readFile(path, "utf8"))).to.deep.equal(deployment());
    });

    it("throws a one-line DeploymentFileError for missing or malformed files", async function () {
      const cases: [string, string | undefined, RegExp][] = [
        ["missing.json", undefined, /missing\.json: file not found$/],
        ["garbage.json", "{", /garbage\.json: not valid JSON/],
        ["array.json", "[]", /expected a JSON object/],
        [
          "chain.json",
          JSON.stringify({ ...deployment(), chainId: "31337" }),
          /"chainId" must be a positive integer/,
        ],
        ["url.json", JSON.stringify({ ...deployment(), rpcUrl: 1 }), /"rpcUrl" must be a string/],
        [
          "address.json",
          JSON.stringify({ ...deployment(), contracts: { ...deployment().contracts, VaultNFT: "0x12" } }),
          /contracts\.VaultNFT is not an address/,
        ],
        [
          "partial.json",
          JSON.stringify({ ...deployment(), contracts: { Evergamma: address(1) } }),
          /missing contracts: EvergammaLens, WETH/,
        ],
        ["no-markets.json", JSON.stringify({ ...deployment(), markets: {} }), /"markets" must be an object/],
        [
          "market-token.json",
          JSON.stringify({
            ...deployment(),
            markets: { ...deployment().markets, "1": { ...market(1, "ETH1", 1), token: "0x12" } },
          }),
          /markets\.1\.token is not an address/,
        ],
      ];
      for (const [name, text, pattern] of cases) {
        const path = join(dir, name);
        if (text !== undefined) await writeFile(path, text);
        expect(() => readDeploymentFile(path), name)
          .to.throw(DeploymentFileError, pattern)
          .with.property("message")
          .that.does.not.include("\n");
      }
      let rejected = false;
      await writeDeploymentFile(join(dir, "bad.json"), { ...deployment(), chainId: 0 }).catch(
        () => (rejected = true),
      );
      expect(rejected, "writeDeploymentFile validates").to.equal(true);
    });
  });

  describe("paging, profitability and logs", function () {
    it("cuts a market's serials 1 to its vault count into pages of bounded size", function () {
      expect(toPages(0, 0n, 1000)).to.deep.equal([]);
      expect(toPages(1, 5n, 2)).to.deep.equal([
        { marketId: 1, startSerial: 1n, count: 2n },
        { marketId: 1, startSerial: 3n, count: 2n },
        { marketId: 1, startSerial: 5n, count: 1n },
      ]);
      expect(toPages(0, 3n, 1000)).to.deep.equal([{ marketId: 0, startSerial: 1n, count: 3n }]);
      const pages = toPages(0, 10_001n, 1000);
      expect(pages).to.have.length(11);
      expect(pages.reduce((sum, p) => sum + p.count, 0n)).to.equal(10_001n);
      expect(pages.at(-1)).to.deep.equal({ marketId: 0, startSerial: 10_001n, count: 1n });
    });

    it("liquidates only when the bonus pays the gas min-profit-factor times over", function () {
      const WAD = 10n ** 18n;
      // 1 token at 0.3 ETH, paid 0.33 ETH: bonus 0.03 ETH.
      const bonus = liquidationBonus(WAD, (33n * WAD) / 100n, (3n * WAD) / 10n);
      expect(bonus).to.equal((3n * WAD) / 100n);
      expect(liquidationBonus(3n, 0n, WAD / 2n), "rounded against the keeper").to.equal(-2n);
      expect(isProfitable(bonus, bonus / 2n, 2)).to.equal(true);
      expect(isProfitable(bonus, bonus / 2n + 1n, 2)).to.equal(false);
      expect(isProfitable(bonus, bonus, 0.5)).to.equal(true);
      expect(isProfitable(0n, 0n, 0), "no bonus, no liquidation").to.equal(false);
      expect(isProfitable(-1n, 0n, 0)).to.equal(false);
    });

    it("writes one JSON object per line with bigints as strings", function () {
      const line = formatLogLine({
        time: "2025-01-01T00:00:00.000Z",
        level: "info",
        event: "liquidation",
        vaultId: 12n,
        skipped: undefined,
        ok: true,
      });
      expect(line).to.equal(
        '{"time":"2025-01-01T00:00:00.000Z","level":"info","event":"liquidation","vaultId":"12","ok":true}',
      );
    });
  });

  describe("findings", function () {
    it("keeper: L-1 every duration flag rejects 0 and values above 2^31 - 1 ms; backoff never exceeds its cap", function () {
      for (const flag of [
        "--interval",
        "--funding-interval",
        "--rpc-timeout",
        "--max-backoff",
        "--receipt-timeout",
        "--replace-after",
        "--deadline",
      ]) {
        expectExit(() => options([flag, "0"]), ExitCode.Usage, new RegExp(`${flag}: must be > 0`));
        expectExit(() => options([flag, "0.4ms"]), ExitCode.Usage, new RegExp(`${flag}: must be > 0`));
        expectExit(() => options([flag, "2147483648ms"]), ExitCode.Usage, /must be at most 2147483647 ms/);
        expectExit(() => options([flag, "30d"]), ExitCode.Usage, /must be at most 2147483647 ms/);
        expect(() => options([flag, "2147483647ms"])).to.not.throw();
      }
      for (const [interval, cap] of [
        [12_000, 60_000],
        [1, MAX_DURATION_MS],
        [MAX_DURATION_MS, MAX_DURATION_MS],
      ]) {
        let previous = 0;
        for (let failures = 1; failures <= 2000; failures++) {
          const delay = backoffDelayMs(interval, failures, cap);
          expect(delay).to.be.at.most(cap);
          expect(delay).to.be.at.least(previous);
          expect(Number.isInteger(delay)).to.equal(true);
          previous = delay;
        }
        expect(previous).to.equal(cap);
      }
      expect(backoffDelayMs(12_000, 1, 60_000)).to.equal(12_000);
      expect(backoffDelayMs(12_000, 3, 60_000)).to.equal(48_000);
    });

    it("keeper: L-3 a well-formed key outside 1 to n - 1 is a usage error (2)", function () {
      const hex = (k: bigint) => `0x${k.toString(16).padStart(64, "0")}`;
      for (const bad of [0n, SECP256K1_ORDER, 2n ** 256n - 1n]) {
        expectExit(
          () => options([], { KEEPER_PRIVATE_KEY: hex(bad) }),
          ExitCode.Usage,
          /not a valid secp256k1/,
        );
      }
      expect(options([], { KEEPER_PRIVATE_KEY: hex(1n) }).privateKey).to.equal(hex(1n));
      expect(options([], { KEEPER_PRIVATE_KEY: hex(SECP256K1_ORDER - 1n) }).privateKey).to.equal(
        hex(SECP256K1_ORDER - 1n),
      );
    });

    it("keeper: L-4 RPC URLs are redacted to their origin in every log line", function () {
      expect(redactUrl("https://eth-mainnet.example/v2/KEY")).to.equal("https://eth-mainnet.example/…");
      expect(redactUrl("http://user:pass@127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
      expect(redactUrl("http://127.0.0.1:8545/")).to.equal("http://127.0.0.1:8545");
      expect(redactUrl("https://rpc.example/?apikey=KEY")).to.equal("https://rpc.example/…");
      expect(redactText("cannot reach https://u:p@x.example/KEY: failed")).to.equal(
        "cannot reach https://x.example/…: failed",
      );
      const entry = { time: "2025-01-01T00:00:00.000Z", level: "info" as const, event: "start" };
      const secret = {
        ...entry,
        rpcUrl: "https://a:b@rpc.example/KEY",
        reason: "at https://rpc.example/KEY.",
      };
      for (const line of [formatLogLine(secret), formatPrettyLine(secret)]) {
        expect(line).to.not.match(/KEY|a:b/);
        expect(line).to.include("https://rpc.example/…");
      }
    });

    it("keeper: negative numbers get the flag's own bound check", function () {
      expectExit(() => options(["--interval", "-1"]), ExitCode.Usage, /^--interval: must be > 0, got -1$/);
      expectExit(
        () => options(["--min-profit-factor", "-2"]),
        ExitCode.Usage,
        /^--min-profit-factor: must be ≥ 0, got -2$/,
      );
      expectExit(
        () => options(["--max-liquidations", "-1"]),
        ExitCode.Usage,
        /^--max-liquidations: must be ≥ 0, got -1$/,
      );
      expectExit(
        () => options(["--rpc-retries", "-5"]),
        ExitCode.Usage,
        /^--rpc-retries: must be ≥ 0, got -5$/,
      );
    });

    it("keeper: --pretty formats ETH and token amounts for people", function () {
      expect(formatEth(1_234_500_000_000_000_000_000n)).to.equal("1,234.50 ETH");
      expect(formatEth(0n)).to.equal("0.00 ETH");
      expect(formatEth(101_687_135_402_240n)).to.equal("0.000101 ETH");
      expect(formatEth(-2n * 10n ** 18n)).to.equal("-2.00 ETH");
      const line = formatPrettyLine({
        time: "2025-01-01T12:34:56.000Z",
        level: "warn",
        event: "liquidation",
        status: "pending",
        vaultId: "12",
        debtRepaid: "1000000000000000000",
        collateralPaid: "340298822008973912",
      });
      expect(line).to.equal(
        "12:34:56 WARN liquidation pending vaultId=12 debtRepaid=1.00 tokens collateralPaid=0.340298 ETH",
      );
      expect(logFormat("auto", true)).to.equal("pretty");
      expect(logFormat("auto", false)).to.equal("json");
      expect(logFormat("json", true)).to.equal("json");
    });
  });

  describe("ABIs", function () {
    interface Item {
      type: string;
      name?: string;
      inputs?: readonly { type: string }[];
    }
    /** `f:`/`e:`/`x:` plus the selector of a function, event or error (no tuple parameters here). */
    const key = (item: Item): string | undefined => {
      const signature = `${item.name}(${(item.inputs ?? []).map((i) => i.type).join(",")})`;
      if (item.type === "function") return `f:${toFunctionSelector(signature)}`;
      if (item.type === "event") return `e:${toEventSelector(signature)}`;
      if (item.type === "error") return `x:${toFunctionSelector(signature)}`;
      return undefined;
    };
    const check = async (abi: readonly Item[], contracts: string[], label: string): Promise<void> => {
      const known = new Set<string>();
      for (const contract of contracts) {
        for (const item of (await artifacts.readArtifact(contract)).abi as readonly Item[]) {
          const k = key(item);
          if (k !== undefined) known.add(k);
        }
      }
      for (const item of abi) {
        const k = key(item);
        if (k !== undefined) expect(known.has(k), `${label}: ${item.type} ${item.name}`).to.equal(true);
      }
    };

    it("match the compiled contracts", async function () {
      // Each ABI carries every custom error of the protocol, so nested reverts decode.
      const all = ["Evergamma", "EvergammaLens", "KeeperHelper", "MarketToken"];
      await check(engineAbi, ["Evergamma", ...all], "Evergamma");
      await check(lensAbi, ["EvergammaLens", ...all], "EvergammaLens");
      await check(erc20Abi, ["MarketToken"], "MarketToken");
      await check(keeperHelperAbi, ["KeeperHelper", ...all], "KeeperHelper");
      const constructor = (await artifacts.readArtifact("KeeperHelper")).abi.find(
        (i) => i.type === "constructor",
      );
      expect(constructor?.inputs?.map((i: { type: string }) => i.type)).to.deep.equal([
        "address",
        "address",
        "uint256",
        "address",
      ]);
    });
  });
});
