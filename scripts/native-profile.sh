#!/usr/bin/env bash
# Where the CPU goes in the full path with both apps native, as kubernetes/ deploys them: runs the bench's
# noop-throughput against this tree's native executables, samples the whole machine with perf for PERF_SECONDS
# (default 8) in each of its two measured phases (bulk submits, then 64 concurrent single submits), and prints
#   - each process' share of the machine (the worker, the api, PostgreSQL's backends, Redis, the bench's own JVM, idle),
#   - the api's and the worker's own samples by layer: byte buffers and I/O (Netty, Vert.x), JDK collections and
#     concurrency, Mutiny, the Redis and PostgreSQL clients, strings and JSON, the HTTP stack, Runstream's own
#     classes, garbage collection — a class is put in the first layer whose pattern its name matches (heuristic:
#     a native image's symbols carry the class' simple name, not its package),
#   - the classes with the most samples in each app.
# The executables need their symbols, which a native build drops by default:
#   ./mvnw package -Dnative -DskipTests -pl api,worker,bench -am \
#     -Dquarkus.native.additional-build-args=-H:+UnlockExperimentalVMOptions,-H:-DeleteLocalSymbols
#   scripts/native-profile.sh [runs]       (default 80000 a phase; perf from Debian's linux-perf; as root)
# A phase must outlast its window (a warning says when it did not: the idle share then counts the time after it).
# CALLERS=1 adds call stacks (perf -g): each app's samples then also count by the innermost component on their stack —
# the Redis client, the PostgreSQL client, the HTTP server, metrics/tracing/logging, Runstream's own classes —, so that
# the byte buffers a client fills count as that client's. The images must keep frame pointers for it: add
# -H:+PreserveFramePointer to the build arguments above. Without CALLERS the samples are flat.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-80000}
seconds=${PERF_SECONDS:-8}
command -v perf >/dev/null || { echo "native-profile: no perf (apt-get install linux-perf)" >&2; exit 1; }
declare -A runner
for app in api worker; do
  runner[$app]=$(ls "$app"/target/runstream-"$app"-*-runner 2>/dev/null | head -1)
  [ -n "${runner[$app]}" ] || { echo "native-profile: no native $app: build it as above" >&2; exit 1; }
  [ "$(nm "${runner[$app]}" 2>/dev/null | wc -l)" -gt 1000 ] || { echo "native-profile: ${runner[$app]} has no symbols: build it as above" >&2; exit 1; }
done
warmup=1000 # the bench's warm-up runs before each phase's measured ones
min_java=21
. .mvn/find-jdk.sh
out=$(mktemp -d /tmp/native-profile.XXXXXX)
psql=(psql -h 127.0.0.1 -U postgres -X -tA)
databases() { "${psql[@]}" -c "SELECT datname FROM pg_database WHERE datname LIKE 'rs\_%' ORDER BY oid"; }
before=$(databases)
"$runstream_jdk/bin/java" -Dbench.noop.runs="$runs" -Drunstream.home="$PWD" -Drunstream.native=api,worker \
  -jar bench/target/runstream-bench-*.jar noop-throughput > "$out/bench.log" 2>&1 &
bench=$!
trap 'kill $bench 2>/dev/null || true; rm -rf "$out"' EXIT
# a phase's measurement is under way once its database (new since the start) holds the warm-up and 2,000 more
measuring() {
  local db n
  while kill -0 $bench 2>/dev/null; do
    db=$(comm -13 <(echo "$before" | sort) <(databases | sort) | grep -vxF -f <(printf '%s\n' "${seen[@]:-none}") | tail -1 || true)
    if [ -n "$db" ]; then
      n=$("${psql[@]}" -d "$db" -c 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)
      if [ "${n:-0}" -gt $((warmup + 2000)) ]; then seen+=("$db"); return 0; fi
    fi
    sleep 0.3
  done
  return 1
}
seen=()
for phase in bulk single64; do
  measuring || { echo "native-profile: the bench ended before its $phase phase" >&2; cat "$out/bench.log" >&2; exit 1; }
  perf record -a -F 999 ${CALLERS:+-g} -o "$out/$phase.data" -- sleep "$seconds" 2>/dev/null
  # runs of the phase (its warm-up runs and the measured ones) not ended yet
  left=$("${psql[@]}" -d "${seen[-1]}" -c "SELECT $runs + $warmup - count(*) FROM runs WHERE status IN ('completed', 'failed')" 2>/dev/null || echo gone)
  [ "$left" != 0 ] && [ "$left" != gone ] || echo "native-profile: the $phase phase ended within the window: its shares count the time after it (give more runs)" >&2
done
wait $bench
grep '^system=runstream path=http' "$out/bench.log"
find . -path '*/src/main/java/*.java' -printf '%f\n' | sed 's/\.java$//' > "$out/ours"
for phase in bulk single64; do
  echo "== $phase"
  flat=(--stdio ${CALLERS:+--no-children -g none})
  perf report -i "$out/$phase.data" --sort pid,dso "${flat[@]}" 2>/dev/null > "$out/$phase.pids"
  for app in api worker; do
    perf report -i "$out/$phase.data" --dsos "$(basename "${runner[$app]}")" --sort sym "${flat[@]}" \
      2>/dev/null > "$out/$phase.$app"
  done
  [ -z "${CALLERS:-}" ] || perf script -i "$out/$phase.data" -F tid,ip,sym 2>/dev/null > "$out/$phase.stacks"
  python3 - "$out" "$phase" <<'EOF'
import collections, re, sys
out, phase = sys.argv[1], sys.argv[2]
# processes: a pid is the api's or the worker's when its samples include that app's executable
rows = [(float(m[1]), m[2], m[3], m[4].strip()) for m in
        (re.match(r'\s*([\d.]+)%\s+(\d+):(\S+)\s+(.*)', l) for l in open(f'{out}/{phase}.pids')) if m]
app_of = {pid: ('api' if '-api-' in dso else 'worker') for _, pid, _, dso in rows if '-runner' in dso}
share = collections.Counter()
for p, pid, comm, _ in rows:
    share[app_of.get(pid) or {'postgres': 'PostgreSQL', 'redis-server': 'Redis', 'swapper': 'idle'}.get(comm, 'other (the bench JVM, kernel threads)')] += p
print('machine:', ', '.join(f'{k} {v:.1f} %' for k, v in share.most_common()))
layers = [
    ('garbage collection', r'GreyToBlack|RememberedSet|GCImpl|CardTable|HeapChunk|ThreadLocalAllocation|Generation$|ReferenceObjectProcessing'),
    ('PostgreSQL client', r'^(Pg\w*|DataTypeCodec|Row\w*|\w*Tuple|SocketConnectionBase|SqlClient\w*|\w*Pool\w*|Prepared\w*|ExtendedQuery\w*|QueryResult\w*|CommandBase|DataType)$'),
    ('Redis client', r'^(RequestImpl|RESPParser|RESPEncoder|ReadableBuffer|RedisStandaloneConnection|CommandImpl|ArrayQueue|BaseRedisClient|\w+Type|Multi)$'),
    ('byte buffers and I/O (Netty, Vert.x)', r'ByteBuf|Buffer|MemoryUtil|Arraycopy|ReferenceCount|PlatformDependent|Recycler|PoolThreadCache|PoolArena|AsciiString|FastThreadLocal|ChannelHandlerContext|ChannelPipeline|NioEventLoop|EventExecutor|SocketChannel|NioChannel|IOUtil|Selector|Promise|Mpsc|Dispatcher|VertxHandler|ConnectionBase|NetSocket|Context(Impl|Internal)?$|VertxImpl|Future'),
    ('Mutiny', r'^(Uni|Multi|Abstract(Uni|Multi))|Processor|Subscriber|Subscription|Emitter|^iOn|^rmToUni|^temTransform|^tionStage'),
    ('JDK collections and concurrency', r'^(Concurrent\w*|CompletableFuture|ArrayList|HashMap|LinkedHashMap|TreeMap|ArrayDeque|Collections|Arrays|ImmutableCollections|HashSet|Objects|Atomic\w*|dUpdater\S*|ReentrantLock\S*|AbstractQueuedSynchronizer\S*|LockSupport|MultiThreadedMonitorSupport|JavaMonitor|Optional|ArrayUtil|Unsafe|SVMIntrinsicStubsGen|StackOverflowCheckImpl|SubstrateObjectCloneSnippets|Util_java_lang_invoke_MethodHandle|SubstrateMethodAccessor|DirectMethodHandle)|Itr$|Iterator'),
    ('strings, JSON, UUIDs, time', r'^(String\w*|AbstractStringBuilder|UUID|Formatter|Pattern\S*|Matcher|Character\S*|Instant|Duration|HexFormat|DecimalDigits)$|Json|Parser|Generator|Serializer|BeanProperty|TextBuffer|Canonicalizer'),
    ('HTTP server (Vert.x Web, Quarkus REST, CDI)', r'Http|Headers|Rout|Resteasy|Serialisers|MediaType|ResponseHandler|ntext_|SharedContext|InstanceHandle|ClientProx|RuntimeConditionSet|Scopes|ManagedContext'),
    ('metrics, tracing, logging', r'Meter|Timer|Counter|TimeWindow|Histogram|Distribution|Span|Tracer|Logger|MDC|Tags?$|RequestMetricInfo'),
]
ours = set(open(f'{out}/ours').read().split())
def class_of(symbol):
    """A native image's symbol is class_method_hash (perf script adds +0xoffset): the class' simple name."""
    return re.sub(r'_[^_]*_[^_]*$', '', re.sub(r'\+0x[0-9a-f]+$', '', symbol))
def own(cls):
    """The Runstream class a class name belongs to (an inner or lambda class: its outer class), or None."""
    outer = cls.split('$')[0]
    return outer if outer in ours else None
for app in ('api', 'worker'):
    by_layer, by_class, total = collections.Counter(), collections.Counter(), 0.0
    for line in open(f'{out}/{phase}.{app}'):
        m = re.match(r'\s*([\d.]+)%\s+\[\.\]\s+(\S+)', line)
        if not m:
            continue
        p, cls = float(m[1]), class_of(m[2])
        total += p
        by_class[cls] += p
        if own(cls):
            by_layer["Runstream's own classes"] += p
            continue
        by_layer[next((name for name, rx in layers if re.search(rx, cls)), 'other')] += p
    if total == 0:
        continue
    print(f'{app}, by layer:', ', '.join(f'{k} {v * 100 / total:.0f} %' for k, v in by_layer.most_common()))
    print(f'{app}, top classes:', ', '.join(f'{k} {v * 100 / total:.1f}' for k, v in by_class.most_common(15)))
# with call stacks: each app sample counted once, for the innermost frame that belongs to a component
try:
    stacks = open(f'{out}/{phase}.stacks').read().split('\n\n')
except FileNotFoundError:
    sys.exit(0)
components = [(n, rx) for n, rx in layers if n in ('PostgreSQL client', 'Redis client', 'metrics, tracing, logging',
                                                  'HTTP server (Vert.x Web, Quarkus REST, CDI)')]
gc = dict(layers)['garbage collection']
def component_of(cls):
    return "Runstream's own classes" if own(cls) else next((n for n, rx in components if re.search(rx, cls)), None)
by_component = {app: collections.Counter() for app in ('api', 'worker')}
by_own_class = {app: collections.Counter() for app in ('api', 'worker')}
for sample in stacks:
    lines = [l.strip() for l in sample.strip().split('\n') if l.strip()]
    # the first line is the sample's thread, as perf report's "pid" column names it
    app = app_of.get(lines[0].split()[0]) if len(lines) > 1 else None
    if app is None:
        continue
    classes = [class_of(l.split(maxsplit=1)[-1]) for l in lines[1:]]
    if re.search(gc, classes[0]):
        by_component[app]['garbage collection'] += 1
        continue
    cls, owner = next(((c, o) for c in classes if (o := component_of(c))), (None, None))
    by_component[app][owner or 'event loop, JDK, Mutiny (no component above)'] += 1
    if own(cls or ''):
        by_own_class[app][own(cls)] += 1
for app, counts in by_component.items():
    n = sum(counts.values())
    if n:
        print(f'{app}, by innermost component ({n} samples):',
              ', '.join(f'{k} {v * 100 / n:.0f} %' for k, v in counts.most_common()))
        print(f"{app}, Runstream's classes among them:",
              ', '.join(f'{k} {v * 100 / n:.0f} %' for k, v in by_own_class[app].most_common(8)))
EOF
done
