package io.runstream.api.limit;

import io.runstream.api.auth.Authenticator;
import io.runstream.api.problem.Problem;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runs a tenant has in flight (queued or running), held to {@code runstream.limits.runs-in-flight}: a submit that
 * would take a tenant over it is answered 429, and nothing of it is recorded.
 *
 * <h2>How it counts</h2>
 * PostgreSQL holds every replica's runs, so the count is PostgreSQL's: one {@code GROUP BY tenant} over the in-flight
 * runs ({@code runs_status_id}), and only while runs are submitted (an idle api asks nothing). It reads every run
 * queued or running, so its cost grows with the backlog (13 ms at 30,000 queued here, most of a second at a million):
 * the next count is asked no sooner than a {@link #RECOUNT_NANOS second} after the last was, nor sooner than
 * {@link #RECOUNT_FACTOR} times as long as the last took ({@link #recountAfter}), so counting keeps a backlog's
 * PostgreSQL backend busy a twentieth of the time at most. Between counts each replica adds what it admitted itself.
 * The limit therefore holds across replicas to within one interval's submissions of the others (a second while the
 * backlog is small), and a count never blocks a submit: a submit is judged on the last count (none yet: nothing in
 * flight) while the next is under way.
 *
 * <p>No run is counted twice. What this replica admitted before a count was asked is taken off when it comes back; a
 * run admitted after could already be committed when PostgreSQL reads, so the count reads only runs created before it
 * was asked — and callers admit a submit before taking its runs' time ({@code RunService}), so such a run is created
 * after. (Counted twice, a tenant under its limit was refused: RunsInFlightCountTest.)
 *
 * <h2>Threads</h2>
 * No locks. {@link #admit} runs on event loops; a recount's result replaces {@code counted} in one volatile write, and
 * what was admitted before it was asked is taken off {@code since} by atomic subtraction. One recount at a time
 * ({@code counting}); a failed one is logged and leaves the last count in place until the next.
 */
@ApplicationScoped
public class RunsInFlight {

    private static final Logger LOG = Logger.getLogger(RunsInFlight.class);
    static final long RECOUNT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The interval between counts at least this many times the time the last one took. */
    static final int RECOUNT_FACTOR = 20;
    /**
     * The runs in flight per tenant created before $1: one admitted after the count was asked was created after
     * it (a submit is admitted before its runs' time is taken), so it is counted in {@code since}, never twice.
     */
    private static final String COUNT = "SELECT tenant, count(*) FROM runs WHERE status IN ('queued', 'running') "
            + "AND created_at < $1 GROUP BY tenant";

    private final LimitsConfig config;
    private final Pool pool;
    private volatile Map<String, Long> counted = Map.of();
    /** Runs admitted on this replica since the count in {@code counted} was asked for, per tenant. */
    private final Map<String, AtomicLong> since = new ConcurrentHashMap<>();
    private final AtomicBoolean counting = new AtomicBoolean();
    private volatile long countedAt = Long.MIN_VALUE;
    /** How long after {@code countedAt} the next count may be asked. */
    private volatile long interval = RECOUNT_NANOS;
    private final AtomicLong recounts = new AtomicLong();

    public RunsInFlight(LimitsConfig config, Pool pool) {
        this.config = config;
        this.pool = pool;
    }

    /**
     * Admits {@code runs} new runs of {@code tenant}, or refuses them all with a 429 {@link Authenticator.Refused}
     * when they would take it over its limit.
     */
    public void admit(String tenant, int runs) {
        recountIfDue();
        long limit = limit(tenant);
        AtomicLong mine = since.computeIfAbsent(tenant, t -> new AtomicLong());
        long inFlight = counted.getOrDefault(tenant, 0L) + mine.get();
        if (inFlight + runs > limit) {
            throw new Authenticator.Refused(Problem.of(Response.Status.TOO_MANY_REQUESTS, "tenant " + tenant
                    + " has " + inFlight + " runs queued or running, and " + runs + " more would take it over its limit of "
                    + limit + " (runstream.limits.runs-in-flight): retry when some have ended"), "Retry-After", "1");
        }
        mine.addAndGet(runs);
    }

    private long limit(String tenant) {
        return config.limit(tenant, LimitsConfig.Tenant::runsInFlight, config.runsInFlight());
    }

    private void recountIfDue() {
        long now = System.nanoTime();
        if (countedAt != Long.MIN_VALUE && now - countedAt < interval || !counting.compareAndSet(false, true)) {
            return;
        }
        countedAt = now;
        OffsetDateTime askedAt = OffsetDateTime.now(ZoneOffset.UTC);
        Map<String, Long> admittedBefore = new HashMap<>();
        since.forEach((tenant, admitted) -> admittedBefore.put(tenant, admitted.get()));
        pool.preparedQuery(COUNT).execute(io.vertx.mutiny.sqlclient.Tuple.of(askedAt)).subscribe().with(rows -> {
            Map<String, Long> fresh = new HashMap<>();
            for (Row row : rows) {
                fresh.put(row.getString(0), row.getLong(1));
            }
            counted = Map.copyOf(fresh);
            interval = recountAfter(System.nanoTime() - now);
            recounts.incrementAndGet();
            admittedBefore.forEach((tenant, admitted) -> since.get(tenant).addAndGet(-admitted));
            counting.set(false);
        }, failure -> {
            counting.set(false);
            LOG.debugf("Counting the runs in flight failed (the last count stays): %s", failure.getMessage());
        });
    }

    /** How long after a count that took {@code tookNanos} was asked the next may be. */
    static long recountAfter(long tookNanos) {
        return Math.max(RECOUNT_NANOS, Math.multiplyExact(Math.max(0, tookNanos), RECOUNT_FACTOR));
    }

    /** Runs of {@code tenant} this replica takes as in flight now (for tests). */
    long inFlight(String tenant) {
        AtomicLong mine = since.get(tenant);
        return counted.getOrDefault(tenant, 0L) + (mine == null ? 0 : mine.get());
    }

    /** How many counts have come back (for tests). */
    long recounts() {
        return recounts.get();
    }
}
