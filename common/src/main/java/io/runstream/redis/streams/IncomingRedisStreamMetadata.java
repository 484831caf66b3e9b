package io.runstream.redis.streams;

import java.util.Map;

/**
 * Where an incoming message came from.
 *
 * @param stream        the stream key
 * @param group         the consumer group it was read through
 * @param id            the entry id
 * @param fields        all fields of the entry
 * @param redelivered   whether it was delivered before (read again from this consumer's pending entries, or
 *                      reclaimed from a consumer presumed dead)
 * @param deliveries    how many times Redis has delivered it, this time included
 */
public record IncomingRedisStreamMetadata(String stream, String group, String id, Map<String, String> fields,
                                          boolean redelivered, int deliveries) {
}
