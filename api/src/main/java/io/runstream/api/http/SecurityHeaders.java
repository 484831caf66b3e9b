package io.runstream.api.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The headers every answer of the api carries, problems, 404s and event streams included: nothing the api sends is
 * to be sniffed into another type, framed, cached or sent on as a referrer, and no page may load anything from it.
 * They are put on the response when its routing starts, before any handler can write it. No CORS grant is ever
 * sent (Quarkus' CORS filter stays off): a browser page on another origin cannot read the api's answers.
 */
@ApplicationScoped
public class SecurityHeaders {

    private static final MultiMap HEADERS = MultiMap.caseInsensitiveMultiMap()
            .add("X-Content-Type-Options", "nosniff")
            .add("X-Frame-Options", "DENY")
            .add("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
            .add("Referrer-Policy", "no-referrer")
            .add("Cache-Control", "no-store");

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            put(context.response());
            context.next();
        });
    }

    /** Adds the headers to {@code response}; for answers written before any route ran (a request without Host). */
    public static HttpServerResponse put(HttpServerResponse response) {
        response.headers().setAll(HEADERS);
        return response;
    }
}
