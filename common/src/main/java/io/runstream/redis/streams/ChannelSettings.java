package io.runstream.redis.streams;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigValue;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.eclipse.microprofile.config.spi.Converter;
import org.eclipse.microprofile.reactive.messaging.spi.ConnectorFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The settings of a channel opened by code rather than declared ({@link RedisStreamsConnector#open}): an attribute
 * is looked up among the channel's own values first, then as {@code <template>.<attribute>} in the application's
 * configuration (so one set of {@code mp.messaging.incoming.tasks.*} settings, environment variables included,
 * applies to every channel opened from it).
 */
final class ChannelSettings implements Config {

    private final Config application;
    private final String template;
    private final Map<String, String> own;

    /**
     * @param template prefix of the shared settings, without its trailing dot (e.g. {@code mp.messaging.incoming.tasks})
     * @param own      this channel's own attribute values (e.g. its stream)
     */
    ChannelSettings(Config application, String channel, String template, Map<String, String> own) {
        this.application = application;
        this.template = template;
        this.own = new HashMap<>(own);
        this.own.put(ConnectorFactory.CHANNEL_NAME_ATTRIBUTE, channel);
    }

    @Override
    public <T> T getValue(String name, Class<T> type) {
        return getOptionalValue(name, type).orElseThrow(() -> new NoSuchElementException(
                "no " + template + "." + name + " for channel " + own.get(ConnectorFactory.CHANNEL_NAME_ATTRIBUTE)));
    }

    @Override
    public ConfigValue getConfigValue(String name) {
        return application.getConfigValue(own.containsKey(name) ? name : template + "." + name);
    }

    @Override
    public <T> Optional<T> getOptionalValue(String name, Class<T> type) {
        String value = own.get(name);
        if (value != null) {
            return Optional.of(application.getConverter(type).orElseThrow(() -> new IllegalArgumentException(
                    "no converter to " + type.getName())).convert(value));
        }
        return application.getOptionalValue(template + "." + name, type);
    }

    @Override
    public Iterable<String> getPropertyNames() {
        return own.keySet();
    }

    @Override
    public Iterable<ConfigSource> getConfigSources() {
        return application.getConfigSources();
    }

    @Override
    public <T> Optional<Converter<T>> getConverter(Class<T> type) {
        return application.getConverter(type);
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        return application.unwrap(type);
    }
}
