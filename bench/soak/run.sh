#!/usr/bin/env bash
# bench/soak/run.sh: soak test of a real `pwmk serve` (background simulation on, durable state directory, fsync always).
#   Mixed API load with wrk (bench/soak/mixed.lua: point and open queries, belief asserts and withdrawals that keep the
#   store bounded) in windows of --window seconds for --minutes in all, while a scraper GETs /metrics every second and
#   /health every 5 s. After each window it records the window's req/s, p50/p99/max latency, responses by status class,
#   socket errors, the server's RSS and thread count, scraper failures and the load average.
# Usage: bench/soak/run.sh [--minutes N (default 10)] [--window S (default 30)] [--connections C (default 16)] [--out FILE]
# Exit 0: no 5xx, no socket errors, no failed scrape, server alive; 1: any of those; 2: bad setup.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
MINUTES=10 WINDOW=30 CONNECTIONS=16 OUT="$here/results.json"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --window) WINDOW="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$MINUTES" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "run.sh: --minutes: expected a number, got '$MINUTES'" >&2; exit 2; }
[[ "$WINDOW" =~ ^[0-9]+$ && "$WINDOW" -ge 5 ]] || { echo "run.sh: --window: expected whole seconds >= 5, got '$WINDOW'" >&2; exit 2; }
command -v wrk >/dev/null || { echo "run.sh: wrk not found (apt-get install wrk)" >&2; exit 2; }
. "$here/../serve.sh"
serve_build
windows="$(python3 -c "import math; print(max(1, math.ceil($MINUTES * 60 / $WINDOW)))")"

work="$(mktemp -d /tmp/pwmk-soak.XXXXXX)"
pid="" scraper=""
cleanup() {
  [ -n "$scraper" ] && kill "$scraper" 2>/dev/null || true
  serve_stop
  rm -rf "$work"
}
trap cleanup EXIT
serve_start
for i in $(seq 0 9); do
  curl -sf -o /dev/null -H 'Content-Type: application/json' -d "{\"agent\":\"agent_$i\",\"belief\":\"at(obj_$i, room_$((i % 7)))\"}" "$base/api/beliefs" \
    || { echo "run.sh: could not load beliefs" >&2; exit 2; }
done

# scraper: /metrics every second, /health every 5 s; one line per failure (not 200 / 503-from-health-is-a-failure too)
(
  n=0
  while kill -0 "$pid" 2>/dev/null; do
    code="$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$base/metrics" || echo 000)"
    [ "$code" = 200 ] || echo "$(date -u +%T) /metrics $code" >>"$work/scrape-failures"
    echo ok >>"$work/scrapes"
    if [ $((n % 5)) = 0 ]; then
      code="$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$base/health" || echo 000)"
      [ "$code" = 200 ] || echo "$(date -u +%T) /health $code" >>"$work/scrape-failures"
    fi
    n=$((n + 1))
    sleep 1
  done
) &
scraper=$!

proc() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status"; }
echo "run.sh: $windows windows of ${WINDOW}s, $CONNECTIONS connections, server pid $pid, state $work/state" >&2
printf '%-6s %8s %9s %8s %8s %9s %6s %6s %8s %8s %8s %6s\n' window "t(s)" "req/s" "p50 ms" "p99 ms" "max ms" 5xx sockerr "RSS MiB" threads scrapefail load1 >&2
cat "$here/mixed.lua" "$here/../load/report.lua" >"$work/mixed.lua"
start="$(date +%s)"
echo '[' >"$work/windows.json"
for w in $(seq 1 "$windows"); do
  SOAK_WINDOW="$w" wrk -t 1 -c "$CONNECTIONS" -d "${WINDOW}s" --latency -s "$work/mixed.lua" "$base" >"$work/w.txt" 2>&1 \
    || { cat "$work/w.txt" >&2; echo "run.sh: wrk failed" >&2; exit 2; }
  r="$(sed -n 's/^WRKJSON //p' "$work/w.txt")"
  [ -n "$r" ] || { cat "$work/w.txt" >&2; exit 2; }
  kill -0 "$pid" 2>/dev/null || { tail -50 "$work/server.log" >&2; echo "run.sh: server died in window $w" >&2; exit 1; }
  rss="$(awk '{printf "%.1f", $1/1024}' <<<"$(proc VmRSS)")"
  threads="$(proc Threads)"
  fails="$( [ -f "$work/scrape-failures" ] && wc -l <"$work/scrape-failures" || echo 0)"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  t=$(( $(date +%s) - start ))
  [ "$w" = 1 ] || echo ',' >>"$work/windows.json"
  echo "{\"window\":$w,\"t_s\":$t,\"rss_mib\":$rss,\"threads\":$threads,\"scrape_failures\":$fails,\"load1\":$load,\"wrk\":$r}" >>"$work/windows.json"
  python3 - "$w" "$t" "$rss" "$threads" "$fails" "$load" "$r" <<'PY' >&2
import json, sys
w, t, rss, th, fails, load, r = sys.argv[1:8]
x = json.loads(r)
print(f"{w:<6} {t:>8} {x['rps']:>9.0f} {x['p50_ms']:>8.2f} {x['p99_ms']:>8.2f} {x['max_ms']:>9.1f} {x['status_5xx']:>6} {x['socket_errors']:>6} {rss:>8} {th:>8} {fails:>8} {load:>6}")
PY
done
echo ']' >>"$work/windows.json"
scrapes="$(wc -l <"$work/scrapes" 2>/dev/null || echo 0)"
facts="$(curl -s -H 'Content-Type: application/json' -d '{"query":"believes(A, seen(X, Y))","limit":10000}' "$base/api/beliefs/query" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')"
python3 - "$work/windows.json" "$OUT" "$MINUTES" "$WINDOW" "$CONNECTIONS" "$scrapes" "$facts" "$(nproc)" <<'PY'
import json, sys
ws = json.load(open(sys.argv[1]))
out, minutes, window, conns, scrapes, facts, cores = sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
req = sum(w["wrk"]["requests"] for w in ws)
s5 = sum(w["wrk"]["status_5xx"] for w in ws)
s4 = sum(w["wrk"]["status_4xx"] + w["wrk"]["status_other"] for w in ws)
sock = sum(w["wrk"]["socket_errors"] for w in ws)
fails = ws[-1]["scrape_failures"]
rss = [w["rss_mib"] for w in ws]; th = [w["threads"] for w in ws]; p99 = [w["wrk"]["p99_ms"] for w in ws]
half = len(ws) // 2
summary = {"minutes": minutes, "window_s": window, "connections": conns, "cores": cores, "requests": req, "status_5xx": s5,
           "status_non2xx_other": s4, "socket_errors": sock, "scrapes": scrapes, "scrape_failures": fails, "seen_facts_at_end": facts,
           "rss_mib": {"first": rss[0], "max": max(rss), "last": rss[-1], "mean_first_half": sum(rss[:half or 1]) / (half or 1), "mean_second_half": sum(rss[half:]) / len(rss[half:])},
           "threads": {"first": th[0], "min": min(th), "max": max(th), "last": th[-1]},
           "p99_ms": {"min": min(p99), "max": max(p99), "median": sorted(p99)[len(p99) // 2]},
           "load1": [w["load1"] for w in ws], "windows": ws}
json.dump(summary, open(out, "w"), indent=1)
print(f"{req} requests in {len(ws)} windows of {window} s ({conns} connections, {cores} cores); 5xx {s5}, other non-2xx {s4}, socket errors {sock}; "
      f"{scrapes} /metrics scrapes, {fails} failed scrapes or unhealthy /health; seen/2 facts at the end {facts}")
print(f"RSS MiB first {rss[0]}, max {max(rss)}, last {rss[-1]} (mean first half {summary['rss_mib']['mean_first_half']:.1f}, second half {summary['rss_mib']['mean_second_half']:.1f}); "
      f"threads first {th[0]}, min {min(th)}, max {max(th)}, last {th[-1]}; p99 ms min {min(p99)}, median {summary['p99_ms']['median']}, max {max(p99)}")
ok = s5 == 0 and sock == 0 and fails == 0
print("soak passed: no 5xx, no socket errors, no failed scrape" if ok else "soak FAILED")
sys.exit(0 if ok else 1)
PY
