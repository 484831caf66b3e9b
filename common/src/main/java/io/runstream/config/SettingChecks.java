package io.runstream.config;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.runstream.pipeline.Names;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks of settings' values, made by each app as it starts ({@code Settings} in the api and in the worker): every
 * problem is collected, then the start fails once, naming each setting and what it must be. It takes the place of
 * Bean Validation annotations on the config mappings: Hibernate Validator, there only for a few minimums, built its
 * validator factory at every start, about half of each JVM app's start-up (docs/benchmarks.md, issue 11).
 */
public final class SettingChecks {

    private final List<String> problems = new ArrayList<>();

    /** {@code value} of setting {@code name} must be {@code min} or more. */
    public SettingChecks atLeast(String name, long value, long min) {
        if (value < min) {
            problems.add(name + " must be at least " + min + ", was " + value);
        }
        return this;
    }

    /** {@code value} of setting {@code name} must be {@code min} or longer. */
    public SettingChecks atLeast(String name, Duration value, Duration min) {
        if (value.compareTo(min) < 0) {
            problems.add(name + " must be at least " + min.toMillis() + "ms, was " + value.toMillis() + "ms");
        }
        return this;
    }

    /** {@code value} of setting {@code name} must be from {@code min} to {@code max}. */
    public SettingChecks within(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            problems.add(name + " must be from " + min + " to " + max + ", was " + value);
        }
        return this;
    }

    /** Setting {@code name} must have a value other than blanks. */
    public SettingChecks notBlank(String name, String value) {
        if (value == null || value.isBlank()) {
            problems.add(name + " must not be blank");
        }
        return this;
    }

    /** {@code value} of setting {@code name} must be a valid pipeline or queue name ({@link Names#RULE}). */
    public SettingChecks name(String name, String value) {
        if (!Names.isValid(value)) {
            problems.add(name + " must be " + Names.RULE + ", was '" + value + "'");
        }
        return this;
    }

    /** A problem found by the caller, naming its setting. */
    public SettingChecks problem(String problem) {
        problems.add(problem);
        return this;
    }

    /** What is wrong so far, one line per setting. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** @throws ConfigurationException naming every problem found, if there is one */
    public void orFail() {
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems.size() + " setting(s) out of range:\n  - "
                    + String.join("\n  - ", problems));
        }
    }
}
