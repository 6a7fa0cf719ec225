# bench/serve.sh: sourced by bench/load/run.sh and bench/soak/run.sh (needs `root` and `work` set).
#   serve_build           sets dll (PWMK_DLL, default the Release build of src/Pwmk.Cli), building it when missing
#   serve_start ARGS...   runs `pwmk serve ARGS...` on a free loopback port, state in $work/state, log in $work/server.log,
#                         rate limiting off; sets base and pid; returns when /live answers (exit 2 if the server dies);
#                         SERVE_STATE and SERVE_LOG name other state and log paths, SERVE_PREFIX a command to run it
#                         under (e.g. "taskset -c 0")
#   serve_stop            SIGTERM, then SIGKILL after 15 s
serve_build() {
  dll="${PWMK_DLL:-$root/src/Pwmk.Cli/bin/Release/net10.0/pwmk.dll}"
  if [ ! -f "$dll" ]; then
    echo "run.sh: building $dll" >&2
    dotnet build "$root/src/Pwmk.Cli/Pwmk.Cli.csproj" -c Release -nologo -v q -clp:ErrorsOnly >&2 || exit 2
  fi
}

serve_start() {
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  base="http://127.0.0.1:$port"
  local log="${SERVE_LOG:-$work/server.log}"
  # shellcheck disable=SC2086 # SERVE_PREFIX is a command and its words
  env -u PWMK_API_KEY ${SERVE_PREFIX:-} dotnet "$dll" serve --urls "$base" --state-dir "${SERVE_STATE:-$work/state}" --rate-limit 0 "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    curl -sf "$base/live" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "run.sh: server exited" >&2; exit 2; }
    sleep 0.1
  done
  cat "$log" >&2
  echo "run.sh: server did not answer /live within 30 s" >&2
  exit 2
}

serve_stop() {
  [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
