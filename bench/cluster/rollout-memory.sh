#!/usr/bin/env bash
# bench/cluster/rollout-memory.sh [MEMBERS] [EPISODES...]: the client's memory while `pwmk simulate --cluster ... --out DIR`
# streams a rollout's trajectories to disk: for each episode count (default 200 and 2000), the peak resident set of the
# client process (GNU time's "Maximum resident set size"), with MEMBERS (default 1) `pwmk serve --cluster` members on
# loopback and a real redis-server, then the same episodes in one process (`pwmk simulate --no-train --out`, which runs
# the episodes itself: its figure includes the simulation). Box-world, 2 agents, ToM depth 2, no online training. Prints
# one line per run: episodes, steps, shards written, bytes on disk, peak RSS. CLIENT_HEAP_MB=M caps the managed heap of
# the simulate processes (DOTNET_GCHeapHardLimit; not the members'): a run that holds more than M MB of live objects fails
# with OutOfMemoryException. PWMK_DLL picks another build (e.g. an earlier commit's). Needs redis-server, /usr/bin/time, python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-1}"
shift || true
counts=("$@")
[ "${#counts[@]}" -gt 0 ] || counts=(200 2000)
work="$(mktemp -d)"
trap 'stop_all; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
# shellcheck source=members.sh
source "$root/bench/cluster/members.sh"
serve_build

run() { # LABEL EPISODES ARGS...
  local label="$1" episodes="$2"; shift 2
  local out="$work/out-$label-$episodes"
  local limit=()
  [ -z "${CLIENT_HEAP_MB:-}" ] || limit=(env "DOTNET_GCHeapHardLimit=$(printf '%x' $((CLIENT_HEAP_MB * 1024 * 1024)))")
  /usr/bin/time -v -o "$work/time" "${limit[@]}" dotnet "$dll" simulate --episodes "$episodes" --no-train --out "$out" --format json "$@" >"$work/summary.json"
  python3 - "$label" "$work/summary.json" "$work/time" "$out" <<'PY'
import json, os, re, sys
label, summary, timing, out = sys.argv[1:]
d = json.load(open(summary))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(timing).read()).group(1))
files = [f for f in os.listdir(out) if f.startswith("trajectories-")]
size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
print("%-12s %6d episodes %8d steps %4d shards %8.1f MB on disk   peak RSS %7.1f MB" % (
    label, d["episodes"], d["steps"], len(files), size / 1e6, rss / 1024))
PY
  rm -rf "$out"
}

echo "load average before: $(cat /proc/loadavg); $(nproc) cores; $n member(s)${CLIENT_HEAP_MB:+; client heap capped at $CLIENT_HEAP_MB MB}"
cluster_start "$n"
dotnet "$dll" simulate --cluster "$redis_url" --episodes 20 --no-train --format json >/dev/null # warm members
for e in "${counts[@]}"; do run "members=$n" "$e" --cluster "$redis_url"; done
stop_all
for e in "${counts[@]}"; do run "one-process" "$e"; done
echo "load average after: $(cat /proc/loadavg)"
