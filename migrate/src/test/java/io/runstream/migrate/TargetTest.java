package io.runstream.migrate;

import io.runstream.migrate.Migrate.Target;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetTest {

    @Test
    void readsTheAppsReactiveUrlAsAJdbcUrl() {
        Target target = Target.ofReactiveUrl("postgresql://db.example:6543/runs?sslmode=require", "app", "secret");
        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/runs?sslmode=require");
        assertThat(target.user()).isEqualTo("app");
        assertThat(target.password()).isEqualTo("secret");
    }

    @Test
    void credentialsInTheUrlWin() {
        Target target = Target.ofReactiveUrl("postgres://ops:p%40ss@127.0.0.1/runstream", "postgres", null);
        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1/runstream");
        assertThat(target.user()).isEqualTo("ops");
        assertThat(target.password()).isEqualTo("p@ss");
    }

    @Test
    void defaultsAreTheAppsDefaults() {
        Target target = Target.ofEnvironment(Map.of());
        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/runstream");
        assertThat(target.user()).isEqualTo("postgres");
        assertThat(target.password()).isNull();
    }

    @Test
    void neverPrintsThePassword() {
        assertThat(Target.ofReactiveUrl("postgresql://u:hunter2@h/db", null, null).toString()).doesNotContain("hunter2");
    }

    @Test
    void refusesWhatIsNotAPostgresqlUri() {
        assertThatThrownBy(() -> Target.ofReactiveUrl("mysql://h/db", "u", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mysql://h/db");
        assertThatThrownBy(() -> Target.ofReactiveUrl("postgresql:///db", "u", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no host");
    }
}
