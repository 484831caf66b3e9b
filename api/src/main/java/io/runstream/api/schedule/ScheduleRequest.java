package io.runstream.api.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.api.problem.JsonFields;
import io.runstream.api.problem.ProblemException;
import io.runstream.queue.Priority;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * A parsed and checked schedule body ({@code POST /api/schedules}, {@code PUT /api/schedules/{name}}).
 *
 * @param name          the schedule's name, unique
 * @param pipeline      the pipeline its runs run
 * @param queue         the queue asked for, or null for the pipeline's own
 * @param priority      the priority of its runs
 * @param input         the input of every run, JSON text, or null
 * @param cron          the cron expression ({@link CronTicks})
 * @param zone          the IANA time zone its expression is read in
 * @param overlap       what a tick does while the previous run still goes
 * @param catchUp       which missed ticks make runs after downtime
 * @param catchUpWindow how old a missed tick may be and still make a run
 * @param paused        whether it is created paused
 */
public record ScheduleRequest(String name, String pipeline, String queue, int priority, String input, String cron,
                              ZoneId zone, Overlap overlap, CatchUp catchUp, Duration catchUpWindow, boolean paused) {

    static final String MEMBERS = "name, pipeline, input, queue, priority, cron, timeZone, overlap, catchUp, "
            + "catchUpWindow, paused";
    private static final Set<String> FIELDS = Set.of(MEMBERS.split(", "));
    /** The catch-up window when none is given. */
    static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    /** The longest catch-up window. */
    static final Duration MAX_WINDOW = Duration.ofDays(7);

    /**
     * The schedule {@code body} asks for; {@code pathName} is the name from the path of a PUT (the body's, if any,
     * must be the same), or null for a POST.
     *
     * @throws ProblemException 400 naming what is wrong
     */
    static ScheduleRequest parse(String body, String pathName) {
        JsonNode root = JsonFields.readJson(body);
        JsonFields.onlyMembers(root, FIELDS, "a schedule", MEMBERS);
        String name = JsonFields.name(root, "name");
        if (pathName != null && name != null && !name.equals(pathName)) {
            throw ProblemException.badRequest("'name' is '" + name + "' but the path names '" + pathName
                    + "': a schedule is renamed by deleting it and creating another");
        }
        name = name == null ? pathName : name;
        if (name == null) {
            throw ProblemException.badRequest("'name' is missing: name the schedule");
        }
        String pipeline = JsonFields.name(root, "pipeline");
        if (pipeline == null) {
            throw ProblemException.badRequest("'pipeline' is missing: name the pipeline the schedule runs");
        }
        String cron = JsonFields.text(root, "cron");
        if (cron == null) {
            throw ProblemException.badRequest("'cron' is missing: e.g. \"*/5 * * * *\" for every five minutes");
        }
        try {
            CronTicks.parse(cron);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("'cron': " + e.getMessage());
        }
        Integer priority = JsonFields.priority(root);
        String overlap = JsonFields.oneOf(root, "overlap", Overlap.WIRE);
        String catchUp = JsonFields.oneOf(root, "catchUp", CatchUp.WIRE);
        Boolean paused = JsonFields.bool(root, "paused");
        return new ScheduleRequest(name, pipeline, JsonFields.name(root, "queue"),
                priority == null ? Priority.DEFAULT : priority, JsonFields.input(root), cron.trim(), zone(root),
                overlap == null ? Overlap.SKIP : Overlap.fromWire(overlap).orElseThrow(),
                catchUp == null ? CatchUp.LAST : CatchUp.fromWire(catchUp).orElseThrow(), window(root),
                paused != null && paused);
    }

    /** The ticks of this schedule. */
    CronTicks ticks() {
        return CronTicks.of(cron, zone);
    }

    private static ZoneId zone(JsonNode root) {
        String zone = JsonFields.text(root, "timeZone");
        if (zone == null) {
            return ZoneId.of("UTC");
        }
        if (!ZoneId.getAvailableZoneIds().contains(zone)) {
            throw ProblemException.badRequest("'timeZone' must be an IANA time zone name, e.g. Europe/Berlin or "
                    + "UTC; was '" + zone + "'");
        }
        return ZoneId.of(zone);
    }

    private static Duration window(JsonNode root) {
        String text = JsonFields.text(root, "catchUpWindow");
        if (text == null) {
            return DEFAULT_WINDOW;
        }
        Duration window;
        try {
            window = Duration.parse(text);
        } catch (DateTimeParseException e) {
            window = null;
        }
        if (window == null || window.isNegative() || window.compareTo(MAX_WINDOW) > 0) {
            throw ProblemException.badRequest("'catchUpWindow' must be an ISO-8601 duration from PT0S to P"
                    + MAX_WINDOW.toDays() + "D, e.g. PT1H; was '" + text + "'");
        }
        return window;
    }
}
