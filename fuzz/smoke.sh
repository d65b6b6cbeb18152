#!/usr/bin/env bash
# A short, bounded fuzz run of every clubsync-protocol fuzz target: a smoke test, not a campaign.
#
# Each target runs for FUZZ_SECONDS seconds (default 30) from its corpus in corpus/<target>/
# (kept out of git, created here) plus the committed seeds in seeds/<target>/. Exits non-zero if
# any target crashes, leaks or hangs; the crashing input is left in artifacts/<target>/.
# Without cargo-fuzz it says so and exits 0, so it can sit in any check script.
#
# Only stable Rust is needed: RUSTC_BOOTSTRAP=1 lets it take the nightly-only sanitizer flags,
# for these fuzz builds only. For a longer campaign:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run server_session corpus/server_session seeds/server_session
set -uo pipefail
cd "$(dirname "$0")"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz not installed: skipping fuzz smoke run (install with cargo install cargo-fuzz)"
    exit 0
fi

seconds="${FUZZ_SECONDS:-30}"
targets=(decode_frame server_session)
failed=()

RUSTC_BOOTSTRAP=1 cargo fuzz build || { echo "fuzz build failed"; exit 1; }

for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "== fuzzing $target for ${seconds}s"
    if ! RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1; then
        failed+=("$target")
    fi
done

if ((${#failed[@]})); then
    echo "fuzz smoke run FAILED for: ${failed[*]} (see artifacts/)"
    exit 1
fi
echo "fuzz smoke run passed: ${targets[*]}, ${seconds}s each"
