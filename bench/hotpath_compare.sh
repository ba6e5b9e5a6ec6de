#!/usr/bin/env bash
# bench/hotpath_compare.sh BEFORE AFTER [PAIRS] — paired throughput comparison of two ouro binaries.
#
# Runs `BEFORE bench --json --threads 1` and `AFTER bench --json --threads 1` alternately, PAIRS
# times (default 5), so drifts in machine load hit both alike, then prints for each binary the
# median demo individuals per second and median vm_native_ratio, and the ratio AFTER / BEFORE of
# the throughput medians. Run it on a quiet machine: numbers from a loaded one are noise.
# DEMO_SECONDS (default 10) sets each run's --demo-seconds.
set -euo pipefail
if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 BEFORE AFTER [PAIRS]" >&2
  exit 2
fi
before=$1 after=$2 pairs=${3:-5} seconds=${DEMO_SECONDS:-10}
[[ "$pairs" =~ ^[1-9][0-9]*$ ]] || { echo "PAIRS must be a positive integer" >&2; exit 2; }
for b in "$before" "$after"; do [[ -x "$b" ]] || { echo "not executable: $b" >&2; exit 2; }; done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 1; i <= pairs; ++i)); do
  for which in before after; do
    bin=$before; [[ $which == after ]] && bin=$after
    line=$("$bin" bench --json --threads 1 --demo-seconds "$seconds" | tail -n 1)
    echo "$which $line" >>"$out"
    echo "pair $i/$pairs $which done" >&2
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
runs = {"before": [], "after": []}
for row in open(sys.argv[1]):
    which, text = row.split(" ", 1)
    runs[which].append(json.loads(text))
med = {w: statistics.median(r["demo_individuals_per_second"] for r in rs) for w, rs in runs.items()}
vm = {w: statistics.median(r["vm_native_ratio"] for r in rs) for w, rs in runs.items()}
for w in ("before", "after"):
    print(f"{w:6s} demo_individuals_per_second {med[w]:.0f}  vm_native_ratio {vm[w]:.3f}")
print(f"after/before throughput ratio {med['after'] / med['before']:.3f}")
PY
