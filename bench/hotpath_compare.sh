#!/usr/bin/env bash
# bench/hotpath_compare.sh BASE OTHER... — interleaved throughput comparison of ouro binaries.
#
# Runs `BIN bench --json --threads 1` for BASE and each OTHER in turn, ROUNDS times (default 5),
# so drifts in machine load hit all of them alike, then prints for each binary the median demo
# individuals per second, its range, the median vm_native_ratio and demo cache hit rate, the ratio
# of its throughput median to BASE's, and the per-round ratios to BASE. Run it on a quiet machine:
# numbers from a loaded one are noise. ROUNDS and DEMO_SECONDS (default 10, each run's
# --demo-seconds) are read from the environment.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 BASE OTHER..." >&2
  exit 2
fi
rounds=${ROUNDS:-5} seconds=${DEMO_SECONDS:-10}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive integer" >&2; exit 2; }
for b in "$@"; do [[ -x "$b" ]] || { echo "not executable: $b" >&2; exit 2; }; done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((i = 1; i <= rounds; ++i)); do
  for ((k = 1; k <= $#; ++k)); do
    line=$("${!k}" bench --json --threads 1 --demo-seconds "$seconds" | tail -n 1)
    echo "$k $line" >>"$out"
    echo "round $i/$rounds binary $k done" >&2
  done
done
/usr/bin/python3 - "$out" "$@" <<'PY'
import json, statistics, sys
bins = sys.argv[2:]
runs = {k: [] for k in range(1, len(bins) + 1)}
for row in open(sys.argv[1]):
    k, text = row.split(" ", 1)
    runs[int(k)].append(json.loads(text))
ips = {k: [r["demo_individuals_per_second"] for r in rs] for k, rs in runs.items()}
base = statistics.median(ips[1])
for k, rs in runs.items():
    med = statistics.median(ips[k])
    rel = " ".join(f"{a / b:.3f}" for a, b in zip(ips[k], ips[1]))
    print(f"{bins[k - 1]}: demo_individuals_per_second median {med:.0f} [{min(ips[k]):.0f}, {max(ips[k]):.0f}]"
          f"  vm_native_ratio {statistics.median(r['vm_native_ratio'] for r in rs):.3f}"
          f"  cache hit rate {statistics.median(r['demo_cache_hit_rate'] for r in rs):.3f}"
          f"  ratio to base {med / base:.3f}  per round {rel}")
PY
