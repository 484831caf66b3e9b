package io.runstream.api.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.json.Json;
import io.runstream.pipeline.Names;
import io.runstream.queue.Priority;

import java.util.Iterator;
import java.util.Set;

/** Reading the members of a JSON request body, each bad value a 400 problem that names it. */
public final class JsonFields {

    private JsonFields() {
    }

    /** The JSON document {@code body}. @throws ProblemException 400 when it is not one */
    public static JsonNode readJson(String body) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            // a parser limit (nesting depth, number or string length) has no location
            throw ProblemException.badRequest("malformed JSON: " + e.getOriginalMessage() + (e.getLocation() == null
                    ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        if (root == null || root.isMissingNode()) {
            throw ProblemException.badRequest("malformed JSON: the body is empty");
        }
        return root;
    }

    /**
     * Checks that {@code root} is an object with no member outside {@code allowed}.
     *
     * @param what what the object is, e.g. "a run", in the problem's detail
     */
    public static void onlyMembers(JsonNode root, Set<String> allowed, String what, String listed) {
        if (!root.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object: " + what + " has " + listed);
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ProblemException.badRequest("unknown member '" + name + "': " + what + " has " + listed);
            }
        }
    }

    /** Member {@code member}, a name ({@link Names}), or null when absent. */
    public static String name(JsonNode root, String member) {
        JsonNode node = root.get(member);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || !Names.isValid(node.asText())) {
            throw ProblemException.badRequest("'" + member + "' must be a string of " + Names.RULE);
        }
        return node.asText();
    }

    /** Member {@code member}, a string, or null when absent. */
    public static String text(JsonNode root, String member) {
        JsonNode node = root.get(member);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ProblemException.badRequest("'" + member + "' must be a string; was " + node);
        }
        return node.asText();
    }

    /** Member {@code member}, one of {@code values}, or null when absent. */
    public static String oneOf(JsonNode root, String member, Set<String> values) {
        String value = text(root, member);
        if (value != null && !values.contains(value)) {
            throw ProblemException.badRequest("'" + member + "' must be one of " + String.join(", ",
                    new java.util.TreeSet<>(values)) + "; was '" + value + "'");
        }
        return value;
    }

    /** Member {@code member}, true or false, or null when absent. */
    public static Boolean bool(JsonNode root, String member) {
        JsonNode node = root.get(member);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw ProblemException.badRequest("'" + member + "' must be true or false; was " + node);
        }
        return node.asBoolean();
    }

    /** Member {@code priority} ({@link Priority}), or null for the default. */
    public static Integer priority(JsonNode root) {
        JsonNode node = root.get("priority");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || !Priority.isValid(node.intValue())) {
            throw ProblemException.badRequest("'priority' must be a whole number from " + Priority.HIGHEST
                    + " (the highest) to " + Priority.LOWEST + " (the lowest); default " + Priority.DEFAULT);
        }
        return node.intValue();
    }

    /** Member {@code input}, any JSON, as JSON text; null when absent. */
    public static String input(JsonNode root) {
        JsonNode input = root.get("input");
        return input == null ? null : Json.encode(input);
    }
}
