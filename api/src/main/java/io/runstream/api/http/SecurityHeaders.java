package io.runstream.api.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The headers every answer of the api carries, problems, 404s and event streams included: nothing the api sends is
 * to be sniffed into another type, framed, cached or sent on as a referrer, and no page may load anything from it
 * (the dashboard's pages, under {@code /dashboard/}, only what the api serves itself).
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

    /**
     * The dashboard's pages may load what the api serves itself (its script, style and the API it calls), and
     * nothing else: no inline script, no other origin, no frame.
     */
    static final String DASHBOARD_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            put(context.response());
            if (context.request().path().startsWith("/dashboard/")) {
                context.response().headers().set("Content-Security-Policy", DASHBOARD_POLICY);
            }
            context.next();
        });
        // the dashboard's address, with and without its slash (a path route would match /dashboard/ too: a loop)
        router.getWithRegex("^/(dashboard)?$").order(-10).handler(context -> context.response().setStatusCode(302)
                .putHeader("Location", "/dashboard/").end());
    }

    /** Adds the headers to {@code response}; for answers written before any route ran (a request without Host). */
    public static HttpServerResponse put(HttpServerResponse response) {
        response.headers().setAll(HEADERS);
        return response;
    }
}
