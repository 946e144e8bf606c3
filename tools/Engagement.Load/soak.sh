#!/bin/bash
# The soak: one fresh embedded engine (Release builds of Gateway and tools/Engagement.Load first) loaded at half of
# its measured maximum for an hour, its live heap counted after a full collection every INTERVAL, its RSS every
# minute. A flat heap is the test: the last samples' live heap against the first one after warm-up.
#   CUSTOMERS (default 10000), SOAK (default 60m), INTERVAL (seconds between heap counts, default 600),
#   TAG names the outputs /tmp/soak-$TAG-* (default soak)
cd "$(dirname "$0")/../.."
. tools/Engagement.Load/engine.sh
tag=${TAG:-soak}; out=/tmp/soak-$tag; data=$out-data; rm -rf $data $out-heap.tsv $out-rss.tsv
load_dll=tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll
start_engine Gateway/bin/Release/net10.0 $data $out-engine.log 5780
load() {
  dotnet $load_dll run --target $grpc --web $web --keys-file $data/keys.json --customers ${CUSTOMERS:-10000} $engine_cpu "$@"
}
load --rate max --duration 40s --json $out-max.json > $out-max.txt 2>&1
max=$(python3 -c "import json; print(int(json.load(open('$out-max.json'))['acked_events_per_second']))")
echo "max $max ev/s, load $(cut -d' ' -f1-3 /proc/loadavg); soaking at $((max / 2)) ev/s for ${SOAK:-60m}"
load --rate $((max / 2)) --duration ${SOAK:-60m} --json $out-half.json > $out-half.txt 2>&1 &
load_pid=$!
started=$(date +%s); next_heap=$started
printf 'minute\tlive_heap_mib\tcollection_ms\n' > $out-heap.tsv
printf 'minute\trss_mib\n' > $out-rss.tsv
while kill -0 $load_pid 2>/dev/null; do
  now=$(date +%s); minute=$(( (now - started) / 60 ))
  printf '%s\t%s\n' $minute $(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$engine_pid/status) >> $out-rss.tsv
  if (( now >= next_heap )); then
    dotnet $load_dll heap --pid $engine_pid --top 5 --state-sample 0 --json $out-heap-$minute.json > /dev/null 2>&1
    python3 -c "import json; c=json.load(open('$out-heap-$minute.json'))['collection']; print('$minute\t%.1f\t%.0f' % (c['heap_bytes']/1048576, c['duration_milliseconds']))" >> $out-heap.tsv
    next_heap=$(( now + ${INTERVAL:-600} ))
  fi
  for _ in $(seq 60); do kill -0 $load_pid 2>/dev/null || break; sleep 1; done
done
wait $load_pid; echo "load exit $?"
dotnet $load_dll heap --pid $engine_pid --top 5 --state-sample 0 --json $out-heap-end.json > /dev/null 2>&1
python3 -c "import json; c=json.load(open('$out-heap-end.json'))['collection']; print('end\t%.1f\t%.0f' % (c['heap_bytes']/1048576, c['duration_milliseconds']))" >> $out-heap.tsv
stop_engine
cat $out-heap.tsv; tail -1 $out-rss.tsv; tail -25 $out-half.txt
