#!/bin/bash
# The ingest matrix of docs/benchmarks.md in one session: the two ceilings, then each profile (embedded on SQLite,
# cluster of one silo and one gateway on PostgreSQL) at each population size, each on a fresh store: a warm-up, one
# run at the maximum rate, and at the smallest size a run at half of it (ack and event-to-push latency). Every run
# reports the engine's CPU (and PostgreSQL's, with its backends) over its window, per acknowledged event. Ends with
# the table, ratios included (matrix-summary.py). Release builds of Gateway, Silo and tools/Engagement.Load first.
#   SIZES (default "10000 100000 1000000"), PROFILES (default "embedded cluster"), DURATION (default 40s),
#   WARMUP (default 15s), OUT (default /tmp/matrix)
cd "$(dirname "$0")/../.."   # the repository root
out=${OUT:-/tmp/matrix}; mkdir -p $out
sizes=${SIZES:-"10000 100000 1000000"}; profiles=${PROFILES:-"embedded cluster"}
duration=${DURATION:-40s}; warmup=${WARMUP:-15s}
load="dotnet tools/Engagement.Load/bin/Release/net10.0/Engagement.Load.dll"
. tools/Engagement.Load/engine.sh
smallest=$(echo $sizes | tr ' ' '\n' | sort -n | head -1)
pids=()
# Engines are killed; a serve-postgres gets SIGTERM and time to stop its server and delete its folder, and should it
# not manage, the server is stopped here (it runs as the postgres user, so it outlives a killed parent).
stop() {
  for p in "${pids[@]}"; do kill -TERM $p 2>/dev/null; done
  for i in $(seq 1 60); do alive=0; for p in "${pids[@]}"; do kill -0 $p 2>/dev/null && alive=1; done; [ $alive = 0 ] && break; sleep 1; done
  for p in "${pids[@]}"; do kill -9 $p 2>/dev/null; wait $p 2>/dev/null; done; pids=()
  for root in $(grep -ho "data in [^ ]*" $out/*postgres.log 2>/dev/null | cut -d' ' -f3); do
    [ -d $root/data ] && runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D $root/data -m fast -w stop > /dev/null 2>&1
    rm -rf $root
  done
}
trap stop EXIT
loadavg() { cut -d' ' -f1 /proc/loadavg; }

# The ceilings, same session: a gRPC server that acknowledges without work, and the journal's grouped append.
$load baseline-server --port 47181 > $out/baseline-server.log 2>&1 & pids+=($!)
sleep 3
$load run --target http://127.0.0.1:47181 --key any --streams 4 --customers 10000 --duration 15s --watch 0 \
  --duplicates 0 --invalid 0 --json $out/ceiling-grpc.json > $out/ceiling-grpc.txt 2>&1
stop
for n in $sizes; do
  $load store-ceiling --store sqlite --folder $out/ceiling-sqlite --rows 300000 --customers $n --json $out/ceiling-sqlite-$n.json > $out/ceiling-sqlite-$n.txt 2>&1
  rm -rf $out/ceiling-sqlite
done

for profile in $profiles; do
  if [ $profile = cluster ]; then
    $load serve-postgres --port 0 --database ceiling > $out/postgres.log 2>&1 & pids+=($!)
    wait_for $out/postgres.log "^  connection" || exit 1
    ceiling=$(grep -m1 "^  connection" $out/postgres.log | sed 's/^  connection  //')
    for n in $sizes; do
      $load store-ceiling --store postgres --connection "$ceiling" --rows 300000 --customers $n --json $out/ceiling-postgres-$n.json > $out/ceiling-postgres-$n.txt 2>&1
    done
    stop
  fi
  for n in $sizes; do
    cell=$profile-$n
    echo "$(date +%T) $cell (load average $(loadavg))"
    if [ $profile = embedded ]; then
      data=$out/data-$cell; rm -rf $data; keys=$data/keys.json
      start_engine Gateway/bin/Release/net10.0 $data $out/$cell-engine.log 47680 || exit 1
      engine=$engine_pid; pids+=($engine); cpu=$engine_cpu
    else
      # a fresh PostgreSQL per cell, so that no cell starts on another's rows
      $load serve-postgres --port 0 --database engagement > $out/$cell-postgres.log 2>&1 & pids+=($!)
      wait_for $out/$cell-postgres.log "^  connection" || exit 1
      connection=$(grep -m1 "^  connection" $out/$cell-postgres.log | sed 's/^  connection  //')
      store=$(grep -m1 "^  pid" $out/$cell-postgres.log | awk '{print $2}')
      keys=$out/keys-$cell.json; rm -f $keys
      dotnet Silo/bin/Release/net10.0/Engagement.Silo.dll "--ConnectionStrings:Engagement=$connection" \
        --Engagement:Silo:SiloPort=47811 --Engagement:Silo:GatewayPort=47800 > $out/$cell-silo.log 2>&1 & pids+=($!)
      engine=$!
      wait_for $out/$cell-silo.log "Application started" || exit 1
      dotnet Gateway/bin/Release/net10.0/Engagement.Gateway.dll --Engagement:Mode=Cluster "--ConnectionStrings:Engagement=$connection" \
        --Engagement:KeysFile=$keys --Kestrel:Endpoints:Web:Url=http://127.0.0.1:47680 --Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:47681 \
        > $out/$cell-engine.log 2>&1 & pids+=($!)
      wait_for $out/$cell-engine.log "Engagement is running" || exit 1
      cpu="--engine-pid $engine --engine-pid $! --store-pid $store"   # the silo, the gateway, PostgreSQL
    fi
    run() { timeout 900 $load run --target http://127.0.0.1:47681 --web http://127.0.0.1:47680 --keys-file $keys --customers $n $cpu "$@"; }
    run --duration $warmup --watch 0 --rate max --json $out/$cell-warm.json > $out/$cell-warm.txt 2>&1
    l0=$(loadavg)
    run --duration $duration --rate max --json $out/$cell-max.json > $out/$cell-max.txt 2>&1
    echo "{\"load_before\": $l0, \"load_after\": $(loadavg), \"rss_kib\": $(awk '/VmRSS/ {print $2}' /proc/$engine/status)}" > $out/$cell-machine.json
    if [ $n = $smallest ]; then
      half=$(python3 -c "import json; print(int(json.load(open('$out/$cell-max.json'))['acked_events_per_second'] / 2))")
      run --duration $duration --rate $half --json $out/$cell-half.json > $out/$cell-half.txt 2>&1
    fi
    stop
  done
done
python3 tools/Engagement.Load/matrix-summary.py $out
