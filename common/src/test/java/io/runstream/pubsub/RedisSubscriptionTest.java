package io.runstream.pubsub;

import io.runstream.local.LocalInfrastructure;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A subscription survives a Redis restart: it resubscribes by itself and says so, so its owner can catch up. Runs
 * against a Redis of its own (embedded, on a free port), since the test restarts it.
 */
class RedisSubscriptionTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private final int port = LocalInfrastructure.freePort();
    private final String uri = "redis://127.0.0.1:" + port;
    private Vertx vertx;
    private RedisServer redis;
    private Redis client;
    private RedisSubscription subscription;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        redis = server();
        redis.start();
        client = Redis.createClient(vertx, uri);
    }

    @AfterEach
    void stop() throws Exception {
        if (subscription != null) {
            subscription.stop().await().atMost(WAIT);
        }
        client.close();
        vertx.closeAndAwait();
        redis.stop();
    }

    @Test
    void patternSubscriptionDeliversChannelAndMessage() {
        List<String> received = new CopyOnWriteArrayList<>();
        subscription = new RedisSubscription(vertx, client, RedisSubscription.Mode.PATTERN, "app:notify*",
                (channel, message) -> received.add(channel + "=" + message), () -> { }, Duration.ofMillis(100));
        subscription.start();
        await().atMost(WAIT).until(subscription::isSubscribed);

        publish("app:notify", "run-1");
        publish("app:notify:2", "run-2");
        publish("other", "run-3");

        await().atMost(WAIT).until(() -> received.size() == 2);
        assertThat(received).containsExactly("app:notify=run-1", "app:notify:2=run-2");
    }

    @Test
    void resubscribesAfterARedisRestartAndSaysSo() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        AtomicInteger subscriptions = new AtomicInteger();
        subscription = new RedisSubscription(vertx, client, RedisSubscription.Mode.CHANNEL, "app:cancel",
                (channel, message) -> received.add(message), subscriptions::incrementAndGet, Duration.ofMillis(100));
        subscription.start();
        await().atMost(WAIT).until(() -> subscriptions.get() == 1);
        publish("app:cancel", "before");
        await().atMost(WAIT).until(() -> received.contains("before"));

        redis.stop();
        await().atMost(WAIT).until(() -> !subscription.isSubscribed());
        redis = server();
        redis.start();

        await().atMost(WAIT).until(() -> subscriptions.get() == 2);
        publish("app:cancel", "after");
        await().atMost(WAIT).until(() -> received.contains("after"));
    }

    /**
     * The subscription connects as the client it is given is configured to: here with a password that only the
     * client's options carry, not the URI (a subscription that dialled the URI itself was refused with NOAUTH).
     */
    @Test
    void connectsWithTheClientsOwnSettings() throws Exception {
        redis.stop();
        redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").setting("requirepass s3cret-of-the-client").build();
        redis.start();
        client.close();
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(uri).setPassword("s3cret-of-the-client"));
        List<String> received = new CopyOnWriteArrayList<>();
        subscription = new RedisSubscription(vertx, client, RedisSubscription.Mode.CHANNEL, "app:cancel",
                (channel, message) -> received.add(message), () -> { }, Duration.ofMillis(100));
        subscription.start();
        await().atMost(WAIT).until(subscription::isSubscribed);

        assertThat(LocalInfrastructure.redisCommandAt("redis://:s3cret-of-the-client@127.0.0.1:" + port, "PUBLISH",
                "app:cancel", "run-1")).isEqualTo(":1");
        await().atMost(WAIT).until(() -> received.contains("run-1"));
    }

    private RedisServer server() throws IOException {
        return RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
    }

    private void publish(String channel, String message) {
        assertThat(LocalInfrastructure.redisCommandAt(uri, "PUBLISH", channel, message)).startsWith(":");
    }
}
