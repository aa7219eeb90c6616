#!/usr/bin/env bash
# Every test, each run once (the README's test command, `./evergamma test`):
#   1. the end-to-end suites, titled "(e2e)" (child processes: a real `hardhat node`, the devnet, the CLI, the npm
#      package), on the plain build;
#   2. every other suite — Solidity (fuzz and invariants) and the in-process mocha suites — on contracts instrumented
#      for coverage, then the coverage gate: lines and statements of contracts/ (mocks excluded) >= 95%.
# Closes with one line, "N passed, N failed", counting every test and the gate as one check; exits 1 on any failure.
# Extra arguments go to both Hardhat runs (for example --no-compile).
set -uo pipefail
cd "$(dirname "$0")/.."

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
passed=0
failed=0

# Adds the closing "N passing" / "N failing" of the run logged in $log (the last unindented one: Hardhat's summary of
# both runners, or mocha's own when only mocha ran); a failed run without a count counts as one failure.
count() {
  local status=$1 p f
  p=$(grep -E '^ *[0-9]+ passing' "$log" | tail -n 1 | awk '{print $1 + 0}')
  f=$(grep -E '^ *[0-9]+ failing' "$log" | tail -n 1 | awk '{print $1 + 0}')
  p=${p:-0}
  f=${f:-0}
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
}

echo "== end-to-end suites (plain build)"
npx hardhat test mocha --grep "(e2e)" "$@" 2>&1 | tee "$log"
count "${PIPESTATUS[0]}"

echo "== Solidity and in-process suites on instrumented contracts, then the coverage gate"
npx hardhat test --coverage --grep-exclude "(e2e)" "$@" 2>&1 | tee "$log"
count "${PIPESTATUS[0]}"
if node --import tsx scripts/coverage-check.ts; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
