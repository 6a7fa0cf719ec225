#!/usr/bin/env bash
# bench/load/run.sh: load test of a real `pwmk serve` on loopback with wrk (Debian package wrk).
#   POST /api/beliefs/query (a ground point query) and GET /metrics, each for DURATION seconds,
#   rate limiting disabled (--rate-limit 0), background simulation on (as `pwmk serve` runs by default).
# Prints requests/s, p50/p90/p99 latency, responses by status class, server RSS before/after, and a JSON summary.
# Exit 0: no 5xx and no socket errors; 1: some 5xx or socket errors; 2: bad setup (wrk missing, server did not start).
# Settings (environment): DURATION (s, default 15), CONNECTIONS (default 32), METRICS_CONNECTIONS (default 8), THREADS (wrk threads, default 1),
#   FACTS (beliefs loaded before the run, default 1000), PWMK_DLL (server build, default the Release build of src/Pwmk.Cli),
#   OUT (JSON summary file, default bench/load/results.json), SIMULATION (1: background simulation on, default 1).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DURATION="${DURATION:-15}"
CONNECTIONS="${CONNECTIONS:-32}"
METRICS_CONNECTIONS="${METRICS_CONNECTIONS:-8}"
THREADS="${THREADS:-1}"
FACTS="${FACTS:-1000}"
SIMULATION="${SIMULATION:-1}"
OUT="${OUT:-$here/results.json}"
command -v wrk >/dev/null || { echo "run.sh: wrk not found (apt-get install wrk)" >&2; exit 2; }
. "$here/../serve.sh"
serve_build

work="$(mktemp -d /tmp/pwmk-load.XXXXXX)"
sim=(); [ "$SIMULATION" = 1 ] || sim=(--no-simulation)
pid=""
cleanup() {
  serve_stop
  rm -rf "$work"
}
trap cleanup EXIT
serve_start "${sim[@]}"
curl -sf "$base/health" >/dev/null || { cat "$work/server.log" >&2; echo "run.sh: server did not answer /health" >&2; exit 2; }

rss() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$pid/status"; }

# beliefs: FACTS facts at(obj_i, room_(i mod 7)) spread over 10 agents (loopback: no key needed)
echo "run.sh: loading $FACTS beliefs" >&2
for ((i = 0; i < FACTS; i++)); do
  printf '{"agent":"agent_%d","belief":"at(obj_%d, room_%d)"}\n' $((i % 10)) "$i" $((i % 7))
done | while read -r body; do
  code="$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" "$base/api/beliefs")"
  [ "$code" = 201 ] || [ "$code" = 200 ] || { echo "run.sh: POST /api/beliefs gave $code" >&2; exit 2; }
done
answer="$(curl -s -H 'Content-Type: application/json' -d '{"query":"believes(agent_3, at(obj_3, room_3))","limit":1}' "$base/api/beliefs/query")"
case "$answer" in *'"count":1'*) ;; *) echo "run.sh: point query did not answer true: $answer" >&2; exit 2 ;; esac

cat "$here/query.lua" "$here/report.lua" >"$work/query.lua"
cat "$here/metrics.lua" "$here/report.lua" >"$work/metrics.lua"
run() { # name script seconds connections
  wrk -t "$THREADS" -c "${4:-$CONNECTIONS}" -d "${3}s" --latency -s "$work/$2.lua" "$base" >"$work/$1.txt" 2>&1 || { cat "$work/$1.txt" >&2; exit 2; }
  sed -n 's/^WRKJSON //p' "$work/$1.txt"
}

echo "run.sh: warm-up (3 s)" >&2
run warmup query 3 >/dev/null
rss_before="$(rss)"
echo "run.sh: POST /api/beliefs/query for ${DURATION}s, $CONNECTIONS connections, $THREADS wrk thread(s)" >&2
q="$(run query query "$DURATION")"
rss_mid="$(rss)"
echo "run.sh: GET /metrics for ${DURATION}s, $METRICS_CONNECTIONS connections" >&2
m="$(run metrics metrics "$DURATION" "$METRICS_CONNECTIONS")"
rss_after="$(rss)"
echo "run.sh: POST /api/beliefs/query again for ${DURATION}s (memory flat?)" >&2
q2="$(run query2 query "$DURATION")"
rss_end="$(rss)"
kill -0 "$pid" 2>/dev/null || { echo "run.sh: server died during the run" >&2; exit 1; }

cores="$(nproc)"
cat >"$OUT" <<EOF
{"cores":$cores,"duration_s":$DURATION,"connections":$CONNECTIONS,"metrics_connections":$METRICS_CONNECTIONS,"wrk_threads":$THREADS,"facts":$FACTS,"simulation":$SIMULATION,
 "query":$q,
 "metrics":$m,
 "query_again":$q2,
 "server_rss_mib":{"after_warmup":$rss_before,"after_query":$rss_mid,"after_metrics":$rss_after,"after_query_again":$rss_end}}
EOF
python3 - "$OUT" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"cores {r['cores']}, {r['connections']} connections ({r['metrics_connections']} on /metrics), {r['wrk_threads']} wrk thread(s), {r['duration_s']} s per run, {r['facts']} beliefs, background simulation {'on' if r['simulation'] else 'off'}")
print(f"{'endpoint':34} {'req/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'2xx':>9} {'non-2xx':>8} {'5xx':>5} {'sock err':>8}")
for name, label in (("query", "POST /api/beliefs/query"), ("metrics", "GET /metrics"), ("query_again", "POST /api/beliefs/query (again)")):
    x = r[name]
    non2 = x['status_4xx'] + x['status_5xx'] + x['status_other']
    print(f"{label:34} {x['rps']:>10.0f} {x['p50_ms']:>8.2f} {x['p90_ms']:>8.2f} {x['p99_ms']:>8.2f} {x['max_ms']:>8.1f} {x['status_2xx']:>9} {non2:>8} {x['status_5xx']:>5} {x['socket_errors']:>8}")
m = r['server_rss_mib']
print(f"server RSS (MiB): after warm-up {m['after_warmup']}, after query run {m['after_query']}, after /metrics run {m['after_metrics']}, after second query run {m['after_query_again']}")
bad = sum(r[n]['status_5xx'] + r[n]['socket_errors'] for n in ("query", "metrics", "query_again"))
print("no 5xx, no socket errors" if bad == 0 else f"FAILED: {bad} 5xx responses or socket errors")
sys.exit(0 if bad == 0 else 1)
EOF
