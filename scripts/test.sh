#!/usr/bin/env bash
# scripts/test.sh - set everything up (scripts/setup.sh), then run every test
# (GoogleTest and lit, each registered with ctest) and end with one line
# "N passed, N failed" counting them together.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${PLSTM_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh" "$BUILD" || { echo "0 passed, 1 failed"; exit 1; }

LOG="$BUILD/ctest.log"
# A test that hangs (a crash handler stuck on a corrupted heap did once)
# fails after 20 minutes instead of holding CI; the slowest takes about 2.
(cd "$BUILD" && ctest --output-on-failure --timeout 1200 -j "${PLSTM_JOBS:-2}") 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}

summary=$(grep -E '[0-9]+ tests failed out of [0-9]+' "$LOG" | tail -1)
if [[ -z "$summary" ]]; then
  echo "0 passed, 1 failed"
  exit 1
fi
failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$summary")
total=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$summary")
echo "$((total - failed)) passed, $failed failed"
if [[ $status -ne 0 || $failed -ne 0 || $total -eq 0 ]]; then exit 1; fi
