package dev.sluice.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardedQuotaLedgerTest {
    private static final Instant NOW =
            Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(5);
    private static final Charge ONE_REQUEST = new Charge(1, 0, 0);

    private final InMemoryQuotaLedger counters = new InMemoryQuotaLedger();
    private final ShardedQuotaLedger ledger = new ShardedQuotaLedger(counters, 8);

    @Test
    void shards_smallLimits_stayOneExactItem() {
        assertThat(ShardedQuotaLedger.shards(Limits.requestsPerMinute(600), 8)).isEqualTo(1);
        assertThat(ShardedQuotaLedger.shards(new Limits(100_000, 0, 60, 0, 0), 8))
                .as("60 concurrent requests leave no useful share")
                .isEqualTo(1);
        assertThat(ShardedQuotaLedger.shards(Limits.NONE, 8)).isEqualTo(1);
    }

    @Test
    void shards_largeLimits_spreadUpToTheMaximum_andUnsetLimitsDoNotCount() {
        assertThat(ShardedQuotaLedger.shards(Limits.requestsPerMinute(2_000), 8))
                .isEqualTo(4);
        assertThat(ShardedQuotaLedger.shards(Limits.requestsPerMinute(1_000_000), 8))
                .isEqualTo(8);
        assertThat(ShardedQuotaLedger.shards(new Limits(1_000_000, 3_000_000, 0, 0, 0), 8))
                .as("the tightest set limit decides")
                .isEqualTo(3);
        assertThat(ShardedQuotaLedger.shards(Limits.requestsPerMinute(1_000_000), 1))
                .isEqualTo(1);
    }

    @Test
    void reserve_shardedScope_neverAdmitsPastTheLimit_andFillsEveryShard() {
        Limits limits = Limits.requestsPerMinute(4_000); // 8 shards of 500
        int taken = 0;
        int refused = 0;
        for (int i = 0; i < 12_000; i++) {
            if (ledger.reserve("tenant#big", limits, ONE_REQUEST, false, NOW) instanceof QuotaLedger.Taking.Taken) {
                taken++;
            } else {
                refused++;
            }
        }

        assertThat(taken).isEqualTo(4_000);
        assertThat(refused).isEqualTo(8_000);
        for (int shard = 0; shard < 8; shard++) {
            assertThat(counters.reserve(
                            ShardedQuotaLedger.shardId("tenant#big", shard),
                            ShardedQuotaLedger.share(limits, 8),
                            ONE_REQUEST,
                            false,
                            NOW))
                    .as("shard %d is full", shard)
                    .isInstanceOf(QuotaLedger.Taking.Refused.class);
        }
    }

    @Test
    void reserve_untilFull_refusesOnlyNearTheLimit() {
        Limits limits = Limits.requestsPerMinute(4_000);
        int firstRefusalAt = -1;
        for (int i = 0; i < 4_000; i++) {
            if (ledger.reserve("tenant#even", limits, ONE_REQUEST, false, NOW) instanceof QuotaLedger.Taking.Refused) {
                firstRefusalAt = i;
                break;
            }
        }

        // Random choice among 8 shards, two tries: a refusal needs both shards tried full. By 80% of the limit a
        // shard holds 400 of its 500 on average (standard deviation ~19), so none is full yet.
        assertThat(firstRefusalAt == -1 || firstRefusalAt > 3_200)
                .as("first refusal at %d", firstRefusalAt)
                .isTrue();
    }

    @Test
    void settle_freesTheSlotOnTheShardThatTookIt() {
        Limits limits = new Limits(0, 0, 400, 0, 0); // 8 shards of 50 slots
        List<Reservation> held = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            QuotaLedger.Taking taking = ledger.reserve("key#slots", limits, ONE_REQUEST, true, NOW);
            if (taking instanceof QuotaLedger.Taking.Taken taken) {
                held.add(taken.reservation());
            }
        }
        assertThat(held.size()).isBetween(350, 400);
        assertThat(held).allSatisfy(r -> assertThat(r.scopeId()).startsWith("key#slots#s"));

        held.forEach(reservation -> ledger.settle(reservation, ONE_REQUEST, NOW));

        int again = 0;
        for (int i = 0; i < 2_000 && again < 350; i++) {
            if (ledger.reserve("key#slots", limits, ONE_REQUEST, true, NOW) instanceof QuotaLedger.Taking.Taken) {
                again++;
            }
        }
        assertThat(again).as("every slot came back").isEqualTo(350);
    }

    @Test
    void refusal_tellsTheRoomOfTheShardTried_asTheScopesUsage() {
        Limits limits = new Limits(4_000, 8_000_000, 0, 0, 0);
        Limits share = ShardedQuotaLedger.share(limits, 8); // 500 requests, 1,000,000 tokens

        ScopeUsage told = ShardedQuotaLedger.asRoomLeft(new ScopeUsage(500, 999_000, 0, 0, 0), limits, share);

        assertThat(told.requests()).as("a full shard reads as a reached limit").isEqualTo(4_000);
        assertThat(limits.tokensPerMinute() - told.tokens())
                .as("the shard's room")
                .isEqualTo(1_000);
    }
}
