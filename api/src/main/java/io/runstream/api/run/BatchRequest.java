package io.runstream.api.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.runstream.api.problem.Problem;
import io.runstream.api.problem.ProblemException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** The body of {@code POST /api/runs/batch}, {@code {"runs": [<run>, ...]}}, and its answer. */
final class BatchRequest {

    private BatchRequest() {
    }

    /**
     * The runs {@code body} asks for, in order.
     *
     * @throws ProblemException 400 naming what is wrong, with the item's index when it is an item
     */
    static List<SubmitRequest> parse(String body) {
        JsonNode root = SubmitRequest.readJson(body);
        if (!root.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object with a 'runs' array");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("runs")) {
                throw ProblemException.badRequest("unknown member '" + name + "': a batch has only 'runs'");
            }
        }
        JsonNode runs = root.get("runs");
        if (runs == null || !runs.isArray()) {
            throw ProblemException.badRequest("'runs' must be an array of runs, each as POST /api/runs takes it");
        }
        if (runs.isEmpty() || runs.size() > RunService.MAX_BATCH) {
            throw ProblemException.badRequest("'runs' must hold 1 to " + RunService.MAX_BATCH + " runs, held "
                    + runs.size());
        }
        List<SubmitRequest> requests = new ArrayList<>(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            requests.add(SubmitRequest.item(runs.get(i), i));
        }
        return requests;
    }

    /**
     * A 400 problem about item {@code index} of a batch ({@code runs[i]: } before the detail, member {@code index}),
     * or about a lone submit when {@code index} is negative.
     */
    static ProblemException badItem(int index, Problem problem) {
        return new ProblemException(index < 0 ? problem : new Problem(problem.type(), problem.title(),
                problem.status(), "runs[" + index + "]: " + problem.detail(), problem.extensions()).with("index", index));
    }

    /** The answer: the runs recorded, in the order of the request. */
    @RegisterForReflection
    public record Accepted(List<RunView> runs) {
    }
}
