#!/usr/bin/env bash
# Measures the packaged api's and worker's start (on the JVM, or native with NATIVE=1): Quarkus' own "started in" time, the wall time until
# /q/health/ready answers 200, and the resident set size once ready and idle. Runs each app N times (default 5)
# against the Redis and PostgreSQL on 127.0.0.1 (database runstream_startup) and prints the medians.
# Apps start as deployed (deploy/jvm-app.sh: with the AOT cache or AppCDS archive the build made); JVM_OPTS adds
# options, e.g. JVM_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1".
# NATIVE=1 measures the native executables instead (target/runstream-<app>-*-runner, from ./mvnw verify -Dnative);
# an app without one is skipped.
# Usage: scripts/startup.sh [N]     (build first: ./mvnw verify trains the AOT cache; -DskipTests gives AppCDS only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-5}
JVM_OPTS=${JVM_OPTS:-}
NATIVE=${NATIVE:-0}
min_java=21
. .mvn/find-jdk.sh
java="$runstream_jdk/bin/java"
psql -h 127.0.0.1 -U postgres -qc 'CREATE DATABASE runstream_startup' 2>/dev/null || true
export QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:5432/runstream_startup
export RUNSTREAM_KEY_PREFIX=runstream-startup
"$java" -jar migrate/target/runstream-migrate-*.jar

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for app in api worker; do
  port=$([ "$app" = api ] && echo 18180 || echo 18181) # its management port, where /q/health is
  runner=$(ls "$app"/target/runstream-"$app"-*-runner 2>/dev/null | head -1 || true)
  if [ "$NATIVE" = 1 ] && [ -z "$runner" ]; then echo "$app: no native executable, skipped"; continue; fi
  : > "/tmp/startup-$app.tsv"
  for _ in $(seq "$runs"); do
    log=$(mktemp)
    t0=$(date +%s%N)
    if [ "$NATIVE" = 1 ]; then
      QUARKUS_HTTP_PORT=18182 QUARKUS_MANAGEMENT_PORT=$port "$runner" > "$log" 2>&1 &
    else
      QUARKUS_HTTP_PORT=18182 QUARKUS_MANAGEMENT_PORT=$port JAVA="$java" deploy/jvm-app.sh "$app/target/quarkus-app" $JVM_OPTS > "$log" 2>&1 &
    fi
    pid=$!
    until curl -fs "localhost:$port/q/health/ready" > /dev/null 2>&1; do
      kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
      sleep 0.01 # a native app is ready in tens of milliseconds: coarser polling would be what is measured
    done
    t1=$(date +%s%N)
    sleep 2 # let start-up work settle before reading the idle RSS
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    quarkus_s=$(sed -n 's/.*started in \([0-9.]*\)s.*/\1/p' "$log")
    printf '%s\t%s\t%s\n' "$quarkus_s" "$(( (t1 - t0) / 1000000 ))" "$(( rss_kb / 1024 ))" >> "/tmp/startup-$app.tsv"
    kill $pid; wait $pid 2>/dev/null || true
    rm -f "$log"
  done
  printf '%s%s: started_in_s=%s ready_ms=%s rss_idle_mib=%s (median of %s)\n' "$app" "$([ "$NATIVE" = 1 ] && echo ' (native)')" \
    "$(cut -f1 "/tmp/startup-$app.tsv" | median)" "$(cut -f2 "/tmp/startup-$app.tsv" | median)" \
    "$(cut -f3 "/tmp/startup-$app.tsv" | median)" "$runs"
done
