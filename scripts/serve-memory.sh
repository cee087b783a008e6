#!/usr/bin/env bash
# Peak resident memory of `mien serve` with the built-in models after 50 edits
# spread over every built-in model and expression (the astronaut sample).
# Usage: scripts/serve-memory.sh [path/to/mien]   (default: target/release/mien)
# Prints the start-up RSS and the peak RSS (VmHWM) in MiB. Linux only.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/mien}
photo=crates/mien/samples/astronaut.png
log=$(mktemp)
"$bin" serve --addr 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q '127.0.0.1:' "$log" && break; sleep 0.1; done
addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$log" | head -1)
[ -n "$addr" ] || { echo "server did not start:"; cat "$log"; exit 2; }
rss() { awk -v k="$1" '$1 == k":" { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
echo "start-up: VmRSS $(rss VmRSS) MiB"
models=$(curl -sf "http://$addr/api/models" | python3 -c 'import json,sys; print(" ".join(m["name"] for m in json.load(sys.stdin)["models"] if m["builtin"]))')
n=0
while [ $n -lt 50 ]; do
  for m in $models; do
    for e in happy surprise sad angry disgust fear; do
      [ $n -lt 50 ] || break
      i=$(( (n % 4) + 1 ))
      curl -sf -o /dev/null --data-binary @"$photo" "http://$addr/api/edit?model=$m&expression=$e&intensity=0.$((i * 2))" \
        || { echo "edit $m/$e failed"; exit 2; }
      n=$((n + 1))
    done
  done
done
echo "after $n edits over models [$models]: VmRSS $(rss VmRSS) MiB, peak VmHWM $(rss VmHWM) MiB"
