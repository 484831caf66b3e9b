package io.runstream.queue;

import io.vertx.mutiny.redis.client.Response;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the field/value replies of XINFO, whether Redis answers in RESP2 (flat arrays) or RESP3 (maps). */
public final class RedisReplies {

    private RedisReplies() {
    }

    /** Each element of an XINFO GROUPS / XINFO CONSUMERS reply as field → value (values as strings). */
    public static List<Map<String, String>> records(Response reply) {
        List<Map<String, String>> records = new ArrayList<>();
        if (reply == null) {
            return records;
        }
        for (Response record : reply) {
            records.add(fields(record));
        }
        return records;
    }

    /** One field/value record. */
    public static Map<String, String> fields(Response record) {
        Map<String, String> fields = new HashMap<>();
        Set<String> keys;
        try {
            keys = record.getKeys();
        } catch (UnsupportedOperationException e) {
            keys = null; // a RESP2 flat array
        }
        if (keys != null && !keys.isEmpty()) {
            for (String key : keys) {
                Response value = record.get(key);
                fields.put(key, value == null ? null : value.toString());
            }
            return fields;
        }
        for (int i = 0; i + 1 < record.size(); i += 2) {
            Response value = record.get(i + 1);
            fields.put(record.get(i).toString(), value == null ? null : value.toString());
        }
        return fields;
    }

    /**
     * The time part of a stream entry id ({@code <ms>-<seq>}): when Redis appended the entry, in epoch ms.
     *
     * @throws IllegalArgumentException when {@code id} is not an entry id
     */
    public static long entryMillis(String id) {
        int dash = id.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a stream entry id: '" + id + "'", e);
        }
    }
}
