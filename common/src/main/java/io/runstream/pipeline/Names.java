package io.runstream.pipeline;

import java.util.regex.Pattern;

/**
 * The rule for pipeline and queue names, the one place it is written: letters, digits, {@code .}, {@code _} or
 * {@code -}, at most 100, starting with a letter or digit. Safe inside Redis keys and URLs as they are. The api
 * refuses other names in requests; the worker refuses to start with a handler that has one.
 */
public final class Names {

    /** What a valid name is, in words, for error messages. */
    public static final String RULE = "letters, digits, '.', '_' or '-', at most 100, starting with a letter or digit";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private Names() {
    }

    /** Whether {@code name} is a valid pipeline or queue name. */
    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
