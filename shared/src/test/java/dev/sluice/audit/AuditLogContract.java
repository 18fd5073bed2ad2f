package dev.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AuditLog} must do, written once and run against each adapter: the in-memory log in a unit test,
 * DynamoDB Local in an integration test.
 */
public abstract class AuditLogContract {
    /**
     * Two days ago at midnight UTC: near the present, because DynamoDB Local deletes items whose TTL (180 days after
     * the action) has passed.
     */
    protected static final Instant DAY_START =
            Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(2));

    /** A log with nothing in it. */
    protected abstract AuditLog log();

    protected static AuditEntry entry(Instant at, String actor, String action, String target) {
        return AuditEntry.of(
                at,
                actor,
                AuditEntry.Source.GATEWAYCTL,
                action,
                target,
                "{\"status\":\"ACTIVE\"}",
                "{\"status\":\"REVOKED\"}");
    }

    @Test
    void append_thenQuery_returnsTheEntryAsWritten() {
        AuditLog log = log();
        AuditEntry written = AuditEntry.of(
                DAY_START.plusSeconds(3600).plusNanos(123_456_789),
                "alice@gatewayctl",
                AuditEntry.Source.ADMIN_API,
                "tenant.create",
                "acme",
                null,
                "{\"tenantId\":\"acme\"}");

        log.append(written);

        List<AuditEntry> read = log.query(AuditQuery.between(DAY_START, DAY_START.plus(Duration.ofDays(1)), 10));
        assertThat(read).containsExactly(written);
        assertThat(read.getFirst().at()).isEqualTo(DAY_START.plusSeconds(3600).plusMillis(123));
        assertThat(read.getFirst().before()).isNull();
    }

    @Test
    void query_acrossDays_returnsNewestFirst_withinTheRangeOnly() {
        AuditLog log = log();
        AuditEntry beforeRange = entry(DAY_START.minusMillis(1), "a", "key.revoke", "k0");
        AuditEntry firstDay = entry(DAY_START, "a", "key.revoke", "k1");
        AuditEntry firstDayLater = entry(DAY_START.plusSeconds(80_000), "a", "key.revoke", "k2");
        AuditEntry secondDay = entry(DAY_START.plus(Duration.ofDays(1)).plusMillis(5), "a", "key.revoke", "k3");
        AuditEntry lastInRange = entry(DAY_START.plus(Duration.ofHours(36)).minusMillis(1), "a", "key.revoke", "k4");
        AuditEntry atTheEnd = entry(DAY_START.plus(Duration.ofHours(36)), "a", "key.revoke", "k5");
        List.of(beforeRange, firstDay, firstDayLater, secondDay, lastInRange, atTheEnd)
                .forEach(log::append);

        List<AuditEntry> read = log.query(AuditQuery.between(DAY_START, DAY_START.plus(Duration.ofHours(36)), 100));

        assertThat(read).containsExactly(lastInRange, secondDay, firstDayLater, firstDay);
    }

    @Test
    void query_withinOneDay_keepsOnlyThePartAsked() {
        AuditLog log = log();
        AuditEntry early = entry(DAY_START.plusSeconds(60), "a", "route.put", "r1");
        AuditEntry middle = entry(DAY_START.plusSeconds(7_200), "a", "route.put", "r2");
        AuditEntry late = entry(DAY_START.plusSeconds(20_000), "a", "route.put", "r3");
        List.of(early, middle, late).forEach(log::append);

        List<AuditEntry> read =
                log.query(AuditQuery.between(DAY_START.plusSeconds(3_600), DAY_START.plusSeconds(10_000), 100));

        assertThat(read).containsExactly(middle);
    }

    @Test
    void query_filtersByActorActionFamilyAndTarget() {
        AuditLog log = log();
        AuditEntry aliceRevoke = entry(DAY_START.plusSeconds(1), "alice@gatewayctl", "key.revoke", "key_1");
        AuditEntry aliceCreate = entry(DAY_START.plusSeconds(2), "alice@gatewayctl", "key.create", "key_2");
        AuditEntry bobTenant = entry(DAY_START.plusSeconds(3), "bob@gatewayctl", "tenant.update", "acme");
        AuditEntry apiRevoke = entry(DAY_START.plusSeconds(4), "key_admin", "key.revoke", "key_2");
        AuditEntry lookalike = entry(DAY_START.plusSeconds(5), "key_admin", "keys.other", "key_3");
        List.of(aliceRevoke, aliceCreate, bobTenant, apiRevoke, lookalike).forEach(log::append);
        Instant from = DAY_START;
        Instant to = DAY_START.plus(Duration.ofDays(1));

        assertThat(log.query(new AuditQuery(from, to, "alice@gatewayctl", null, null, 100)))
                .containsExactly(aliceCreate, aliceRevoke);
        assertThat(log.query(new AuditQuery(from, to, null, "key.revoke", null, 100)))
                .containsExactly(apiRevoke, aliceRevoke);
        assertThat(log.query(new AuditQuery(from, to, null, "key", null, 100)))
                .as("a family: key.…, not keys.…")
                .containsExactly(apiRevoke, aliceCreate, aliceRevoke);
        assertThat(log.query(new AuditQuery(from, to, null, null, "key_2", 100)))
                .containsExactly(apiRevoke, aliceCreate);
        assertThat(log.query(new AuditQuery(from, to, "key_admin", "key", "key_2", 100)))
                .containsExactly(apiRevoke);
    }

    @Test
    void query_withALimit_returnsTheNewest_evenWhenTheyAreOnEarlierDays() {
        AuditLog log = log();
        for (int i = 0; i < 5; i++) {
            log.append(entry(DAY_START.plus(Duration.ofHours(10L * i)), "a", "route.put", "r" + i));
        }

        List<AuditEntry> read = log.query(AuditQuery.between(DAY_START, DAY_START.plus(Duration.ofDays(3)), 3));

        assertThat(read).extracting(AuditEntry::target).containsExactly("r4", "r3", "r2");
    }

    @Test
    void append_neverReplacesAnEntry() {
        AuditLog log = log();
        AuditEntry first = entry(DAY_START.plusSeconds(10), "a", "key.revoke", "key_1");
        AuditEntry sameKey = new AuditEntry(
                first.id(), first.at(), "mallory", first.source(), "key.create", "key_9", null, "{\"forged\":true}");
        log.append(first);

        assertThatThrownBy(() -> log.append(sameKey)).isInstanceOf(IllegalStateException.class);

        assertThat(log.query(AuditQuery.between(DAY_START, DAY_START.plus(Duration.ofDays(1)), 10)))
                .containsExactly(first);
    }

    @Test
    void entriesInOneMillisecond_areKeptApart() {
        AuditLog log = log();
        Instant at = DAY_START.plusSeconds(42);
        AuditEntry one = entry(at, "a", "route.put", "r1");
        AuditEntry two = entry(at, "a", "route.put", "r2");

        log.append(one);
        log.append(two);

        assertThat(log.query(AuditQuery.between(DAY_START, DAY_START.plus(Duration.ofDays(1)), 10)))
                .containsExactlyInAnyOrder(one, two);
    }
}
