package io.runstream.redis;

import io.runstream.local.LocalInfrastructure;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis of a test's own (it may flush or pause it, or read its statistics) and a Vert.x client of it, new for each
 * test and closed after it: {@code @RegisterExtension final OwnRedisClient own = new OwnRedisClient();}.
 */
public final class OwnRedisClient implements BeforeEachCallback, AfterEachCallback {

    private LocalInfrastructure.OwnRedis server;
    private Vertx vertx;
    private Redis redis;

    @Override
    public void beforeEach(ExtensionContext context) {
        server = LocalInfrastructure.startRedis(LocalInfrastructure.freePort());
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri()));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        redis.close();
        vertx.closeAndAwait();
        server.close();
    }

    public Redis redis() {
        return redis;
    }

    public String uri() {
        return server.uri();
    }
}
