#!/bin/bash
# Event-to-push A/B over SignalR: this build against BASE (another build of the Gateway), alternately, ROUNDS times.
# Per engine: a fresh data folder, a 15 s warm-up, 30 s at the max rate, 30 s at RATE (events/s); 50 watched customers.
cd "$(dirname "$0")/../.."   # the repository root; build Gateway and tools/Engagement.Load in Release first
. tools/Engagement.Load/engine.sh
L="dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll"
one() {
  tag=$1; engine=$2; data=/tmp/pp-$tag; rm -rf $data
  start_engine $engine $data /tmp/pp-$tag-engine.log 5680
  a="--target $grpc --web $web --keys-file $data/keys.json --customers 10000 $engine_cpu"
  $L run $a --duration 15s --watch 0 > /dev/null 2>&1
  $L run $a --duration 30s --watch 50 --json /tmp/pp-$tag-max.json > /tmp/pp-$tag-max.txt 2>&1
  $L run $a --duration 30s --rate ${RATE:-1500} --watch 50 --json /tmp/pp-$tag-half.json > /tmp/pp-$tag-half.txt 2>&1
  echo "$tag load=$(cut -d' ' -f1-3 /proc/loadavg) longtasks=$(grep -c 'took elapsed' /tmp/pp-$tag-engine.log)"
  stop_engine
  for f in max half; do python3 -c "
import json; d=json.load(open('/tmp/pp-$tag-$f.json')); p=d['push'] or {}; l=p.get('latency') or {}; a=d['ack_latency'] or {}
print('  $f', round(d['acked_events_per_second']), 'ack p50/p99', a.get('p50_ms'), a.get('p99_ms'), 'push', p.get('transport'), l.get('p50_ms'), l.get('p99_ms'), 'n', l.get('samples'), 'missing', p.get('missing_cards'))"; done
}
for round in ${ROUNDS:-1 2}; do
  one new$round Gateway/bin/Release/net10.0
  one base$round ${BASE:?the baseline engine folder}
done
