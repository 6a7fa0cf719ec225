#!/usr/bin/env bash
# bench/planner/pairs.sh: whole-process comparison of two planner command lines on mA* problems, interleaved.
#
#   bench/planner/pairs.sh [--reps N] -a 'COMMAND A' -b 'COMMAND B' FILE...
#
# Each COMMAND is run as `COMMAND FILE --format json`, so it ends with --mastar (e.g. -a 'dotnet /tmp/before/pwmk.dll
# plan --mastar' -b './pwmk plan --threads 2 --mastar'); for each FILE the two run in turn, A B A B ..., N pairs (default 3).
# Per run: exit code, wall and CPU seconds and peak RSS from /usr/bin/time, the plan length from the last line of
# output that holds `"length":N` or `length N` when there is one. Per file: the median of the per-pair ratios B/A
# of wall time and their spread (min..max). Prints the load average at start and end. Run it on an otherwise idle machine
# (or any quiet machine) for figures worth publishing.
set -euo pipefail
reps=3 a="" b=""
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    -a) a="$2"; shift 2 ;;
    -b) b="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ -n "$a" ] && [ -n "$b" ] && [ $# -gt 0 ] || { echo "usage: $0 [--reps N] -a 'COMMAND A' -b 'COMMAND B' FILE..." >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "$0: needs /usr/bin/time (GNU time)" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # COMMAND FILE -> "exit wall cpu rssMB length"
  local out="$tmp/out" t="$tmp/time" rc=0
  # shellcheck disable=SC2086
  /usr/bin/time -f '%e %U %S %M' -o "$t" $1 "$2" --format json >"$out" 2>/dev/null || rc=$?
  local len; len=$(grep -o '"length":[0-9]*' "$out" | tail -1 | cut -d: -f2 || true)
  # GNU time writes "Command exited with non-zero status N" first when the command fails: the figures are the last line.
  tail -1 "$t" | awk -v rc="$rc" -v len="${len:--}" '{ printf "%d %.2f %.2f %.0f %s\n", rc, $1, $2 + $3, $4 / 1024, len }'
}
printf '%-50s %-3s %-26s %-26s %s\n' problem rep 'A: exit wall cpu MB len' 'B: exit wall cpu MB len' 'B/A wall'
for f in "$@"; do
  ratios=()
  for ((i = 1; i <= reps; i++)); do
    ra=$(run "$a" "$f"); rb=$(run "$b" "$f")
    r=$(awk -v x="$(cut -d' ' -f2 <<<"$ra")" -v y="$(cut -d' ' -f2 <<<"$rb")" 'BEGIN { printf "%.3f", (x > 0 ? y / x : 0) }')
    ratios+=("$r")
    printf '%-50s %-3s %-26s %-26s %s\n' "$(basename "$f" .txt)" "$i" "$ra" "$rb" "$r"
  done
  printf '%s\n' "${ratios[@]}" | sort -g | awk -v f="$(basename "$f" .txt)" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%-50s median B/A wall %.3f (spread %.3f..%.3f, %d pairs)\n", f, m, v[1], v[NR], NR }'
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
