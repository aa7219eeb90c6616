/**
 * The dashboard's entry point (bundled to `dashboard/dist/main.js` by `scripts/devnet/dashboard.ts`): opens the
 * {@link Dashboard} against the devnet that serves the page, then keeps it live.
 *
 * @module
 */
import "uplot/dist/uPlot.min.css";
import "./style.css";

import { parseEther } from "viem";

import { Dashboard, fetchDeployment } from "./app.js";

/** `?vol=0.6`: the volatility fair values are priced at (default 0.8); undefined when absent or not in (0, 5]. */
function referenceVolatility(): bigint | undefined {
  const text = new URLSearchParams(location.search).get("vol");
  const value = Number(text);
  return text === null || !(value > 0 && value <= 5) ? undefined : parseEther(String(value));
}

async function main(): Promise<void> {
  const deployment = await fetchDeployment();
  const dashboard = await Dashboard.open(
    deployment,
    new URL("rpc", location.href).href,
    referenceVolatility(),
  );
  dashboard.poll();
}

main().catch((error: unknown) => {
  const banner = document.getElementById("banner");
  if (banner !== null) {
    banner.hidden = false;
    banner.textContent = `dashboard failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
  }
  console.error(error);
});
