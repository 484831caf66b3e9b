package io.runstream.redis;

import io.runstream.local.LocalInfrastructure;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/** A Redis of a test's own (it may flush or pause it) and a Vert.x client of it; closed after each test. */
final class OwnRedisClient implements AutoCloseable {

    private final LocalInfrastructure.OwnRedis server = LocalInfrastructure.startRedis(LocalInfrastructure.freePort());
    private final Vertx vertx = Vertx.vertx();
    private final Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri()));

    Redis redis() {
        return redis;
    }

    String uri() {
        return server.uri();
    }

    @Override
    public void close() {
        redis.close();
        vertx.closeAndAwait();
        server.close();
    }
}
