package io.runstream.api.problem;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Tells an outage of Redis or PostgreSQL — a connection that cannot be made, was closed, or did not answer in time,
 * or a server that says it cannot serve now — from every other failure. Only an outage is answered 503 (with
 * {@code Retry-After}); anything else is a bug or a misconfiguration, answered 500 with its stack trace in the log,
 * so that a bug never looks like an outage.
 */
public final class Outages {

    /** PostgreSQL states that mean "cannot serve now": connection exceptions, shutting down, too many connections. */
    private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300");
    /** Redis error replies that mean "cannot serve now". */
    private static final Set<String> UNAVAILABLE_REPLIES = Set.of("LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN",
            "READONLY", "BUSY");

    private Outages() {
    }

    /** Whether {@code failure}, or one of its causes, is an outage. */
    public static boolean isOutage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof SocketException || t instanceof UnknownHostException
                    || t instanceof ClosedChannelException || t instanceof ClosedConnectionException
                    || t instanceof TimeoutException
                    || t instanceof io.smallrye.mutiny.TimeoutException) {
                return true;
            }
            if (t instanceof PgException pg && pg.getSqlState() != null
                    && (pg.getSqlState().startsWith("08") || UNAVAILABLE_STATES.contains(pg.getSqlState()))) {
                return true;
            }
            String message = t.getMessage();
            if (message != null && (message.startsWith("Connection is closed")
                    || message.startsWith("Connection was closed") || message.startsWith("Timeout waiting for connection")
                    || UNAVAILABLE_REPLIES.contains(message.split(" ", 2)[0]))) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code failure} as an {@link UnavailableException} of {@code dependency} when it is an outage, else unchanged
     * (it becomes a 500).
     */
    public static Throwable classify(String dependency, Throwable failure) {
        if (failure instanceof UnavailableException || failure instanceof ProblemException) {
            return failure;
        }
        return isOutage(failure) ? new UnavailableException(dependency, failure) : failure;
    }
}
