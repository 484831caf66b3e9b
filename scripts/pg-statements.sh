#!/usr/bin/env bash
# Where PostgreSQL's time goes, statement by statement, under the full-path benchmark: starts a PostgreSQL of its own
# (this machine's version, port PG_PORT, default 5440, data in a temporary directory, removed at exit) with
# pg_stat_statements loaded, runs the bench's scenarios (default noop-throughput) with the packaged apps against it,
# and prints each statement's calls, rows, planning and execution time, WAL records, and execution time a row. Each
# scenario line runs in a database of its own: db 1 is the first line's (noop-throughput: bulk, then single64).
# The shared PostgreSQL on 5432 is not touched (loading pg_stat_statements would need its restart).
# Its settings follow the shared one's (autovacuum off, shared_buffers 128MB, max_wal_size 1GB); a statement's time
# is its backend's wall time, so it includes waiting for the CPU on a loaded machine: read the shares, not the sums.
#   scripts/pg-statements.sh [scenario...]     e.g. BENCH_OPTS=-Dbench.noop.runs=40000 scripts/pg-statements.sh
# Build first (./mvnw -DskipTests install). Run as root or as the postgres user.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
port=${PG_PORT:-5440}
scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(noop-throughput)
min_java=21
. .mvn/find-jdk.sh
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/pg-statements.XXXXXX)
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() { as_postgres "$bin/pg_ctl -D $dir/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
as_postgres "$bin/initdb -D $dir/data -A trust -U postgres" >/dev/null
cat >> "$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
autovacuum = off
shared_buffers = 128MB
max_wal_size = 1GB
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.track_planning = on
EOF
as_postgres "$bin/pg_ctl -D $dir/data -l $dir/log -w start" >/dev/null
psql=(psql -h 127.0.0.1 -p "$port" -U postgres -X -q)
"${psql[@]}" -c 'CREATE DATABASE root' -c 'CREATE DATABASE test' -c 'CREATE EXTENSION pg_stat_statements'
# shellcheck disable=SC2086 # BENCH_OPTS is zero or more -D options
QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:$port "$runstream_jdk/bin/java" ${BENCH_OPTS:-} \
  -Drunstream.home="$PWD" -jar bench/target/runstream-bench-*.jar "${scenarios[@]}" | grep '^system=runstream'
"${psql[@]}" -P pager=off -c "
  SELECT dense_rank() OVER (ORDER BY dbid) AS db, calls, rows, round(total_plan_time::numeric) AS plan_ms, round(total_exec_time::numeric) AS exec_ms,
         round((total_exec_time / nullif(rows, 0))::numeric, 4) AS exec_ms_a_row, wal_records,
         left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS statement
    FROM pg_stat_statements
   WHERE dbid NOT IN (SELECT oid FROM pg_database) -- the bench's databases, dropped by now
   ORDER BY total_exec_time + total_plan_time DESC LIMIT 24"
