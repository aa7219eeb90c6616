#!/usr/bin/env bash
# Makes a Node >= 22.13 runtime and the locked dependencies available, installing only what is missing.
# Source it (`. scripts/bootstrap.sh`) so that the PATH change reaches the caller.
# Node 22 comes from the npm package `node@22` when the machine's Node is older; npm then runs under
# Node 22, so that it installs Hardhat's native EVM package (whose engines field says node >= 22).

NODE_PACKAGE_VERSION="22.23.3"
project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_bin="$project_root/.tools/node_modules/.bin"

node_is_recent() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 13) ? 0 : 1)'
}

if ! node_is_recent; then
  if [ ! -x "$tools_bin/node" ]; then
    echo "[bootstrap] installing Node $NODE_PACKAGE_VERSION from the npm package node@22 into .tools/" >&2
    npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      --prefix "$project_root/.tools" "node@$NODE_PACKAGE_VERSION" >&2
  fi
  export PATH="$tools_bin:$PATH"
fi
node_is_recent || { echo "[bootstrap] could not provide Node >= 22.13" >&2; return 1 2>/dev/null || exit 1; }

# Install the locked dependencies when node_modules is missing or older than package-lock.json.
stamp="$project_root/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$project_root/package-lock.json" -nt "$stamp" ] \
  || [ ! -d "$project_root/node_modules/@nomicfoundation/edr-linux-x64-gnu" ]; then
  # `npm install` from the lock file rather than `npm ci`: the registry copy here lacks some other-platform
  # builds that Hardhat's EVM lists as optional, which `npm ci` refuses as a lock mismatch.
  echo "[bootstrap] installing the locked dependencies (Node $(node --version))" >&2
  (cd "$project_root" && npm install --no-save --no-audit --no-fund --loglevel=error >&2)
fi
