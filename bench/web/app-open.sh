#!/usr/bin/env bash
# The phone app's speed on a large club, in Debian's headless Chromium with the CPU slowed 4x
# (the DevTools protocol's CPU throttling), as BENCHMARKS.md records it:
#   - the app opens offline on a collection of 10,000 donations and a petition of 2,000
#     signatures: the first screen, and each of those screens, in milliseconds;
#   - a tap (a tin donation) is saved in IndexedDB: milliseconds from the tap to the store's flush;
#   - the JavaScript shipped, gzipped, without automerge's wasm.
#
#   bench/web/app-open.sh [DONATIONS [SIGNATURES]]     (defaults 10000 2000)
#
# Needs the release server and CLI (built here), web/dist (built here), and tests/web's
# node_modules (npm ci in tests/web). It starts its own server on a free loopback port with a
# temporary data directory, and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
DONATIONS=${1:-10000}
SIGNATURES=${2:-2000}

cargo build --release --quiet -p clubsync-server -p clubsync-client
(cd web && npm run build >/dev/null)
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -m 700 "$work/server"
CLUBSYNC_LOG=warn CLUBSYNC_JOINS_PER_MINUTE=1000 target/release/clubsync-server --demo \
  --listen 127.0.0.1:0 --data-dir "$work/server" --web-dir web/dist >"$work/server.out" &
server=$!
for _ in $(seq 1 300); do grep -q "^Stop the server" "$work/server.out" 2>/dev/null && break; sleep 0.1; done
addr=$(sed -n 's#^clubsync-server listening on http://##p' "$work/server.out")
code() { grep "^ *$1" "$work/server.out" | awk '{print $NF}'; }
kim() { target/release/clubsync --home "$work/kim" "$@"; }

echo "setting up: $DONATIONS donations, $SIGNATURES signatures (takes a minute)" >&2
kim join "$addr" "$(code 'Coordinator Kim')" --name "Kim's laptop" >/dev/null
collection=$(kim collection create "High Street" --tins 1-20 | sed -n 's/^Created collection \([^ ]*\).*/\1/p')
{ echo amount; for i in $(seq 1 "$DONATIONS"); do printf '%d.%02d\n' $((i % 20 + 1)) $((i % 100)); done; } >"$work/donations.csv"
kim collection import "$collection" "$work/donations.csv" >/dev/null
petition=$(kim petition create "Protect defectors" --text "We call on the Government to protect North Korean defectors." \
  | sed -n 's/^Created petition \([^ ]*\).*/\1/p')
for i in $(seq 1 "$SIGNATURES"); do kim petition sign "$petition" --name "Signer $i" --postcode "LS1 $i" >/dev/null; done
kim sync >/dev/null

node bench/web/app-open.mjs --base "http://$addr" --invite "$(code 'Volunteer Lee')" \
  --collection "$collection" --petition "$petition" --donations "$DONATIONS" --signatures "$SIGNATURES"
for f in web/dist/assets/index-*.js; do
  echo "{\"javascript_gzip_bytes\": $(gzip -9c "$f" | wc -c), \"file\": \"$f\"}"
done
