#!/usr/bin/env bash
# bench/cluster/scatter.sh [REPS] [QUERIES] [MEMBERS]: belief-query latency on a cluster by the number of agent partitions
# (1, 2, 4, 8, 16 agents, 20 facts each), a query with the agent bound (`believes(agent_0, at(obj_3, Y))`: one partition)
# against one with the agent unbound (`believes(A, at(obj_3, Y))`: scatter-gather over every agent's partition).
# MEMBERS (default 1) `pwmk serve --cluster` processes on loopback with a real redis-server; the client (python3, one
# keep-alive connection) sends QUERIES of each kind, interleaved bound/unbound, to the first member after warm-up
# queries (3,000 of each at the first count, for the JIT; 200 at the others), at each partition count (agents are added between counts: the directory only grows). Latencies are
# whole-process (HTTP request to answer, measured by the client), not in-process. Each repetition starts a fresh
# cluster. Prints one line per (rep, partitions), then medians over repetitions. Needs redis-server, curl, python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
reps="${1:-2}"
queries="${2:-1000}"
nmembers="${3:-1}"
work="$(mktemp -d)"
trap 'stop_all; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
# shellcheck source=members.sh
source "$root/bench/cluster/members.sh"
serve_build

echo "load average before: $(cat /proc/loadavg); $(nproc) cores; $reps reps, $queries queries of each kind per partition count, $nmembers members"
for rep in $(seq 1 "$reps"); do
  cluster_start "$nmembers"
  PYTHONPATH="$root/bench/cluster" python3 - "${urls[0]}" "$queries" "$rep" <<'PY' | tee -a "$work/results"
import json, sys, time
from api import connect
base, n, rep = sys.argv[1], int(sys.argv[2]), sys.argv[3]
raw = connect(base)
def post(path, body): return json.loads(raw(path, body))
have = 0
bound = {"query": "believes(agent_0, at(obj_3, Y))"}
unbound = {"query": "believes(A, at(obj_3, Y))", "limit": 1000}
for parts in (1, 2, 4, 8, 16):
    for a in range(have, parts):
        for k in range(20):
            post("/api/beliefs", {"agent": f"agent_{a}", "belief": f"at(obj_{k}, room_{(k + a) % 7})"})
    have = parts
    assert post("/api/beliefs/query", unbound)["count"] == parts, "the unbound query must find one answer per agent"
    # warm-up: the first count long enough for the JIT's optimised code (else later counts look faster), then 200 each
    for _ in range(3000 if parts == 1 else 200): post("/api/beliefs/query", bound); post("/api/beliefs/query", unbound)
    lat = {"bound": [], "unbound": []}
    for _ in range(n):
        for kind, q in (("bound", bound), ("unbound", unbound)):
            t = time.perf_counter(); post("/api/beliefs/query", q); lat[kind].append(time.perf_counter() - t)
    for kind, l in lat.items():
        l.sort()
        print("rep %s partitions %2d %-7s p50_ms %7.3f p95_ms %7.3f queries_per_s %7.0f" % (rep, parts, kind, l[n // 2] * 1e3, l[int(n * .95)] * 1e3, n / sum(l)))
PY
  stop_all
done
echo "load average after: $(cat /proc/loadavg)"
python3 - "$work/results" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split(); rows[(int(f[3]), f[4])].append((float(f[6]), float(f[8])))
for (parts, kind), v in sorted(rows.items()):
    print(f"median partitions {parts:2d} {kind:7s} p50 {statistics.median(x[0] for x in v):7.3f} ms  p95 {statistics.median(x[1] for x in v):7.3f} ms  ({len(v)} reps)")
PY
