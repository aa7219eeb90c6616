/**
 * Headless Chromium for rendering and browser tests: finds Debian's `chromium` (or the executable named by
 * `EVERGAMMA_CHROMIUM`) and launches it through `puppeteer-core`, which downloads no browser of its own.
 *
 * @module
 */
import { accessSync, constants } from "node:fs";
import path from "node:path";

import puppeteer, { type Browser } from "puppeteer-core";

/** Environment variable naming the Chromium executable to use. */
export const CHROMIUM_ENV = "EVERGAMMA_CHROMIUM";

/** Executable names looked up on the PATH, in order. */
const CANDIDATES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

/** No Chromium was found: the message says how to get one. */
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
 * The Chromium executable: `$EVERGAMMA_CHROMIUM` when set, else the first of chromium, chromium-browser,
 * google-chrome-stable, google-chrome on the PATH.
 *
 * @throws ChromiumNotFoundError when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const named = env[CHROMIUM_ENV];
  if (named !== undefined && named !== "") {
    if (isExecutable(named)) return named;
    throw new ChromiumNotFoundError(`${CHROMIUM_ENV}=${named} is not an executable file`);
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter((d) => d !== "")) {
    for (const name of CANDIDATES) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  throw new ChromiumNotFoundError(
    `no Chromium found (install it: apt-get install -y chromium, or set ${CHROMIUM_ENV})`,
  );
}

/** Launches headless Chromium (no sandbox: CI runs as root), found by {@link findChromium}. */
export async function launchBrowser(executablePath = findChromium()): Promise<Browser> {
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"],
  });
}
