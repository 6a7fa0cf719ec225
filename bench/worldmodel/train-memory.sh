#!/usr/bin/env bash
# bench/worldmodel/train-memory.sh [EPISODES...]: peak memory and training throughput of `pwmk train --data DIR` on a
# folder of rollouts (`pwmk simulate --no-train --out DIR`: box-world, 2 agents, ToM depth 2, shards of about 4,096
# steps; default 200 and 2000 episodes). For each episode count, REPS (default 2) interleaved pairs: the anchor build
# (ANCHOR_DLL, e.g. a build of main before streaming; skipped when unset), then the build under test (PWMK_DLL, default
# the Release build of src/Pwmk.Cli). Each run is a whole, cold process under /usr/bin/time -v: peak resident set, wall
# seconds, the trainer's samples/s (a sample is a step for a one-step model, `--recurrent false`, a whole episode for the
# default recurrent model; the build under test counts the reading of the shards in it, the anchor read them all before
# training), the windows read, the last validation loss and the held-out belief accuracy. TRAIN_ARGS (default
# "--epochs 1") go to both builds; TEST_ARGS to the build under test only (e.g. "--shuffle-window 0"). DATA_DIR keeps
# the rollouts between runs (made when missing, with the build under test). Needs /usr/bin/time and python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
counts=("$@")
[ "${#counts[@]}" -gt 0 ] || counts=(200 2000)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
data="${DATA_DIR:-$work/data}"
dll="${PWMK_DLL:-$root/src/Pwmk.Cli/bin/Release/net10.0/pwmk.dll}"
[ -f "$dll" ] || dotnet build "$root/src/Pwmk.Cli/Pwmk.Cli.csproj" -c Release -nologo -v q -clp:ErrorsOnly >&2
read -r -a train_args <<<"${TRAIN_ARGS:---epochs 1}"
read -r -a test_args <<<"${TEST_ARGS:-}"

run() { # LABEL DLL DIR ARGS...
  local label="$1" build="$2" dir="$3"; shift 3
  /usr/bin/time -v -o "$work/time" dotnet "$build" train --data "$dir" "${train_args[@]}" "$@" --format json >"$work/metrics.json" 2>"$work/stderr" \
    || { cat "$work/stderr" >&2; exit 2; }
  python3 - "$label" "$dir" "$work/metrics.json" "$work/time" <<'PY'
import json, os, re, sys
label, folder, metrics, timing = sys.argv[1:]
m = json.load(open(metrics))
t = open(timing).read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
s = json.load(open(os.path.join(folder, "simulation.json")))
sps = m["train_samples_per_second"]
print("%-8s %6d episodes %8d steps  peak RSS %7.1f MB  wall %6.1f s  train %7.1f samples/s  windows %s  val loss %.5f  belief acc %.4f" % (
    label, s["episodeCount"], s["stepCount"], rss / 1024, secs, sps, m.get("windows", "-"),
    m["epoch_curve"][-1]["validation_loss"], m["belief_acc"]))
PY
}

echo "load average before: $(cat /proc/loadavg); $(nproc) cores; train ${train_args[*]}; test build ${test_args[*]:-(defaults)}"
for e in "${counts[@]}"; do
  dir="$data/episodes-$e"
  [ -f "$dir/simulation.json" ] && grep -q '"complete": true' "$dir/simulation.json" \
    || dotnet "$dll" simulate --episodes "$e" --no-train --out "$dir" --format json >/dev/null
  for _ in $(seq 1 "${REPS:-2}"); do
    [ -z "${ANCHOR_DLL:-}" ] || run anchor "$ANCHOR_DLL" "$dir"
    run test "$dll" "$dir" "${test_args[@]}"
  done
done
echo "load average after: $(cat /proc/loadavg)"
