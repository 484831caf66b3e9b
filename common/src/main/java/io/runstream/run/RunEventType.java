package io.runstream.run;

import java.util.Locale;

/**
 * Kinds of entries in a run's event stream, which are also the SSE event names.
 * <ul>
 *   <li>{@code status} {@code {status, attempt}} · {@code output} {@code {chunk}} ·
 *       {@code progress} {@code {percent, message}} · {@code result} {@code {result}} ·
 *       {@code error} {@code {message, retryable}} · {@code reset} {@code {attempt}}: written by workers
 *       ({@code reset} first in every attempt after the first: the run starts over, and what earlier attempts
 *       wrote is superseded);</li>
 *   <li>{@code end} (the final Run) and {@code gap} ({@code {snapshot}}): produced by the api for its clients.</li>
 * </ul>
 */
public enum RunEventType {
    STATUS, OUTPUT, PROGRESS, RESULT, ERROR, RESET, END, GAP;

    /** Lower-case name used as the SSE event name and in stream entries. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
