-- wrk script for bench/soak/run.sh: a mixed API load. Of every 20 requests: 1 asserts a belief seen(agent, n) with
-- n cycling over 2,000 values, 1 withdraws the one asserted 10 requests earlier (so the store stays bounded while
-- writes go on), 18 query (point queries, an open query with a limit). Counts responses by status class.
local window = os.getenv("SOAK_WINDOW") or "0"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  c2, c4, c5, other, k = 0, 0, 0, 0, 0
end
local json = "application/json"
function request()
  k = k + 1
  local slot = k % 20
  local n = math.floor(k / 20) % 2000
  local agent = "soak_" .. id
  if slot == 0 then
    return wrk.format("POST", "/api/beliefs", { ["Content-Type"] = json },
      string.format('{"agent":"%s","belief":"seen(n%d, w%s)"}', agent, n, window))
  elseif slot == 10 then
    return wrk.format("DELETE", "/api/beliefs", { ["Content-Type"] = json },
      string.format('{"agent":"%s","belief":"seen(n%d, w%s)"}', agent, n, window))
  elseif slot % 3 == 0 then
    return wrk.format("POST", "/api/beliefs/query", { ["Content-Type"] = json },
      string.format('{"query":"believes(%s, seen(X, Y))","limit":20}', agent))
  else
    return wrk.format("POST", "/api/beliefs/query", { ["Content-Type"] = json },
      '{"query":"believes(agent_3, at(obj_3, room_3))","limit":1}')
  end
end
function response(status, headers, body)
  if status >= 200 and status < 300 then c2 = c2 + 1
  elseif status >= 500 then c5 = c5 + 1
  elseif status >= 400 then c4 = c4 + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local s2, s4, s5, so = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    s2 = s2 + t:get("c2"); s4 = s4 + t:get("c4"); s5 = s5 + t:get("c5"); so = so + t:get("other")
  end
  local secs = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"status_2xx":%d,"status_4xx":%d,"status_5xx":%d,"status_other":%d,"socket_errors":%d}\n',
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, s2, s4, s5, so,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
