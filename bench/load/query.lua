-- wrk script: POST /api/beliefs/query with a ground point query (run.sh appends report.lua for the figures).
wrk.method = "POST"
wrk.path = "/api/beliefs/query"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"believes(agent_3, at(obj_3, room_3))","limit":1}'
