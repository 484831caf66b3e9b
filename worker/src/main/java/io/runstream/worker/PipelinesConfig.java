package io.runstream.worker;

import io.runstream.config.SettingChecks;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where each pipeline's runs go, by pipeline name: {@code runstream.pipelines."<name>".queue} (environment:
 * {@code RUNSTREAM_PIPELINES__<NAME>__QUEUE}). A pipeline not named here goes to the queue of its
 * {@code @Pipeline(queue = …)}, {@code default} unless set. Retry policies stay under
 * {@code runstream.worker.pipelines."<name>".retry}.
 */
@ConfigMapping(prefix = "runstream.pipelines")
public interface PipelinesConfig {

    /** Per-pipeline routing, by pipeline name. */
    @WithParentName
    Map<String, Routing> byName();

    /** The queue set for {@code pipeline}, if one is. */
    default Optional<String> queueOf(String pipeline) {
        Routing routing = byName().get(pipeline);
        return routing == null ? Optional.empty() : routing.queue();
    }

    /** Adds what is wrong with these settings to {@code checks}. */
    default SettingChecks check(SettingChecks checks) {
        byName().forEach((name, routing) -> {
            String prefix = "runstream.pipelines.\"" + name + "\".";
            routing.queue().ifPresent(queue -> checks.name(prefix + "queue", queue));
            routing.maxConcurrency().ifPresent(n -> checks.atLeast(prefix + "max-concurrency", n, 1));
            routing.rateLimit().ifPresent(rate -> {
                if (RateLimit.parse(rate).isEmpty()) {
                    checks.problem(prefix + "rate-limit must be N/period with N >= 1 and a period such as 1s, 500ms "
                            + "or 1m; was '" + rate + "'");
                }
            });
        });
        return checks;
    }

    /** Whether {@code pipeline}'s handler is initialised at the worker's start rather than at its first run. */
    default boolean warmUp(String pipeline) {
        Routing routing = byName().get(pipeline);
        return routing != null && routing.warmUp();
    }

    /**
     * A rate limit: {@code runs} per {@code period}.
     */
    record RateLimit(int runs, Duration period) {

        /** {@code N/period}, e.g. {@code 100/1m}, or empty when it is not one. */
        static Optional<RateLimit> parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 1) {
                return Optional.empty();
            }
            try {
                int runs = Integer.parseInt(text.substring(0, slash).trim());
                Duration period = period(text.substring(slash + 1).trim());
                return runs >= 1 && period != null && !period.isNegative() && !period.isZero()
                        ? Optional.of(new RateLimit(runs, period)) : Optional.empty();
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        /** {@code 500ms}, {@code 1s}, {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT1M}). */
        private static Duration period(String text) {
            var m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(text);
            if (!m.matches()) {
                return Duration.parse(text);
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
    }

    /** The rate limit set for {@code pipeline}, if one is. */
    default Optional<RateLimit> rateLimitOf(String pipeline) {
        Routing routing = byName().get(pipeline);
        return routing == null ? Optional.empty() : routing.rateLimit().flatMap(RateLimit::parse);
    }

    /** The concurrency limit set for {@code pipeline}, if one is. */
    default Optional<Integer> maxConcurrencyOf(String pipeline) {
        Routing routing = byName().get(pipeline);
        return routing == null ? Optional.empty() : routing.maxConcurrency();
    }

    /** One pipeline's routing. */
    interface Routing {
        /** The queue its runs go to when a submit names none. */
        Optional<String> queue();

        /**
         * Most runs of it running at once across all workers (a lease per run in Redis, which a dead worker's runs
         * give up when it expires); runs over it wait. Absent: no limit.
         */
        Optional<Integer> maxConcurrency();

        /**
         * Most runs of it started per period across all workers, as {@code N/period} (e.g. {@code 100/1m},
         * {@code 5/1s}): a token bucket of N tokens refilled over the period; runs over it wait. Absent: no limit.
         */
        Optional<String> rateLimit();

        /** Initialise its handler at the worker's start ({@code init()}), not at its first run. */
        @io.smallrye.config.WithDefault("false")
        boolean warmUp();
    }
}
