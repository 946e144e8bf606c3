#!/usr/bin/env bash
# The one test command (README "Test it"): installs what the tests need and is missing, builds, runs every test.
# On a fresh machine of this image (root, Debian packages reachable) it needs nothing else. The last line it
# prints is "N passed, N failed". Options: --screenshots rewrites docs/screenshots/*.png (nothing else is
# written into the repository); any other arguments go to the test runner (e.g. -- --filter-class '*Silence*').
set -uo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--screenshots" ]; then export ENGAGEMENT_SCREENSHOTS=1; shift; fi

# What the tests start for real: PostgreSQL from Debian's binaries (run as the postgres user through runuser),
# Debian's Chromium driven by Playwright (which never downloads a browser), nats-server.
need=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: missing ${need[*]}; run as root (or: sudo apt-get install -y ${need[*]})" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "Installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -q && apt-get install -y -q "${need[@]}"; }; then
    echo "test.sh: apt-get install ${need[*]} failed" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft.Testing.Platform's summary: "  succeeded: N" and "  failed: N".
passed=$(grep -E '^\s*succeeded:' "$log" | tail -1 | grep -oE '[0-9]+' || true)
failed=$(grep -E '^\s*failed:' "$log" | tail -1 | grep -oE '[0-9]+' || true)
passed=${passed:-0}
failed=${failed:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
# The names of the failed tests again, together just above the count, so that the tail of a long log says which.
if [ "$failed" -gt 0 ]; then
  echo "Failed tests:"
  grep -E '^\s*failed [^:]' "$log" | sed -E 's/^\s*failed /  /' | head -50
fi
echo "${passed} passed, ${failed} failed"
exit "$status"
