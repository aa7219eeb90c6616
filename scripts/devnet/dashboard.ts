/**
 * The devnet's dashboard: {@link buildDashboard} bundles `dashboard/` with esbuild into `dashboard/dist/` (only when a
 * source is newer than the bundle), and {@link startDashboardServer} serves it on 127.0.0.1 with a small
 * `node:http` server — the page, its bundle, `/deployment.json` (503 until the devnet has deployed) and `/rpc`, a
 * proxy to the devnet's JSON-RPC endpoint (same origin, so the page needs no CORS from the node). Nothing loads from
 * outside the machine.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

/** The default port of the dashboard. */
export const DEFAULT_DASHBOARD_PORT = 8550;

/** What {@link buildDashboard} did. */
export interface DashboardBuild {
  /** False when the bundle was already up to date. */
  built: boolean;
  /** Milliseconds taken (checking included). */
  ms: number;
  /** Bytes of the bundle (JavaScript and CSS). */
  bytes: number;
}

/** The dashboard's folder and its bundle's. */
export function dashboardPaths(projectRoot: string) {
  const dir = path.join(projectRoot, "dashboard");
  return { dir, dist: path.join(dir, "dist"), entry: path.join(dir, "main.ts") };
}

/** The newest modification time (ms) of the files below `dir` (recursively), `dist/` left out. */
async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules") continue;
    const file = path.join(dir, entry.name);
    const time = entry.isDirectory() ? await newestSource(file) : (await stat(file)).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

async function bundleBytes(dist: string): Promise<number> {
  const sizes = await Promise.all(
    ["main.js", "main.css"].map((f) => stat(path.join(dist, f)).then((s) => s.size)),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * Bundles the dashboard (TypeScript, the typed client, viem, uPlot and the CSS) into `dashboard/dist/main.js` and
 * `main.css` when a source of `dashboard/` or `client/` is newer than the bundle, or `force`.
 */
export async function buildDashboard(projectRoot: string, { force = false } = {}): Promise<DashboardBuild> {
  const start = performance.now();
  const { dist, entry, dir } = dashboardPaths(projectRoot);
  const bundled = await stat(path.join(dist, "main.js")).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(await newestSource(dir), await newestSource(path.join(projectRoot, "client")));
  if (!force && bundled > sources) {
    return { built: false, ms: Math.round(performance.now() - start), bytes: await bundleBytes(dist) };
  }
  const esbuild = await import("esbuild");
  await esbuild
    .build({
      entryPoints: [entry],
      outdir: dist,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      legalComments: "none",
      logLevel: "silent",
      plugins: [browserStubs],
    })
    .catch((error: unknown) => {
      throw new Error(`dashboard bundle: ${firstBuildError(error)}`);
    });
  return { built: true, ms: Math.round(performance.now() - start), bytes: await bundleBytes(dist) };
}

/** The first of esbuild's errors as one line: `dashboard/dom.ts:31: Unexpected ";"`. */
function firstBuildError(error: unknown): string {
  const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
    .errors;
  const first = errors?.[0];
  if (first === undefined) return String(error).split("\n")[0];
  return first.location ? `${first.location.file}:${first.location.line}: ${first.text}` : first.text;
}

/** `node:` modules the client imports for its file helpers, which the page never calls: a stub that throws. */
const browserStubs = {
  name: "node-builtins-stub",
  setup(build: {
    onResolve(o: { filter: RegExp }, f: (a: { path: string }) => { path: string; namespace: string }): void;
    onLoad(o: { filter: RegExp; namespace: string }, f: () => { contents: string; loader: "js" }): void;
  }) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "node-stub" }));
    build.onLoad({ filter: /.*/, namespace: "node-stub" }, () => ({
      contents: "export function readFileSync() { throw new Error('no file system in the browser'); }",
      loader: "js",
    }));
  },
};

/** The running server. */
export interface DashboardServer {
  url: string;
  port: number;
  /** Makes `/deployment.json` answer with `deployment` and `/rpc` forward to `rpcUrl`. */
  setDeployment(deployment: unknown, rpcUrl: string): void;
  close(): Promise<void>;
}

/** The dashboard's port is taken (an explicit `--dashboard-port`): the message is the whole story. */
export class DashboardPortInUseError extends Error {
  override name = "DashboardPortInUseError";
}

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  projectRoot: string;
  port: number;
  hostname?: string;
  /** When the port is taken: take any free port (true) or throw {@link DashboardPortInUseError} (false). */
  fallbackToFreePort?: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
};

/** Largest JSON-RPC request body forwarded (bytes). */
const MAX_RPC_BODY = 8 * 1024 * 1024;

/** Starts the dashboard's server on 127.0.0.1 (or `hostname`). */
export async function startDashboardServer(o: DashboardServerOptions): Promise<DashboardServer> {
  const hostname = o.hostname ?? "127.0.0.1";
  const state: { deployment?: string; rpcUrl?: string } = {};
  const { dir } = dashboardPaths(o.projectRoot);
  const server = createServer((request, response) => {
    handle(request, response, dir, state).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end(error instanceof Error ? error.message : String(error));
    });
  });
  const port = await listen(server, o.port, hostname).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE") throw error;
    if (o.fallbackToFreePort !== true) {
      throw new DashboardPortInUseError(
        `dashboard port ${o.port} on ${hostname} is already in use: pass another --dashboard-port or --no-dashboard`,
      );
    }
    return listen(server, 0, hostname);
  });
  return {
    url: `http://${hostname}:${port}/`,
    port,
    setDeployment(deployment, rpcUrl) {
      state.deployment = JSON.stringify(deployment, (_, v: unknown) =>
        typeof v === "bigint" ? String(v) : v,
      );
      state.rpcUrl = rpcUrl;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listen(server: Server, port: number, hostname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, hostname, () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  dir: string,
  state: { deployment?: string; rpcUrl?: string },
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  if (url.pathname === "/rpc") return proxyRpc(request, response, state.rpcUrl);
  if (request.method !== "GET" && request.method !== "HEAD")
    return send(response, 405, "text/plain", "GET only");
  if (url.pathname === "/deployment.json") {
    if (state.deployment === undefined) return send(response, 503, "text/plain", "the devnet is deploying");
    return send(response, 200, CONTENT_TYPES[".json"], state.deployment);
  }
  const relative = url.pathname === "/" ? "index.html" : decodeURIComponent(url.pathname.slice(1));
  const file = path.resolve(dir, relative);
  const type = CONTENT_TYPES[path.extname(file)];
  if (!file.startsWith(dir + path.sep) || type === undefined || relative.endsWith(".ts")) {
    return send(response, 404, "text/plain", "not found");
  }
  const body = await readFile(file).catch(() => undefined);
  if (body === undefined) return send(response, 404, "text/plain", "not found");
  return send(response, 200, type, body);
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  response.end(body);
}

async function proxyRpc(request: IncomingMessage, response: ServerResponse, rpcUrl: string | undefined) {
  if (request.method !== "POST") return send(response, 405, "text/plain", "POST JSON-RPC only");
  if (rpcUrl === undefined) return send(response, 503, "text/plain", "the devnet is starting");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RPC_BODY) return send(response, 413, "text/plain", "request too large");
    chunks.push(chunk);
  }
  const answer = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: Buffer.concat(chunks),
  });
  send(response, answer.status, "application/json", Buffer.from(await answer.arrayBuffer()));
}
