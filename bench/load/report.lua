-- Appended to a wrk script (bench/load/query.lua and metrics.lua, bench/soak/mixed.lua): counts responses by status
-- class per thread and prints one JSON line with requests/s, latency percentiles (ms) and the counts. A script that
-- needs its own setup/init defines them first; they must put each thread in `threads` and zero c2, c4, c5 and other.
threads = threads or {}
if not setup then function setup(thread) table.insert(threads, thread) end end
if not init then function init(args) c2, c4, c5, other = 0, 0, 0, 0 end end
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
    'WRKJSON {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"status_2xx":%d,"status_4xx":%d,"status_5xx":%d,"status_other":%d,"socket_errors":%d}\n',
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, s2, s4, s5, so,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
