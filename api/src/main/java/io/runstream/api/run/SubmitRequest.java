package io.runstream.api.run;

import io.runstream.queue.Priority;

import io.runstream.pipeline.Names;
import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.api.problem.JsonFields;
import io.runstream.api.problem.ProblemException;
import io.runstream.json.Json;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Set;

/**
 * A parsed and checked {@code POST /api/runs} body: {@code {"pipeline": str, "input": any JSON, "queue": str,
 * "priority": 1..4, "runAt": RFC 3339 | "delay": ISO-8601 duration}}.
 *
 * @param pipeline pipeline name
 * @param input    the input as JSON text, or null when absent
 * @param queue    requested queue, or null for the pipeline's own
 * @param priority requested priority ({@link Priority}), or null for the default
 * @param when     when it is due, or null to start at once
 */
record SubmitRequest(String pipeline, String input, String queue, Integer priority, Due when) {

    private static final Set<String> FIELDS = Set.of("pipeline", "input", "queue", "priority", "runAt", "delay");
    /** Furthest a run may be scheduled ahead. */
    static final Duration MAX_DELAY = Duration.ofDays(366);

    /** When a delayed run is due: at a time, or after a delay from its submit. */
    record Due(Instant at, Duration after) {

        Instant from(Instant now) {
            return at != null ? at : now.plus(after);
        }

        @Override
        public String toString() {
            return at != null ? "at=" + at : "after=" + after;
        }
    }

    /** @throws ProblemException 400 naming what is wrong with {@code body} */
    static SubmitRequest parse(String body) {
        return of(readJson(body));
    }

    /** The JSON document {@code body}. @throws ProblemException 400 when it is not one */
    static JsonNode readJson(String body) {
        return JsonFields.readJson(body);
    }

    /**
     * Item {@code index} of a batch: the run {@code root} asks for.
     *
     * @throws ProblemException 400 naming the item ({@code runs[3]: ...}, member {@code index}) and what is wrong
     */
    static SubmitRequest item(JsonNode root, int index) {
        try {
            return of(root);
        } catch (ProblemException e) {
            throw BatchRequest.badItem(index, e.problem());
        }
    }

    private static SubmitRequest of(JsonNode root) {
        JsonFields.onlyMembers(root, FIELDS, "a run", "pipeline, input, queue, priority, runAt, delay");
        String pipeline = name(root, "pipeline");
        if (pipeline == null) {
            throw ProblemException.badRequest("'pipeline' is missing: name the pipeline to run");
        }
        return new SubmitRequest(pipeline, JsonFields.input(root), name(root, "queue"), JsonFields.priority(root),
                due(root));
    }

    /** When the run asks to start, or null for at once. */
    private static Due due(JsonNode root) {
        JsonNode at = root.get("runAt");
        JsonNode after = root.get("delay");
        boolean hasAt = at != null && !at.isNull();
        boolean hasAfter = after != null && !after.isNull();
        if (hasAt && hasAfter) {
            throw ProblemException.badRequest("give 'runAt' or 'delay', not both");
        }
        if (hasAt) {
            try {
                if (!at.isTextual()) {
                    throw new DateTimeParseException("not a string", at.toString(), 0);
                }
                Instant when = OffsetDateTime.parse(at.asText()).toInstant();
                if (when.isAfter(Instant.now().plus(MAX_DELAY))) {
                    throw ProblemException.badRequest("'runAt' is more than " + MAX_DELAY.toDays() + " days ahead");
                }
                return new Due(when, null);
            } catch (DateTimeParseException e) {
                throw ProblemException.badRequest("'runAt' must be an RFC 3339 date-time with an offset, e.g. "
                        + "2026-12-24T18:00:00Z; was " + at);
            }
        }
        if (hasAfter) {
            Duration delay;
            try {
                delay = after.isTextual() ? Duration.parse(after.asText()) : null;
            } catch (DateTimeParseException e) {
                delay = null;
            }
            if (delay == null || delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
                throw ProblemException.badRequest("'delay' must be an ISO-8601 duration from PT0S to P"
                        + MAX_DELAY.toDays() + "D, e.g. PT30S; was " + after);
            }
            return new Due(null, delay);
        }
        return null;
    }

    /**
     * A trigger of pipeline {@code pipeline} (seed 003): {@code body} is {@code {"parameters": {…}}}, the run's input;
     * no member, an empty body or {@code null} parameters: no input.
     *
     * @throws ProblemException 400 naming what is wrong
     */
    static SubmitRequest trigger(String pipeline, String body) {
        if (body.isBlank()) {
            return new SubmitRequest(pipeline, null, null, null, null);
        }
        JsonNode root = readJson(body);
        if (!root.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object: {\"parameters\": {…}}");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("parameters")) {
                throw ProblemException.badRequest("unknown member '" + name + "': a trigger has parameters");
            }
        }
        JsonNode parameters = root.get("parameters");
        if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
            throw ProblemException.badRequest("'parameters' must be a JSON object");
        }
        return new SubmitRequest(pipeline, parameters == null || parameters.isNull() ? null
                : Json.encode(parameters), null, null, null);
    }

    /** The priority the run gets. */
    int priorityOrDefault() {
        return priority == null ? Priority.DEFAULT : priority;
    }

    /** A digest of what the request asks for, to tell a repeat of it from another request with the same key. */
    String hash() {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {pipeline, queue, input}) {
                digest.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            // absent, each adds nothing: the digest stays what it was before them, so keys taken then hold
            if (priority != null) {
                digest.update(("priority=" + priority).getBytes(StandardCharsets.UTF_8));
            }
            if (when != null) {
                digest.update(("when=" + when).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String name(JsonNode root, String member) {
        return JsonFields.name(root, member);
    }
}
