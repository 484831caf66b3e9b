#!/usr/bin/env bash
# The streaming scenarios of the resumable-stream peer harness (../shared/peers/resumable-stream) against
# Runstream's packaged apps once they are warm: the harness' own runs start fresh JVMs for every run, so what they
# measure includes the JIT compiling both apps while the measurement runs (docs/benchmarks.md). Here the api and a
# worker are started once per scenario (worker concurrency 50 for streamed-output, 1 for fanout, as the harness
# does), WARMUP runs (default 10) are thrown away, then RUNS runs (default 3) are measured, each followed by a run of
# resumable-stream (which the harness starts fresh every time, as always). Prints the per-run lines and medians.
#   scripts/bench-sse-warm.sh
#   RUNS=5 WARMUP=20 SCENARIOS=fanout scripts/bench-sse-warm.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-10}
SCENARIOS=${SCENARIOS:-"streamed-output fanout"}
min_java=21
. .mvn/find-jdk.sh
./mvnw -q -DskipTests install
out=$(mktemp -d)
cp -r ../shared/peers/resumable-stream "$out/rs"
chmod -R u+w "$out/rs"
rm -rf "$out/rs/node_modules"
(cd "$out/rs" && npm ci --no-audit --no-fund --loglevel=error >&2)
id=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
db="rs_warm_$id"
# outside the harness' own prefix (peerbench-rs:), which it deletes before every run
prefix="rswarm-$id"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
stop_apps() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -9 "$p" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_apps
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli --scan --pattern "$prefix:*" | xargs -r -n 500 redis-cli unlink >/dev/null
}
trap cleanup EXIT
start_app() { # app port [extra env...]: starts it (API on port, health on a free one) and waits until ready; prints its pid
  local app=$1 port=$2 management
  management=$(free_port)
  shift 2
  env QUARKUS_HTTP_PORT="$port" QUARKUS_MANAGEMENT_PORT="$management" QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$db" \
    QUARKUS_DATASOURCE_USERNAME=postgres \
    RUNSTREAM_KEY_PREFIX="$prefix" "$@" "$runstream_jdk/bin/java" -jar "$root/$app/target/quarkus-app/quarkus-run.jar" \
    > "$out/$app.log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do
    if curl -sf "http://127.0.0.1:$management/q/health/ready" >/dev/null; then echo "$pid"; return; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$app did not become ready; see $out/$app.log" >&2
  exit 1
}
harness() { # target scenario [env...]: one run of the harness; prints its line
  local target=$1 scenario=$2
  shift 2
  (cd "$out/rs" && env TARGET="$target" "$@" node bench.mjs "$scenario" 2>/dev/null) || true
}
for scenario in $SCENARIOS; do
  concurrency=$([ "$scenario" = fanout ] && echo 1 || echo 50)
  cleanup
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db"
  QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$db" QUARKUS_DATASOURCE_USERNAME=postgres \
    "$runstream_jdk/bin/java" -jar "$root"/migrate/target/runstream-migrate-*.jar >/dev/null
  worker=$(start_app worker "$(free_port)" RUNSTREAM_WORKER_CONCURRENCY="$concurrency")
  pids+=("$worker")
  api_port=$(free_port)
  # the peer's Node client sends no API key: the api runs with auth off here
  api=$(start_app api "$api_port" RUNSTREAM_AUTH_ENABLED=false RUNSTREAM_AUTH_ALLOW_DISABLED=true)
  pids+=("$api")
  target_env=(RUNSTREAM_BASE="http://127.0.0.1:$api_port" RUNSTREAM_API_PID="$api" RUNSTREAM_WORKER_PID="$worker")
  for _ in $(seq "$WARMUP"); do harness runstream "$scenario" "${target_env[@]}" >/dev/null; done
  for _ in $(seq "$RUNS"); do
    harness runstream "$scenario" "${target_env[@]}" | sed 's/^/system=runstream-warm /' | tee -a "$out/lines.txt"
    harness resumable-stream "$scenario" | sed 's/^/system=resumable-stream /' | tee -a "$out/lines.txt"
  done
  stop_apps
done
(cd "$out/rs" && node summarize.mjs < "$out/lines.txt") | sed 's/^target=runstream /target=runstream-warm /'
