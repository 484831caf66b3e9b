package io.runstream.run;

import java.util.Locale;

/**
 * Kinds of entries in a run's event stream, which are also the SSE event names.
 * <ul>
 *   <li>{@code status} {@code {status, attempt}} · {@code output} {@code {chunk}} ·
 *       {@code progress} {@code {percent, message}} · {@code result} {@code {result}} ·
 *       {@code error} {@code {message, retryable}}: written by workers;</li>
 *   <li>{@code end} (the final Run) and {@code gap} ({@code {snapshot}}): produced by the api for its clients.</li>
 * </ul>
 */
public enum RunEventType {
    STATUS, OUTPUT, PROGRESS, RESULT, ERROR, END, GAP;

    /** Lower-case name used as the SSE event name and in stream entries. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
