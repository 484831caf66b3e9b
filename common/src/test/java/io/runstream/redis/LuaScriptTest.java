package io.runstream.redis;

import io.runstream.local.LocalInfrastructure;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A script runs by its SHA1 and falls back to its text when Redis does not know it (own Redis: it is flushed). */
class LuaScriptTest {

    private static final LuaScript INCR_BY = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

    private final int port = LocalInfrastructure.freePort();
    private Vertx vertx;
    private RedisServer server;
    private Redis redis;

    @BeforeEach
    void start() throws Exception {
        server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").build();
        server.start();
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
    }

    @AfterEach
    void stop() throws Exception {
        redis.close();
        vertx.closeAndAwait();
        server.stop();
    }

    @Test
    void runsFromItsTextOnceThenByItsShaAndAgainAfterAFlush() {
        Duration wait = Duration.ofSeconds(5);
        assertThat(INCR_BY.run(redis, List.of("n"), List.of(2)).await().atMost(wait).toLong()).isEqualTo(2);
        // Redis now knows the script under the SHA1 it is run by
        assertThat(LocalInfrastructure.redisCommandAt("redis://127.0.0.1:" + port, "EVALSHA", INCR_BY.sha1(), "1",
                "n", "0")).isEqualTo(":2");
        assertThat(INCR_BY.run(redis, List.of("n"), List.of(3)).await().atMost(wait).toLong()).isEqualTo(5);

        LocalInfrastructure.redisCommandAt("redis://127.0.0.1:" + port, "SCRIPT", "FLUSH");
        assertThat(INCR_BY.run(redis, List.of("n"), List.of(1)).await().atMost(wait).toLong()).isEqualTo(6);
    }
}
