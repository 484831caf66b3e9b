package io.runstream.api.problem;

import io.runstream.api.http.SecurityHeaders;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * An HTTP/1.x request without a {@code Host} header is answered with a 400 problem. Vert.x Web refuses such a request
 * before any route sees it (it fails the routing context with 400), and Quarkus' failure handler then logs it as an
 * ERROR and answers with an empty 400 — or, for HTTP/1.0, closes the connection without an answer. This failure
 * handler comes first and answers it as what it is: a client's malformed request, not the server's failure.
 */
@ApplicationScoped
public class HostRequired {

    private static final String PROBLEM = """
            {"type":"about:blank","title":"Bad Request","status":400,\
            "detail":"the Host header is required"}""";

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::check);
    }

    private void check(RoutingContext context) {
        var request = context.request();
        if (context.statusCode() == 400 && request.version() != HttpVersion.HTTP_2
                && request.getHeader(HttpHeaders.HOST) == null && !context.response().headWritten()) {
            SecurityHeaders.put(context.response()).setStatusCode(400)
                    .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(PROBLEM);
            return;
        }
        context.next();
    }
}
