package io.runstream.log;

import io.quarkus.logging.LoggingFilter;
import org.jboss.logmanager.ExtLogRecord;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Puts the fields of the run a line is about ({@link RunMdc}) into the line's context fields; filters nothing out.
 * The apps' console handler uses it ({@code quarkus.log.console.filter=run-fields}); it runs on the thread that
 * logs, where {@link RunMdc} is set.
 */
@LoggingFilter(name = "run-fields")
public final class RunFieldsFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        RunMdc.Fields fields = RunMdc.current();
        if (fields != null && record instanceof ExtLogRecord line) {
            line.putMdc(RunMdc.RUN_ID, fields.runId());
            line.putMdc(RunMdc.ATTEMPT, fields.attempt());
            if (fields.pipeline() != null) {
                line.putMdc(RunMdc.PIPELINE, fields.pipeline());
            }
            if (fields.queue() != null) {
                line.putMdc(RunMdc.QUEUE, fields.queue());
            }
        }
        return true;
    }
}
