#!/usr/bin/env bash
# Runstream vs BullMQ, side by side on the same Redis: builds what it needs, then RUNS times (default 3),
# alternately, runs Runstream's scenarios (bench/: the queue layer alone, path=queue, and the full path,
# path=http: HTTP → PostgreSQL → stream → worker → PostgreSQL, SSE) and the BullMQ peer harness
# (../shared/peers/bullmq, copied to a temporary folder since shared/ is read-only).
# Prints the per-run lines, one median line per scenario, path and system, and the ratios Runstream/BullMQ.
#   scripts/bench.sh                                  # RUNS=3, every scenario (about 25 minutes)
#   RUNS=5 SCENARIOS="noop-throughput" scripts/bench.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-3}
SCENARIOS=${SCENARIOS:-"noop-throughput single-add-latency streamed-output crash-recovery crash-recovery-fast fanout startup"}
# the peer harness has no counterpart of these
RUNSTREAM_ONLY="fanout startup"
min_java=21
. .mvn/find-jdk.sh
./mvnw -q -DskipTests install
out=$(mktemp -d)
echo "# raw lines: $out/runstream.txt $out/bullmq.txt" >&2
peer="$out/bullmq"
cp -r ../shared/peers/bullmq "$peer"
chmod -R u+w "$peer"
rm -rf "$peer/node_modules"
(cd "$peer" && npm ci --no-audit --no-fund --loglevel=error >&2)
for run in $(seq "$RUNS"); do
  for scenario in $SCENARIOS; do
    "$runstream_jdk/bin/java" -Drunstream.home="$PWD" -jar bench/target/runstream-bench-*.jar "$scenario" \
      | tee -a "$out/runstream.txt"
    case " $RUNSTREAM_ONLY " in *" $scenario "*) continue ;; esac
    (cd "$peer" && SKIP_INSTALL=1 RUNS=1 SCENARIOS="$scenario" ./run.sh 2>/dev/null | grep -v '^#') \
      | sed 's/^/system=bullmq /' | tee -a "$out/bullmq.txt"
  done
done
python3 - "$out/runstream.txt" "$out/bullmq.txt" <<'PY'
import statistics, sys
def medians(path):
    by = {}
    for line in open(path):
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if "scenario" not in f or f.get("status", "ok") != "ok":
            continue
        key = (f["scenario"], f.get("path", "-"))
        for k, v in f.items():
            try:
                number = float(v)
            except ValueError:
                continue
            by.setdefault(key, {}).setdefault(k, []).append(number)
    return {key: {k: statistics.median(v) for k, v in kv.items()} for key, kv in by.items()}
rs, bq = medians(sys.argv[1]), medians(sys.argv[2])
for system, m in (("runstream", rs), ("bullmq", bq)):
    for (s, path), kv in sorted(m.items()):
        print(f"summary system={system} scenario={s} path={path} stat=median " + " ".join(f"{k}={v:.3f}" for k, v in kv.items()))
pairs = {"noop-throughput": [("runs_per_s", "jobs_per_s"), ("enqueue_per_s", "enqueue_per_s"), ("e2e_p50_ms", "e2e_p50_ms"), ("e2e_p99_ms", "e2e_p99_ms")],
         "single-add-latency": [("add_p50_ms", "add_p50_ms"), ("add_p99_ms", "add_p99_ms"),
                                ("start_p50_ms", "start_p50_ms"), ("start_p99_ms", "start_p99_ms")],
         "streamed-output": [("events_per_s", "events_per_s"), ("lost", "lost"), ("deliver_p50_ms", "deliver_p50_ms"), ("deliver_p99_ms", "deliver_p99_ms")],
         "crash-recovery": [("recovery_s", "recovery_s"), ("completed_twice", "completed_twice"), ("completed_never", "completed_never")],
         "crash-recovery-fast": [("recovery_s", "recovery_s"), ("completed_twice", "completed_twice"), ("completed_never", "completed_never")]}
for (s, path), ours in sorted(rs.items()):
    theirs = bq.get((s, "-"), {})
    for mine, peer in pairs.get(s, []):
        if mine in ours and peer in theirs:
            ratio = f"{ours[mine] / theirs[peer]:.3f}" if theirs[peer] else "n/a"
            print(f"ratio scenario={s} path={path} field={mine} runstream={ours[mine]:.3f} bullmq={theirs[peer]:.3f} "
                  f"runstream_over_bullmq={ratio}")
PY
