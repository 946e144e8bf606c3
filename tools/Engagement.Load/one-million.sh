#!/bin/bash
# A million scheduled customers: seeds 1M complaints falling due over 10 minutes (silence lateness), samples the
# engine's RSS every 10 s (/tmp/onem-rss.log), counts the live heap by type (/tmp/onem-heap.txt), then restarts the engine on the same data and times the start-up
# and the first lookup of a stored customer.
cd "$(dirname "$0")/../.."   # the repository root; Release builds of Gateway and tools/Engagement.Load first
. tools/Engagement.Load/engine.sh
data=/tmp/onem-data; rm -rf $data
start=$(date +%s.%N)
start_engine Gateway/bin/Release/net10.0 $data /tmp/onem-engine.log 5580
pid=$engine_pid
echo "empty start: $(echo "$(date +%s.%N) - $start" | bc) s, rss $(ps -o rss= -p $pid) KiB"
( while kill -0 $pid 2>/dev/null; do echo "$(date +%T) $(ps -o rss= -p $pid)"; sleep 10; done ) > /tmp/onem-rss.log &
timeout 1300 dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll silence-lateness --target $grpc \
  --keys-file $data/keys.json --customers 1000000 --window 600s --lead 420s --json /tmp/onem.json > /tmp/onem.txt 2>&1
echo "silence exit=$? load=$(cut -d' ' -f1-3 /proc/loadavg) rss $(ps -o rss= -p $pid) KiB"
# the live heap after a full collection, by type, with every seeded customer still active
dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll heap --pid $pid --top 60 --json /tmp/onem-heap.json > /tmp/onem-heap.txt 2>&1
echo "heap census exit=$?"
stop_engine
sleep 2
start=$(date +%s.%N)
start_engine Gateway/bin/Release/net10.0 $data /tmp/onem-engine2.log 5580   # the same data
pid=$engine_pid
echo "start with 1M stored: $(echo "$(date +%s.%N) - $start" | bc) s to the banner, rss $(ps -o rss= -p $pid) KiB"
KEY=$(python3 -c "import json;print(json.load(open('$data/keys.json'))['agent'])")
ID=$(python3 -c "import sqlite3;print(sqlite3.connect('file:$data/engagement.db?mode=ro',uri=True).execute('select customer_id from engagement_journal limit 1').fetchone()[0])")
t0=$(date +%s.%N); curl -s -o /dev/null -w "first lookup of $ID after restart: %{http_code} " -H "authorization: Bearer $KEY" "$web/api/customers/lookup?q=$ID"; echo "$(echo "$(date +%s.%N) - $t0" | bc) s"
stop_engine
du -sh $data
echo done
