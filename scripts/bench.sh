#!/usr/bin/env bash
# Runstream beside its peers, on the same Redis, in one sitting: builds what it needs, then RUNS times (default 3),
# scenario by scenario, runs Runstream's own scenarios (bench/: the queue layer alone, path=queue, and the full path,
# path=http: HTTP → PostgreSQL → stream → worker → PostgreSQL, SSE), the BullMQ peer harness
# (../shared/peers/bullmq) and, for the streaming scenarios, the resumable-stream peer harness
# (../shared/peers/resumable-stream), the PostgreSQL-backed queues graphile-worker and pg-boss at their defaults and
# tuned (../shared/peers/pg: system=graphile, system=pgboss), which measures resumable-stream and Runstream's packaged apps with one and the
# same Node SSE client (system=runstream-rs below). The peer harnesses are copied to a temporary folder (shared/ is
# read-only). Prints the per-run lines, one median line per system, scenario and path, and the ratios.
#   scripts/bench.sh                                  # RUNS=3, every scenario (about an hour)
#   RUNS=5 SCENARIOS="noop-throughput" scripts/bench.sh
#   RUNS=3 SCENARIOS="streamed-output fanout" scripts/bench.sh
#   NATIVE=worker SCENARIOS="noop-throughput crash-recovery startup" scripts/bench.sh
#                          # the full path with the native worker (NATIVE=api,worker: both), built before with
#                          # ./mvnw package -Dnative -DskipTests -pl worker -am; reported as system=runstream/native-worker
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
RUNS=${RUNS:-3}
SCENARIOS=${SCENARIOS:-"noop-throughput single-add-latency streamed-output crash-recovery crash-recovery-fast fanout startup"}
# which peer harness has a counterpart of each scenario
BULLMQ_SCENARIOS="noop-throughput single-add-latency streamed-output crash-recovery crash-recovery-fast"
# the pg peers' scenarios run beside each of ours (their default crash-recovery waits out a 400 s cap: not by default)
pg_scenarios() {
  case $1 in
    noop-throughput) echo "noop-throughput-tuned noop-throughput" ;;
    single-add-latency|crash-recovery-fast) echo "$1" ;;
    crash-recovery) echo "${PG_CRASH_RECOVERY:+crash-recovery}" ;;
  esac
}
RS_SCENARIOS="streamed-output fanout"
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }
min_java=21
. .mvn/find-jdk.sh
./mvnw -q -DskipTests install
out=$(mktemp -d)
echo "# raw lines: $out/runstream.txt $out/bullmq.txt $out/rs.txt $out/pg.txt" >&2
touch "$out/runstream.txt" "$out/bullmq.txt" "$out/rs.txt" "$out/pg.txt"
peer() { # copies a peer harness and installs its pinned dependencies
  cp -r "../shared/peers/$1" "$out/$1"
  chmod -R u+w "$out/$1"
  rm -rf "$out/$1/node_modules"
  (cd "$out/$1" && npm ci --no-audit --no-fund --loglevel=error >&2)
}
peer bullmq
peer resumable-stream
peer pg
for run in $(seq "$RUNS"); do
  for scenario in $SCENARIOS; do
    "$runstream_jdk/bin/java" -Drunstream.home="$PWD" ${NATIVE:+-Drunstream.native=$NATIVE} -jar bench/target/runstream-bench-*.jar "$scenario" \
      | tee -a "$out/runstream.txt"
    if has "$BULLMQ_SCENARIOS" "$scenario"; then
      (cd "$out/bullmq" && SKIP_INSTALL=1 RUNS=1 SCENARIOS="$scenario" ./run.sh 2>/dev/null | grep -v '^#') \
        | sed 's/^/system=bullmq /' | tee -a "$out/bullmq.txt"
    fi
    pg=$(pg_scenarios "$scenario")
    if [ -n "$pg" ]; then
      # graphile-worker and pg-boss, one fresh node process per scenario; their per-run lines start with '# run='
      (cd "$out/pg" && SKIP_INSTALL=1 RUNS=1 SCENARIOS="$pg" ./run.sh 2>/dev/null | grep '^# run=') \
        | sed -e 's/^# run=[0-9]* //' | tee -a "$out/pg.txt"
    fi
    if has "$RS_SCENARIOS" "$scenario"; then
      # both targets, one after the other, with the harness' own client; its per-run lines start with '# run='.
      # That client sends no API key (resumable-stream has none), so the api it starts runs with auth off
      (cd "$out/resumable-stream" && SKIP_INSTALL=1 RUNS=1 SCENARIOS="$scenario" RUNSTREAM_HOME="$root" \
          RUNSTREAM_AUTH_ENABLED=false RUNSTREAM_AUTH_ALLOW_DISABLED=true \
          RUNSTREAM_JAVA_HOME="$runstream_jdk" ./run.sh 2>/dev/null | grep '^# run=') \
        | sed -e 's/^# run=[0-9]* //' -e 's/^target=resumable-stream /system=resumable-stream &/' \
              -e 's/^target=runstream /system=runstream-rs &/' | tee -a "$out/rs.txt"
    fi
  done
done
python3 - "$out/runstream.txt" "$out/bullmq.txt" "$out/rs.txt" "$out/pg.txt" <<'PY'
import statistics, sys
def medians(*paths):
    by = {}
    for path in paths:
        for line in open(path):
            f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if "scenario" not in f or f.get("status", "ok") != "ok":
                continue
            # the full path's noop-throughput runs twice: bulk and single submits (path=http/bulk1000, http/single64)
            path = f.get("path", "-") + ("/" + f["submit"] if "submit" in f else "")
            # apps run as native executables are another system (native=worker: system=runstream/native-worker)
            system = f.get("system", "runstream") + ("/native-" + f["native"].replace(",", "-")
                                                      if f.get("native", "none") != "none" else "")
            key = (system, f["scenario"], path)
            for k, v in f.items():
                try:
                    number = float(v)
                except ValueError:
                    continue
                by.setdefault(key, {}).setdefault(k, []).append(number)
    return {key: {k: statistics.median(v) for k, v in kv.items()} for key, kv in by.items()}
m = medians(*sys.argv[1:])
for (system, s, path), kv in sorted(m.items()):
    print(f"summary system={system} scenario={s} path={path} stat=median " + " ".join(f"{k}={v:.3f}" for k, v in kv.items()))
# (our system, its path or None for any, peer system, [(our field, peer field)]); a peer system may name the
# peer's scenario after a colon (graphile:noop-throughput-tuned)
noop = [("runs_per_s", "jobs_per_s"), ("enqueue_per_s", "enqueue_per_s"), ("e2e_p50_ms", "e2e_p50_ms"), ("e2e_p99_ms", "e2e_p99_ms")]
single = [("add_p50_ms", "add_p50_ms"), ("add_p99_ms", "add_p99_ms"), ("start_p50_ms", "start_p50_ms"), ("start_p99_ms", "start_p99_ms")]
crash = [("recovery_s", "recovery_s"), ("completed_twice", "completed_twice"), ("completed_never", "completed_never")]
pairs = {"noop-throughput": [("runstream", None, "bullmq", noop)]
                            + [("runstream", "http/bulk1000", f"{p}:{v}", noop) for p in ("graphile", "pgboss")
                               for v in ("noop-throughput-tuned", "noop-throughput")],
         "single-add-latency": [("runstream", None, "bullmq", single), ("runstream", None, "graphile", single),
                                ("runstream", None, "pgboss", single)],
         "streamed-output": [("runstream", None, "bullmq", [("events_per_s", "events_per_s"), ("lost", "lost"), ("deliver_p50_ms", "deliver_p50_ms"), ("deliver_p99_ms", "deliver_p99_ms")]),
                             ("runstream-rs", "-", "resumable-stream", [("events_per_s", "events_per_s"), ("lost", "lost"), ("dup", "dup"), ("deliver_p50_ms", "deliver_p50_ms"), ("deliver_p99_ms", "deliver_p99_ms")]),
                             ("runstream-rs", "-", "bullmq", [("events_per_s", "events_per_s")])],
         "fanout": [("runstream-rs", "-", "resumable-stream", [("clients_complete", "clients_complete"), ("lost", "lost"), ("dup", "dup"), ("deliver_p50_ms", "deliver_p50_ms"), ("deliver_p99_ms", "deliver_p99_ms")])],
         "crash-recovery": [("runstream", None, "bullmq", [("recovery_s", "recovery_s"), ("completed_twice", "completed_twice"), ("completed_never", "completed_never")])],
         "crash-recovery-fast": [("runstream", None, p, crash) for p in ("bullmq", "graphile", "pgboss")]}
for (system, s, path), ours in sorted(m.items()):
    for mine_system, mine_path, peer, fields in pairs.get(s, []):
        if system != mine_system or (mine_path is not None and path != mine_path):
            continue
        peer, _, peer_scenario = peer.partition(":")
        theirs = m.get((peer, peer_scenario or s, "-"), {})
        peer = peer + (":" + peer_scenario if peer_scenario else "")
        for mine, other in fields:
            if mine in ours and other in theirs:
                ratio = f"{ours[mine] / theirs[other]:.3f}" if theirs[other] else "n/a"
                print(f"ratio scenario={s} path={path} field={mine} {system}={ours[mine]:.3f} {peer}={theirs[other]:.3f} "
                      f"{system}_over_{peer}={ratio}")
PY
