# Sourced by the benchmark scripts (from the repository root): start an embedded engine and wait for it.
#   start_engine ENGINE_DIR DATA LOG BASE [settings...]
#     the Gateway build in ENGINE_DIR, on the data folder DATA (as it is: empty it first for a fresh engine), its
#     output in LOG; ports BASE (web), BASE+1 (gRPC), BASE+2 (silo), BASE+3 (silo gateway); sets engine_pid,
#     engine_cpu (the load tool's "--engine-pid <engine_pid>": its run reports the engine's CPU per event), and web
#     and grpc (the two URLs)
#   wait_for LOG TEXT [SECONDS]: until LOG holds TEXT (a grep pattern), at most SECONDS (default 120)
#   stop_engine [SIGNAL]: stops the engine start_engine started last (default SIGKILL: a measurement needs no clean stop)
wait_for() {
  local i; for i in $(seq 1 $(( ${3:-120} * 5 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "timed out waiting for '$2' in $1" >&2; return 1
}
start_engine() {
  local dir=$1 data=$2 log=$3 base=$4; shift 4
  web=http://127.0.0.1:$base; grpc=http://127.0.0.1:$((base + 1))
  dotnet "$dir/Engagement.Gateway.dll" --Engagement:DataDirectory="$data" \
    --Kestrel:Endpoints:Web:Url=$web --Kestrel:Endpoints:Grpc:Url=$grpc \
    --Engagement:Silo:SiloPort=$((base + 2)) --Engagement:Silo:GatewayPort=$((base + 3)) "$@" > "$log" 2>&1 &
  engine_pid=$!; engine_cpu="--engine-pid $engine_pid"
  wait_for "$log" "Engagement is running"
}
stop_engine() { kill -${1:-9} $engine_pid 2>/dev/null; wait $engine_pid 2>/dev/null; }
