package io.runstream.api.limit;

import io.runstream.api.auth.Authenticator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Event streams held at once: per client whatever its tenant, per tenant whatever its clients; each ends once. */
class TenantLimitsStreamsTest {

    private final TenantLimits limits = new TenantLimits(config(3, 2));

    @Test
    void aClientHoldsAtMostItsShareAcrossTenants() {
        List<Runnable> open = new ArrayList<>(List.of(limits.openStream("a", "10.0.0.1"),
                limits.openStream("b", "10.0.0.1")));
        assertThatThrownBy(() -> limits.openStream("c", "10.0.0.1")).isInstanceOf(Authenticator.Refused.class)
                .hasMessageContaining("client 10.0.0.1 holds 2 event streams");
        open.add(limits.openStream("c", "10.0.0.2"));
        open.getFirst().run();
        open.getFirst().run(); // a second end of the same stream frees nothing more
        open.add(limits.openStream("c", "10.0.0.1"));
        assertThatThrownBy(() -> limits.openStream("d", "10.0.0.1")).isInstanceOf(Authenticator.Refused.class);
        open.forEach(Runnable::run);
        assertThat(limits.clientsWithStreams()).as("no entry outlives a client's last stream").isZero();
    }

    @Test
    void aRefusalByTheTenantLeavesTheClientsCountAsItWas() {
        limits.openStream("a", "10.0.0.1");
        limits.openStream("a", "10.0.0.2");
        limits.openStream("a", "10.0.0.3");
        assertThatThrownBy(() -> limits.openStream("a", "10.0.0.4")).isInstanceOf(Authenticator.Refused.class)
                .hasMessageContaining("tenant a holds 3 event streams");
        assertThat(limits.clientsWithStreams()).isEqualTo(3);
        Runnable other = limits.openStream("b", "10.0.0.4");
        other.run();
        assertThat(limits.clientsWithStreams()).isEqualTo(3);
    }

    private static LimitsConfig config(int perTenant, int perClient) {
        return new LimitsConfig() {
            public int requestsPerSecond() {
                return 1000;
            }

            public int burst() {
                return 1000;
            }

            public int sseConnections() {
                return perTenant;
            }

            public int sseConnectionsPerClient() {
                return perClient;
            }

            public int runsInFlight() {
                return 1000;
            }

            public Map<String, Tenant> tenants() {
                return Map.of();
            }
        };
    }
}
