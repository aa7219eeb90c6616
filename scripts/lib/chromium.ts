/**
 * Finds the Chromium the browser tests and the dashboard benchmark drive (with `playwright-core`): the executable
 * in `CHROMIUM_PATH` when set, else the first of the usual system locations (Debian's `apt-get install chromium`
 * puts it at /usr/bin/chromium).
 *
 * @module
 */
import { existsSync } from "node:fs";

/** The environment variable that names the Chromium executable. */
export const CHROMIUM_PATH_ENV = "CHROMIUM_PATH";

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/snap/bin/chromium",
];

/** Thrown when no Chromium is found: the message says how to get one. */
export class ChromiumNotFoundError extends Error {
  override name = "ChromiumNotFoundError";
}

/**
 * The Chromium executable to launch.
 *
 * @throws ChromiumNotFoundError when `CHROMIUM_PATH` names no file, or none of the usual locations has one.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[CHROMIUM_PATH_ENV];
  if (configured !== undefined && configured !== "") {
    if (!existsSync(configured))
      throw new ChromiumNotFoundError(`${CHROMIUM_PATH_ENV}=${configured}: no such file`);
    return configured;
  }
  const found = CANDIDATES.find((file) => existsSync(file));
  if (found === undefined) {
    throw new ChromiumNotFoundError(
      `no Chromium found (looked at ${CANDIDATES.join(", ")}): apt-get install chromium, or set ${CHROMIUM_PATH_ENV}`,
    );
  }
  return found;
}
