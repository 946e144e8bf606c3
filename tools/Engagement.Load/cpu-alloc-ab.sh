#!/bin/bash
# A/B of engine builds by CPU and allocations per acknowledged event: one run of one build per call; interleave
# the calls (base, head, base, head) so both see the same neighbours. Each run: a fresh data folder, 10,000
# customers, a 30 s warm-up at the maximum rate (the tiered JIT settles), then 30 s measured with --engine-pid
# while dotnet-counters samples the engine's allocation rate for 25 s of it. Prints one line per run.
# usage: cpu-alloc-ab.sh <name> <build-root>   (DOTNET_COUNTERS: the dotnet-counters executable; OUT: the folder)
name=$1; root=$2; out=${OUT:-/tmp/cpu-alloc-ab}; mkdir -p $out; data=$out/data-$name; rm -rf $data; log=$out/$name-engine.log
load="dotnet $root/tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll"
. "$(dirname "$0")/engine.sh"
la0=$(cut -d' ' -f1 /proc/loadavg)
start_engine $root/Gateway/bin/Release/net10.0 $data $log 47880
timeout 120 $load run --target $grpc --keys-file $data/keys.json --customers 10000 --duration 30s --watch 0 --json $out/$name-warm.json > $out/$name-warm.txt 2>&1
( sleep 3; ${DOTNET_COUNTERS:-dotnet-counters} collect -p $engine_pid --counters System.Runtime --format csv --refresh-interval 5 --duration 00:00:25 -o $out/$name-counters.csv > /dev/null 2>&1 ) & counters_pid=$!
timeout 200 $load run --target $grpc --web $web --keys-file $data/keys.json --customers 10000 --duration 30s --engine-pid $engine_pid --json $out/$name.json > $out/$name-load.txt 2>&1
wait $counters_pid
la1=$(cut -d' ' -f1 /proc/loadavg)
stop_engine
python3 - $out/$name.json $out/$name-counters.csv "$name" "$la0" "$la1" <<'PY'
import json, sys, csv
d = json.load(open(sys.argv[1])); c = d.get('engine_cpu') or {}
rows = list(csv.DictReader(open(sys.argv[2])))
al = [float(r['Mean/Increment']) for r in rows if 'alloc' in r['Counter Name'].lower()]
rate = d['acked_events_per_second']
# dotnet.gc.heap.total_allocated: bytes allocated per refresh interval (5 s)
kib = (sum(al)/len(al)/5)/rate/1024 if al and rate else None
print(f"{sys.argv[3]}: load {sys.argv[4]}->{sys.argv[5]}, {rate:.0f} ev/s, engine {c.get('cores',0):.2f} cores, {c.get('cpu_us_per_acked_event',0):.0f} us/event, alloc {kib and round(kib,1)} KiB/event, check {'passed' if d['check']['passed'] else 'FAILED'}")
PY
