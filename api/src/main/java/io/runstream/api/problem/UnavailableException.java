package io.runstream.api.problem;

/**
 * A dependency (Redis or PostgreSQL) failed or could not be reached; answered with 503 and {@code Retry-After}.
 * The cause is logged, never sent to the client.
 */
public class UnavailableException extends RuntimeException {

    private final String dependency;

    public UnavailableException(String dependency, Throwable cause) {
        super(dependency + " is unavailable: " + cause, cause);
        this.dependency = dependency;
    }

    /** The 503 problem answered for this failure. */
    public Problem problem() {
        return Problem.of(jakarta.ws.rs.core.Response.Status.SERVICE_UNAVAILABLE,
                dependency + " is unavailable; retry later");
    }

    /** {@code Redis} or {@code PostgreSQL}. */
    public String dependency() {
        return dependency;
    }
}
