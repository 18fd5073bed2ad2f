package dev.sluice.aws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UrlConnectionPoolTest {
    private String before;

    @BeforeEach
    void remember() {
        before = System.getProperty(UrlConnectionPool.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(UrlConnectionPool.PROPERTY);
        } else {
            System.setProperty(UrlConnectionPool.PROPERTY, before);
        }
    }

    @Test
    void keepIdleConnections_whenNotConfigured_keepsOnePerConcurrentCaller() {
        System.clearProperty(UrlConnectionPool.PROPERTY);

        UrlConnectionPool.keepIdleConnectionsForConcurrency();

        assertThat(System.getProperty(UrlConnectionPool.PROPERTY))
                .isEqualTo(Integer.toString(UrlConnectionPool.IDLE_CONNECTIONS_PER_HOST));
    }

    @Test
    void keepIdleConnections_whenGivenOnTheCommandLine_leavesItAlone() {
        System.setProperty(UrlConnectionPool.PROPERTY, "12");

        UrlConnectionPool.keepIdleConnectionsForConcurrency();

        assertThat(System.getProperty(UrlConnectionPool.PROPERTY)).isEqualTo("12");
    }
}
