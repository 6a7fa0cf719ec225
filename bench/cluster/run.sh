#!/usr/bin/env bash
# bench/cluster/run.sh [REPS] [EPISODES]: rollout throughput of `pwmk simulate --cluster` with 1, 2 and 3 members
# (`pwmk serve --cluster` processes on loopback, a real redis-server), against the same episodes in one process
# (`pwmk simulate --no-train`, the anchor), interleaved: each repetition runs anchor, 1, 2, 3 members in turn, a fresh
# cluster each time. Each configuration runs the rollout twice and reports the second (warm members: JIT and caches);
# the anchor is one whole run of a fresh process. episodes/s is measured by the client from the first hand-out to
# the last result (connecting excluded), steps/s likewise. ALL MEMBERS SHARE THIS MACHINE'S CORES (2 here): past the
# core count, more members add no CPU. Prints one line per run and the medians; needs redis-server and python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
reps="${1:-3}"
episodes="${2:-200}"
work="$(mktemp -d)"
members=()
redis=""
stop_all() {
  for p in "${members[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${members[@]}"; do for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$p" 2>/dev/null || true; done
  members=()
  if [ -n "$redis" ]; then kill "$redis" 2>/dev/null || true; wait "$redis" 2>/dev/null || true; redis=""; fi
}
trap 'stop_all; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
serve_build

cluster_start() { # N: redis and N members; sets redis_url
  local rport; rport="$(free_port)"
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
  redis=$!
  redis_url="redis://127.0.0.1:$rport"
  local urls=()
  for i in $(seq 1 "$1"); do
    local hp sp gp; hp="$(free_port)"; sp="$(free_port)"; gp="$(free_port)"
    env -u PWMK_API_KEY dotnet "$dll" serve --urls "http://127.0.0.1:$hp" --cluster "$redis_url" --silo-port "$sp" --gateway-port "$gp" \
      --rate-limit 0 --log-format plain >"$work/member$i.log" 2>&1 &
    members+=("$!")
    urls+=("http://127.0.0.1:$hp")
  done
  for u in "${urls[@]}"; do # every member healthy and seeing all N
    for _ in $(seq 1 600); do
      curl -sf "$u/health" 2>/dev/null | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['checks']['cluster']['members_active']==$1 else 1)" 2>/dev/null && break
      sleep 0.1
    done
  done
}

report() { # LABEL JSON
  python3 -c '
import json,sys
d=json.loads(sys.argv[2]); shares=" ".join(str(m["episodes"]) for m in d.get("perMember",[])) or "-"
print("%-10s %5d episodes %7d steps %7.2f s %7.2f episodes/s %8.0f steps/s  per member: %s" % (
    sys.argv[1], d["episodes"], d["steps"], d["seconds"], d["episodesPerSecond"], d["stepsPerSecond"], shares))
' "$1" "$2" | tee -a "$work/results"
}

echo "load average before: $(cat /proc/loadavg); $(nproc) cores; $reps reps of $episodes episodes (box-world, 2 agents, ToM depth 2, no online training)"
for rep in $(seq 1 "$reps"); do
  report "anchor" "$(dotnet "$dll" simulate --episodes "$episodes" --no-train --format json)"
  for n in 1 2 3; do
    cluster_start "$n"
    dotnet "$dll" simulate --cluster "$redis_url" --episodes "$episodes" --no-train --format json >/dev/null # warm-up
    report "members=$n" "$(dotnet "$dll" simulate --cluster "$redis_url" --episodes "$episodes" --no-train --format json)"
    stop_all
  done
done
echo "load average after: $(cat /proc/loadavg)"
python3 - "$work/results" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split(); runs[f[0]].append(float(f[7]))
for k, v in runs.items():
    ratios = [a / b for a, b in zip(v, runs["anchor"])]  # per repetition: against the anchor run just before it
    print(f"median {k:10s} {statistics.median(v):7.2f} episodes/s (min {min(v):.2f}, max {max(v):.2f}); "
          f"x anchor per rep: median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
PY
