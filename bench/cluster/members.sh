# bench/cluster/members.sh (sourced by run.sh and scatter.sh): a real redis-server and N `pwmk serve --cluster`
# members on loopback. Needs $dll (bench/serve.sh's serve_build) and $work; cluster_start N sets redis_url and urls and
# returns once every member is healthy and sees all N; stop_all stops the members (SIGTERM, then SIGKILL after 10 s)
# and Redis.
members=()
redis=""
urls=()
stop_all() {
  for p in "${members[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${members[@]}"; do for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$p" 2>/dev/null || true; done
  members=()
  if [ -n "$redis" ]; then kill "$redis" 2>/dev/null || true; wait "$redis" 2>/dev/null || true; redis=""; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cluster_start() { # N
  local rport; rport="$(free_port)"
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
  redis=$!
  redis_url="redis://127.0.0.1:$rport"
  urls=()
  for i in $(seq 1 "$1"); do
    local hp sp gp; hp="$(free_port)"; sp="$(free_port)"; gp="$(free_port)"
    env -u PWMK_API_KEY dotnet "$dll" serve --urls "http://127.0.0.1:$hp" --cluster "$redis_url" --silo-port "$sp" --gateway-port "$gp" \
      --rate-limit 0 --no-simulation --log-format plain >"$work/member$i.log" 2>&1 &
    members+=("$!")
    urls+=("http://127.0.0.1:$hp")
  done
  for u in "${urls[@]}"; do # every member healthy and seeing all N
    for _ in $(seq 1 600); do
      curl -sf "$u/health" 2>/dev/null | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['checks']['cluster']['members_active']==$1 else 1)" 2>/dev/null && break
      sleep 0.1
    done
  done
}
