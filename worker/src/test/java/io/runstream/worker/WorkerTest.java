package io.runstream.worker;

import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.json.Json;
import io.runstream.local.RunstreamTestResource;
import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.PipelineInfo;
import io.runstream.redis.streams.RedisStreamsConnector;
import io.runstream.worker.consume.TaskIntake;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The worker against real Redis and PostgreSQL: tasks in, handlers run, outcomes and events recorded. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class WorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    WorkerFixture fixture;

    @Inject
    PipelineDirectory directory;

    @Inject
    @Connector(RedisStreamsConnector.NAME)
    RedisStreamsConnector connector;

    @Inject
    WorkerConfig config;

    @Inject
    WorkerId workerId;

    @Inject
    io.runstream.queue.QueueInspector inspector;

    @Inject
    io.runstream.config.RunstreamConfig runstream;

    /**
     * Every queue of the worker's pipelines has a channel, whose stream, group and consumer are the ones the rest of
     * the system names.
     */
    @Test
    void eachQueueOfItsPipelinesIsReadAsTheWorkersGroupUnderThisWorkersId() {
        for (String queue : List.of("default", "verification")) {
            var channel = connector.incoming(TaskIntake.channelName(queue)).orElseThrow();
            assertThat(channel.stream()).isEqualTo(runstream.keys().tasks(queue));
            assertThat(channel.group()).isEqualTo(io.runstream.keys.RedisKeys.WORKERS_GROUP);
            assertThat(channel.consumer()).isEqualTo(workerId.value());
        }
    }

    @Test
    void theWorkersConcurrencyReachesTheTaskReads() {
        // a consumer that asked for one task at a time would make every XREADGROUP fetch a single entry
        var channel = connector.incoming(TaskIntake.channelName("default")).orElseThrow();
        await().atMost(WAIT).until(() -> channel.largestDemand() > 0);
        assertThat(channel.largestDemand()).isEqualTo(config.concurrency());
    }

    /** A pipeline of another queue is served there, its retries included (the default queue never sees it). */
    @Test
    void aRunOfAPipelineOnAnotherQueueIsRunAndRetriedOnThatQueue() {
        long defaultEntries = fixture.redis().stream(String.class).xlen(fixture.keys().tasks("default"));
        long entries = fixture.redis().stream(String.class).xlen(fixture.keys().tasks("verification"));
        UUID id = fixture.submitTo("verification", "verify", "{\"failFirst\":true}");

        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        assertThat(fixture.run(id).getInteger("attempt")).isEqualTo(2);
        // the task, then its retry
        assertThat(fixture.redis().stream(String.class).xlen(fixture.keys().tasks("verification")))
                .isEqualTo(entries + 2);
        assertThat(fixture.redis().stream(String.class).xlen(fixture.keys().tasks("default")))
                .isEqualTo(defaultEntries);
    }

    /**
     * The worker's handler slots are shared across its queues: a run on one queue does not wait behind another
     * queue's backlog, it takes one of the next free slots.
     */
    @Test
    void aRunOnOneQueueDoesNotWaitBehindAnotherQueuesBacklog() {
        List<UUID> backlog = IntStream.range(0, 20).mapToObj(i -> fixture.submit("probe", "{\"ms\":200}")).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(backlog.stream().map(fixture::status).toList())
                .as("backlog").contains("running"));
        UUID other = fixture.submitTo("verification", "verify", "{}");

        await().atMost(WAIT).until(() -> fixture.status(other).equals("completed"));
        long doneBefore = backlog.stream().filter(id -> fixture.status(id).equals("completed")).count();
        // concurrency 2: the backlog alone takes 2 s; the other queue's run came within a few slots of its arrival
        assertThat(doneBefore).as("backlog runs completed before the other queue's run").isLessThanOrEqualTo(8);
        await().atMost(WAIT).until(() -> backlog.stream().allMatch(id -> fixture.status(id).equals("completed")));
    }

    /**
     * Priorities: with a backlog of priority-4 runs and every slot taken, a priority-1 run takes one of the next
     * free slots, and a retry goes back to its priority.
     */
    @Test
    void aHighPriorityRunJumpsAheadOfALowPriorityBacklog() {
        List<UUID> backlog = IntStream.range(0, 20).mapToObj(i -> fixture.submitTo("default", 4, "probe",
                "{\"ms\":200}")).toList();
        await().atMost(WAIT).untilAsserted(() -> assertThat(backlog.stream().map(fixture::status).toList())
                .as("backlog").contains("running"));
        UUID urgent = fixture.submitTo("default", 1, "probe", "{\"ms\":1}");

        await().atMost(WAIT).until(() -> fixture.status(urgent).equals("completed"));
        long doneBefore = backlog.stream().filter(id -> fixture.status(id).equals("completed")).count();
        // concurrency 2: the backlog takes 2 s; the urgent run took one of the two slots that freed next
        assertThat(doneBefore).as("backlog runs completed before the urgent one").isLessThanOrEqualTo(4);
        await().atMost(WAIT).until(() -> backlog.stream().allMatch(id -> fixture.status(id).equals("completed")));

        long entries = fixture.redis().stream(String.class).xlen(fixture.keys().tasks("verification", 1));
        UUID retried = fixture.submitTo("verification", 1, "verify", "{\"failFirst\":true}");
        await().atMost(WAIT).until(() -> fixture.status(retried).equals("completed"));
        assertThat(fixture.redis().stream(String.class).xlen(fixture.keys().tasks("verification", 1)))
                .as("the task and its retry, both at priority 1").isEqualTo(entries + 2);
    }

    /** A delayed run's task waits in its lane's delayed set and starts soon after it is due, not before. */
    @Test
    void aDelayedRunStartsSoonAfterItIsDueAndNotBefore() {
        long due = System.currentTimeMillis() + 1_000;
        UUID id = fixture.submitDelayed("default", 1, "echo", "{}", due);

        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        long started = fixture.run(id).getOffsetDateTime("started_at").toInstant().toEpochMilli();
        // the poll is 50 ms here; the bound leaves room for a loaded machine, the benchmark measures the error
        assertThat(started - due).as("start after due, ms").isBetween(0L, 1_000L);
    }

    @Test
    void echoCompletesWithItsInputAsResultAndIsAckedAfterwards() {
        UUID id = fixture.submit("echo", "{\"a\":1,\"b\":[true,null]}");

        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        Row run = fixture.run(id);
        assertThat(Json.tree(run.getString("result"))).isEqualTo(Json.tree("{\"a\":1,\"b\":[true,null]}"));
        assertThat(run.getInteger("attempt")).isEqualTo(1);
        assertThat(run.getOffsetDateTime("started_at")).isNotNull();
        assertThat(run.getOffsetDateTime("completed_at")).isAfterOrEqualTo(run.getOffsetDateTime("started_at"));
        await().atMost(WAIT).until(() -> fixture.pendingTasks() == 0);
    }

    @Test
    void generateWritesItsEventsInOrderThenTheOutcome() {
        UUID id = fixture.submit("generate", "{\"chunks\":30,\"delayMs\":1}");

        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        await().atMost(WAIT).until(() -> fixture.events(id).stream()
                .anyMatch(e -> e.payload().get("data").contains("\"completed\"")));
        List<StreamMessage<String, String, String>> events = fixture.events(id);
        List<String> types = events.stream().map(e -> e.payload().get("type")).toList();
        List<String> expected = new ArrayList<>(List.of("status"));
        IntStream.range(0, 30).forEach(i -> expected.add("output"));
        expected.addAll(List.of("result", "status"));
        assertThat(types).containsExactlyElementsOf(expected);
        assertThat(events.subList(1, 31)).extracting(e -> Json.tree(e.payload().get("data")).get("chunk").asText())
                .containsExactlyElementsOf(IntStream.range(0, 30).mapToObj(i -> "token-" + i + " ").toList());
        assertThat(events.getFirst().payload()).containsEntry("attempt", "1");
        assertThat(Json.tree(events.get(31).payload().get("data")).get("result").asText())
                .isEqualTo(Json.tree(fixture.run(id).getString("result")).asText());
        assertThat(fixture.redis().key().ttl(fixture.keys().events(id))).isBetween(1L, 86_400L);
    }

    @Test
    void aLongRunIsAnnouncedWhileItRuns() {
        // a run's status: running waits up to running-event-delay to share the write of what follows it
        UUID id = fixture.submit("sleep", "{\"ms\":3000}");

        await().atMost(WAIT).until(() -> fixture.events(id).stream()
                .anyMatch(e -> e.payload().get("data").contains("\"running\"")));
        assertThat(fixture.status(id)).as("announced before it ends").isEqualTo("running");
        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        assertThat(fixture.events(id)).extracting(e -> e.payload().get("type"))
                .containsExactly("status", "result", "status");
    }

    @Test
    void aFailingRunIsRetriedWithBackoffThenFailsAfterItsLastAttempt() {
        UUID id = fixture.submit("fail", "{\"message\":\"disk on fire\"}");

        await().atMost(WAIT).until(() -> fixture.status(id).equals("failed"));
        Row run = fixture.run(id);
        assertThat(run.getInteger("attempt")).isEqualTo(3);
        assertThat(run.getString("error")).isEqualTo("disk on fire");
        assertThat(run.getString("result")).isNull();
        assertThat(run.getOffsetDateTime("completed_at")).isNotNull();
        await().atMost(WAIT).until(() -> fixture.events(id).stream().anyMatch(e -> e.payload().get("data")
                .contains("\"failed\"")));
        assertThat(fixture.events(id)).filteredOn(e -> e.payload().get("type").equals("error"))
                .extracting(e -> Json.tree(e.payload().get("data")).get("retryable").asBoolean())
                .containsExactly(true, true, false);
        assertThat(fixture.events(id)).filteredOn(e -> e.payload().get("type").equals("status"))
                .extracting(e -> Json.tree(e.payload().get("data")).get("status").asText() + "@" + e.payload().get("attempt"))
                .containsExactly("running@1", "queued@1", "running@2", "queued@2", "running@3", "failed@3");
        // every attempt after the first starts with a reset, so that followers discard the earlier attempt's output
        List<String> types = fixture.events(id).stream().map(e -> e.payload().get("type") + "@" + e.payload().get("attempt"))
                .toList();
        assertThat(types).filteredOn(t -> t.startsWith("reset")).containsExactly("reset@2", "reset@3");
        assertThat(types.get(types.indexOf("reset@2") + 1)).isEqualTo("status@2");
        assertThat(types.get(types.indexOf("reset@3") + 1)).isEqualTo("status@3");
        assertThat(types.subList(0, types.indexOf("reset@2"))).allMatch(t -> t.endsWith("@1"));
    }

    /**
     * max-concurrency 1 holds across the worker's two slots: the runs over it wait (counted in their queue as
     * waiting on a limit), none fails, and they run one at a time.
     */
    @Test
    void aConcurrencyLimitHoldsAndRunsOverItWaitWithoutFailing() {
        LimitProbe.MAX_RUNNING.set(0);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(fixture.submit("limited", "{\"ms\":150}"));
        }
        await().atMost(WAIT).until(() -> inspector.inspect("default", 1).await().atMost(WAIT).waitingOnLimit() > 0);
        await().atMost(WAIT).until(() -> ids.stream().allMatch(id -> fixture.status(id).equals("completed")));
        assertThat(LimitProbe.MAX_RUNNING).hasValue(1);
        assertThat(ids).allMatch(id -> fixture.run(id).getInteger("attempt") == 1);
        await().atMost(WAIT).until(() -> fixture.redis().sortedSet(String.class)
                .zcard(fixture.keys().limitLeases("limited")) == 0);
    }

    /** The lease of a run whose worker died holds its slot until it expires (limit-lease 1 s in the tests). */
    @Test
    void aDeadWorkersLeaseFreesItsSlotWhenItExpires() {
        long now = System.currentTimeMillis();
        fixture.redis().sortedSet(String.class).zadd(fixture.keys().limitLeases("limited"), now + 1_000,
                UUID.randomUUID().toString()); // a run of a worker that died
        UUID id = fixture.submit("limited", "{\"ms\":1}");
        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        Row run = fixture.run(id);
        assertThat(Duration.between(run.getOffsetDateTime("created_at"), run.getOffsetDateTime("started_at")))
                .as("waited for the dead run's lease").isGreaterThanOrEqualTo(Duration.ofMillis(700));
    }

    /**
     * A dead worker's run, reclaimed while its pipeline's limit is full, waits and then restarts: the task that
     * takes the reclaimed entry's place restarts the run as that entry would (else the run stayed running for ever).
     */
    @Test
    void aReclaimedRunHeldBackByALimitRestartsOnceASlotFrees() {
        UUID id = fixture.submit(null, "limited", "{\"ms\":1}");
        String entry = fixture.takeAsGhost(id, "limited");
        fixture.markRunning(id, entry);
        fixture.redis().sortedSet(String.class).zadd(fixture.keys().limitLeases("limited"),
                System.currentTimeMillis() + 2_500, UUID.randomUUID().toString()); // another dead run's slot

        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        assertThat(fixture.run(id).getInteger("attempt")).isEqualTo(2);
    }

    /**
     * A second task of a running run (a duplicate dispatch) finds nothing to run and gives back only its own lease:
     * the running run keeps its slot, and the next run waits for it.
     */
    @Test
    void aDuplicateTaskOfARunningRunDoesNotFreeItsSlot() {
        LimitProbe.MAX_RUNNING.set(0);
        UUID first = fixture.submit("limited", "{\"ms\":800}");
        await().atMost(WAIT).until(() -> fixture.status(first).equals("running"));
        fixture.redis().stream(String.class).xadd(fixture.keys().tasks("default"),
                Map.of("payload", new io.runstream.task.TaskMessage(first, "limited").encode()));
        UUID second = fixture.submit("limited", "{\"ms\":1}");
        await().atMost(WAIT).until(() -> fixture.status(second).equals("completed"));
        assertThat(LimitProbe.MAX_RUNNING).hasValue(1);
        assertThat(fixture.run(second).getOffsetDateTime("started_at"))
                .isAfterOrEqualTo(fixture.run(first).getOffsetDateTime("completed_at"));
    }

    /** rate-limit 2/1s: two runs at once, then one every half second. */
    @Test
    void aRateLimitSpreadsStarts() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(fixture.submit("rated", "{}"));
        }
        await().atMost(WAIT).until(() -> ids.stream().allMatch(id -> fixture.status(id).equals("completed")));
        List<OffsetDateTime> starts = ids.stream().map(id -> fixture.run(id).getOffsetDateTime("started_at"))
                .sorted().toList();
        assertThat(Duration.between(starts.getFirst(), starts.getLast()))
                .as("5 starts at 2 per second, 2 of them at once").isGreaterThanOrEqualTo(Duration.ofMillis(1_200));
    }

    /**
     * The lookup demo's init needs its table: while it is missing, the init fails each attempt; after three
     * failures in a row the circuit opens, a run fails at once naming the cause and the directory shows the pipeline
     * unavailable on this worker; once the table is there, a run after the cool-down makes the one trial init that
     * closes the circuit.
     */
    @Test
    void aHandlerWhoseInitKeepsFailingOpensItsCircuitAndATrialClosesIt() throws Exception {
        Path table = Path.of("target/lookup-table.json");
        Files.deleteIfExists(table);
        UUID first = fixture.submit("lookup", "{\"key\":\"a\"}");
        await().atMost(WAIT).until(() -> fixture.status(first).equals("failed"));
        assertThat(fixture.run(first).getInteger("attempt")).isEqualTo(3);
        assertThat(fixture.run(first).getString("error")).startsWith("cannot read the lookup table")
                .contains("lookup-table.json", "NoSuchFileException");

        UUID fast = fixture.submit("lookup", "{\"key\":\"a\"}");
        await().atMost(WAIT).until(() -> fixture.status(fast).equals("failed"));
        assertThat(fixture.run(fast).getInteger("attempt")).as("no retry while the circuit is open").isEqualTo(1);
        assertThat(fixture.run(fast).getString("error")).contains("pipeline 'lookup' is unavailable on this worker",
                "failed 3 times in a row", "cannot read the lookup table");
        await().atMost(WAIT).untilAsserted(() -> assertThat(lookup().unavailable())
                .extracting(io.runstream.pipeline.PipelineInfo.Unavailable::worker).containsExactly(workerId.value()));
        assertThat(lookup().unavailable().getFirst().reason()).contains("cannot read the lookup table");

        Files.writeString(table, "{\"a\": 1}");
        await().atMost(WAIT).until(() -> {
            UUID trial = fixture.submit("lookup", "{\"key\":\"a\"}");
            await().atMost(WAIT).until(() -> !fixture.status(trial).equals("queued")
                    && !fixture.status(trial).equals("running"));
            // a run within the cool-down still fails at once; the first after it completes
            return fixture.status(trial).equals("completed")
                    && Json.tree(fixture.run(trial).getString("result")).get("value").asInt() == 1;
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(lookup().unavailable()).isEmpty());
    }

    private io.runstream.pipeline.PipelineInfo lookup() {
        return directory.list().await().atMost(WAIT).stream().filter(p -> p.name().equals("lookup")).findFirst()
                .orElseThrow();
    }

    @Test
    void aRunThatFailsTwiceCompletesOnItsThirdAttempt() {
        UUID id = fixture.submit("fail", "{\"times\":2}");

        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        assertThat(fixture.run(id).getInteger("attempt")).isEqualTo(3);
        assertThat(fixture.run(id).getString("result")).isEqualTo("{\"attempt\":3}");
        await().atMost(WAIT).until(() -> fixture.events(id).stream().anyMatch(e -> e.payload().get("data")
                .contains("\"completed\"")));
        assertThat(fixture.events(id)).filteredOn(e -> e.payload().get("type").equals("result")).hasSize(1);
    }

    @Test
    void theTaskOfADeadWorkerIsReclaimedAndTheRunRestartsAsANewAttempt() {
        UUID id = fixture.submit(null, "echo", "{\"v\":7}");
        String entry = fixture.takeAsGhost(id, "echo");
        fixture.markRunning(id, entry);

        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        assertThat(fixture.run(id).getInteger("attempt")).isEqualTo(2);
        assertThat(fixture.run(id).getString("result")).isEqualTo("{\"v\":7}");
        await().atMost(WAIT).until(() -> fixture.events(id).stream().anyMatch(e -> e.payload().get("type").equals("result")));
        assertThat(fixture.events(id)).extracting(e -> e.payload().get("type")).startsWith("reset", "status");
        assertThat(Json.tree(fixture.events(id).getFirst().payload().get("data")).get("attempt").asInt()).isEqualTo(2);
        await().atMost(WAIT).until(() -> fixture.pendingTasks() == 0);
    }

    @Test
    void aTaskDeliveredTooOftenIsDeadLetteredAndItsRunFailed() {
        UUID id = fixture.submit(null, "echo", "{}");
        String entry = fixture.takeAsGhost(id, "echo");
        // five deliveries already: the reclaim by the worker is the sixth, one over max-deliveries
        fixture.redis().execute("XCLAIM", fixture.keys().tasks("default"), "workers", "ghost", "0", entry,
                "RETRYCOUNT", "5");

        await().atMost(WAIT).until(() -> fixture.status(id).equals("failed"));
        assertThat(fixture.run(id).getString("error")).startsWith("task delivered 6 times without an outcome");
        await().atMost(WAIT).until(() -> fixture.redis().stream(String.class)
                .xlen(fixture.keys().deadLetter("default")) >= 1);
        assertThat(fixture.redis().stream(String.class).xrange(fixture.keys().deadLetter("default"),
                        io.quarkus.redis.datasource.stream.StreamRange.of("-", "+")))
                .anySatisfy(letter -> assertThat(letter.payload()).containsEntry("source-id", entry)
                        .hasEntrySatisfying("reason", r -> assertThat(r).contains("given up")));
    }

    @Test
    void deadConsumersWithNothingPendingAreRemovedFromTheGroup() {
        String tasks = fixture.keys().tasks("default");
        await().atMost(WAIT).until(() -> fixture.redis().key().exists(tasks));
        fixture.redis().execute("XGROUP", "CREATECONSUMER", tasks, "workers", "long-gone");

        await().atMost(WAIT).until(() -> !fixture.redis().execute("XINFO", "CONSUMERS", tasks, "workers").toString()
                .contains("long-gone"));
        // this worker's own consumer stays
        assertThat(fixture.redis().execute("XINFO", "CONSUMERS", tasks, "workers").size()).isEqualTo(1);
    }

    @Test
    void badDemoInputFailsTheRunNamingTheField() {
        UUID id = fixture.submit("sleep", "{\"ms\":\"long\"}");

        await().atMost(WAIT).until(() -> fixture.status(id).equals("failed"));
        assertThat(fixture.run(id).getString("error")).contains("input.ms must be a whole number");
    }

    @Test
    void unknownPipelineFailsTheRunListingTheKnownOnes() {
        UUID id = fixture.submit("no-such-pipeline", null);

        await().atMost(WAIT).until(() -> fixture.status(id).equals("failed"));
        assertThat(fixture.run(id).getString("error")).isEqualTo(
                "unknown pipeline 'no-such-pipeline'; this worker serves: echo, fail, generate, limited, lookup, probe, rated, sleep, verify");
    }

    @Test
    void undecodableTaskGoesToTheDeadLetterStream() {
        fixture.redis().stream(String.class).xadd(fixture.keys().tasks("default"), Map.of("payload", "not json"));

        await().atMost(WAIT).until(() -> fixture.redis().stream(String.class)
                .xlen(fixture.keys().deadLetter("default")) == 1);
        await().atMost(WAIT).until(() -> fixture.pendingTasks() == 0);
    }

    @Test
    void runsAtMostTheConfiguredNumberAtOnceOnVirtualThreads() {
        ConcurrencyProbe.MAX_RUNNING.set(0);
        List<UUID> ids = IntStream.range(0, 8).mapToObj(i -> fixture.submit("probe", "{\"ms\":150}")).toList();

        await().atMost(WAIT).until(() -> ids.stream().allMatch(id -> fixture.status(id).equals("completed")));
        assertThat(ConcurrencyProbe.MAX_RUNNING.get()).isEqualTo(2);
        assertThat(ids).allSatisfy(id -> assertThat(fixture.run(id).getString("result"))
                .isEqualTo("{\"virtual\":true}"));
    }

    /**
     * A handler's slot is given back when it returns, not when its outcome is recorded: runs whose outcome waits on
     * PostgreSQL do not stop the next runs from starting (the worker's writes then batch what piles up).
     */
    @Test
    void aRunWhoseOutcomeWaitsOnPostgresqlDoesNotHoldAHandlerSlot() throws Exception {
        UUID held = fixture.submit("sleep", "{\"ms\":300}");
        await().atMost(WAIT).until(() -> fixture.status(held).equals("running"));
        List<UUID> next;
        try (AutoCloseable lock = fixture.lockRow(held)) {
            // the held run's end waits on the lock, and the ends of the runs after it wait behind that statement
            await().atMost(WAIT).until(() -> fixture.statementsWaitingOnLocks() == 1);
            next = IntStream.range(0, 2 * config.concurrency() + 1)
                    .mapToObj(i -> fixture.submit("echo", "{}")).toList();
            await().atMost(WAIT).until(() -> next.stream()
                    .allMatch(id -> fixture.run(id).getOffsetDateTime("started_at") != null));
            assertThat(fixture.status(held)).as("its end still waits").isEqualTo("running");
        }
        await().atMost(WAIT).until(() -> fixture.status(held).equals("completed")
                && next.stream().allMatch(id -> fixture.status(id).equals("completed")));
        await().atMost(WAIT).until(() -> fixture.pendingTasks() == 0);
    }

    @Test
    void advertisesItsPipelinesWithALiveWorker() {
        await().atMost(WAIT).untilAsserted(() -> assertThat(directory.list()
                .await().atMost(WAIT))
                .extracting(PipelineInfo::name, PipelineInfo::queue, PipelineInfo::workers)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("echo", "default", 1),
                        org.assertj.core.groups.Tuple.tuple("fail", "default", 1),
                        org.assertj.core.groups.Tuple.tuple("generate", "default", 1),
                        org.assertj.core.groups.Tuple.tuple("probe", "default", 1),
                        org.assertj.core.groups.Tuple.tuple("sleep", "default", 1),
                        org.assertj.core.groups.Tuple.tuple("verify", "verification", 1)));
    }

    @Test
    void aTerminalRunDeliveredAgainIsNotRunAgain() {
        UUID id = fixture.submit("echo", "1");
        await().atMost(WAIT).until(() -> fixture.status(id).equals("completed"));
        await().atMost(WAIT).until(() -> fixture.pendingTasks() == 0);

        // the same task once more, as after a redelivery
        fixture.redis().stream(String.class).xadd(fixture.keys().tasks("default"),
                Map.of("payload", new io.runstream.task.TaskMessage(id, "echo").encode()));
        // tasks are read in stream order: once a later run is done and nothing is pending, the repeat was settled
        UUID later = fixture.submit("echo", "2");
        await().atMost(WAIT).until(() -> fixture.status(later).equals("completed") && fixture.pendingTasks() == 0);
        assertThat(fixture.run(id).getInteger("attempt")).isEqualTo(1);
        assertThat(fixture.events(id)).filteredOn(e -> e.payload().get("type").equals("result")).hasSize(1);
    }
}
