package io.runstream.pipeline;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.List;

/**
 * A worker as it tells itself on each heartbeat ({@code GET /api/workers}, the dashboard's workers view).
 *
 * @param id          its id (consumer name in the queues' groups)
 * @param queues      the queues it reads
 * @param pipelines   the pipelines it has
 * @param concurrency most runs it executes at once
 * @param inFlight    runs it executes now
 * @param startedAt   when it started
 * @param heartbeatAt its last heartbeat
 */
@RegisterForReflection
public record WorkerStatus(String id, List<String> queues, List<String> pipelines, int concurrency, int inFlight,
                           Instant startedAt, Instant heartbeatAt) {
}
