package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.usage.aggregate.SequencedEvent;
import dev.sluice.usage.aggregate.UsageAggregator;
import dev.sluice.usage.event.UsageEvent;
import dev.sluice.usage.store.DynamoDbUsageStore;
import dev.sluice.usage.store.UsageTable;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code gatewayctl usage report} against DynamoDB Local, over rows of two tenants on days inside November 2026 and
 * on the days just outside it, folded by the aggregator as the gateway's events would be.
 */
class UsageReportCommandIT {
    private static final String SHARD = "shardId-000000000000";

    private final LocalDynamoDb engine = LocalDynamoDb.shared();
    private DynamoDbClient dynamo;
    private String table;
    private int sequence;

    @TempDir
    Path dir;

    @BeforeEach
    void writeUsage() {
        dynamo = engine.newClient();
        table = LocalDynamoDb.uniqueName("usage");
        UsageTable.create(dynamo, table);
        List<UsageEvent> events = List.of(
                request("acme", "2026-10-31", "gpt", "key_a", 1_000_000),
                request("acme", "2026-11-01", "gpt", "key_a", 2_000_000),
                request("acme", "2026-11-01", "claude", "key_b", 500_000),
                request("acme", "2026-11-15", "claude", "key_a", 1_600_000),
                request("acme", "2026-11-30", "mini", "key_b", 250_000),
                request("acme", "2026-12-01", "gpt", "key_a", 9_000_000),
                request("globex", "2026-11-15", "gpt", "key_g", 4_000_000));
        List<SequencedEvent> batch = new ArrayList<>();
        for (UsageEvent event : events) {
            batch.add(SequencedEvent.of(SHARD, Integer.toString(100 + batch.size()), event));
        }
        assertThat(new UsageAggregator(new DynamoDbUsageStore(dynamo, table)).apply(batch))
                .isEmpty();
    }

    @AfterEach
    void closeClient() {
        dynamo.close();
    }

    /** One request at noon UTC: 100 prompt and 20 completion tokens for {@code costMicros}. */
    private UsageEvent request(String tenant, String day, String alias, String keyId, long costMicros) {
        sequence++;
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                "req_" + sequence,
                LocalDate.parse(day).atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli(),
                tenant,
                keyId,
                alias,
                "demo",
                alias + "-1",
                100,
                20,
                0,
                0,
                costMicros,
                40,
                4,
                UsageEvent.OK,
                200,
                true,
                false,
                false,
                "app",
                null,
                1,
                0,
                0);
    }

    private record Run(int status, List<String> out, String err) {}

    private Run report(String... options) {
        List<String> argv = new ArrayList<>(List.of("usage", "report"));
        argv.addAll(List.of(options));
        argv.addAll(List.of("--dynamodb-endpoint", engine.endpoint().toString(), "--emulator"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new GatewayCtl(
                        Map.of("SLUICE_USAGE_TABLE", table),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(argv.toArray(String[]::new));
        return new Run(
                status, out.toString(StandardCharsets.UTF_8).lines().toList(), err.toString(StandardCharsets.UTF_8));
    }

    private List<String> succeeded(String... options) {
        Run run = report(options);
        assertThat(run.status()).as(run.err()).isZero();
        return run.out();
    }

    private static List<String> cells(String line) {
        return Arrays.asList(line.strip().split("\\s+"));
    }

    @Test
    void table_byDay_sumsEachDayOfTheRange_andEndsWithTheTotal() {
        List<String> lines = succeeded("--tenant", "acme", "--from", "2026-11-01", "--to", "2026-11-30");

        assertThat(lines).hasSize(5);
        assertThat(cells(lines.get(0)))
                .containsExactly(
                        "DAY",
                        "REQUESTS",
                        "ERRORS",
                        "PROMPT",
                        "COMPLETION",
                        "TOKENS",
                        "COST",
                        "CACHE_HITS",
                        "CACHE_SAVED");
        assertThat(cells(lines.get(1)))
                .containsExactly("2026-11-01", "2", "0", "200", "40", "240", "$2.50", "0", "$0.00");
        assertThat(cells(lines.get(2)))
                .containsExactly("2026-11-15", "1", "0", "100", "20", "120", "$1.60", "0", "$0.00");
        assertThat(cells(lines.get(3)))
                .containsExactly("2026-11-30", "1", "0", "100", "20", "120", "$0.25", "0", "$0.00");
        assertThat(cells(lines.get(4))).containsExactly("TOTAL", "4", "0", "400", "80", "480", "$4.35", "0", "$0.00");
    }

    @Test
    void csv_byModel_putsTheMostExpensiveFirst_inMicroDollarsAndDollars() {
        List<String> lines = succeeded(
                "--tenant", "acme", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "model", "--format", "csv");

        assertThat(lines)
                .containsExactly(
                        "model,requests,errors,prompt_tokens,completion_tokens,cached_prompt_tokens,reasoning_tokens,"
                                + "cost_micros,cost_usd,cache_hits,cache_saved_tokens,cache_saved_micros,cache_saved_usd",
                        "claude,2,0,200,40,0,0,2100000,2.100000,0,0,0,0.000000",
                        "gpt,1,0,100,20,0,0,2000000,2.000000,0,0,0,0.000000",
                        "mini,1,0,100,20,0,0,250000,0.250000,0,0,0,0.000000");
    }

    @Test
    void json_byKey_hasTheRangeTheRowsAndTheTotal() throws Exception {
        List<String> lines = succeeded(
                "--tenant", "acme", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "key", "--format", "json");

        JsonNode json = new ObjectMapper().readTree(String.join("\n", lines));
        assertThat(json.get("tenant").asText()).isEqualTo("acme");
        assertThat(json.get("from").asText()).isEqualTo("2026-11-01");
        assertThat(json.get("to").asText()).isEqualTo("2026-11-30");
        assertThat(json.get("by").asText()).isEqualTo("key");
        assertThat(json.get("rows")).hasSize(2);
        assertThat(json.get("rows").get(0).get("key").asText()).isEqualTo("key_a");
        assertThat(json.get("rows").get(0).get("costMicros").asLong()).isEqualTo(3_600_000);
        assertThat(json.get("rows").get(1).get("key").asText()).isEqualTo("key_b");
        assertThat(json.get("rows").get(1).get("costUsd").decimalValue()).isEqualByComparingTo("0.75");
        assertThat(json.get("total").get("requests").asLong()).isEqualTo(4);
        assertThat(json.get("total").get("costMicros").asLong()).isEqualTo(4_350_000);
        assertThat(json.get("total").get("cacheSavedUsd").isNumber()).isTrue();
    }

    @Test
    void byMonth_overAQuarter_sumsEachMonth_withProgressOnStderrOnly() {
        Run run = report("--tenant", "acme", "--from", "2026-10-01", "--to", "2026-12-31", "--by", "month");

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).hasSize(5);
        assertThat(cells(run.out().get(1))).startsWith("2026-10", "1").contains("$1.00");
        assertThat(cells(run.out().get(2))).startsWith("2026-11", "4").contains("$4.35");
        assertThat(cells(run.out().get(3))).startsWith("2026-12", "1").contains("$9.00");
        assertThat(cells(run.out().get(4))).startsWith("TOTAL", "6").contains("$14.35");
        assertThat(run.err()).contains("\r").contains("month 3 of 3");
        assertThat(String.join("\n", run.out())).doesNotContain("\r").doesNotContain("month");
    }

    @Test
    void rangeStartingAndEndingMidMonth_readsItsFirstAndLastDays() {
        Run run = report(
                "--tenant", "acme", "--from", "2026-10-31", "--to", "2026-12-01", "--by", "month", "--format", "csv");

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out())
                .extracting(line -> line.split(",")[0] + " " + line.split(",")[7])
                .containsExactly("month cost_micros", "2026-10 1000000", "2026-11 4350000", "2026-12 9000000");
    }

    @Test
    void shortRangeOfOneTenant_printsNoProgress() {
        Run run = report("--tenant", "acme", "--from", "2026-11-01", "--to", "2026-11-30");

        assertThat(run.status()).isZero();
        assertThat(run.err()).isEmpty();
    }

    @Test
    void all_byKey_coversEveryTenantsUsageInTheRange() {
        Run run = report("--all", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "key", "--format", "csv");

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out())
                .extracting(line -> line.substring(0, line.indexOf(',')) + " " + line.split(",")[7])
                .containsExactly("key cost_micros", "key_g 4000000", "key_a 3600000", "key_b 750000");
        assertThat(run.err()).contains("scanning the usage table: page 1");
    }

    @Test
    void chart_isWrittenAsWellFormedSvg_withOneBarPerDay_andItsPathOnStderr() throws Exception {
        Path chart = dir.resolve("november.svg");

        Run run = report("--tenant", "acme", "--from", "2026-11-01", "--to", "2026-11-30", "--chart", chart.toString());

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).contains("chart written to " + chart);
        assertThat(run.out()).hasSize(5);
        Document svg;
        try (InputStream in = Files.newInputStream(chart)) {
            svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        NodeList rects = svg.getElementsByTagName("rect");
        int bars = 0;
        for (int i = 0; i < rects.getLength(); i++) {
            if (((Element) rects.item(i)).getAttribute("class").equals("bar")) {
                bars++;
            }
        }
        assertThat(bars).isEqualTo(3);
        assertThat(svg.getDocumentElement().getTextContent()).contains("acme, 2026-11-01 to 2026-11-30");
    }

    @Test
    void impossibleDay_isAUsageError_namingTheOption_beforeAnythingIsRead() {
        Run run = report("--tenant", "acme", "--from", "2026-11-01", "--to", "2026-11-31");

        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("--to: a day such as 2026-11-23, not '2026-11-31'");
        assertThat(run.out()).isEmpty();
    }
}
