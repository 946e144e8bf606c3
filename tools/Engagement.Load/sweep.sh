#!/bin/bash
# The population sweep under load (issue 16): seeds N customers with purchases, then three 40 s ingest runs of the default
# mix over the same customers: without a sweep (base), during the sweep after the first refit (every customer's tier and
# RFM group move from "no statistics": nearly all are woken), and during the sweep after a second refit (few move). The
# sweep's progress is polled every second into /tmp/sweep-progress-<n>.log. Release builds of Gateway and
# tools/Engagement.Load first; a sweep not done within PATIENCE seconds is left as it is.
#   N=100000 WAKES=2000 CONCURRENCY=16 PATIENCE=600 tools/Engagement.Load/sweep.sh
cd "$(dirname "$0")/../.."
. tools/Engagement.Load/engine.sh
N=${N:-100000}; WAKES=${WAKES:-2000}; CONCURRENCY=${CONCURRENCY:-16}; PATIENCE=${PATIENCE:-600}
data=/tmp/sweep-data; rm -rf $data
start_engine Gateway/bin/Release/net10.0 $data /tmp/sweep-engine.log 5680 \
  --Engagement:Population:RefitInterval=00:00:00 --Engagement:Sweep:MaxWakesPerSecond=$WAKES --Engagement:Sweep:Concurrency=$CONCURRENCY
LOAD="dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll"
COMMON="--target $grpc --web $web --keys-file $data/keys.json --customers $N --watch 0"
ADMIN=$(python3 -c "import json;print(json.load(open('$data/keys.json'))['admin'])")
t0=$(date +%s.%N)
$LOAD run $COMMON --count $((2 * N)) --rate max --mix purchase=100 --duplicates 0 --invalid 0 --duration 10m --json /tmp/sweep-seed.json > /tmp/sweep-seed.txt 2>&1
echo "seeded $((2 * N)) purchases over $N customers in $(echo "$(date +%s.%N) - $t0" | bc) s"
sqlite3 "file:$data/engagement.db?mode=ro" "select count(*) from engagement_customer_digest" 2>/dev/null | sed 's/^/digests: /'
$LOAD run $COMMON --duration 40s --rate max $engine_cpu --json /tmp/sweep-base.json > /tmp/sweep-base.txt 2>&1
for n in 1 2; do
  curl -s -X POST -H "Authorization: Bearer $ADMIN" "$web/api/population/refit" -o /tmp/sweep-refit-$n.json
  $LOAD run $COMMON --duration 40s --rate max $engine_cpu --json /tmp/sweep-during-$n.json > /tmp/sweep-during-$n.txt 2>&1 &
  load=$!
  : > /tmp/sweep-progress-$n.log
  for i in $(seq 1 $PATIENCE); do
    p=$(curl -s -H "Authorization: Bearer $ADMIN" "$web/api/population/sweep"); echo "$(date +%T.%N | cut -c1-12) $p" >> /tmp/sweep-progress-$n.log
    echo "$p" | grep -q '"state":"done"' && echo "$p" | grep -q "\"statisticsVersion\":$n," && break
    sleep 1
  done
  wait $load
  echo "sweep $n: $(tail -1 /tmp/sweep-progress-$n.log)"
done
stop_engine
echo done
