package io.runstream.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;

/**
 * A run's trace across processes: the W3C {@code traceparent} of a span, as it travels in a task entry (the
 * submit's publish span, so that every attempt joins the submit's trace) and in a run's terminal event (the
 * attempt's span, so that the api's delivery of the end joins it too). With tracing off every span is invalid and
 * nothing is written.
 */
public final class Traces {

    private Traces() {
    }

    /** {@code 00-<trace id>-<span id>-<flags>} of {@code span}, or null when it is not a real span (tracing off). */
    public static String traceparent(Span span) {
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return null;
        }
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /**
     * The context whose parent is the remote span {@code traceparent} names; the root context when it is null or
     * not a traceparent (a new trace begins then).
     */
    public static Context parent(String traceparent) {
        if (traceparent == null || traceparent.length() != 55) {
            return Context.root();
        }
        String[] parts = traceparent.split("-");
        if (parts.length != 4 || !"00".equals(parts[0])) {
            return Context.root();
        }
        SpanContext remote;
        try {
            remote = SpanContext.createFromRemoteParent(parts[1], parts[2], TraceFlags.fromHex(parts[3], 0),
                    TraceState.getDefault());
        } catch (RuntimeException e) {
            return Context.root();
        }
        return remote.isValid() ? Context.root().with(Span.wrap(remote)) : Context.root();
    }
}
