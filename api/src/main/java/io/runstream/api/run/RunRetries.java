package io.runstream.api.run;

import io.runstream.api.problem.Problem;
import io.runstream.api.problem.ProblemException;
import io.runstream.run.RunStatus;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.util.UUID;

/**
 * Retries an ended run as a new one: {@code POST /api/runs/{id}/retry}, and a dead letter's requeue. The new run
 * has the old one's pipeline, queue, priority and input; the old one stays as it was.
 */
@ApplicationScoped
public class RunRetries {

    private final RunQueries queries;
    private final RunService runs;

    public RunRetries(RunQueries queries, RunService runs) {
        this.queries = queries;
        this.runs = runs;
    }

    /**
     * Submits run {@code id} of {@code tenant} again.
     *
     * @throws ProblemException 404 for a run the tenant does not have; 409 unless it failed or was cancelled
     */
    public Uni<RunView> retry(UUID id, String tenant) {
        return queries.found(id, tenant).chain(run -> {
            if (!RunStatus.FAILED.wire().equals(run.status()) && !RunStatus.CANCELLED.wire().equals(run.status())) {
                throw new ProblemException(Problem.of(Response.Status.CONFLICT, "run " + run.id() + " is "
                        + run.status() + ": only a failed or cancelled run is retried"));
            }
            return runs.submit(new SubmitRequest(run.pipeline(), run.input(), run.queue(), run.priority(), null), null,
                    tenant);
        });
    }
}
