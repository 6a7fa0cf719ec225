#!/usr/bin/env bash
# bench/cluster/long-plan.sh [SECONDS]: a plan that searches longer than Orleans' 30 s grain-call time-out, asked on one
# member of a three-member cluster (a real redis-server on loopback) for a simulation whose grain runs on another. A
# simulation (box-world, 8 agents: a search node costs enough that 1,000,000 of them take longer than SECONDS) is
# started through /api/simulations and stopped (its world no longer moves), then `POST /api/plan` asks, on
# a member other than the simulation's, for a goal no plan reaches (the key held by two agents at once) with the
# request's own time limit SECONDS (default 35; the members are started with PWMK_MAX_TIMEOUT_MS above it) and the
# largest node limit (1,000,000), which it does not reach first on this machine: the search runs on the
# simulation's member for SECONDS and the answer is the planner's own time-out (408), after about SECONDS, not a
# failed grain call at 30 s. Prints the status, the time to answer and the answer's detail. Needs redis-server, curl,
# python3.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-35}"
work="$(mktemp -d)"
trap 'stop_all; rm -rf "$work"' EXIT
# shellcheck source=../serve.sh
source "$root/bench/serve.sh"
# shellcheck source=members.sh
source "$root/bench/cluster/members.sh"
serve_build

echo "load average before: $(cat /proc/loadavg); $(nproc) cores; a ${seconds} s plan through three members"
# the members accept plans longer than their default 30 s limit on a request's time
export PWMK_MAX_TIMEOUT_MS=$(((seconds + 10) * 1000))
cluster_start 3
python3 - "$seconds" "${urls[@]}" <<'PY'
import http.client, json, sys, time, urllib.parse
seconds, urls = int(sys.argv[1]), sys.argv[2:]
def call(base, method, path, body=None, timeout=600):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    c.request(method, path, json.dumps(body) if body is not None else None, {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else None)
status, sim = call(urls[0], "POST", "/api/simulations", {"env": "box-world", "agents": 8, "seed": 5, "stepDelayMs": 0, "train": False})
assert status == 201, (status, sim)
sid = sim["id"]
for _ in range(600):
    status, view = call(urls[0], "GET", f"/api/cluster/simulations/{sid}")
    if status == 200 and view["steps"] >= 3: break
    time.sleep(0.05)
status, _ = call(urls[0], "POST", f"/api/simulations/{sid}/stop")
assert status == 200, status
member = view["member"]
selves = [call(u, "GET", "/api/cluster")[1]["self"] for u in urls]
asker = next(u for u, s in zip(urls, selves) if s != member)
print(f"simulation {sid} on member {member}; the plan is asked on {asker} (member {selves[urls.index(asker)]})")
t = time.perf_counter()
status, answer = call(asker, "POST", "/api/plan", {"goal": "pos(key, agent_0) AND pos(key, agent_1)", "simulation": sid,
                                                    "maxDepth": 20, "timeoutMs": seconds * 1000, "maxNodes": 1_000_000})
took = time.perf_counter() - t
detail = (answer or {}).get("detail", answer)
print(f"status {status} after {took:.1f} s (asked for {seconds} s): {detail}")
sys.exit(0 if status == 408 and took >= seconds - 1 else 1)
PY
echo "load average after: $(cat /proc/loadavg)"
