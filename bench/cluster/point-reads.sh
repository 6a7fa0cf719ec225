#!/usr/bin/env bash
# bench/cluster/point-reads.sh [REPS] [QUERIES]: the latency of a bound point query (`believes(agent_3, at(X, Y))`, one
# partition, read on this member) on a one-member Redis cluster, for two builds: PWMK_ANCHOR_DLL (e.g. a build before
# reads were checked against Redis) and PWMK_DLL (default: this tree's Release build). Per run: a fresh redis-server and
# member, 200 facts over 10 agents written, QUERIES warm-up queries (the JIT), then QUERIES timed ones over one
# keep-alive connection (whole process: HTTP request to answer). Interleaved: anchor, current, anchor, current...;
# prints each run, then the medians of p50 and p95. Needs redis-server, curl and python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
reps="${1:-3}"
queries="${2:-3000}"
work="$(mktemp -d)"
trap 'stop_all; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
# shellcheck source=members.sh
source "$root/bench/cluster/members.sh"
serve_build
anchor="${PWMK_ANCHOR_DLL:?set PWMK_ANCHOR_DLL to the pwmk.dll to compare with}"
current="$dll"

echo "load average before: $(cat /proc/loadavg); $(nproc) cores; $reps pairs, $queries queries each"
for _ in $(seq 1 "$reps"); do
  for label in anchor current; do
    if [ "$label" = anchor ]; then dll="$anchor"; else dll="$current"; fi
    cluster_start 1
    PYTHONPATH="$root/bench/cluster" python3 - "$label" "${urls[0]}" "$queries" <<'PY' | tee -a "$work/results"
import sys, time
from api import connect
label, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
post = connect(base)
for i in range(200):
    post("/api/beliefs", {"agent": f"agent_{i % 10}", "belief": f"at(box_{i}, room_{i % 7})"})
q = {"query": "believes(agent_3, at(X, Y))"}
for _ in range(n): post("/api/beliefs/query", q)
lat = []
for _ in range(n):
    t = time.perf_counter(); post("/api/beliefs/query", q); lat.append(time.perf_counter() - t)
lat.sort()
print("%-8s p50_ms %6.3f  p95_ms %6.3f" % (label, lat[n // 2] * 1e3, lat[int(n * .95)] * 1e3))
PY
    stop_all
  done
done
echo "load average after: $(cat /proc/loadavg)"
python3 - "$work/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for label in ("anchor", "current"):
    r = [x for x in rows if x[0] == label]
    print("%-8s median p50 %.3f ms  p95 %.3f ms (%d runs)" % (label, statistics.median(float(x[2]) for x in r), statistics.median(float(x[4]) for x in r), len(r)))
PY
