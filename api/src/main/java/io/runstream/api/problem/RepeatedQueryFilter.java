package io.runstream.api.problem;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Optional;

/**
 * A query parameter given more than once ({@code ?limit=10&limit=x}) is a 400 naming it, on every {@code /api}
 * endpoint: each takes one value per parameter, and reading the first (as a framework does) would answer a request
 * other than the one sent. The event stream, a Vert.x route, checks its own ({@link #repeated}).
 */
public class RepeatedQueryFilter {

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> once(RoutingContext routing) {
        return repeated(routing.queryParams()).map(problem -> problem.toResponse().build());
    }

    /** The problem of the first parameter in {@code query} given more than once, if one is. */
    public static Optional<Problem> repeated(MultiMap query) {
        for (String name : query.names()) {
            List<String> values = query.getAll(name);
            if (values.size() > 1) {
                return Optional.of(Problem.of(Response.Status.BAD_REQUEST, "query parameter '" + name + "' is given "
                        + values.size() + " times: give it once"));
            }
        }
        return Optional.empty();
    }
}
