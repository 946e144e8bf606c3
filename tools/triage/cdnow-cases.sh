#!/usr/bin/env bash
# Issue 14, acceptance 1: what a supervisor faces after the README's demo. Replays CDNOW_master.txt (and, with
# --twice, CDNOW_sample.txt after it) through the demo feed of a fresh embedded engine, waits for the feed and its
# closing check, then prints the open cases and alerts as GET /api/cases counts them, and the top of the board.
#   tools/triage/cdnow-cases.sh [--twice] [--keep] [--screenshot]     (from anywhere; needs ../shared/datasets/cdnow)
# Prints the figures docs and the README quote; --keep leaves the engine running (its URL and keys are printed);
# --screenshot writes docs/screenshots/cdnow-board.png, the board at the end as a supervisor sees it (Debian's
# /usr/bin/chromium, driven by the playwright-core of the test build; the dataset stays outside the repository).
set -euo pipefail
cd "$(dirname "$0")/../.."
twice=false; keep=false; screenshot=false
for a in "$@"; do case $a in --twice) twice=true;; --keep) keep=true;; --screenshot) screenshot=true;; esac; done
dataset=$(realpath "${CDNOW:-../shared/datasets/cdnow}")
dotnet build Gateway/Engagement.Gateway.csproj -c Release -v q -nologo > /dev/null
if $screenshot; then
  dotnet build Tests/Engagement.Tests.csproj -v q -nologo > /dev/null
  playwright=$(realpath Tests/bin/Debug/net10.0/.playwright)
fi
source tools/Engagement.Load/engine.sh
data=$(mktemp -d /tmp/engagement-triage-XXXX); log=$data/engine.log
start_engine Gateway/bin/Release/net10.0 "$data" "$log" "${BASE:-5600}" --Engagement:Demo:DataFolder="$dataset"
key() { python3 -c "import json,sys; print(json.load(open('$data/keys.json'))['$1'])"; }
admin=$(key admin); supervisor=$(key supervisor)
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

replay() {
  curl -sf -X POST "$web/api/demo/replay" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"file\":\"$1\",\"speed\":100000}" > /dev/null
  local state
  # Until the feed has ended and its closing check (which raises what stands at the end) is done.
  for _ in $(seq 1 3600); do
    state=$(curl -sf "$web/api/demo" -H "authorization: Bearer $admin" | json "d['state'] + ('/closing' if d.get('closing') else '')")
    case $state in running|*/closing) sleep 1;; *) break;; esac
  done
  curl -sf "$web/api/demo" -H "authorization: Bearer $admin" | json "f\"{d['source']}: {d['state']}, sent {d['sent']:,}, accepted {d['accepted']:,}, duplicates {d['duplicates']:,}, rejected {d['rejected']:,}\""
}

start=$(date +%s)
replay CDNOW_master.txt
$twice && replay CDNOW_sample.txt
echo "replay took $(( $(date +%s) - start )) s"
curl -sf "$web/api/cases?pageSize=10" -H "authorization: Bearer $supervisor" | json "
f\"open cases: {d['totalCases']:,}; by severity: {d['countsBySeverity']}\" + ''.join(
  f\"\n  {c['customerId']:>12}  {c['severity']:<8} expected loss {c['expectedLoss']:>10,.2f} {c['currency']}  {c['stage']:<8} tier {c['tier']:<10} {', '.join(a['kind'] for a in c['alerts'])}\"
  for c in d['cases'])"
if $screenshot; then
  "$playwright/node/linux-x64/node" tools/triage/board-screenshot.mjs "$playwright/package" "$web" "$supervisor" docs/screenshots/cdnow-board.png
fi
if $keep; then
  echo "engine: $web (pid $engine_pid), supervisor key $supervisor, admin key $admin, data $data"
else
  stop_engine TERM
  rm -rf "$data"
fi
