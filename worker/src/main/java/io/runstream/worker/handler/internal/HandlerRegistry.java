package io.runstream.worker.handler.internal;

import io.runstream.worker.PipelinesConfig;
import io.runstream.pipeline.Names;
import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.ReactiveRunHandler;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.Bean;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The pipelines this worker serves: every {@link RunHandler} and {@link ReactiveRunHandler} bean, keyed by its
 * {@link Pipeline} name. Built once at start; a duplicate or missing name fails the start with a message naming
 * the beans involved.
 */
@Singleton
public class HandlerRegistry {

    private final Map<String, Registered> handlers;

    /** Built by CDI at the worker's start, from every handler bean; fails the start on a bad registration. */
    public HandlerRegistry(@Any Instance<RunHandler> blocking, @Any Instance<ReactiveRunHandler> reactive,
                           PipelinesConfig routing) {
        List<Candidate> candidates = new ArrayList<>();
        for (Instance.Handle<RunHandler> h : blocking.handles()) {
            candidates.add(new Candidate(h.getBean().getBeanClass(), pipelineOf(h.getBean()),
                    (ctx, vt) -> Uni.createFrom().item(() -> callBlocking(h.get(), ctx)).runSubscriptionOn(vt),
                    new Lifecycle(vt -> blocking(() -> h.get().init(), vt), vt -> blocking(() -> h.get().close(), vt))));
        }
        for (Instance.Handle<ReactiveRunHandler> h : reactive.handles()) {
            candidates.add(new Candidate(h.getBean().getBeanClass(), pipelineOf(h.getBean()),
                    (ctx, vt) -> Uni.createFrom().deferred(() -> h.get().handle(ctx)).map(x -> (Object) x),
                    new Lifecycle(vt -> Uni.createFrom().deferred(() -> h.get().init()),
                            vt -> Uni.createFrom().deferred(() -> h.get().close()))));
        }
        this.handlers = build(candidates, routing::queueOf);
    }

    /**
     * The registrations of {@code candidates}, by pipeline name, each on the queue {@code queues} sets for it, or
     * else on its {@code @Pipeline}'s.
     *
     * @throws IllegalStateException naming the pipeline and both classes when a name is taken twice, or the class
     *                               when a name or queue is invalid or {@code @Pipeline} is missing
     */
    static Map<String, Registered> build(List<Candidate> candidates,
                                         Function<String, Optional<String>> queues) {
        Map<String, Registered> found = new TreeMap<>();
        for (Candidate candidate : candidates) {
            Class<?> type = candidate.beanClass();
            Pipeline pipeline = candidate.pipeline();
            if (pipeline == null) {
                throw new IllegalStateException("handler " + type.getName()
                        + " has no @Pipeline(\"name\"): annotate it with the pipeline it serves");
            }
            if (!Names.isValid(pipeline.value()) || !Names.isValid(pipeline.queue())) {
                throw new IllegalStateException("handler " + type.getName() + " has an invalid pipeline name or "
                        + "queue ('" + pipeline.value() + "', '" + pipeline.queue() + "'): use " + Names.RULE);
            }
            String queue = queues.apply(pipeline.value()).orElse(pipeline.queue());
            Registered previous = found.putIfAbsent(pipeline.value(),
                    new Registered(pipeline.value(), queue, type, candidate.invoker(), candidate.lifecycle()));
            if (previous != null) {
                throw new IllegalStateException("pipeline '" + pipeline.value() + "' is registered twice: by "
                        + previous.beanClass().getName() + " and by " + type.getName());
            }
        }
        return Collections.unmodifiableMap(found);
    }

    private static Pipeline pipelineOf(Bean<?> bean) {
        for (Annotation qualifier : bean.getQualifiers()) {
            if (qualifier instanceof Pipeline p) {
                return p;
            }
        }
        return null;
    }

    /**
     * Calls a blocking handler as the worker does: a checked exception it throws becomes a {@link HandlerException}
     * with its message (the {@code testing} kit calls it too, so a test sees the failure the worker would record).
     */
    public static Object callBlocking(RunHandler handler, RunContext ctx) {
        try {
            return handler.handle(ctx);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new HandlerException(e);
        }
    }

    /** A blocking step of a handler, on a virtual thread; a checked exception fails it as a handler's would. */
    private static Uni<Void> blocking(BlockingStep step, Executor virtualThreads) {
        return Uni.createFrom().<Void>item(() -> {
            try {
                step.run();
                return null;
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new HandlerException(e);
            }
        }).runSubscriptionOn(virtualThreads);
    }

    @FunctionalInterface
    private interface BlockingStep {
        void run() throws Exception;
    }

    /** Every registered handler. */
    public Collection<Registered> all() {
        return handlers.values();
    }

    /** The handler of {@code pipeline}, if this worker serves it. */
    public Optional<Registered> find(String pipeline) {
        return Optional.ofNullable(handlers.get(pipeline));
    }

    /** Pipeline name → queue of every served pipeline, sorted by name. */
    public Map<String, String> pipelines() {
        Map<String, String> result = new LinkedHashMap<>();
        handlers.values().forEach(r -> result.put(r.name(), r.queue()));
        return result;
    }

    /** Served pipeline names, comma separated, for messages. */
    public String names() {
        return handlers.isEmpty() ? "none" : String.join(", ", handlers.keySet());
    }

    /** How a registered handler is started. */
    @FunctionalInterface
    public interface Invoker {
        Uni<Object> invoke(RunContext context, Executor virtualThreads);
    }

    /**
     * A handler bean found at start.
     *
     * @param beanClass the bean's class
     * @param pipeline  its {@code @Pipeline}, or null when it has none
     * @param invoker   starts one attempt
     */
    record Candidate(Class<?> beanClass, Pipeline pipeline, Invoker invoker, Lifecycle lifecycle) {
        Candidate(Class<?> beanClass, Pipeline pipeline, Invoker invoker) {
            this(beanClass, pipeline, invoker, Lifecycle.NONE);
        }
    }

    /**
     * How a handler is prepared before its first run and released at the worker's stop.
     *
     * @param init  its {@code init()}, given the virtual threads a blocking one runs on
     * @param close its {@code close()}, likewise
     */
    public record Lifecycle(Function<Executor, Uni<Void>> init,
                            Function<Executor, Uni<Void>> close) {
        /** Nothing to prepare or release. */
        public static final Lifecycle NONE = new Lifecycle(vt -> Uni.createFrom().voidItem(),
                vt -> Uni.createFrom().voidItem());
    }

    /**
     * A registered handler.
     *
     * @param name      pipeline name
     * @param queue     the queue its runs go to when a submit names none
     * @param beanClass the bean behind it, for messages
     * @param invoker   starts one attempt
     * @param lifecycle its init and close
     */
    public record Registered(String name, String queue, Class<?> beanClass, Invoker invoker, Lifecycle lifecycle) {
    }

    /** A checked exception thrown by a blocking handler, carried unchecked; its message is the cause's. */
    public static final class HandlerException extends RuntimeException {
        HandlerException(Exception cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        }
    }
}
