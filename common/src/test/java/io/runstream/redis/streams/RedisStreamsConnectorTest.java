package io.runstream.redis.streams;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.RunstreamTestResource;
import io.runstream.redis.streams.internal.IncomingRedisStreamsChannel;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Redis Streams connector against a real Redis: XADD out, consumer groups in, ack, nack, redelivery. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class RedisStreamsConnectorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    ReactiveRedisDataSource reactiveRedis;

    @Inject
    @org.eclipse.microprofile.reactive.messaging.spi.Connector(RedisStreamsConnector.NAME)
    RedisStreamsConnector connector;

    @Inject
    RedisDataSource redis;

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    @Inject
    @Channel("out")
    MutinyEmitter<String> out;

    @ConfigProperty(name = "runstream.key-prefix")
    String prefix;

    private final List<IncomingRedisStreamsChannel> opened = new ArrayList<>();
    private StreamCommands<String, String, String> streams;
    private String stream;

    @BeforeEach
    void setUp(org.junit.jupiter.api.TestInfo test) {
        streams = redis.stream(String.class);
        stream = prefix + ":{q:" + test.getTestMethod().orElseThrow().getName() + "}:tasks";
    }

    @AfterEach
    void closeChannels() {
        opened.forEach(IncomingRedisStreamsChannel::close);
    }

    @Test
    void emitterAppendsEachMessageWithXadd() {
        String emitted = prefix + ":{q:emitted}:tasks";
        for (int i = 0; i < 300; i++) {
            out.sendAndAwait("message-" + i);
        }
        List<StreamMessage<String, String, String>> entries = streams.xrange(emitted, io.quarkus.redis.datasource.stream.StreamRange.of("-", "+"));
        assertThat(entries).isNotEmpty();
        assertThat(entries.getLast().payload()).containsEntry("payload", "message-299");
        // maxlen=10 trims approximately (whole macro nodes), so the stream is far shorter than 300, never below 10
        assertThat(streams.xlen(emitted)).isBetween(10L, 299L);
    }

    @Test
    void createsTheGroupAndDeliversEachEntryToOneConsumer() {
        var first = subscribe(open("c1", Map.of()), Long.MAX_VALUE);
        var second = subscribe(open("c2", Map.of()), Long.MAX_VALUE);
        Set<String> added = new TreeSet<>();
        IntStream.range(0, 100).forEach(i -> added.add(xadd("n" + i)));

        await().atMost(WAIT).until(() -> first.getItems().size() + second.getItems().size() == 100);
        List<Message<String>> all = new ArrayList<>(first.getItems());
        all.addAll(second.getItems());
        all.forEach(m -> m.ack().toCompletableFuture().join());

        Set<String> delivered = new TreeSet<>();
        all.forEach(m -> delivered.add(meta(m).id()));
        assertThat(delivered).isEqualTo(added);
        assertThat(all).extracting(m -> meta(m).group()).containsOnly("g");
        await().atMost(WAIT).until(() -> streams.xpending(stream, "g").getPendingCount() == 0);
    }

    @Test
    void readsNoMoreEntriesThanRequested() {
        var subscriber = subscribe(open("c1", Map.of("count", "16")), 3);
        IntStream.range(0, 10).forEach(i -> xadd("n" + i));

        await().atMost(WAIT).until(() -> subscriber.getItems().size() == 3);
        // only what was requested was read through the group; the rest waits for whoever asks next
        assertThat(streams.xpending(stream, "g").getPendingCount()).isEqualTo(3);
        subscriber.request(7);
        await().atMost(WAIT).until(() -> subscriber.getItems().size() == 10);
        assertThat(subscriber.getItems()).extracting(Message::getPayload)
                .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "n" + i).toList());
    }

    @Test
    void redeliversUnackedEntriesAfterConsumerRestart() {
        IncomingRedisStreamsChannel firstLife = open("c1", Map.of());
        var before = subscribe(firstLife, Long.MAX_VALUE);
        IntStream.range(0, 5).forEach(i -> xadd("n" + i));
        await().atMost(WAIT).until(() -> before.getItems().size() == 5);
        before.getItems().get(0).ack().toCompletableFuture().join();
        before.getItems().get(1).ack().toCompletableFuture().join();
        firstLife.close().toCompletableFuture().join();
        assertThat(streams.xpending(stream, "g").getPendingCount()).isEqualTo(3);

        var after = subscribe(open("c1", Map.of("count", "2")), Long.MAX_VALUE);
        await().atMost(WAIT).until(() -> after.getItems().size() == 3);
        xadd("n5");
        await().atMost(WAIT).until(() -> after.getItems().size() == 4);
        assertThat(after.getItems()).extracting(Message::getPayload).containsExactly("n2", "n3", "n4", "n5");
        assertThat(after.getItems()).extracting(m -> meta(m).redelivered()).containsExactly(true, true, true, false);
    }

    @Test
    void nackWithDeadLetterStrategyMovesTheEntryWithItsReason() {
        String dead = stream + ":dead";
        var subscriber = subscribe(open("c1", Map.of("failure-strategy", "dead-letter", "dead-letter-stream", dead)),
                Long.MAX_VALUE);
        String id = xadd("poison");
        await().atMost(WAIT).until(() -> subscriber.getItems().size() == 1);

        subscriber.getItems().getFirst().nack(new IllegalStateException("cannot decode")).toCompletableFuture().join();

        List<StreamMessage<String, String, String>> letters = streams.xrange(dead,
                io.quarkus.redis.datasource.stream.StreamRange.of("-", "+"));
        assertThat(letters).hasSize(1);
        assertThat(letters.getFirst().payload())
                .containsEntry("payload", "poison")
                .containsEntry("source-id", id)
                .containsEntry("source-stream", stream)
                .hasEntrySatisfying("reason", r -> assertThat(r).contains("cannot decode"));
        assertThat(streams.xpending(stream, "g").getPendingCount()).isZero();
    }

    @Test
    void nackWithIgnoreStrategyAcksTheEntryAndReadsOn() {
        var subscriber = subscribe(open("c1", Map.of("failure-strategy", "ignore")), Long.MAX_VALUE);
        xadd("broken");
        await().atMost(WAIT).until(() -> subscriber.getItems().size() == 1);

        subscriber.getItems().getFirst().nack(new IllegalStateException("cannot decode")).toCompletableFuture().join();

        await().atMost(WAIT).until(() -> streams.xpending(stream, "g").getPendingCount() == 0);
        xadd("next");
        await().atMost(WAIT).until(() -> subscriber.getItems().size() == 2);
        assertThat(subscriber.getItems().get(1).getPayload()).isEqualTo("next");
        assertThat(streams.xrange(stream + ":dead", io.quarkus.redis.datasource.stream.StreamRange.of("-", "+")))
                .as("nothing dead-lettered").isEmpty();
    }

    @Test
    void nackWithFailStrategyStopsTheChannelAndKeepsTheEntryPending() {
        var subscriber = subscribe(open("c1", Map.of("failure-strategy", "fail")), Long.MAX_VALUE);
        xadd("bad");
        await().atMost(WAIT).until(() -> subscriber.getItems().size() == 1);

        subscriber.getItems().getFirst().nack(new IllegalStateException("broken")).toCompletableFuture().join();

        subscriber.awaitFailure(WAIT);
        assertThat(subscriber.getFailure()).hasMessage("broken");
        assertThat(opened.getLast().failure()).contains("broken");
        assertThat(streams.xpending(stream, "g").getPendingCount()).isEqualTo(1);
    }

    @Test
    void recreatesTheGroupWhenTheStreamVanishes() {
        var subscriber = subscribe(open("c1", Map.of("block-ms", "100", "retry-backoff-ms", "50")), Long.MAX_VALUE);
        xadd("before");
        await().atMost(WAIT).until(() -> subscriber.getItems().size() == 1);

        redis.key().del(stream); // what a Redis restart without persistence does to the stream and its group
        await().atMost(WAIT).until(() -> {
            xadd("after");
            return subscriber.getItems().stream().anyMatch(m -> m.getPayload().equals("after"));
        });
    }

    @Test
    void reclaimsTheEntriesOfADeadConsumerCountingDeliveries() {
        IntStream.range(0, 3).forEach(i -> xadd("n" + i));
        // a consumer reads three entries and dies without acking them
        redis.execute("XGROUP", "CREATE", stream, "g", "0");
        redis.execute("XREADGROUP", "GROUP", "g", "dead", "COUNT", "3", "STREAMS", stream, ">");

        var subscriber = subscribe(open("alive", Map.of("visibility-timeout-ms", "300", "reclaim-interval-ms", "100",
                "heartbeat-interval-ms", "100")), Long.MAX_VALUE);

        await().atMost(WAIT).until(() -> subscriber.getItems().size() == 3);
        assertThat(subscriber.getItems()).extracting(Message::getPayload).containsExactly("n0", "n1", "n2");
        assertThat(subscriber.getItems()).extracting(m -> meta(m).redelivered()).containsOnly(true);
        assertThat(subscriber.getItems()).extracting(m -> meta(m).deliveries()).containsOnly(2);
        assertThat(streams.xpending(stream, "g").getConsumers()).containsOnlyKeys("alive");
    }

    @Test
    void heartbeatKeepsLiveWorkClaimedThroughAStopUntilItIsHandedBack() {
        Map<String, String> fast = Map.of("visibility-timeout-ms", "600", "reclaim-interval-ms", "100",
                "heartbeat-interval-ms", "100", "block-ms", "100");
        IncomingRedisStreamsChannel busy = open("busy", fast);
        var working = subscribe(busy, 1);
        xadd("long work");
        await().atMost(WAIT).until(() -> working.getItems().size() == 1);

        var other = subscribe(open("other", fast), Long.MAX_VALUE);
        // the entry stays with the consumer that heartbeats it, for longer than the visibility timeout
        await().during(Duration.ofMillis(2000)).atMost(Duration.ofSeconds(5)).until(() -> other.getItems().isEmpty());

        // a stopping consumer stops reading but keeps what it works on: its work may still finish
        busy.close().toCompletableFuture().join();
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> other.getItems().isEmpty());

        // what it will not finish it hands back: taken at the next reclaim pass, not a visibility timeout later
        busy.handBack().toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(1)).until(() -> other.getItems().size() == 1);
        assertThat(other.getItems().getFirst().getPayload()).isEqualTo("long work");
        // a graceful hand-back is no failed delivery: the count is what it was, not one more
        assertThat(meta(other.getItems().getFirst()).deliveries()).isEqualTo(1);
    }

    @Test
    void rejectsAnUnknownFailureStrategyNamingTheChoices() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> open("c1", Map.of("failure-strategy", "retry")))
                .hasMessageContaining("dead-letter, fail, ignore").hasMessageContaining("'retry'");
    }

    private String xadd(String payload) {
        return streams.xadd(stream, Map.of("payload", payload));
    }

    private IncomingRedisStreamsChannel open(String consumer, Map<String, String> attributes) {
        Map<String, String> values = new HashMap<>(Map.of("channel-name", "in", "connector",
                RedisStreamsConnector.NAME, "stream", stream, "group", "g", "consumer", consumer, "block-ms", "500"));
        values.putAll(attributes);
        var config = new SmallRyeConfigBuilder().withDefaultValues(values).build();
        var channel = new IncomingRedisStreamsChannel(reactiveRedis, vertx, new RedisStreamsConnectorIncomingConfiguration(config),
                name -> connector.failureStrategy("in", name));
        opened.add(channel);
        return channel;
    }

    private static AssertSubscriber<Message<String>> subscribe(IncomingRedisStreamsChannel channel, long request) {
        return channel.publisher().subscribe().withSubscriber(AssertSubscriber.create(request));
    }

    private static IncomingRedisStreamMetadata meta(Message<?> message) {
        return message.getMetadata(IncomingRedisStreamMetadata.class).orElseThrow();
    }
}
