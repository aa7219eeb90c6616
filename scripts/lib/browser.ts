/**
 * Headless Chromium for the browser tests, the dashboard benchmark and the simulation report's PNGs, driven by
 * `playwright-core` (which downloads no browser of its own): the executable named by `CHROMIUM_PATH`, else the first
 * Chromium or Chrome on the PATH or at the usual system locations (Debian's `apt-get install chromium` puts it at
 * /usr/bin/chromium).
 *
 * @module
 */
import { accessSync, constants } from "node:fs";
import path from "node:path";

import { chromium, type Browser } from "playwright-core";

/** The environment variable that names the Chromium executable. */
export const CHROMIUM_PATH_ENV = "CHROMIUM_PATH";

/** Executable names looked up on the PATH, in order. */
const NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];
/** Locations tried when none is on the PATH. */
const LOCATIONS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/snap/bin/chromium",
];

/** Thrown when no Chromium is found: the message says how to get one. */
export class ChromiumNotFoundError extends Error {
  override name = "ChromiumNotFoundError";
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium executable to launch.
 *
 * @throws ChromiumNotFoundError when `CHROMIUM_PATH` names no executable, or none is found.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[CHROMIUM_PATH_ENV];
  if (configured !== undefined && configured !== "") {
    if (isExecutable(configured)) return configured;
    throw new ChromiumNotFoundError(`${CHROMIUM_PATH_ENV}=${configured} is not an executable file`);
  }
  const onPath = (env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir !== "")
    .flatMap((dir) => NAMES.map((name) => path.join(dir, name)));
  const found = [...onPath, ...LOCATIONS].find(isExecutable);
  if (found === undefined) {
    throw new ChromiumNotFoundError(
      `no Chromium found (install it: apt-get install -y chromium, or set ${CHROMIUM_PATH_ENV})`,
    );
  }
  return found;
}

/** Launches headless Chromium (no sandbox: CI runs as root), found by {@link chromiumPath}. */
export async function launchBrowser(executablePath = chromiumPath()): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"],
  });
}
