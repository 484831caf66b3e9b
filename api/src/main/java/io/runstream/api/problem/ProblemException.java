package io.runstream.api.problem;

import jakarta.ws.rs.core.Response;

/** Ends a request with a problem response: bad input, unknown ids, conflicts. */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    /** 400 with {@code detail}. */
    public static ProblemException badRequest(String detail) {
        return new ProblemException(Problem.of(Response.Status.BAD_REQUEST, detail));
    }

    /** 404 for an unknown {@code what}. */
    public static ProblemException notFound(String what) {
        return new ProblemException(Problem.of(Response.Status.NOT_FOUND, what + " does not exist"));
    }
}
