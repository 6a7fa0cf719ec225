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
trap 'stop_all; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
# shellcheck source=members.sh
source "$root/bench/cluster/members.sh"
serve_build

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
