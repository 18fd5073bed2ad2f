package dev.sluice.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.error.GatewayException;
import dev.sluice.route.Pricing;
import dev.sluice.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class AdmitterTest {
    /** One micro-USD per output token, prompts free: budgets read as output tokens. */
    private static final Pricing MICRO_PER_OUTPUT_TOKEN = new Pricing(0, 1_000_000, 0);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:20Z"));
    private final InMemoryQuotaLedger ledger = new InMemoryQuotaLedger();
    private final Admitter admitter = new Admitter(ledger, clock);

    private Grant admit(List<Scope> scopes, long maxTokens) {
        return admitter.admit(scopes, new Demand(100, maxTokens, 4_096, MICRO_PER_OUTPUT_TOKEN));
    }

    @Test
    void admit_withoutLimits_reservesNothing_andLeavesTheRequestAlone() {
        List<String> writes = new java.util.ArrayList<>();
        QuotaLedger counting = new QuotaLedger() {
            @Override
            public Taking reserve(String scopeId, Limits limits, Charge charge, int slots, Instant now) {
                writes.add("reserve " + scopeId);
                return ledger.reserve(scopeId, limits, charge, slots, now);
            }

            @Override
            public void settle(Reservation reservation, Charge actual, Instant now) {
                writes.add("settle " + reservation.scopeId());
            }
        };

        Grant grant = new Admitter(counting, clock)
                .admit(
                        List.of(Scope.tenant("t", Limits.NONE), Scope.key("k", Limits.NONE)),
                        new Demand(100, -1, 4_096, MICRO_PER_OUTPUT_TOKEN));
        grant.settle(150, 50);

        assertThat(grant.outputLimit()).isEmpty();
        assertThat(grant.headers()).isEmpty();
        assertThat(writes).as("no counter write for scopes without limits").isEmpty();
    }

    @Test
    void admit_pastTheRequestsPerMinute_is429_withRetryAfterAndHeadersOnTheAdmittedOnes() {
        List<Scope> scopes = List.of(Scope.key("k", Limits.requestsPerMinute(2)));

        Grant first = admit(scopes, 10);
        admit(scopes, 10);

        assertThat(first.headers())
                .containsEntry("x-ratelimit-limit-requests", "2")
                .containsEntry("x-ratelimit-remaining-requests", "1")
                .containsEntry("x-ratelimit-reset-requests", "40s");
        assertRefused(() -> admit(scopes, 10), e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.code()).isEqualTo("rate_limit_exceeded");
            assertThat(e.retryAfterSeconds()).hasValue(40);
        });
    }

    @Test
    void admit_refusedByTheTenant_undoesWhatTheKeyReserved() {
        Scope key = Scope.key("k", Limits.requestsPerMinute(2));
        admit(List.of(Scope.tenant("t", Limits.requestsPerMinute(1)), key), 10);

        assertRefused(
                () -> admit(List.of(Scope.tenant("t", Limits.requestsPerMinute(1)), key), 10),
                e -> assertThat(e.getMessage()).contains("this tenant"));

        admit(List.of(key), 10); // the key's second request: the refused one was not counted
        assertRefused(
                () -> admit(List.of(key), 10), e -> assertThat(e.getMessage()).contains("this key"));
    }

    @Test
    void admit_whenTheBudgetAffordsLessThanAskedFor_lowersTheOutput_thenRefusesBelowTheFloor() {
        List<Scope> scopes = List.of(Scope.tenant("t", new Limits(0, 0, 0, 1_000, 0)));

        Grant clamped = admit(scopes, 4_000);
        assertThat(clamped.outputLimit()).hasValue(1_000);

        assertRefused(() -> admit(scopes, 4_000), e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.type()).isEqualTo("insufficient_quota");
            assertThat(e.code()).isEqualTo("budget_exceeded");
            assertThat(e.getMessage()).contains("daily budget", "$0.001000", "2026-12-06T00:00:00Z");
            assertThat(e.retryAfterSeconds())
                    .hasValue(Duration.ofHours(14).minusSeconds(20).toSeconds());
        });

        clamped.settle(100 + 10, 10); // it produced 10 tokens: 990 micro-USD come back
        assertThat(admit(scopes, 4_000).outputLimit()).hasValue(990);
    }

    @Test
    void admit_callerWithoutMaxTokens_getsTheDefaultAsItsBound_whenALimitNeedsOne() {
        assertThat(admit(List.of(Scope.key("k", new Limits(0, 1_000_000, 0, 0, 0))), -1)
                        .outputLimit())
                .hasValue(4_096);
        assertThat(admit(List.of(Scope.key("k2", Limits.requestsPerMinute(5))), -1)
                        .outputLimit())
                .isEmpty();
    }

    @Test
    void admit_tokensPerMinute_lowerTheOutputToWhatTheMinuteHasLeft() {
        List<Scope> scopes = List.of(Scope.key("k", new Limits(0, 1_000, 0, 0, 0)));

        assertThat(admit(scopes, 500).outputLimit()).isEmpty(); // 100 + 500
        assertThat(admit(scopes, 500).outputLimit()).hasValue(300); // 400 left, 100 of them the prompt
        assertRefused(() -> admit(scopes, 500), e -> {
            assertThat(e.code()).isEqualTo("rate_limit_exceeded");
            assertThat(e.getMessage()).contains("tokens per minute");
        });
    }

    @Test
    void admit_pastMaxConcurrent_is429_untilARequestSettles() {
        List<Scope> scopes = List.of(Scope.key("k", new Limits(0, 0, 1, 0, 0)));
        Grant running = admit(scopes, 10);

        assertRefused(() -> admit(scopes, 10), e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.code()).isEqualTo("concurrency_limit_exceeded");
        });
        running.settle(110, 0);
        admit(scopes, 10);
    }

    @Test
    void cover_failoverToAPricierDeployment_reservesTheDifference_orRefuses() {
        List<Scope> scopes = List.of(Scope.tenant("t", new Limits(0, 0, 0, 1_000, 0)));
        Grant grant = admit(scopes, 300); // 300 micro-USD reserved

        grant.cover(new Pricing(0, 2_000_000, 0)); // 600: 300 more
        assertThat(admit(scopes, 100).outputLimit()).isEmpty(); // 900 + 100 = the budget

        Grant another = admit(List.of(Scope.tenant("t2", new Limits(0, 0, 0, 1_000, 0))), 600);
        assertRefused(
                () -> another.cover(new Pricing(0, 2_000_000, 0)),
                e -> assertThat(e.code()).isEqualTo("budget_exceeded"));
    }

    @Test
    void settle_replacesTheReservationByTheRealCost() {
        List<Scope> scopes = List.of(Scope.tenant("t", new Limits(0, 0, 0, 0, 1_000)));
        Grant grant = admit(scopes, 1_000);

        grant.settle(100 + 200, 200);

        assertThat(admit(scopes, 1_000).outputLimit()).hasValue(800);
    }

    private static void assertRefused(Runnable admission, Consumer<GatewayException> check) {
        assertThatThrownBy(admission::run).isInstanceOfSatisfying(GatewayException.class, check);
    }
}
