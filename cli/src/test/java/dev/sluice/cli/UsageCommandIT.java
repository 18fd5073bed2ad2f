package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.usage.aggregate.SequencedEvent;
import dev.sluice.usage.aggregate.UsageAggregator;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code gatewayctl usage} against DynamoDB Local: cost and what response-cache hits saved, per row and in total. */
class UsageCommandIT {
    private static final String SHARD = "shardId-000000000000";

    private final LocalDynamoDb engine = LocalDynamoDb.shared();
    private DynamoDbClient dynamo;
    private String table;

    @BeforeEach
    void writeUsage() {
        dynamo = engine.newClient();
        table = LocalDynamoDb.uniqueName("usage");
        UsageTable.create(dynamo, table);
        // key_1: one request served by the provider and two answered from the cache; key_2: one cache hit.
        List<UsageEvent> events = List.of(miss(1, "key_1"), hit(2, "key_1"), hit(3, "key_1"), hit(4, "key_2"));
        List<SequencedEvent> batch = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            batch.add(SequencedEvent.of(SHARD, Integer.toString(100 + i), events.get(i)));
        }
        assertThat(new UsageAggregator(new DynamoDbUsageStore(dynamo, table)).apply(batch))
                .isEmpty();
    }

    @AfterEach
    void closeClient() {
        dynamo.close();
    }

    /** 1000 prompt and 200 completion tokens for 1500 micro-USD. */
    private static UsageEvent miss(int i, String keyId) {
        return event(i, keyId, 1000, 200, 1500, false, 0, 0);
    }

    /** Billed nothing; the cached answer cost 1000 + 200 tokens, 1500 micro-USD at today's prices. */
    private static UsageEvent hit(int i, String keyId) {
        return event(i, keyId, 0, 0, 0, true, 1200, 1500);
    }

    private static UsageEvent event(
            int i,
            String keyId,
            long prompt,
            long completion,
            long costMicros,
            boolean cacheHit,
            long savedTokens,
            long savedMicros) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_" + i,
                1_795_428_000_000L + i, // 2026-11-23
                "acme",
                keyId,
                "demo",
                "demo",
                "demo-1",
                prompt,
                completion,
                0,
                0,
                costMicros,
                40,
                4,
                UsageEvent.OK,
                200,
                true,
                false,
                cacheHit,
                "app",
                null,
                1,
                savedTokens,
                savedMicros);
    }

    private List<String> usage(String... options) {
        List<String> argv = new ArrayList<>(List.of("usage", "--tenant", "acme", "--period", "2026-11"));
        argv.addAll(List.of(options));
        argv.addAll(List.of("--dynamodb-endpoint", engine.endpoint().toString(), "--emulator"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new GatewayCtl(
                        Map.of("SLUICE_USAGE_TABLE", table),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(argv.toArray(String[]::new));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static List<String> cells(String line) {
        return Arrays.asList(line.strip().split("\\s+"));
    }

    @Test
    void table_showsCacheHitsAndSavingPerRowAndInTheTotal() {
        List<String> lines = usage();

        assertThat(lines).hasSize(4);
        assertThat(cells(lines.get(0)))
                .containsExactly(
                        "DAY",
                        "MODEL",
                        "KEY",
                        "REQUESTS",
                        "ERRORS",
                        "PROMPT",
                        "COMPLETION",
                        "TOTAL",
                        "COST",
                        "USD",
                        "CACHE",
                        "HITS",
                        "SAVED",
                        "USD");
        assertThat(cells(lines.get(1)))
                .containsExactly(
                        "2026-11-23", "demo", "key_1", "3", "0", "1000", "200", "1200", "0.001500", "2", "0.003000");
        assertThat(cells(lines.get(2)))
                .containsExactly("2026-11-23", "demo", "key_2", "1", "0", "0", "0", "0", "0.000000", "1", "0.001500");
        assertThat(cells(lines.get(3)))
                .containsExactly("TOTAL", "4", "0", "1000", "200", "1200", "0.001500", "3", "0.004500");
    }

    @Test
    void csv_appendsCacheHitsSavedTokensAndSavedUsd_afterTheColumnsItHadBefore() {
        List<String> lines = usage("--csv");

        assertThat(lines)
                .containsExactly(
                        "tenant,day,model,key,requests,errors,prompt_tokens,completion_tokens,cached_prompt_tokens,"
                                + "reasoning_tokens,cost_usd,cache_hits,cache_saved_tokens,cache_saved_usd",
                        "acme,2026-11-23,demo,key_1,3,0,1000,200,0,0,0.001500,2,2400,0.003000",
                        "acme,2026-11-23,demo,key_2,1,0,0,0,0,0,0.000000,1,1200,0.001500");
    }
}
