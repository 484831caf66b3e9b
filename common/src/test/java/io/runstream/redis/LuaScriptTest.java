package io.runstream.redis;

import io.runstream.local.LocalInfrastructure;
import io.vertx.mutiny.redis.client.Redis;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A script runs by its SHA1 and falls back to its text when Redis does not know it (own Redis: it is flushed). */
class LuaScriptTest {

    private static final LuaScript INCR_BY = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

    @RegisterExtension
    final OwnRedisClient own = new OwnRedisClient();
    private Redis redis;
    private String uri;

    @BeforeEach
    void start() {
        redis = own.redis();
        uri = own.uri();
    }

    @Test
    void runsFromItsTextOnceThenByItsShaAndAgainAfterAFlush() {
        Duration wait = Duration.ofSeconds(5);
        assertThat(INCR_BY.run(redis, List.of("n"), List.of(2)).await().atMost(wait).toLong()).isEqualTo(2);
        // Redis now knows the script under the SHA1 it is run by
        assertThat(LocalInfrastructure.redisCommandAt(uri, "EVALSHA", INCR_BY.sha1(), "1",
                "n", "0")).isEqualTo(":2");
        assertThat(INCR_BY.run(redis, List.of("n"), List.of(3)).await().atMost(wait).toLong()).isEqualTo(5);

        LocalInfrastructure.redisCommandAt(uri, "SCRIPT", "FLUSH");
        assertThat(INCR_BY.run(redis, List.of("n"), List.of(1)).await().atMost(wait).toLong()).isEqualTo(6);
    }

    @Test
    void inAPipelineItFallsBackToItsTextWhenRedisForgotIt() {
        Duration wait = Duration.ofSeconds(5);
        RedisPipeline pipeline = new RedisPipeline(redis, 16, 1, wait);
        assertThat(INCR_BY.run(pipeline, redis, List.of("p"), List.of(2)).await().atMost(wait).toLong()).isEqualTo(2);
        assertThat(INCR_BY.run(pipeline, redis, List.of("p"), List.of(3)).await().atMost(wait).toLong()).isEqualTo(5);
        LocalInfrastructure.redisCommandAt(uri, "SCRIPT", "FLUSH");
        assertThat(INCR_BY.run(pipeline, redis, List.of("p"), List.of(1)).await().atMost(wait).toLong()).isEqualTo(6);
    }
}
