#!/bin/bash
# Silence lateness at several sizes, a fresh engine and data folder per size.
#   SIZES   scheduled customers per run (default "10000 50000")
#   ENGINE  the engine's folder (default: this repository's Release build of Gateway); another build
#           (e.g. an older commit's) gives a same-session A/B
#   TAG     names the outputs /tmp/lat-$TAG-$n.{json,txt} (default: lat2)
#   WINDOW, LEAD, TIMEOUT  the tool's --window and --lead, and the wall-clock limit of one run
#   EXTRA   more options for the tool (e.g. "--in-flight 2" for a gentler seed on a busy machine)
cd "$(dirname "$0")/../.."   # the repository root; build Gateway and tools/Engagement.Load in Release first
. tools/Engagement.Load/engine.sh
engine=${ENGINE:-Gateway/bin/Release/net10.0}
tag=${TAG:-lat2}
for n in ${SIZES:-10000 50000}; do
  data=/tmp/$tag-$n; rm -rf $data
  start_engine $engine $data /tmp/$tag-$n-engine.log 5580
  timeout ${TIMEOUT:-400} dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll silence-lateness --target $grpc \
    --keys-file $data/keys.json --customers $n --window ${WINDOW:-60s} --lead ${LEAD:-30s} $EXTRA --json /tmp/$tag-$n.json > /tmp/$tag-$n.txt 2>&1
  echo "n=$n exit=$? load=$(cut -d' ' -f1-3 /proc/loadavg)"
  stop_engine
  tail -25 /tmp/$tag-$n.txt
done
