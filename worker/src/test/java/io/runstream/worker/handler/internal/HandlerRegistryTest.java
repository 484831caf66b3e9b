package io.runstream.worker.handler.internal;

import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.internal.HandlerRegistry.Candidate;
import io.runstream.worker.handler.internal.HandlerRegistry.Invoker;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the registry that the worker builds at start treats the handler beans it finds (the start itself is
 * covered by {@code WorkerTest}, whose app registers the demo pipelines and a test one).
 */
class HandlerRegistryTest {

    private static final Invoker NOTHING = (ctx, vt) -> Uni.createFrom().nullItem();

    @Test
    void aPipelineNameTakenTwiceFailsNamingItAndBothHandlers() {
        assertThatThrownBy(() -> HandlerRegistry.build(List.of(
                new Candidate(String.class, Pipeline.Literal.of("resize", "default"), NOTHING),
                new Candidate(Integer.class, Pipeline.Literal.of("resize", "images"), NOTHING))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("pipeline 'resize' is registered twice: by java.lang.String and by java.lang.Integer");
    }

    @Test
    void aHandlerWithoutPipelineFailsNamingIt() {
        assertThatThrownBy(() -> HandlerRegistry.build(List.of(new Candidate(Long.class, null, NOTHING))))
                .hasMessageContaining("handler java.lang.Long has no @Pipeline");
    }

    @Test
    void anInvalidNameFailsNamingTheHandler() {
        assertThatThrownBy(() -> HandlerRegistry.build(List.of(
                new Candidate(Long.class, Pipeline.Literal.of("has space", "default"), NOTHING))))
                .hasMessageContaining("handler java.lang.Long has an invalid pipeline name")
                .hasMessageContaining("'has space'");
    }
}
