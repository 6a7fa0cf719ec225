#!/usr/bin/env bash
# bench/cluster/background-speed.sh [REPS] [SECONDS]: the background simulation's speed on plain `pwmk serve` (step delay
# 0, online training on, fsync always, a fresh state directory per run), PWMK_ANCHOR_DLL (a pwmk.dll of an earlier commit)
# against PWMK_DLL (default: this tree's Release build). Each run: start the server, wait until the background simulation
# sim-1 has run its first step, warm for 10 s, then count the steps and episodes it finishes in SECONDS (from
# /api/simulations/sim-1: totalSteps, episode). Interleaved anchor, current, anchor, current...; prints each run and the
# ratio current/anchor per repetition (1.0 = as fast). Needs curl and python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
reps="${1:-3}"
seconds="${2:-30}"
work="$(mktemp -d)"
trap 'serve_stop; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
serve_build
anchor="${PWMK_ANCHOR_DLL:?set PWMK_ANCHOR_DLL to the pwmk.dll to compare with}"
current="$dll"
read_sim() { curl -sf "$base/api/simulations/sim-1" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["totalSteps"], j["episode"])'; }
run() { # LABEL DLL
  dll="$2"; SERVE_STATE="$work/state-$RANDOM" serve_start --step-delay-ms 0
  for _ in $(seq 1 600); do s=$(read_sim 2>/dev/null || echo "0 0"); [ "${s%% *}" -gt 0 ] && break; sleep 0.1; done
  sleep 10
  read -r s0 e0 < <(read_sim); t0=$(date +%s.%N)
  sleep "$seconds"
  read -r s1 e1 < <(read_sim); t1=$(date +%s.%N)
  serve_stop
  python3 -c "d=$t1-$t0; print('%-8s steps_per_s %7.1f  episodes_per_s %6.2f' % ('$1', ($s1-$s0)/d, ($e1-$e0)/d))" | tee -a "$work/results"
}
for _ in $(seq 1 "$reps"); do run anchor "$anchor"; run current "$current"; done
python3 - "$work/results" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
a = [float(r[2]) for r in rows if r[0] == "anchor"]; c = [float(r[2]) for r in rows if r[0] == "current"]
ratios = [y / x for x, y in zip(a, c)]
print("steps/s median anchor %.1f current %.1f; current/anchor per repetition %s, median %.2f" % (
    statistics.median(a), statistics.median(c), " ".join("%.2f" % r for r in ratios), statistics.median(ratios)))
PY
