package io.runstream.schema;

import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Readiness of the database schema: the app is ready only once PostgreSQL has schema version {@link #VERSION}, which
 * {@code runstream-migrate} applies before the apps start (they carry no migrations of their own). Checked once at
 * start (a WARN says what to run when it is missing) and at every readiness probe until it is there; from then on
 * it is not queried again. A newer schema is fine: migrations only add, so apps of the previous version keep working
 * while a rolling update replaces them.
 */
@Readiness
@ApplicationScoped
@IfBuildProperty(name = "quarkus.datasource.db-kind", stringValue = "postgresql")
public class SchemaCheck implements AsyncHealthCheck {

    /** The schema version this build needs: the newest migration in {@code migrate/} (a test checks it). */
    public static final String VERSION = "9";

    private static final Logger LOG = Logger.getLogger(SchemaCheck.class);
    private static final String NAME = "PostgreSQL schema";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String UNDEFINED_TABLE = "42P01";

    private final Pool pool;
    private volatile boolean present;

    public SchemaCheck(Pool pool) {
        this.pool = pool;
    }

    void atStart(@Observes StartupEvent event) {
        // not waited for: the app starts at once, and readiness says when the schema is there
        check().subscribe().with(response -> {
            if (response.getStatus() == HealthCheckResponse.Status.DOWN) {
                LOG.warnf("%s: %s", NAME, response.getData().map(d -> d.get("reason")).orElse("not ready"));
            }
        }, failure -> LOG.debugf("Schema check at start failed: %s", failure));
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return check();
    }

    private Uni<HealthCheckResponse> check() {
        if (present) {
            return Uni.createFrom().item(up());
        }
        return pool.preparedQuery("SELECT count(*) FROM flyway_schema_history WHERE success AND version = $1")
                .execute(Tuple.of(VERSION))
                .ifNoItem().after(TIMEOUT).fail()
                .map(rows -> {
                    if (rows.iterator().next().getLong(0) > 0) {
                        present = true;
                        return up();
                    }
                    return down("the database lacks schema version " + VERSION + ": run runstream-migrate "
                            + "(java -jar migrate/target/runstream-migrate-*.jar) against it");
                })
                .onFailure().recoverWithItem(failure -> down(failure instanceof PgException pg
                        && UNDEFINED_TABLE.equals(pg.getSqlState())
                        ? "the database has no Runstream schema: run runstream-migrate "
                        + "(java -jar migrate/target/runstream-migrate-*.jar) against it before the apps"
                        : "cannot read the schema version: " + failure));
    }

    private static HealthCheckResponse up() {
        return HealthCheckResponse.named(NAME).up().withData("version", VERSION).build();
    }

    private static HealthCheckResponse down(String reason) {
        return HealthCheckResponse.named(NAME).down().withData("needs", VERSION).withData("reason", reason).build();
    }
}
