package io.runstream.api;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.RunstreamTestResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * When the run is recorded but its task cannot be published, the row is removed again: the client is told the
 * run does not exist, and nothing is left behind. The api connects as a Redis ACL user that may do everything but XADD.
 */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = "redis-user", value = PublishFailureTest.USER))
class PublishFailureTest {

    static final String USER = "runstream-test-no-xadd";

    static {
        // the user must exist before the app connects with it
        io.runstream.local.LocalInfrastructure infra = io.runstream.local.LocalInfrastructure.shared();
        infra.redisCommand("ACL", "SETUSER", USER, "on", "nopass", "~*", "&*", "+@all", "-xadd");
    }

    @Inject
    ApiFixture fixture;

    @Test
    void failedPublishRemovesTheRecordedRun() {
        fixture.knownPipeline("echo");
        long rows = fixture.runRows();
        // refused by Redis (an ACL without XADD): a misconfiguration, not an outage, so not a 503 — but the truth
        RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(500);
        assertThat(fixture.runRows()).isEqualTo(rows);
    }
}
