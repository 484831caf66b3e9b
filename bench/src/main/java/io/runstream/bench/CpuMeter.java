package io.runstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * CPU time spent by each component of a benchmark over a window, from {@code /proc/<pid>/stat} (user + system):
 * the api, the worker, every PostgreSQL process, every Redis server, and this driver. Divided by the runs of the
 * window it says what a run costs where (and, from Redis' {@code INFO stats}, how many Redis commands) — the figure a change to the hot path must move. PostgreSQL backends that
 * exit inside the window take their time with them (the apps' pools keep theirs open).
 */
final class CpuMeter {

    /** Clock ticks per second of {@code /proc} times: 100 on every Linux this runs on ({@code getconf CLK_TCK}). */
    private static final double TICKS_PER_MS = 0.1;

    private final Map<String, Function<Void, Long>> components = new LinkedHashMap<>();
    private final String redisUri;
    private Map<String, Long> start;
    private long redisCommandsAtStart;

    /**
     * @param redisUri      the Redis whose commands are counted too ({@code INFO stats}: every client's)
     * @param driverBackend the PostgreSQL backend of the driver's own queries: counted as the driver's, not
     *                      PostgreSQL's
     */
    CpuMeter(long apiPid, long workerPid, String redisUri, long driverBackend) {
        this.redisUri = redisUri;
        components.put("api", x -> ticks(apiPid));
        components.put("worker", x -> ticks(workerPid));
        components.put("postgres", x -> ticksOfCommand("postgres") - ticks(driverBackend));
        components.put("redis", x -> ticksOfCommand("redis-server"));
        components.put("driver", x -> ticks(ProcessHandle.current().pid()) + ticks(driverBackend));
    }

    void start() {
        start = snapshot();
        redisCommandsAtStart = redisCommands();
    }

    /** CPU milliseconds per run of each component since {@link #start()}, as {@code cpu_ms_per_run_<name>}. */
    Map<String, Object> perRun(long runs) {
        Map<String, Long> end = snapshot();
        Map<String, Object> result = new LinkedHashMap<>();
        double total = 0;
        for (String name : components.keySet()) {
            double ms = (end.get(name) - start.get(name)) / TICKS_PER_MS / runs;
            total += ms;
            result.put("cpu_ms_per_run_" + name, ms);
        }
        result.put("cpu_ms_per_run_total", total);
        result.put("redis_commands_per_run", (double) (redisCommands() - redisCommandsAtStart) / runs);
        return result;
    }

    /** Commands Redis processed so far (one of them this EVAL), as an integer reply {@code :N}. */
    private long redisCommands() {
        String reply = io.runstream.local.LocalInfrastructure.redisCommandAt(redisUri, "EVAL",
                "return tonumber(string.match(redis.call('INFO', 'stats'), 'total_commands_processed:(%d+)'))", "0");
        return Long.parseLong(reply.substring(1));
    }

    private Map<String, Long> snapshot() {
        Map<String, Long> now = new LinkedHashMap<>();
        components.forEach((name, ticks) -> now.put(name, ticks.apply(null)));
        return now;
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the fields after the command, which is in parentheses and may hold spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        } catch (IOException | RuntimeException e) {
            return 0; // gone
        }
    }

    private static long ticksOfCommand(String command) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> command.equals(comm(p)))
                    .mapToLong(p -> ticks(Long.parseLong(p.getFileName().toString()))).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static String comm(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
