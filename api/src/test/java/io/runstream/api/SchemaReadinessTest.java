package io.runstream.api;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.LocalInfrastructure;
import io.runstream.local.RunstreamTestResource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static io.restassured.RestAssured.given;
import static io.runstream.local.RunstreamTestResource.managementTestPort;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

/**
 * The apps carry no migrations: an app on a database that {@code runstream-migrate} has not brought to its schema
 * starts, but is not ready, and says what to run; once the schema is there it becomes ready by itself.
 */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = "schema", value = "none"))
class SchemaReadinessTest {

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String database;

    @Test
    void notReadyUntilTheSchemaIsMigratedThenReady() {
        given().port(managementTestPort()).get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'PostgreSQL schema' }.status", org.hamcrest.Matchers.is("DOWN"))
                .body("checks.find { it.name == 'PostgreSQL schema' }.data.reason", containsString("runstream-migrate"));

        LocalInfrastructure.shared().migrate(URI.create(database).getPath().substring(1));

        await().untilAsserted(() -> given().port(managementTestPort()).get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("PostgreSQL schema")));
    }
}
