package io.runstream.auth;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeysTest {

    @Test
    void aKeyIsRandomRecognisableByItsPrefixAndKeptAsItsHash() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            ApiKeys.NewKey key = ApiKeys.generate();
            assertThat(key.key()).matches("rsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
            assertThat(ApiKeys.prefixOf(key.key())).isEqualTo(key.prefix());
            assertThat(key.hash()).hasSize(32).isEqualTo(ApiKeys.hash(key.key()));
            assertThat(ApiKeys.matches(key.key(), key.hash())).isTrue();
            assertThat(seen.add(key.key())).isTrue();
        }
    }

    @Test
    void anythingElseIsNotAKey() {
        String key = ApiKeys.generate().key();
        assertThat(ApiKeys.prefixOf(null)).isNull();
        assertThat(ApiKeys.prefixOf("")).isNull();
        assertThat(ApiKeys.prefixOf(key + "x")).isNull();
        assertThat(ApiKeys.prefixOf(key.replace("rsk_", "rsx_"))).isNull();
        assertThat(ApiKeys.prefixOf("rsk_ABCDEF012345_" + key.substring(17))).isNull();
        assertThat(ApiKeys.matches(key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A"),
                ApiKeys.hash(key))).isFalse();
    }

    @Test
    void tenantAndKeyNamesFollowTheirRules() {
        assertThat(ApiKeys.isTenant("acme-prod.eu_1")).isTrue();
        assertThat(ApiKeys.isTenant("Acme")).isFalse();
        assertThat(ApiKeys.isTenant("-x")).isFalse();
        assertThat(ApiKeys.isTenant("a".repeat(64))).isFalse();
        assertThat(ApiKeys.isName("ci deploy key")).isTrue();
        assertThat(ApiKeys.isName("line\nbreak")).isFalse();
        assertThat(ApiKeys.isName(" ")).isFalse();
    }
}
