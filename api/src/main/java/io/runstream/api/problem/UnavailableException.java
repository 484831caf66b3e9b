package io.runstream.api.problem;

/**
 * A dependency (Redis or PostgreSQL) could not be reached, closed the connection, did not answer in time, or cannot
 * answer yet: answered with 503 and {@code Retry-After}. Only outages are ({@link Outages}); the cause is logged,
 * never sent to the client.
 */
public class UnavailableException extends RuntimeException {

    private final String dependency;
    private final String detail;

    /** An outage of {@code dependency}, {@code Redis} or {@code PostgreSQL}. */
    public UnavailableException(String dependency, Throwable cause) {
        super(dependency + " is unavailable: " + cause, cause);
        this.dependency = dependency;
        this.detail = dependency + " is unavailable; retry later";
    }

    /** A state of {@code dependency} that passes by itself, told to the client as {@code detail}. */
    public UnavailableException(String dependency, String detail) {
        super(detail, null, false, false);
        this.dependency = dependency;
        this.detail = detail;
    }

    /** The 503 problem answered for this failure. */
    public Problem problem() {
        return Problem.of(jakarta.ws.rs.core.Response.Status.SERVICE_UNAVAILABLE, detail);
    }

    /** What is unavailable, e.g. {@code Redis}. */
    public String dependency() {
        return dependency;
    }
}
