package io.runstream.worker.handler;

import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.inject.Qualifier;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Registers a handler bean under a pipeline name. The name is the stable key clients submit runs with; two
 * beans with the same name fail the worker's start, naming both.
 *
 * <pre>{@code
 * @ApplicationScoped
 * @Pipeline("resize-image")
 * public class ResizeImage implements RunHandler { ... }
 * }</pre>
 */
@Qualifier
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER})
public @interface Pipeline {

    /** The pipeline name: letters, digits, '.', '_' or '-', at most 100, starting with a letter or digit. */
    String value();

    /** The queue its runs go to. Default is {@code default}. */
    String queue() default "default";

    /** An instance of the annotation, for programmatic lookups and tests. */
    final class Literal extends AnnotationLiteral<Pipeline> implements Pipeline {

        private final String value;
        private final String queue;

        private Literal(String value, String queue) {
            this.value = value;
            this.queue = queue;
        }

        /** {@code @Pipeline(value = name, queue = queue)}. */
        public static Literal of(String name, String queue) {
            return new Literal(name, queue);
        }

        @Override
        public String value() {
            return value;
        }

        @Override
        public String queue() {
            return queue;
        }
    }
}
