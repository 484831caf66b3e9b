package io.runstream.api.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.field.CronFieldName;
import com.cronutils.model.field.expression.Always;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.Optional;

/**
 * The ticks of a cron expression in a time zone. The expression is parsed by cron-utils: five fields (minute hour
 * day-of-month month day-of-week, as Unix cron) or six (a seconds field first, as Spring's). It is matched against
 * the zone's wall-clock time, and each matching wall-clock time is one tick, at one instant:
 * <ul>
 *   <li>a wall-clock time that occurs twice (the hour repeated when clocks go back) ticks once, at its first
 *       occurrence;</li>
 *   <li>a wall-clock time that does not occur (the hour skipped when clocks go forward) ticks at the instant the
 *       clocks jump; the ticks of a skipped hour are one tick there, merged with a tick of that instant's own
 *       wall-clock time.</li>
 * </ul>
 * So ticks are strictly increasing instants, and a daily 02:30 job runs once on both days of a change. A tick
 * keeps its wall-clock time ({@link Tick#local}), from which the next one is found.
 * <p>
 * An expression whose hour field is {@code *} (every few minutes or seconds, every hour) keeps to elapsed time
 * instead, as Vixie cron does: it ticks whenever the wall clock matches, in both passes of a repeated hour, and
 * across a skipped hour it goes on from the jump (its ticks there, which do not occur, are one tick at the jump).
 * Its interval holds through both changes.
 */
public final class CronTicks {

    /** Most wall-clock matches one step passes over (a repeated hour of an every-second expression is 3,600). */
    private static final int MAX_STEPS = 100_000;
    private static final CronParser FIVE_FIELDS = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(
            CronType.UNIX));
    private static final CronParser SIX_FIELDS = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(
            CronType.SPRING53));

    private final ExecutionTime times;
    private final ZoneId zone;
    private final boolean elapsed;

    private CronTicks(Cron cron, ZoneId zone) {
        this.times = ExecutionTime.forCron(cron);
        this.zone = zone;
        this.elapsed = cron.retrieve(CronFieldName.HOUR).getExpression() instanceof Always;
    }

    /**
     * A tick: its wall-clock time in the zone and the instant it fires.
     *
     * @param local the wall-clock time the expression matched
     * @param at    when it fires
     */
    public record Tick(LocalDateTime local, Instant at) {
    }

    /**
     * The ticks of {@code expression} in {@code zone}.
     *
     * @throws IllegalArgumentException naming what is wrong with the expression
     */
    public static CronTicks of(String expression, ZoneId zone) {
        return new CronTicks(parse(expression), zone);
    }

    /** Checks {@code expression}. @throws IllegalArgumentException naming what is wrong with it */
    public static Cron parse(String expression) {
        String trimmed = expression.trim();
        int fields = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
        CronParser parser = switch (fields) {
            case 5 -> FIVE_FIELDS;
            case 6 -> SIX_FIELDS;
            default -> throw new IllegalArgumentException("a cron expression has 5 fields (minute hour "
                    + "day-of-month month day-of-week) or 6 (seconds first); '" + expression + "' has " + fields);
        };
        try {
            Cron cron = parser.parse(trimmed);
            cron.validate();
            return cron;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + expression + "' is not a valid cron expression: "
                    + e.getMessage(), e);
        }
    }

    /** The first tick strictly after {@code instant}, or empty when the expression matches no time any more. */
    public Optional<Tick> firstAfter(Instant instant) {
        // in the second pass of a repeated hour, its wall-clock times fire at their first occurrence, before
        // instant: they are passed over
        return elapsed ? afterElapsed(instant) : after(LocalDateTime.ofInstant(instant, zone), instant);
    }

    /** The tick after {@code tick}, or empty when there is none. */
    public Optional<Tick> next(Tick tick) {
        return elapsed ? afterElapsed(tick.at()) : after(tick.local(), tick.at());
    }

    /**
     * The first instant after {@code instant} whose wall-clock time, at the offset of that instant, matches: the
     * next match at the current offset, unless the offset changes first, when the search goes on from the change
     * (a match at the change itself included).
     */
    private Optional<Tick> afterElapsed(Instant instant) {
        var rules = zone.getRules();
        Instant from = instant;
        boolean inclusive = false;
        for (int step = 0; step < MAX_STEPS; step++) {
            ZoneOffset offset = rules.getOffset(from);
            ZonedDateTime cursor = LocalDateTime.ofInstant(from, offset).atZone(ZoneOffset.UTC);
            Optional<ZonedDateTime> next = times.nextExecution((inclusive ? cursor.minusNanos(1) : cursor)
                    .truncatedTo(ChronoUnit.SECONDS));
            if (next.isEmpty()) {
                return Optional.empty();
            }
            LocalDateTime wall = next.get().toLocalDateTime();
            Instant at = wall.toInstant(offset);
            ZoneOffsetTransition change = rules.nextTransition(from);
            if (change != null && !change.getInstant().isAfter(at)) {
                from = change.getInstant();
                inclusive = true;
                continue;
            }
            return Optional.of(new Tick(wall, at));
        }
        throw new IllegalStateException("no tick of the expression after " + instant + " within " + MAX_STEPS
                + " offset changes");
    }

    /** The first tick of a wall-clock time after {@code local} that fires after {@code notBefore}. */
    private Optional<Tick> after(LocalDateTime local, Instant notBefore) {
        // UTC has no transitions: pure wall-clock matching; whole seconds, as cron-utils keeps a fraction it is given
        ZonedDateTime cursor = local.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
        for (int step = 0; step < MAX_STEPS; step++) {
            Optional<ZonedDateTime> next = times.nextExecution(cursor);
            if (next.isEmpty()) {
                return Optional.empty();
            }
            cursor = next.get();
            LocalDateTime wall = cursor.toLocalDateTime();
            Instant at = instant(wall);
            if (at.isAfter(notBefore)) {
                return Optional.of(new Tick(wall, at));
            }
        }
        throw new IllegalStateException("no tick of the expression after " + local + " within " + MAX_STEPS
                + " matches");
    }

    /** When wall-clock time {@code wall} fires: its first occurrence, or the end of the gap it falls in. */
    private Instant instant(LocalDateTime wall) {
        var rules = zone.getRules();
        if (rules.getValidOffsets(wall).isEmpty()) {
            ZoneOffsetTransition gap = rules.getTransition(wall);
            return gap.getInstant();
        }
        return ZonedDateTime.ofLocal(wall, zone, null).toInstant();
    }
}
