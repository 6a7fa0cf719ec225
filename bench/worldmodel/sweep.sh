#!/usr/bin/env bash
# bench/worldmodel/sweep.sh: the measured sweeps behind `pwmk train`'s defaults (issue 23).
#
#   bench/worldmodel/sweep.sh [--set tuning|ablation|seeds|episodes] [--env box-world,rooms] [--out DIR]
#
# Runs `pwmk train --agents 3 --episodes 300 --epochs 10 --format json` once per configuration of the set and
# environment (one run at a time), keeps each JSON in DIR (default bench/worldmodel/runs/<set>) and prints the
# table of bench/worldmodel/summarize.py. Set PWMK_HEAVY to a command prefix that serialises CPU-heavy work on a
# shared machine (for example PWMK_HEAVY=/path/to/heavy) and PWMK to the command that runs pwmk (default ./pwmk; a
# fixed build such as "dotnet /some/dir/pwmk.dll" keeps a long sweep on one build); runs already in DIR are kept.
#   tuning:   defaults against one change each (loss weights, batch size, learning rate, width)
#   ablation: defaults against each of the model's parts switched off
#   seeds:    defaults with seeds 0, 1, 2
#   episodes: defaults on 100, 300, 1,000 and 4,000 episodes (sample efficiency)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
set_name=tuning envs=box-world,rooms out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --set) set_name="$2"; shift 2 ;;
    --env) envs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "sweep.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
out="${out:-$root/bench/worldmodel/runs/$set_name}"
mkdir -p "$out"
case "$set_name" in
  tuning) configs=(
    "defaults|"
    "false-belief-weight-3|--false-belief-weight 3"
    "change-weight-3|--change-weight 3"
    "belief-weight-0.5|--belief-weight 0.5"
    "batch-8|--batch-size 8"
    "batch-2|--batch-size 2"
    "lr-2e-3|--lr 2e-3"
    "lr-8e-3|--lr 8e-3"
    "hidden-64|--hidden 64") ;;
  ablation) configs=(
    "defaults|"
    "no-belief-transitions|--belief-transitions false"
    "no-joint-actions|--joint-actions false"
    "no-belief-memory|--belief-memory false"
    "no-residual|--residual false"
    "no-loss-normalisation|--normalise-observation-loss false"
    "constant-lr|--schedule constant"
    "no-symmetries|--symmetries false"
    "no-evidence-prediction|--predict-evidence false"
    "carry-encoder-state|--carry-encoder-state true"
    "one-step-model|--recurrent false") ;;
  seeds) configs=("seed-0|--seed 0" "seed-1|--seed 1" "seed-2|--seed 2") ;;
  episodes) configs=("episodes-100|--episodes 100" "episodes-300|--episodes 300" "episodes-1000|--episodes 1000" "episodes-4000|--episodes 4000") ;;
  *) echo "sweep.sh: --set must be tuning, ablation, seeds or episodes" >&2; exit 2 ;;
esac
IFS=',' read -ra env_list <<<"$envs"
for env in "${env_list[@]}"; do
  for entry in "${configs[@]}"; do
    name="${entry%%|*}" flags="${entry#*|}"
    file="$out/$env--$name.json"
    [ -s "$file" ] && continue
    case " $flags " in *" --episodes "*) episodes="" ;; *) episodes="--episodes 300" ;; esac
    echo "sweep: $env $name ($flags)" >&2
    # shellcheck disable=SC2086
    ${PWMK_HEAVY:-} ${PWMK:-"$root/pwmk"} train --env "$env" --agents 3 $episodes --epochs 10 --format json $flags >"$file.tmp" 2>"$out/$env--$name.log"
    mv "$file.tmp" "$file"
  done
done
python3 "$root/bench/worldmodel/summarize.py" "$out"/*.json
