#!/usr/bin/env bash
# bench/cluster/partition-writes.sh BEFORE_DIR [REPS] [WRITES]: per-write latency against one belief partition of a
# Redis cluster holding 100, 10,000 and 100,000 facts (`pwmk-bench partition-writes`: in-process, warm; the router's
# ChangeAsync, i.e. the partition's call and its durable write to Redis), for two builds, interleaved (before, after,
# before, after, ...). BEFORE_DIR holds a Release build of Pwmk.Bench of the earlier commit (built with
# `dotnet build bench/Pwmk.Bench -c Release -o BEFORE_DIR`); "after" is this tree's (bench/pwmk-bench builds it).
# Each run gets a fresh redis-server with the persistence docs/CLUSTER.md asks for (appendonly yes, appendfsync always:
# a write is on disk before Redis answers). Prints every run's line, then the median per build and size and the
# after/before ratio of the p50s per pair (median and range). Needs redis-server and python3. Run it on an otherwise idle machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
before="${1:?usage: partition-writes.sh BEFORE_DIR [REPS] [WRITES]}"
reps="${2:-3}"
writes="${3:-400}"
work="$(mktemp -d)"
redis=""
stop_redis() { if [ -n "$redis" ]; then kill "$redis" 2>/dev/null || true; wait "$redis" 2>/dev/null || true; redis=""; fi; }
trap 'stop_redis; rm -rf "$work"' EXIT
"$root/bench/pwmk-bench" --help >/dev/null # builds "after" when needed
after_dll="$root/.pwmk/bench/Pwmk.Bench.dll"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
one() { # TAG DLL
  local port; port="$(free_port)"
  rm -rf "$work/redis"; mkdir -p "$work/redis"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always --dir "$work/redis" >"$work/redis.log" 2>&1 &
  redis=$!
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  dotnet "$2" partition-writes --cluster "redis://127.0.0.1:$port" --writes "$writes" --tag "$1" | tee -a "$work/results"
  stop_redis
}
echo "load average before: $(cat /proc/loadavg); $(nproc) cores; $reps reps, $writes writes per size"
for rep in $(seq 1 "$reps"); do
  one before "$before/Pwmk.Bench.dll"
  one after "$after_dll"
done
echo "load average after: $(cat /proc/loadavg)"
python3 - "$work/results" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split(); rows[(f[0], int(f[2]))].append({f[i]: float(f[i + 1]) for i in range(5, len(f), 2)})
for (tag, size), v in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0] != "before")):
    print(f"median {tag:6s} facts {size:7d} p50 {statistics.median(x['p50_ms'] for x in v):8.3f} ms  p95 {statistics.median(x['p95_ms'] for x in v):8.3f} ms"
          f"  p99 {statistics.median(x['p99_ms'] for x in v):8.3f} ms  max {max(x['max_ms'] for x in v):8.3f} ms  ({len(v)} runs)")
for size in sorted({s for _, s in rows}):
    b, a = rows.get(("before", size), []), rows.get(("after", size), [])
    r = [y["p50_ms"] / x["p50_ms"] for x, y in zip(b, a)]
    if r: print(f"facts {size:7d} after/before p50 per pair: median {statistics.median(r):.3f} (range {min(r):.3f}-{max(r):.3f})")
PY
