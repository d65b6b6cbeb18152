#!/usr/bin/env bash
# Hunts flaky tests: runs each Rust test binary of the workspace N times and reports every test
# that failed at least once, with how often.
#
#   tests/repeat.sh 200                 # every test binary, 200 runs each
#   tests/repeat.sh 20 client_e2e       # only binaries whose name matches "client_e2e"
#   tests/repeat.sh 50 'sync|crash'     # FILTER is an extended regular expression
#   ./run-tests --repeat 200 doc_sync   # the same through the test command
#
# Each run is the binary as `cargo test` runs it (its tests in parallel threads), so failures
# that come from tests sharing a process show up too. Prerequisites are those of ./run-tests
# (the web app built, `npm ci` done) for the binaries that need them. Logs of failed runs are
# kept under target/repeat/<binary>/<run>.log. Exit status 1 when any test failed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:?usage: tests/repeat.sh RUNS [BINARY-FILTER]}"
filter="${2:-}"
case "$runs" in '' | *[!0-9]*) echo "repeat: RUNS must be a number, not '$runs'" >&2; exit 2 ;; esac

echo "repeat: building the test binaries" >&2
mapfile -t binaries < <(
  cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["target"]["name"] + "\t" + m["executable"] + "\t" + m["manifest_path"])
'
)

out="$PWD/target/repeat"
mkdir -p "$out"
any_failed=0
for entry in "${binaries[@]}"; do
  IFS=$'\t' read -r name exe manifest <<<"$entry"
  bin_id="$name-$(basename "$exe")"
  if [ -n "$filter" ] && ! [[ "$bin_id" =~ $filter ]]; then
    continue
  fi
  dir="$out/$bin_id"
  rm -rf "$dir"
  mkdir -p "$dir"
  failed_runs=0
  started=$(date +%s)
  for ((i = 1; i <= runs; i++)); do
    # cargo test runs a binary from its package's directory.
    if ! (cd "$(dirname "$manifest")" && "$exe" >"$dir/$i.log" 2>&1); then
      failed_runs=$((failed_runs + 1))
      grep -E '^test .* FAILED$' "$dir/$i.log" | sed -E 's/^test (.*) \.\.\. FAILED$/\1/' >>"$dir/failed-tests" || true
      if ! grep -qE '^test .* FAILED$' "$dir/$i.log"; then
        echo "(the binary failed without naming a test: see $dir/$i.log)" >>"$dir/failed-tests"
      fi
    else
      rm -f "$dir/$i.log"
    fi
  done
  secs=$(($(date +%s) - started))
  if [ "$failed_runs" -eq 0 ]; then
    printf 'repeat: %-50s %d runs, all passed (%d s)\n' "$bin_id" "$runs" "$secs"
  else
    any_failed=1
    printf 'repeat: %-50s %d of %d runs failed (%d s)\n' "$bin_id" "$failed_runs" "$runs" "$secs"
    sort "$dir/failed-tests" | uniq -c | sort -rn | sed 's/^/    /'
  fi
done
exit "$any_failed"
