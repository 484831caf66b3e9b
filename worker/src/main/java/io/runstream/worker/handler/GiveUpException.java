package io.runstream.worker.handler;

/**
 * Thrown by a handler whose run cannot succeed however often it is tried (bad input, a permanent refusal): the run
 * fails at once, without the retries a plain exception gets.
 */
public class GiveUpException extends RuntimeException {

    public GiveUpException(String message) {
        super(message);
    }

    public GiveUpException(String message, Throwable cause) {
        super(message, cause);
    }
}
