package io.runstream.metrics;

import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The apps' HTTP server meters carry no {@code server.port} tag. An app runs two HTTP servers, its API's and the
 * management interface (health, metrics), and Quarkus tags a server's meters with its port only when that port is
 * set (not 0, chosen when binding): a server on a set port beside one on a chosen port would register the same meters
 * with and without the tag, which the Prometheus registry refuses by throwing on the acceptor thread — and that server
 * never listens. Both servers' traffic is told apart by the {@code uri} tag.
 */
public class HttpServerMeters {

    @Produces
    @Singleton
    MeterFilter withoutServerPort() {
        return MeterFilter.ignoreTags("server.port");
    }
}
