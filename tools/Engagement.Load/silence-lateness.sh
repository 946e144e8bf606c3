#!/bin/bash
cd "$(dirname "$0")/../.."   # the repository root; build Gateway and tools/Engagement.Load in Release first
for n in ${SIZES:-10000 50000}; do
  data=/tmp/lat2-$n; rm -rf $data
  dotnet Gateway/bin/Release/net10.0/Engagement.Gateway.dll --Engagement:DataDirectory=$data \
    --Kestrel:Endpoints:Web:Url=http://127.0.0.1:5580 --Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:5581 \
    --Engagement:Silo:SiloPort=11711 --Engagement:Silo:GatewayPort=30700 > /tmp/lat2-$n-engine.log 2>&1 &
  pid=$!
  for i in $(seq 1 60); do grep -q "Engagement is running" /tmp/lat2-$n-engine.log && break; sleep 1; done
  timeout 400 dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll silence-lateness --target http://127.0.0.1:5581 \
    --keys-file $data/keys.json --customers $n --window 60s --lead 30s --json /tmp/lat2-$n.json > /tmp/lat2-$n.txt 2>&1
  echo "n=$n exit=$?"
  kill -9 $pid; wait $pid 2>/dev/null
  tail -25 /tmp/lat2-$n.txt
done
