package io.runstream.redis;

import io.runstream.local.LocalInfrastructure;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Groups of commands from many callers share round trips and get their own answers, in order; a pipeline with an
 * error reply fails every group in it (the reason only retry-safe groups may share one). Own Redis: it counts
 * commands.
 */
class RedisPipelineTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

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
    void eachGroupGetsItsOwnAnswersInOrder() {
        RedisPipeline pipeline = new RedisPipeline(redis, 64, 1, WAIT);
        List<CompletableFuture<List<Response>>> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String key = "k" + i;
            answers.add(pipeline.send(List.of(Request.cmd(Command.INCRBY).arg(key).arg(i),
                    Request.cmd(Command.INCRBY).arg(key).arg(1000))).subscribeAsCompletionStage());
        }
        for (int i = 0; i < 50; i++) {
            List<Response> mine = answers.get(i).join();
            assertThat(mine).extracting(Response::toLong).containsExactly((long) i, i + 1000L);
        }
    }

    @Test
    void anErrorReplyFailsEveryGroupOfItsPipeline() {
        RedisPipeline pipeline = new RedisPipeline(redis, 64, 1, WAIT);
        // the first group goes alone and waits on a paused Redis; the next two wait for it, then share one pipeline
        LocalInfrastructure.redisCommandAt(uri, "CLIENT", "PAUSE", "300", "WRITE");
        CompletableFuture<List<Response>> first = pipeline.send(List.of(Request.cmd(Command.SET).arg("s").arg("x")))
                .subscribeAsCompletionStage();
        CompletableFuture<List<Response>> fine = pipeline.send(List.of(Request.cmd(Command.INCR).arg("n")))
                .subscribeAsCompletionStage();
        CompletableFuture<List<Response>> wrong = pipeline.send(List.of(Request.cmd(Command.INCR).arg("s")))
                .subscribeAsCompletionStage();
        assertThat(first.join()).hasSize(1);
        assertThat(wrong).failsWithin(WAIT);
        assertThat(fine).as("applied, yet failed with its pipeline").failsWithin(WAIT);
        assertThat(LocalInfrastructure.redisCommandAt(uri, "EXISTS", "n")).isEqualTo(":1");
    }
}
