package io.runstream.api.problem;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;
import io.runstream.json.Json;
import io.runstream.pipeline.Names;
import io.runstream.queue.Priority;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading the members of a JSON request body, each bad value a 400 problem that names it. */
public final class JsonFields {

    /**
     * Reads request bodies as they were sent or not at all: a member twice, anything after the document, or a number
     * no double can hold (stored as {@code "Infinity"} by a lenient reader) is refused, never guessed at.
     */
    private static final ObjectReader STRICT = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(new FiniteNumbers());

    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'");

    private JsonFields() {
    }

    /**
     * The request body {@code body} as text: at most {@code maxBytes}, and valid UTF-8 (a lenient decoder would put
     * U+FFFD in place of a bad byte and store what the client never sent).
     *
     * @throws ProblemException 413 over the limit, 400 naming the offset of the first byte that is not UTF-8
     */
    public static String utf8(byte[] body, int maxBytes) {
        BodyLimitFilter.check(body.length, maxBytes);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(body.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw ProblemException.badRequest("the body is not valid UTF-8: byte " + in.position()
                    + " starts a malformed sequence");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** The JSON document {@code body}. @throws ProblemException 400 when it is not exactly one */
    public static JsonNode readJson(String body) {
        JsonNode root;
        try {
            root = STRICT.readTree(body);
        } catch (MismatchedInputException e) {
            if (e.getMessage().startsWith("Trailing token")) {
                throw ProblemException.badRequest("malformed JSON: there is more after the JSON document" + at(e));
            }
            throw malformed(e);
        } catch (JsonProcessingException e) {
            Matcher duplicate = DUPLICATE.matcher(e.getOriginalMessage());
            if (duplicate.lookingAt()) {
                throw ProblemException.badRequest("malformed JSON: duplicate member '" + duplicate.group(1) + "'"
                        + at(e) + "; each member may appear once in an object");
            }
            throw malformed(e);
        }
        if (root == null || root.isMissingNode()) {
            throw ProblemException.badRequest("malformed JSON: the body is empty");
        }
        return root;
    }

    private static ProblemException malformed(JsonProcessingException e) {
        return ProblemException.badRequest("malformed JSON: " + e.getOriginalMessage() + at(e));
    }

    /** Where the parser stopped; a parser limit (nesting depth, number or string length) has no location. */
    private static String at(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** Refuses a number that overflows a double, which JSON text would otherwise carry on as Infinity. */
    private static final class FiniteNumbers extends JsonNodeFactory {

        FiniteNumbers() {
            super(false);
        }

        @Override
        public NumericNode numberNode(double value) {
            if (!Double.isFinite(value)) {
                throw ProblemException.badRequest("malformed JSON: number out of range: a number must be within "
                        + "+/-" + Double.MAX_VALUE);
            }
            return super.numberNode(value);
        }

        @Override
        public NumericNode numberNode(float value) {
            return numberNode((double) value);
        }
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
                    new TreeSet<>(values)) + "; was '" + value + "'");
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
