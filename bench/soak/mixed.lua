-- wrk script for bench/soak/run.sh: a mixed API load. Of every 20 requests: 1 asserts a belief seen(agent, n) with
-- n cycling over 2,000 values, 1 withdraws the one asserted 10 requests earlier (so the store stays bounded while
-- writes go on), 18 query (point queries, an open query with a limit). run.sh appends ../load/report.lua for the
-- counts by status class and the WRKJSON line.
local window = os.getenv("SOAK_WINDOW") or "0"
threads = {}
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
