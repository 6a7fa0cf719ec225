-- wrk script: GET /metrics, a Prometheus scrape (run.sh appends report.lua for the figures).
wrk.method = "GET"
wrk.path = "/metrics"
