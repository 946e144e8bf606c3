#!/bin/bash
# A million scheduled customers: seeds 1M complaints falling due over 10 minutes (silence lateness), samples the
# engine's RSS every 10 s (/tmp/onem-rss.log), counts the live heap by type (/tmp/onem-heap.txt), then restarts the engine on the same data and times the start-up
# and the first lookup of a stored customer.
cd "$(dirname "$0")/../.."   # the repository root; Release builds of Gateway and tools/Engagement.Load first
data=/tmp/onem-data; rm -rf $data
start=$(date +%s.%N)
dotnet Gateway/bin/Release/net10.0/Engagement.Gateway.dll --Engagement:DataDirectory=$data \
  --Kestrel:Endpoints:Web:Url=http://127.0.0.1:5580 --Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:5581 \
  --Engagement:Silo:SiloPort=11711 --Engagement:Silo:GatewayPort=30700 > /tmp/onem-engine.log 2>&1 &
pid=$!
for i in $(seq 1 90); do grep -q "Engagement is running" /tmp/onem-engine.log && break; sleep 1; done
echo "empty start: $(echo "$(date +%s.%N) - $start" | bc) s, rss $(ps -o rss= -p $pid) KiB"
( while kill -0 $pid 2>/dev/null; do echo "$(date +%T) $(ps -o rss= -p $pid)"; sleep 10; done ) > /tmp/onem-rss.log &
timeout 1300 dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll silence-lateness --target http://127.0.0.1:5581 \
  --keys-file $data/keys.json --customers 1000000 --window 600s --lead 420s --json /tmp/onem.json > /tmp/onem.txt 2>&1
echo "silence exit=$? load=$(cut -d' ' -f1-3 /proc/loadavg) rss $(ps -o rss= -p $pid) KiB"
# the live heap after a full collection, by type, with every seeded customer still active
dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll heap --pid $pid --top 60 --json /tmp/onem-heap.json > /tmp/onem-heap.txt 2>&1
echo "heap census exit=$?"
kill -9 $pid; wait $pid 2>/dev/null
sleep 2
start=$(date +%s.%N)
dotnet Gateway/bin/Release/net10.0/Engagement.Gateway.dll --Engagement:DataDirectory=$data \
  --Kestrel:Endpoints:Web:Url=http://127.0.0.1:5580 --Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:5581 \
  --Engagement:Silo:SiloPort=11711 --Engagement:Silo:GatewayPort=30700 > /tmp/onem-engine2.log 2>&1 &
pid=$!
for i in $(seq 1 600); do grep -q "Engagement is running" /tmp/onem-engine2.log && break; sleep 0.2; done
echo "start with 1M stored: $(echo "$(date +%s.%N) - $start" | bc) s to the banner, rss $(ps -o rss= -p $pid) KiB"
KEY=$(python3 -c "import json;print(json.load(open('$data/keys.json'))['agent'])")
ID=$(python3 -c "import sqlite3;print(sqlite3.connect('file:$data/engagement.db?mode=ro',uri=True).execute('select customer_id from engagement_journal limit 1').fetchone()[0])")
t0=$(date +%s.%N); curl -s -o /dev/null -w "first lookup of $ID after restart: %{http_code} " -H "authorization: Bearer $KEY" "http://127.0.0.1:5580/api/customers/lookup?q=$ID"; echo "$(echo "$(date +%s.%N) - $t0" | bc) s"
kill -9 $pid; wait $pid 2>/dev/null
du -sh $data
echo done
