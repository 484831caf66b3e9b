#!/bin/bash
# Alternating rounds of the full-path benchmarks between built trees, so that a noisy machine's slow phases fall on
# every tree alike: round 1 runs each tree in turn, then round 2, ... Prints one line per tree, round and scenario
# (runs/s, e2e p99, CPU ms per run of worker, api, Redis and PostgreSQL, worker RSS; single-add latencies).
#   scripts/bench-ab.sh <rounds> <runs> <tree>[,ENV=VALUE...] ...
#   e.g. scripts/bench-ab.sh 3 60000 /tmp/base . ./,RUNSTREAM_FEED_ENABLED=false
# Each tree must be built (./mvnw -q package -DskipTests). ENV=VALUE pairs reach that tree's apps (the bench passes
# its environment on). Raw result lines go to bench-ab.out in the working directory.
set -eu
rounds=$1
runs=$2
shift 2
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
out=bench-ab.out
: > "$out"
for round in $(seq 1 "$rounds"); do
  for spec in "$@"; do
    tree=$(cd "${spec%%,*}" && pwd)
    env=""
    if [ "$spec" != "${spec#*,}" ]; then env=$(echo "${spec#*,}" | tr ',' ' '); fi
    # shellcheck disable=SC2086 # $env is zero or more NAME=VALUE words
    env $env "$java" -Dbench.noop.runs="$runs" -Drunstream.home="$tree" \
        -jar "$tree"/bench/target/runstream-bench-*.jar noop-throughput single-add-latency 2>/dev/null \
      | grep '^system=runstream path=http' | sed "s|^|tree=$spec round=$round |" >> "$out"
  done
done
awk '{ for (i = 1; i <= NF; i++) { at = index($i, "="); v[substr($i, 1, at - 1)] = substr($i, at + 1) }
       if (v["scenario"] == "noop-throughput")
         print v["tree"], v["round"], v["submit"], "runs/s=" v["runs_per_s"], "e2e_p99=" v["e2e_p99_ms"],
               "worker=" v["cpu_ms_per_run_worker"], "api=" v["cpu_ms_per_run_api"],
               "redis=" v["cpu_ms_per_run_redis"], "pg=" v["cpu_ms_per_run_postgres"], "worker_rss=" v["worker_rss_mib"]
       else
         print v["tree"], v["round"], "single-add", "add_p50=" v["add_p50_ms"], "add_p99=" v["add_p99_ms"],
               "start_p50=" v["start_p50_ms"], "start_p99=" v["start_p99_ms"]
       delete v }' "$out" | sort -s -k3,3 -k1,1
