#!/usr/bin/env bash
# bench/worldmodel/planner.sh: goal success of simulation agents planning with the online world model against
# planning on a copy of the true environment (issue 23), per environment.
#
#   bench/worldmodel/planner.sh [--episodes N] [--out DIR]
#
# For box-world (2 agents) and rooms (4 agents, so that agents meet and correct each other's false beliefs), runs
# `pwmk simulate --max-steps 30 --seed 0 --format json` with `--planner simulator` and `--planner learned` (the same
# seeded episodes; the world model trains online after every episode in both), keeps each JSON in DIR (default
# bench/worldmodel/runs/planner) and prints, per run: the agents' goals reached / pursued over all episodes and over
# the second half (when the model has trained on at least N/2 episodes), episodes a task ended, decisions taken from a
# plan, and seconds. PWMK_HEAVY and PWMK as in sweep.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
episodes=40 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --episodes) episodes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "planner.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
out="${out:-$root/bench/worldmodel/runs/planner}"
mkdir -p "$out"
pwmk="${PWMK:-$root/pwmk}"
for run in "box-world 2" "rooms 4"; do
  set -- $run
  for planner in simulator learned; do
    file="$out/$1--$planner.json"
    ${PWMK_HEAVY:-} $pwmk simulate --env "$1" --agents "$2" --episodes "$episodes" --max-steps 30 --seed 0 \
      --planner "$planner" --format json > "$file.tmp"
    mv "$file.tmp" "$file"
  done
done
python3 - "$out" <<'PY'
import json, pathlib, sys
print("| env | planner | goals reached / pursued | second half | episodes ended by a task | decisions planned / heuristic | seconds |")
print("|---|---|---|---|---|---|---|")
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    d = json.loads(f.read_text())
    g = d["episodeGoals"]
    half = g[len(g) // 2:]
    hp, hr = sum(x[0] for x in half), sum(x[1] for x in half)
    rate = lambda r, p: f"{r} / {p} ({r / p:.2f})" if p else f"{r} / 0"
    print(f"| {d['env']} ({d['agents']} agents) | {d['planner']} | {rate(d['goalsReached'], d['goalsPursued'])} | {rate(hr, hp)} | "
          f"{d['successes']} / {d['episodes']} | {d['plannedDecisions']} / {d['heuristicDecisions']} | {d['seconds']:.1f} |")
PY
