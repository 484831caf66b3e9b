package io.runstream.api.problem;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Locale;
import java.util.Optional;

/**
 * Every request that may change something ({@code POST}, {@code PUT}, {@code PATCH}, {@code DELETE}) either sends
 * no body and no {@code Content-Type}, or a body declared {@code application/json} in UTF-8. Anything else is 415
 * before a resource sees it: an empty or missing type on a body, another charset (the api would otherwise read
 * Latin-1 bytes as UTF-8), a type whose parameters are not {@code name=value} ({@code application/json;;;=}), and
 * the types an HTML form can send without a script ({@code
 * application/x-www-form-urlencoded}, {@code multipart/form-data}, {@code text/plain}) — so a page on another site
 * cannot cancel a run by posting a form.
 */
public class ContentTypeFilter {

    static final String JSON = "application/json";

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> declared(ContainerRequestContext request) {
        String method = request.getMethod();
        if (!(method.equals("POST") || method.equals("PUT") || method.equals("PATCH") || method.equals("DELETE"))) {
            return Optional.empty();
        }
        String type = request.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if (type == null) {
            return hasBody(request)
                    ? refuse("a body needs Content-Type: application/json; this request has a body and no type")
                    : Optional.empty();
        }
        String[] parts = type.split(";", -1); // -1: a trailing ';' leaves an empty parameter, which is refused
        String media = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals(JSON)) {
            return refuse("the body must be JSON: send Content-Type: application/json; was '" + type.trim() + "'");
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            int equals = parameter.indexOf('=');
            if (equals <= 0 || equals == parameter.length() - 1) {
                return refuse("Content-Type is malformed: each parameter after ';' must be name=value; was '"
                        + type.trim() + "'");
            }
            if (parameter.substring(0, equals).trim().equalsIgnoreCase("charset")) {
                String charset = parameter.substring(equals + 1).trim().replace("\"", "");
                if (!charset.equalsIgnoreCase("utf-8")) {
                    return refuse("the body must be UTF-8 JSON: charset was '" + charset + "'");
                }
            }
        }
        return Optional.empty();
    }

    private static boolean hasBody(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            return !length.trim().equals("0");
        }
        return request.getHeaderString("Transfer-Encoding") != null;
    }

    private static Optional<Response> refuse(String detail) {
        return Optional.of(Problem.of(Response.Status.UNSUPPORTED_MEDIA_TYPE, detail).toResponse().build());
    }
}
