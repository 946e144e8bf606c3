#!/bin/bash
# Ingest at the maximum rate, then at half of it, on one fresh embedded engine (Release builds of Gateway and
# tools/Engagement.Load first): acknowledged events/s, ack latency and event-to-push latency over SignalR.
#   CUSTOMERS (default 10000), DURATION (default 40s), TAG names the outputs /tmp/push-$TAG-{max,half}.{json,txt}
cd "$(dirname "$0")/../.."
. tools/Engagement.Load/engine.sh
tag=${TAG:-push}; data=/tmp/$tag-data; rm -rf $data
start_engine Gateway/bin/Release/net10.0 $data /tmp/$tag-engine.log 5680
load() {
  dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll run --target $grpc \
    --web $web --keys-file $data/keys.json --customers ${CUSTOMERS:-10000} --duration ${DURATION:-40s} $engine_cpu "$@"
}
load --rate max --json /tmp/push-$tag-max.json > /tmp/push-$tag-max.txt 2>&1
max=$(python3 -c "import json; print(int(json.load(open('/tmp/push-$tag-max.json'))['acked_events_per_second']))")
echo "max $max ev/s, load $(cut -d' ' -f1-3 /proc/loadavg)"
load --rate $((max / 2)) --json /tmp/push-$tag-half.json > /tmp/push-$tag-half.txt 2>&1
echo "half $((max / 2)) ev/s asked, load $(cut -d' ' -f1-3 /proc/loadavg)"
stop_engine
tail -25 /tmp/push-$tag-half.txt
