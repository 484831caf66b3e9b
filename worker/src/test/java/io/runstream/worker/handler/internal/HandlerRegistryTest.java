package io.runstream.worker.handler.internal;

import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.internal.HandlerRegistry.Candidate;
import io.runstream.worker.handler.internal.HandlerRegistry.Invoker;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the registry that the worker builds at start treats the handler beans it finds (the start itself is
 * covered by {@code WorkerTest}, whose app registers the demo pipelines and a test one).
 */
class HandlerRegistryTest {

    private static final Invoker NOTHING = (ctx, vt) -> Uni.createFrom().nullItem();
    private static final Function<String, Optional<String>> NONE_SET = name -> Optional.empty();

    @Test
    void aPipelinesQueueSettingTakesPrecedenceOverItsAnnotation() {
        var registered = HandlerRegistry.build(List.of(
                        new Candidate(String.class, Pipeline.Literal.of("resize", "images"), NOTHING),
                        new Candidate(Integer.class, Pipeline.Literal.of("verify", "default"), NOTHING)),
                name -> name.equals("verify") ? Optional.of("verification") : Optional.empty());
        assertThat(registered.get("resize").queue()).isEqualTo("images");
        assertThat(registered.get("verify").queue()).isEqualTo("verification");
    }

    @Test
    void aPipelineNameTakenTwiceFailsNamingItAndBothHandlers() {
        assertThatThrownBy(() -> HandlerRegistry.build(List.of(
                new Candidate(String.class, Pipeline.Literal.of("resize", "default"), NOTHING),
                new Candidate(Integer.class, Pipeline.Literal.of("resize", "images"), NOTHING)), NONE_SET))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("pipeline 'resize' is registered twice: by java.lang.String and by java.lang.Integer");
    }

    @Test
    void aHandlerWithoutPipelineFailsNamingIt() {
        assertThatThrownBy(() -> HandlerRegistry.build(List.of(new Candidate(Long.class, null, NOTHING)), NONE_SET))
                .hasMessageContaining("handler java.lang.Long has no @Pipeline");
    }

    @Test
    void anInvalidNameFailsNamingTheHandler() {
        assertThatThrownBy(() -> HandlerRegistry.build(List.of(
                new Candidate(Long.class, Pipeline.Literal.of("has space", "default"), NOTHING)), NONE_SET))
                .hasMessageContaining("handler java.lang.Long has an invalid pipeline name")
                .hasMessageContaining("'has space'");
    }
}
