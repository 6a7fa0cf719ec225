#!/usr/bin/env bash
# bench/cluster/one-member.sh [REPS] [QUERIES]: the cost of the clustered one-member setup against the single-process
# `pwmk serve` it replaced. PWMK_ANCHOR_DLL names a pwmk.dll built from a commit before plain serve became a one-member
# cluster (e.g. f513e60: its own journaled store, no silo); PWMK_DLL (default: this tree's Release build) is measured as
# plain `pwmk serve` (now the one-member cluster on the journaled store, fsync always) and as
# `pwmk serve --cluster redis://...` (a real redis-server on loopback). Measured: time from the launch (polled every 5 ms)
# to /health answering healthy (whole process, cold), then, on the warm server, the latency of QUERIES
# sequential point queries (`believes(agent_3, at(X, Y))`, the agent bound: one partition) over one keep-alive
# connection, after 200 facts over 10 agents were written one by one (their rate: writes_per_s, the first writes of a fresh
# process) and 100 warm-up queries; then 2,000 more facts written one by one on the warm server (warm_writes_per_s).
# Interleaved: anchor, plain, redis, anchor, plain, redis... one triple per repetition; prints each run, then the medians
# and the per-repetition ratios against the anchor (1.0 = no cost, 0.8 = 80% of the anchor's rate). Needs redis-server,
# curl and python3. SKIP_REDIS=1 leaves the Redis member out (pairs anchor, plain). ./pwmk runs a ReadyToRun build: to
# measure what it runs, give both DLLs from `dotnet publish src/Pwmk.Cli/Pwmk.Cli.csproj -c Release -r linux-x64
# --self-contained false -p:PublishReadyToRun=true -o DIR` (the anchor in a worktree of its own commit).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
reps="${1:-5}"
queries="${2:-2000}"
work="$(mktemp -d)"
redis=""
trap 'serve_stop; if [ -n "$redis" ]; then kill "$redis" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
# shellcheck source=members.sh
source "$root/bench/cluster/members.sh" # free_port
serve_build
anchor="${PWMK_ANCHOR_DLL:?set PWMK_ANCHOR_DLL to a pwmk.dll built before plain serve became a one-member cluster (e.g. f513e60)}"
current="$dll"

# start_healthy ARGS...: starts `pwmk serve ARGS...` as serve_start does (sets base, pid), and returns once /health answers
# 200, polled every 5 ms from the moment of the launch by one python process (no process per poll); sets up, the seconds
# from the launch to that answer (whole process, cold)
start_healthy() {
  local port
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  local t0; t0=$(date +%s.%N)
  env -u PWMK_API_KEY dotnet "$dll" serve --urls "$base" --state-dir "${SERVE_STATE:-$work/state}" --rate-limit 0 "$@" >"$work/server.log" 2>&1 &
  pid=$!
  up=$(python3 - "$port" "$t0" "$pid" <<'PY'
import http.client, os, sys, time
port, t0, pid = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
while time.time() - t0 < 60:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", "/health")
        if c.getresponse().status == 200:
            print(round(time.time() - t0, 3)); sys.exit(0)
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited")
    time.sleep(0.005)
sys.exit("no healthy /health within 60 s")
PY
) || { cat "$work/server.log" >&2; exit 2; }
}

measure() { # LABEL (after start_healthy): its startup to healthy, then the point-query latencies and the writes
  PYTHONPATH="$root/bench/cluster" python3 - "$1" "$base" "$up" "$queries" <<'PY' | tee -a "$work/results"
import sys, time
from api import connect
label, base, up, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
post = connect(base)
w0 = time.perf_counter()
for i in range(200):
    post("/api/beliefs", {"agent": f"agent_{i % 10}", "belief": f"at(box_{i}, room_{i % 7})"})
writes = 200 / (time.perf_counter() - w0)
q = {"query": "believes(agent_3, at(X, Y))"}
for _ in range(100): post("/api/beliefs/query", q)
lat = []
t0 = time.perf_counter()
for _ in range(n):
    t = time.perf_counter(); post("/api/beliefs/query", q); lat.append(time.perf_counter() - t)
total = time.perf_counter() - t0
lat.sort()
w0 = time.perf_counter()
for i in range(2000):
    post("/api/beliefs", {"agent": f"agent_{i % 10}", "belief": f"warm(box_{i}, room_{i % 7})"})
warm = 2000 / (time.perf_counter() - w0)
print("%-8s startup_s %6.3f  queries_per_s %6.0f  p50_ms %6.3f  p95_ms %6.3f  writes_per_s %6.0f  warm_writes_per_s %6.0f" % (label, up, n / total, lat[n // 2] * 1e3, lat[int(n * .95)] * 1e3, writes, warm))
PY
}

echo "load average before: $(cat /proc/loadavg); $(nproc) cores; $reps pairs, $queries queries each"
for _ in $(seq 1 "$reps"); do
  dll="$anchor"; SERVE_STATE="$work/state-$RANDOM" start_healthy --no-simulation
  measure anchor
  serve_stop
  dll="$current"; SERVE_STATE="$work/state-$RANDOM" start_healthy --no-simulation
  measure plain
  serve_stop
  [ -n "${SKIP_REDIS:-}" ] && continue
  rport="$(free_port)"
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
  redis=$!
  SERVE_STATE="$work/state-$RANDOM" start_healthy --cluster "redis://127.0.0.1:$rport" --silo-port "$(free_port)" --gateway-port "$(free_port)"
  measure redis
  serve_stop
  kill "$redis"; wait "$redis" 2>/dev/null || true; redis=""
done
echo "load average after: $(cat /proc/loadavg)"
python3 - "$work/results" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
def col(label, i): return [float(r[i]) for r in rows if r[0] == label]
for name, i in (("startup s", 2), ("queries/s", 4), ("p50 ms", 6), ("p95 ms", 8), ("writes/s", 10), ("warm wr/s", 12)):
    p = col("anchor", i)
    for label in ("plain", "redis"):
        c = col(label, i)
        if not c: continue
        ratios = [b / a if name.endswith("/s") else a / b for a, b in zip(p, c)]
        print(f"{name:10s} anchor median {statistics.median(p):8.3f}  {label} median {statistics.median(c):8.3f}  "
              f"{label} as a fraction of the anchor (higher is better, per repetition): median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
PY
