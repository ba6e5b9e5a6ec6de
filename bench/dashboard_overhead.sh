#!/usr/bin/env bash
# Cost of watching a run: the same seed and config run with and without `--dashboard` plus a headless
# browser polling the run page, in interleaved pairs (so drifts in machine load hit both arms alike).
#   bench/dashboard_overhead.sh [PAIRS] [CONFIG]
# Prints one line per run ("without|with SECONDS CPU_SECONDS EVALUATIONS"), the medians and the
# median of the per-pair ratios of wall time, and the same for wall time per CPU-second of the run. OURO_BIN overrides the binary (copy it out of the build tree first:
# a rebuild during the benchmark would replace it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pairs=${1:-8}
config=${2:-$here/dashboard_overhead.toml}
bin=${OURO_BIN:-$here/../build/release/ouro}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
summary() { tail -1 "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['seconds'], d['cpu_seconds'], d['cumulative_evaluations'])"; }
for i in $(seq "$pairs"); do
  "$bin" rsi --config "$config" --db "$work/a.db" --policy off --json --quiet > "$work/a.out"
  echo "without $(summary "$work/a.out")"
  rm -f "$work"/a.db*
  # The browser is started first (a person watching has it open already), then the run.
  rm -f "$work/b.log" "$work/ready"
  node "$here/dashboard_paint.mjs" watch-log "$work/b.log" 1 3600 > "$work/ready" 2> /dev/null &
  npid=$!
  until grep -qs ready "$work/ready"; do sleep 0.05; done
  "$bin" rsi --config "$config" --db "$work/b.db" --policy off --json --quiet --dashboard --port 0 \
    > "$work/b.out" 2> "$work/b.log" &
  pid=$!
  wait "$pid"
  kill "$npid" 2> /dev/null || true
  wait "$npid" 2> /dev/null || true
  echo "with $(summary "$work/b.out")"
  rm -f "$work"/b.db*
done | tee "$work/lines"
python3 - "$work/lines" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
wo = [float(r[1]) for r in rows if r[0] == 'without']
wi = [float(r[1]) for r in rows if r[0] == 'with']
ratios = [b / a for a, b in zip(wo, wi)]
print(f"median without {statistics.median(wo):.2f} s, with {statistics.median(wi):.2f} s, "
      f"median ratio with/without {statistics.median(ratios):.3f} over {len(ratios)} pairs")
# Wall seconds per CPU-second of the run: the same work takes a varying number of CPU-seconds on a
# shared host, but a browser taking CPU from the run shows as a higher ratio whatever the host does.
ewo = [float(r[1]) / float(r[2]) for r in rows if r[0] == 'without']
ewi = [float(r[1]) / float(r[2]) for r in rows if r[0] == 'with']
eratios = [b / a for a, b in zip(ewo, ewi)]
print(f"wall per CPU-second: without {statistics.median(ewo):.4f}, with {statistics.median(ewi):.4f}, "
      f"median ratio {statistics.median(eratios):.4f} (min {min(eratios):.4f}, max {max(eratios):.4f})")
PY
