#!/bin/bash
# A/B of two engine builds on one machine: one run of one build per call; interleave the calls
# (A, B, A, B) so both see the same neighbours. Build each commit into its own folder first, e.g.
#   git worktree add /tmp/a <commit> && dotnet build -c Release /tmp/a/Gateway && dotnet build -c Release /tmp/a/tools/Engagement.Load
# usage: build-ab.sh <name> <build-root> <customers> <duration> [engine settings...]
# Prints the figures, the count of build/test processes at start/end (noise), Orleans' "took elapsed
# time > 1 s" warnings by grain type, the engine's CPU ticks during the run and its RSS at start and end.
name=$1; root=$2; customers=$3; duration=$4; shift 4
out=${OUT:-/tmp/build-ab}; mkdir -p $out
data=$out/data-$name; rm -rf $data
log=$out/$name-engine.log
load="dotnet ${LOAD:-$root/tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll}"
noise() { pgrep -fc "dotnet build|dotnet test|MSBuild.dll|testhost|Engagement.Tests"; }
. "$(dirname "$0")/engine.sh"
start_engine $root/Gateway/bin/Release/net10.0 $data $log 47680 "$@"
pid=$engine_pid
rss0=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
noise0=$(noise)
timeout 120 $load run --target $grpc --keys-file $data/keys.json \
  --streams 4 --customers $customers --duration 10s --watch 0 --json $out/$name-warm.json > $out/$name-warm.txt 2>&1
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
timeout 300 $load run --target $grpc --keys-file $data/keys.json \
  --streams 4 --customers $customers --duration $duration --watch 50 --web $web --json $out/$name.json > $out/$name-load.txt 2>&1
rc=$?
t1=$(awk '{print $14+$15}' /proc/$pid/stat); rss1=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
noise1=$(noise)
stop_engine TERM
echo "$name: exit $rc, noise $noise0/$noise1, engine CPU ticks $((t1 - t0)), RSS ${rss0}→${rss1} kB"
grep "took elapsed time" $log | grep -o "GrainType=[A-Za-z.]*" | sort | uniq -c
python3 - $out/$name.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a = d.get('ack_latency') or {}; p = (d.get('push') or {}).get('latency') or {}
print(f"{d['acked_events_per_second']:.0f} ev/s acked, ack p50 {a.get('p50_ms', 0):.0f} ms p99 {a.get('p99_ms', 0):.0f} ms, "
      f"push p50 {p.get('p50_ms', 0):.0f} ms p99 {p.get('p99_ms', 0):.0f} ms, count check {'passed' if d['check']['passed'] else 'FAILED'}")
PY
