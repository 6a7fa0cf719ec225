#!/usr/bin/env bash
# bench/monitoring/run.sh [MINUTES]: the default `pwmk serve` scraped by a real Prometheus with the shipped
# deploy/prometheus files (15 s scrapes, the rules as shipped, uncompressed) and a real Alertmanager with the shipped
# deploy/alertmanager file (its webhook pointed at this PWMK, authenticated with its API key), for MINUTES (default 10).
# Prints what an operator would see: every alert that was pending or firing at any time (expected: none), what PWMK's
# webhook received, the planning outcomes, and how the observations of the latency histograms spread over their buckets.
# Needs prometheus, prometheus-alertmanager, curl and python3. The compressed-time version of this run (with a fault for
# each alert) is tests/Pwmk.Observability.Tests/EndToEnd/AlertingEndToEndTests.cs, part of ./test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
minutes="${1:-10}"
work="$(mktemp -d)"
trap 'serve_stop; for p in ${tools:-}; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

serve_build
key="bench-monitoring-$$"
port="$(free_port)"
base="http://127.0.0.1:$port"
PWMK_API_KEY="$key" dotnet "$dll" serve --urls "$base" --state-dir "$work/state" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -sf "$base/live" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$base/live" >/dev/null || { cat "$work/server.log" >&2; exit 2; }

am_port="$(free_port)"; prom_port="$(free_port)"
mkdir -p "$work/secrets" "$work/am" "$work/prom"
printf '%s' "$key" >"$work/secrets/pwmk_api_key"
printf 'http://127.0.0.1:%s/slack' "$(free_port)" >"$work/secrets/slack_webhook_url"
printf 'unused' >"$work/secrets/smtp_password"
sed -e "s#http://pwmk:8080/alerts/webhook#$base/alerts/webhook#" -e "s#/run/secrets#$work/secrets#" \
    -e "s#smtp_smarthost: '[^']*'#smtp_smarthost: '127.0.0.1:$(free_port)'#" \
    "$root/deploy/alertmanager/alertmanager.yml" >"$work/am/alertmanager.yml"
sed -e "s#'pwmk:8080'#'127.0.0.1:$port'#" -e "s#'alertmanager:9093'#'127.0.0.1:$am_port'#" -e "s#'localhost:9090'#'127.0.0.1:$prom_port'#" \
    "$root/deploy/prometheus/prometheus.yml" >"$work/prom/prometheus.yml"
cp "$root/deploy/prometheus/alerts.yml" "$work/prom/alerts.yml"
prometheus-alertmanager --config.file="$work/am/alertmanager.yml" --storage.path="$work/am/data" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/am.log" 2>&1 &
tools="$!"
prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
  --web.listen-address="127.0.0.1:$prom_port" --enable-feature=exemplar-storage >"$work/prom.log" 2>&1 &
tools="$tools $!"

q() { curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1"; }
echo "monitoring run: $minutes min, pwmk $base, prometheus :$prom_port, alertmanager :$am_port, load $(cut -d' ' -f1-3 /proc/loadavg)"
end=$(( $(date +%s) + minutes * 60 ))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 30
  active="$(q 'count(ALERTS)' | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')"
  echo "  $(date -u +%H:%M:%S) alerts pending or firing: $active"
done

# report series|buckets: reads a Prometheus query answer on stdin
report() {
  python3 -c "$report_py" "$@"
}
report_py=$(cat <<'PY'
import json, sys
kind, text = sys.argv[1], sys.stdin.read()
r = json.loads(text)["data"]["result"]
if kind == "series":
    for s in r: print("   ", {k: v for k, v in s["metric"].items() if k not in ("job", "instance")}, s["value"][1])
    if not r: print("    (none)")
else:
    # bucket shares: cumulative le counts of one histogram family
    buckets = sorted(((float(s["metric"]["le"]), float(s["value"][1])) for s in r), key=lambda b: b[0])
    total = buckets[-1][1] if buckets else 0
    prev = 0.0
    for le, c in buckets:
        if total: print(f"    le {le:<10g} {100 * (c - prev) / total:5.1f}%")
        prev = c
    print(f"    observations {total:.0f}")
PY
)
window="$((minutes + 1))m"
echo "alerts pending or firing at any time in the run (max_over_time(ALERTS[$window])):"
q "max_over_time(ALERTS[$window])" | report series
echo "received by PWMK's webhook (GET /api/alerts): total $(curl -sf "$base/api/alerts" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
echo "planning attempts by planner and outcome:"
q 'sum by (planner_type, success) (pwmk_planning_attempts_total)' | report series
echo "highest failure ratio of the recording rule during the run:"
q "max_over_time(planner_type:pwmk_planning_attempts:failure_ratio_rate5m[$window])" | report series
for family in pwmk_world_model_inference_seconds pwmk_env_step_duration_seconds pwmk_planning_duration_seconds pwmk_belief_query_duration_seconds; do
  echo "$family: share of observations per bucket"
  q "sum by (le) ($family""_bucket)" | report buckets
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
