package io.runstream.config;

import io.runstream.keys.RedisKeys;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Derives the outgoing {@code tasks} channel's stream from {@link RedisKeys} instead of spelling it in
 * {@code application.properties}, for an app that declares that channel (the api; each message names its queue's
 * stream itself). The worker declares no such channel: it opens one per queue it reads ({@code TaskIntake}). The
 * value sits below {@code application.properties} (ordinal {@value #ORDINAL}): an explicit setting still wins.
 * Registered in {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}.
 */
public class TaskChannelDefaults implements ConfigSourceFactory {

    static final int ORDINAL = 200;
    private static final String OUT = "mp.messaging.outgoing.tasks.";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        RedisKeys keys = new RedisKeys(value(context, "runstream.key-prefix", "runstream"));
        Map<String, String> defaults = new HashMap<>();
        if (declared(context, OUT)) {
            defaults.put(OUT + "stream", keys.tasks("default"));
        }
        return List.of(new PropertiesConfigSource(defaults, "runstream-task-channel-defaults", ORDINAL));
    }

    /** The worker id: {@code runstream.worker.id} when set, else the host name and process id. */
    public static String workerId(String configured) {
        return configured == null || configured.isBlank() ? InstanceNames.hostAndPid() : configured;
    }

    private static boolean declared(ConfigSourceContext context, String channel) {
        ConfigValue connector = context.getValue(channel + "connector");
        return connector != null && connector.getValue() != null;
    }

    private static String value(ConfigSourceContext context, String name, String fallback) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null ? fallback : value.getValue();
    }
}
