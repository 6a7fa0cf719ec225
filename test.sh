#!/usr/bin/env bash
# test.sh: installs the Debian packages the tests need when missing, checks formatting, runs every test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# command -> Debian package
need=()
declare -A pkgs=(
  [swipl]=swi-prolog-nox
  [promtool]=prometheus
  [amtool]=prometheus-alertmanager
  [chromium]=chromium
  [node]=nodejs
  [npm]=npm
  [redis-server]=redis-server
)
for cmd in "${!pkgs[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || need+=("${pkgs[$cmd]}")
done
# the NativeAOT build of the short commands links with clang or gcc and needs zlib's headers
command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
if ((${#need[@]})); then
  echo "test.sh: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # another apt or dpkg run (an unattended upgrade, a second checkout's test.sh) holds the lock: wait for it
  lock=(-o DPkg::Lock::Timeout=900)
  $SUDO apt-get "${lock[@]}" update -qq
  $SUDO apt-get "${lock[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "test.sh: build" >&2
dotnet build Pwmk.slnx -c Release -nologo -v q -clp:ErrorsOnly
# bench/Pwmk.Bench is in the solution (compiled, never run here); the engine's NativeAOT host of `bench/pwmk-bench beliefs
# --host aot` lives outside it and must still compile
dotnet build bench/aot-engine -c Release -nologo -v q -clp:ErrorsOnly
echo "test.sh: dotnet format --verify-no-changes" >&2
dotnet format Pwmk.slnx --verify-no-changes --no-restore
echo "test.sh: NativeAOT build of the short commands (src/Pwmk.Cli.Native; the CLI tests run query, plan and tomi in it)" >&2
dotnet publish src/Pwmk.Cli.Native -c Release -r linux-x64 -o artifacts/native -nologo -v q
export PWMK_NATIVE_CLI="$root/artifacts/native/pwmk-native"
echo "test.sh: dotnet test" >&2
# minimal: a failure prints its message and stack; a test that runs 5 minutes is hung: its host is killed and the test named
dotnet test Pwmk.slnx -c Release --no-build -nologo -v q --logger "console;verbosity=minimal" --blame-hang-timeout 5m --blame-hang-dump-type none
echo "test.sh: browser test (tests/browser: pwmk serve + chromium headless via playwright-core)" >&2
[ -d tests/browser/node_modules ] || (cd tests/browser && npm ci --no-audit --no-fund --silent)
(cd tests/browser && timeout 180 npm test --silent)
