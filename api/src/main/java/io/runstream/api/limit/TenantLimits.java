package io.runstream.api.limit;

import io.runstream.api.auth.Authenticator;
import io.runstream.api.problem.Problem;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-tenant limits of this replica: a request rate ({@link #admit}) and concurrent SSE streams ({@link #openStream}),
 * which are also limited per client (remote address).
 *
 * <h2>Threads</h2>
 * No locks: each tenant's rate is one {@link AtomicLong} updated by compare-and-set (the generic cell rate
 * algorithm: the time at which the tenant's bucket would be empty again), its streams one {@link AtomicInteger}; both
 * are called on event loops and never wait. Tenants are few (one per key's tenant), so the maps only grow with them.
 * Clients are many: a client's count is one entry of {@code clientStreams}, changed by {@code merge} and
 * {@code computeIfPresent} (arithmetic only inside) and removed when its last stream ends.
 */
@ApplicationScoped
public class TenantLimits {

    private final LimitsConfig config;
    private final Map<String, Rate> rates = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> streams = new ConcurrentHashMap<>();
    private final Map<String, Integer> clientStreams = new ConcurrentHashMap<>();

    public TenantLimits(LimitsConfig config) {
        this.config = config;
    }

    /** Counts one request of {@code tenant}; fails with a 429 {@link Authenticator.Refused} over its rate. */
    public void admit(String tenant) {
        long waitNanos = rates.computeIfAbsent(tenant, this::rate).take(System.nanoTime());
        if (waitNanos > 0) {
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + TimeUnit.SECONDS.toNanos(1) - 1));
            throw new Authenticator.Refused(Problem.of(Response.Status.TOO_MANY_REQUESTS, "tenant " + tenant
                    + " is over its request rate on this replica (" + config.limit(tenant, LimitsConfig.Tenant::requestsPerSecond,
                    config.requestsPerSecond()) + " per second): retry after " + seconds + " s"),
                    "Retry-After", Long.toString(seconds));
        }
    }

    /**
     * Opens one SSE stream of {@code tenant} from {@code client} (its remote address); fails with a 429
     * {@link Authenticator.Refused} when the client or the tenant holds all it may.
     *
     * @return what to call when the stream ends (once; later calls do nothing)
     */
    public Runnable openStream(String tenant, String client) {
        int perClient = config.sseConnectionsPerClient();
        if (clientStreams.merge(client, 1, Integer::sum) > perClient) {
            closeClientStream(client);
            throw new Authenticator.Refused(Problem.of(Response.Status.TOO_MANY_REQUESTS, "client " + client
                    + " holds " + perClient + " event streams on this replica, all one client may: close one, or retry"
                    + " later"), "Retry-After", "1");
        }
        int max = config.limit(tenant, LimitsConfig.Tenant::sseConnections, config.sseConnections());
        AtomicInteger open = streams.computeIfAbsent(tenant, t -> new AtomicInteger());
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            closeClientStream(client);
            throw new Authenticator.Refused(Problem.of(Response.Status.TOO_MANY_REQUESTS, "tenant " + tenant
                    + " holds " + max + " event streams on this replica, all it may: close one, or retry later"),
                    "Retry-After", "1");
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                open.decrementAndGet();
                closeClientStream(client);
            }
        };
    }

    private void closeClientStream(String client) {
        clientStreams.computeIfPresent(client, (c, open) -> open == 1 ? null : open - 1);
    }

    /** Clients holding at least one stream now (for tests: a client's entry goes with its last stream). */
    int clientsWithStreams() {
        return clientStreams.size();
    }

    private Rate rate(String tenant) {
        int perSecond = config.limit(tenant, LimitsConfig.Tenant::requestsPerSecond, config.requestsPerSecond());
        int burst = config.limit(tenant, LimitsConfig.Tenant::burst, config.burst());
        return new Rate(TimeUnit.SECONDS.toNanos(1) / perSecond, burst);
    }

    /**
     * A rate of one request per {@code intervalNanos} with {@code burst} at once: {@code emptyAt} is when the bucket
     * would be full again (the "theoretical arrival time"); a request fits while that is at most {@code burst - 1}
     * intervals ahead of now, and moves it one interval on.
     */
    static final class Rate {
        private final long intervalNanos;
        private final long toleranceNanos;
        private final AtomicLong emptyAt = new AtomicLong(Long.MIN_VALUE);

        Rate(long intervalNanos, int burst) {
            this.intervalNanos = Math.max(1, intervalNanos);
            this.toleranceNanos = this.intervalNanos * (burst - 1L);
        }

        /** Takes one request at {@code now}: 0 when it fits, else how long until one would. */
        long take(long now) {
            while (true) {
                long at = emptyAt.get();
                long from = at == Long.MIN_VALUE || at - now < 0 ? now : at;
                long ahead = from - now;
                if (ahead > toleranceNanos) {
                    return ahead - toleranceNanos;
                }
                if (emptyAt.compareAndSet(at, from + intervalNanos)) {
                    return 0;
                }
            }
        }
    }
}
