#!/bin/bash
# A/B of checkpoint spreading: same engine build, three checkpoint settings, one 40 s run each after a 10 s warm-up.
cd "$(dirname "$0")/../.."   # the repository root; build Gateway and tools/Engagement.Load in Release first
. tools/Engagement.Load/engine.sh
run() {
  name=$1; shift
  data=/tmp/ab-$name; rm -rf $data
  start_engine Gateway/bin/Release/net10.0 $data /tmp/ab-$name-engine.log 5380 "$@"
  dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll run --target $grpc --keys-file $data/keys.json \
    --streams 4 --customers 10000 --duration 10s --watch 0 --json /tmp/ab-$name-warm.json > /dev/null 2>&1
  dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll run --target $grpc --web $web --keys-file $data/keys.json \
    --streams 4 --customers 10000 --duration 40s --watch 50 $engine_cpu --json /tmp/ab-$name.json > /tmp/ab-$name-load.txt 2>&1
  stop_engine TERM
  python3 -c "
import json,sys
d=json.load(open('/tmp/ab-$name.json'))
def find(o,keys):
  for k,v in (o.items() if isinstance(o,dict) else []):
    if any(x in k.lower() for x in keys): print(' ',k,'=',v if not isinstance(v,(dict,list)) else json.dumps(v)[:300])
print('$name'); find(d,['throughput','acked','latency','push','ack'])
"
}
run spread30 --Engagement:Checkpoint:MaxDelay=00:00:30
run spread120
run deferred --Engagement:Checkpoint:MaxDelay=1.00:00:00 --Engagement:Checkpoint:EveryEvents=1000000
