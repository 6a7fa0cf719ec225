#!/usr/bin/env bash
# bench/load/cores.sh: API point queries per second of a real `pwmk serve` pinned to 1 core and to 2 cores (taskset),
# the same wrk load on both. Two servers run side by side (no background simulation, 1,000 beliefs each): one pinned to
# CPU 0, one to CPUs 0-1; wrk (one thread, pinned to WRK_CPUS) loads them in turn, 1-core then 2-core, PAIRS times, and
# the 2-core/1-core ratio is taken per pair (median and range reported). The idle server uses no CPU while the other
# is loaded. Prints one line per run, the ratio per pair, and a JSON summary (OUT); the load average is recorded with it.
# On a 2-core machine the "2-core" server shares CPU 1 with wrk, so its req/s says what 2 cores minus a load generator
# give. What holds on any machine is the server's own CPU time (utime + stime of the process, /proc/PID/stat) per run:
# requests per CPU-second at 1 core and at 2 cores (equal when nothing serialises the second core), and from it what
# the server does with 2 whole cores (2 x its requests per CPU-second at 2 cores: an extrapolation, labelled as such).
# Settings (environment): PAIRS (default 4), DURATION (s per run, default 10), CONNECTIONS (default 32),
#   ONE_CORE (CPU list of the 1-core server, default 0), TWO_CORES (default 0,1), WRK_CPUS (default 1),
#   FACTS (default 1000), PWMK_DLL, OUT (default bench/load/cores.json).
# Exit 0: no 5xx and no socket errors; 1: some; 2: bad setup.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
PAIRS="${PAIRS:-4}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
ONE_CORE="${ONE_CORE:-0}"
TWO_CORES="${TWO_CORES:-0,1}"
WRK_CPUS="${WRK_CPUS:-1}"
FACTS="${FACTS:-1000}"
OUT="${OUT:-$here/cores.json}"
command -v wrk >/dev/null || { echo "cores.sh: wrk not found (apt-get install wrk)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "cores.sh: taskset not found (util-linux)" >&2; exit 2; }
. "$here/../serve.sh"
serve_build

work="$(mktemp -d /tmp/pwmk-cores.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do pid="$p" serve_stop; done
  rm -rf "$work"
}
trap cleanup EXIT

start() { # name cpus -> sets base_<name>
  SERVE_PREFIX="taskset -c $2" SERVE_STATE="$work/state-$1" SERVE_LOG="$work/server-$1.log" serve_start --no-simulation
  pids+=("$pid")
  printf -v "base_$1" '%s' "$base"
  printf -v "pid_$1" '%s' "$pid"
  echo "cores.sh: server '$1' on CPUs $2 at $base (pid $pid, affinity $(taskset -pc "$pid" | sed 's/.*: //'))" >&2
  for ((i = 0; i < FACTS; i++)); do
    printf '{"agent":"agent_%d","belief":"at(obj_%d, room_%d)"}\n' $((i % 10)) "$i" $((i % 7))
  done | while read -r body; do
    code="$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" "$base/api/beliefs")"
    [ "$code" = 201 ] || [ "$code" = 200 ] || { echo "cores.sh: POST /api/beliefs gave $code" >&2; exit 2; }
  done
  answer="$(curl -s -H 'Content-Type: application/json' -d '{"query":"believes(agent_3, at(obj_3, room_3))","limit":1}' "$base/api/beliefs/query")"
  case "$answer" in *'"count":1'*) ;; *) echo "cores.sh: point query did not answer true: $answer" >&2; exit 2 ;; esac
}
start one "$ONE_CORE"
start two "$TWO_CORES"

cat "$here/query.lua" "$here/report.lua" >"$work/query.lua"
ticks="$(getconf CLK_TCK)"
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # pid -> user + system CPU time in clock ticks
run() { # base seconds pid -> JSON line (wrk's figures and the server's CPU seconds meanwhile)
  local c0 c1
  c0="$(cpu "$3")"
  taskset -c "$WRK_CPUS" wrk -t 1 -c "$CONNECTIONS" -d "${2}s" --latency -s "$work/query.lua" "$1" >"$work/wrk.txt" 2>&1 || { cat "$work/wrk.txt" >&2; exit 2; }
  c1="$(cpu "$3")"
  sed -n 's/^WRKJSON //p' "$work/wrk.txt" | sed "s/}\$/,\"server_cpu_s\":$(python3 -c "print(($c1 - $c0) / $ticks)")}/"
}

echo "cores.sh: warm-up (3 s each)" >&2
run "$base_one" 3 "$pid_one" >/dev/null
run "$base_two" 3 "$pid_two" >/dev/null
load_before="$(cat /proc/loadavg)"
runs="["
for ((p = 1; p <= PAIRS; p++)); do
  a="$(run "$base_one" "$DURATION" "$pid_one")"
  b="$(run "$base_two" "$DURATION" "$pid_two")"
  runs+="$([ "$p" = 1 ] || echo ,){\"one\":$a,\"two\":$b}"
done
runs+="]"
load_after="$(cat /proc/loadavg)"
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "cores.sh: a server died during the run" >&2; exit 1; }; done

cat >"$OUT" <<EOF
{"cores":$(nproc),"pairs":$PAIRS,"duration_s":$DURATION,"connections":$CONNECTIONS,"facts":$FACTS,"one_core_cpus":"$ONE_CORE","two_core_cpus":"$TWO_CORES","wrk_cpus":"$WRK_CPUS",
 "loadavg_before":"$load_before","loadavg_after":"$load_after","runs":$runs}
EOF
python3 - "$OUT" <<'EOF'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
print(f"{r['cores']} cores; server A on CPUs {r['one_core_cpus']}, server B on CPUs {r['two_core_cpus']}; wrk (1 thread, {r['connections']} connections) on CPUs {r['wrk_cpus']}; {r['duration_s']} s per run, {r['facts']} beliefs, no simulation")
print(f"load average before: {r['loadavg_before']}; after: {r['loadavg_after']}")
print(f"{'pair':>4} {'1 core req/s':>13} {'p99 ms':>8} {'cores used':>10} {'req/CPU-s':>10} {'2 cores req/s':>14} {'p99 ms':>8} {'cores used':>10} {'req/CPU-s':>10} {'ratio':>7} {'per CPU-s':>9}")
ratios, eff, bad = [], [], 0
per_cpu = lambda y: y['requests'] / y['server_cpu_s']
for i, x in enumerate(r['runs'], 1):
    a, b = x['one'], x['two']
    ratios.append(b['rps'] / a['rps'])
    eff.append(per_cpu(b) / per_cpu(a))
    bad += sum(y['status_5xx'] + y['socket_errors'] + y['status_4xx'] for y in (a, b))
    print(f"{i:>4} {a['rps']:>13,.0f} {a['p99_ms']:>8.2f} {a['server_cpu_s'] / a['seconds']:>10.2f} {per_cpu(a):>10,.0f} "
          f"{b['rps']:>14,.0f} {b['p99_ms']:>8.2f} {b['server_cpu_s'] / b['seconds']:>10.2f} {per_cpu(b):>10,.0f} {ratios[-1]:>6.2f}x {eff[-1]:>8.2f}x")
med = lambda k, s: statistics.median(x[s][k] for x in r['runs'])
medf = lambda f, s: statistics.median(f(x[s]) for x in r['runs'])
print(f"median: 1 core {med('rps', 'one'):,.0f} req/s (p99 {med('p99_ms', 'one'):.2f} ms), 2 cores {med('rps', 'two'):,.0f} req/s (p99 {med('p99_ms', 'two'):.2f} ms), "
      f"ratio {statistics.median(ratios):.2f}x (range {min(ratios):.2f}..{max(ratios):.2f})")
print(f"server CPU: 1 core {medf(lambda y: y['server_cpu_s'] / y['seconds'], 'one'):.2f} cores used, {medf(per_cpu, 'one'):,.0f} req per CPU-second; "
      f"2 cores {medf(lambda y: y['server_cpu_s'] / y['seconds'], 'two'):.2f} cores used, {medf(per_cpu, 'two'):,.0f} req per CPU-second; "
      f"per CPU-second 2 cores / 1 core {statistics.median(eff):.2f}x (range {min(eff):.2f}..{max(eff):.2f})")
print(f"extrapolated, 2 whole cores (2 x req per CPU-second at 2 cores): {2 * medf(per_cpu, 'two'):,.0f} req/s, "
      f"{2 * medf(per_cpu, 'two') / med('rps', 'one'):.2f}x the 1-core server")
print("no errors" if bad == 0 else f"FAILED: {bad} non-2xx responses or socket errors")
sys.exit(0 if bad == 0 else 1)
EOF
