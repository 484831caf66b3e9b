package io.runstream.redis;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script run by its SHA1 (EVALSHA), so Redis does not parse its text on every call; when Redis does not
 * know it (first call, or after a restart or SCRIPT FLUSH) it is sent once with EVAL, which also caches it.
 *
 * <pre>{@code
 * static final LuaScript MOVE = new LuaScript("return redis.call('ZCARD', KEYS[1])");
 * MOVE.run(redis, List.of(key), List.of()).map(Response::toLong);
 * }</pre>
 */
public final class LuaScript {

    private final String source;
    private final String sha1;

    public LuaScript(String source) {
        this.source = source;
        try {
            this.sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    /** The script's SHA1, as Redis knows it. */
    public String sha1() {
        return sha1;
    }

    /** Runs the script with {@code keys} and {@code args}. */
    public Uni<Response> run(Redis redis, List<String> keys, List<?> args) {
        return orByText(redis.send(request(Command.EVALSHA, sha1, keys, args)), redis, keys, args, null);
    }

    /**
     * Runs the script in {@code pipeline}'s next round trip (for an idempotent script: a pipeline that fails
     * retries every group in it); when Redis does not know the script, it is sent alone with EVAL on {@code redis}.
     */
    public Uni<Response> run(RedisPipeline pipeline, Redis redis, List<String> keys, List<?> args) {
        return run(pipeline, redis, keys, args, List.of());
    }

    /**
     * {@link #run(RedisPipeline, Redis, List, List)}, with {@code after} sent right after the script in the same
     * group: written whatever the script does (it cannot make them conditional), and again if the group is retried.
     */
    public Uni<Response> run(RedisPipeline pipeline, Redis redis, List<String> keys, List<?> args,
                             List<Request> after) {
        List<Request> group = new ArrayList<>(1 + after.size());
        group.add(request(Command.EVALSHA, sha1, keys, args));
        group.addAll(after);
        // the pipeline fails when no answer comes in its timeout; the script sent alone by text is held to the same
        return orByText(pipeline.send(group).map(List::getFirst), redis, keys, args, pipeline.timeout());
    }

    /**
     * {@code bySha}, or — when Redis does not know the script — the script sent alone with EVAL, failing when it is
     * not answered within {@code timeout} (null: no limit of its own).
     */
    private Uni<Response> orByText(Uni<Response> bySha, Redis redis, List<String> keys, List<?> args,
                                   Duration timeout) {
        return bySha.onFailure(LuaScript::unknownScript).recoverWithUni(() -> {
            Uni<Response> byText = redis.send(request(Command.EVAL, source, keys, args));
            return timeout == null ? byText : byText.ifNoItem().after(timeout).fail();
        });
    }

    /**
     * Whether {@code failure} is Redis not knowing the script: {@code NOSCRIPT ...} alone, {@code ERR [i] NOSCRIPT
     * ...} when the client reports the i-th reply of a pipeline.
     */
    private static boolean unknownScript(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        return message.startsWith("NOSCRIPT") || message.matches("(?s)ERR \\[\\d+\\] NOSCRIPT.*");
    }

    private static Request request(Command command, String script, List<String> keys, List<?> args) {
        Request request = Request.cmd(command).arg(script).arg(keys.size());
        keys.forEach(request::arg);
        args.forEach(a -> request.arg(String.valueOf(a)));
        return request;
    }
}
