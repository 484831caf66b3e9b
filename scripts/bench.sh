#!/usr/bin/env bash
# Runstream vs BullMQ, side by side on the same Redis: builds what it needs, then RUNS times (default 3),
# alternately, runs Runstream's scenarios (bench/, full path: HTTP → PostgreSQL → stream → worker → PostgreSQL)
# and the BullMQ peer harness (../shared/peers/bullmq, copied to a temporary folder since shared/ is read-only).
# Prints the per-run lines, one median line per scenario and system, and the ratios Runstream/BullMQ.
#   scripts/bench.sh                       # RUNS=3
#   RUNS=5 scripts/bench.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS=${RUNS:-3}
SCENARIOS="noop-throughput single-add-latency"
min_java=21
. .mvn/find-jdk.sh
./mvnw -q -DskipTests install
out=$(mktemp -d)
peer="$out/bullmq"
cp -r ../shared/peers/bullmq "$peer"
chmod -R u+w "$peer"
rm -rf "$peer/node_modules"
(cd "$peer" && npm ci --no-audit --no-fund --loglevel=error >&2)
for run in $(seq "$RUNS"); do
  for scenario in $SCENARIOS; do
    "$runstream_jdk/bin/java" -Drunstream.home="$PWD" -jar bench/target/runstream-bench-*.jar "$scenario" \
      | tee -a "$out/runstream.txt"
    (cd "$peer" && SKIP_INSTALL=1 RUNS=1 SCENARIOS="$scenario" ./run.sh 2>/dev/null | grep -v '^#') \
      | sed 's/^/system=bullmq /' | tee -a "$out/bullmq.txt"
  done
done
python3 - "$out/runstream.txt" "$out/bullmq.txt" <<'PY'
import re, statistics, sys
def medians(path):
    by = {}
    for line in open(path):
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if f.get("status", "ok") != "ok":
            continue
        for k, v in f.items():
            try:
                number = float(v)
            except ValueError:
                continue
            by.setdefault(f["scenario"], {}).setdefault(k, []).append(number)
    return {s: {k: statistics.median(v) for k, v in kv.items()} for s, kv in by.items()}
rs, bq = medians(sys.argv[1]), medians(sys.argv[2])
for system, m in (("runstream", rs), ("bullmq", bq)):
    for s, kv in m.items():
        print(f"summary system={system} scenario={s} stat=median " + " ".join(f"{k}={v:.3f}" for k, v in kv.items()))
pairs = {"noop-throughput": [("runs_per_s", "jobs_per_s"), ("e2e_p50_ms", "e2e_p50_ms"), ("e2e_p99_ms", "e2e_p99_ms")],
         "single-add-latency": [("add_p50_ms", "add_p50_ms"), ("add_p99_ms", "add_p99_ms"),
                                ("start_p50_ms", "start_p50_ms"), ("start_p99_ms", "start_p99_ms")]}
for s, fields in pairs.items():
    for ours, theirs in fields:
        if s in rs and s in bq and ours in rs[s] and theirs in bq[s] and bq[s][theirs]:
            print(f"ratio scenario={s} field={ours} runstream={rs[s][ours]:.3f} bullmq={bq[s][theirs]:.3f} "
                  f"runstream_over_bullmq={rs[s][ours] / bq[s][theirs]:.3f}")
PY
