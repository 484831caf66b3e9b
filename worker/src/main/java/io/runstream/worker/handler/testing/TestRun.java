package io.runstream.worker.handler.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.events.RunEventWriter;
import io.runstream.json.Json;
import io.runstream.run.RunIds;
import io.runstream.worker.handler.Ending;
import io.runstream.worker.handler.ReactiveRunHandler;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import io.runstream.worker.handler.internal.HandlerRegistry;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs one attempt of a handler in memory, without Redis, PostgreSQL or Quarkus, and tells what the worker would
 * make of it: the events it emitted, in order, its result or failure, and its {@link Ending}. A blocking
 * {@link RunHandler} runs on a virtual thread, as in the worker.
 *
 * <pre>{@code
 * TestRun.Result run = TestRun.of(new Summarise()).input("{\"url\":\"https://…\"}").run();
 * assertThat(run.ending()).isEqualTo(Ending.COMPLETED);
 * assertThat(run.outputs()).isNotEmpty();
 *
 * // cancelled once it has emitted two events: does it stop?
 * assertThat(TestRun.of(new Summarise()).cancelAfterEvents(2).run().ending()).isEqualTo(Ending.CANCELLED);
 * }</pre>
 */
public final class TestRun {

    /** One event the handler emitted: {@code output} (data = the chunk) or {@code progress}. */
    public record Event(String type, String chunk, int percent, String message) {
    }

    /**
     * What the attempt did.
     *
     * @param ending   how the worker would judge it
     * @param result   what it returned, as the JSON the run would record; null unless {@link Ending#COMPLETED}
     * @param failure  what it threw; null when it returned
     * @param events   what it emitted, in order
     */
    public record Result(Ending ending, JsonNode result, Throwable failure, List<Event> events) {

        /** The chunks of its {@code output} events, in order. */
        public List<String> outputs() {
            return events.stream().filter(e -> e.type().equals("output")).map(Event::chunk).toList();
        }

        /** Its {@code progress} events, in order. */
        public List<Event> progress() {
            return events.stream().filter(e -> e.type().equals("progress")).toList();
        }
    }

    private final Function<RunContext, Uni<?>> handler;
    private final String pipeline;
    private JsonNode input = Json.tree("null");
    private int attempt = 1;
    private int cancelAfterEvents = -1;
    private Duration timeout = Duration.ofSeconds(30);

    private TestRun(Function<RunContext, Uni<?>> handler, String pipeline) {
        this.handler = handler;
        this.pipeline = pipeline;
    }

    /** A test run of a blocking handler. */
    public static TestRun of(RunHandler handler) {
        return new TestRun(ctx -> Uni.createFrom().item(() -> HandlerRegistry.callBlocking(handler, ctx)),
                pipelineOf(handler));
    }

    /** A test run of a reactive handler. */
    public static TestRun of(ReactiveRunHandler handler) {
        return new TestRun(ctx -> Uni.createFrom().deferred(() -> handler.handle(ctx)), pipelineOf(handler));
    }

    /** The run's input, as JSON text. */
    public TestRun input(String json) {
        this.input = Json.tree(json);
        return this;
    }

    /** The attempt's number, from 1 (a handler may behave differently on a retry). */
    public TestRun attempt(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1");
        }
        this.attempt = attempt;
        return this;
    }

    /** Cancels the run once the handler has emitted {@code events} events (0: cancelled from the start). */
    public TestRun cancelAfterEvents(int events) {
        this.cancelAfterEvents = events;
        return this;
    }

    /** Longest the handler may take; longer fails the test. Default is 30 s. */
    public TestRun timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Runs the attempt and waits for it to end. */
    public Result run() {
        Context context = new Context();
        ExecutorService thread = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<Object> done = thread.submit(() -> handler.apply(context).await().indefinitely());
            try {
                Object value = done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                Ending ending = Ending.of(null, context.isCancelled());
                JsonNode result = ending == Ending.COMPLETED ? Json.tree(Json.encode(value)) : null;
                return new Result(ending, result, null, List.copyOf(context.events));
            } catch (ExecutionException e) {
                Throwable failure = e.getCause();
                return new Result(Ending.of(failure, context.isCancelled()), null, failure,
                        List.copyOf(context.events));
            } catch (TimeoutException e) {
                done.cancel(true);
                throw new AssertionError("the handler did not end within " + timeout, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while the handler ran", e);
        } finally {
            thread.shutdownNow();
        }
    }

    private static String pipelineOf(Object handler) {
        var pipeline = handler.getClass().getAnnotation(io.runstream.worker.handler.Pipeline.class);
        return pipeline == null ? "test" : pipeline.value();
    }

    /** The handler's view of the run: events in memory. */
    private final class Context implements RunContext {

        private final UUID id = RunIds.newId();
        private final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public UUID runId() {
            return id;
        }

        @Override
        public String pipeline() {
            return pipeline;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public JsonNode input() {
            return input;
        }

        @Override
        public void output(String chunk) {
            events.add(new Event("output", chunk, 0, null));
        }

        @Override
        public void progress(int percent, String message) {
            RunEventWriter.checkPercent(percent);
            events.add(new Event("progress", null, percent, message));
        }

        @Override
        public boolean isCancelled() {
            return cancelAfterEvents >= 0 && events.size() >= cancelAfterEvents;
        }
    }
}
