package dev.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKey;
import dev.sluice.auth.ApiKeys;
import dev.sluice.aws.AwsClients;
import dev.sluice.aws.AwsSettings;
import dev.sluice.json.Json;
import dev.sluice.provider.demo.DemoProvider;
import dev.sluice.quota.Limits;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.store.SluiceTables;
import dev.sluice.store.TableNames;
import dev.sluice.testing.LocalDynamoDb;
import dev.sluice.testing.OutageProxy;
import dev.sluice.usage.InMemoryUsagePublisher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The router over HTTP with its DynamoDB behind a proxy that can hang or refuse: requests that need DynamoDB get a
 * quick 503 in OpenAI's error format with Retry-After (never a hang, a 500 or a 401), and the same router serves
 * normally once DynamoDB Local is reachable again.
 */
class DynamoDbOutageIT {
    private static final AwsSettings SETTINGS =
            new AwsSettings("us-east-1", true, Duration.ofMillis(1500), Duration.ofMillis(500));
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final String CHAT = """
            {"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    private final OutageProxy proxy =
            OutageProxy.forwardingTo(LocalDynamoDb.shared().endpoint());
    private DynamoDbClient dynamo;
    private RouterServer router;
    private String key;
    private String otherKey;

    @BeforeEach
    void start() throws Exception {
        TableNames tables = TableNames.withPrefix(LocalDynamoDb.uniqueName("outage") + "-");
        key = ApiKeys.newKey();
        otherKey = ApiKeys.newKey();
        try (DynamoDbClient direct = LocalDynamoDb.shared().newClient()) {
            SluiceTables.createAll(direct, tables);
            DynamoDbKeyRepository keys = new DynamoDbKeyRepository(direct, tables.keys());
            for (String plain : List.of(key, otherKey)) {
                String hash = ApiKeys.sha256Hex(plain);
                // A requests-per-minute limit, so every request writes its counter to DynamoDB.
                keys.put(
                        hash,
                        new ApiKey(
                                ApiKeys.keyIdFor(hash),
                                "tenant-a",
                                "outage",
                                ApiKey.Role.APP,
                                ApiKey.Status.ACTIVE,
                                Set.of(),
                                Limits.requestsPerMinute(10_000),
                                null));
            }
            new DynamoDbRouteRepository(direct, tables.routes())
                    .put(new Route(
                            "demo", List.of(new Deployment(DemoProvider.TYPE, "demo-1", null, null, null, null))));
        }
        dynamo = AwsClients.create(SETTINGS).dynamoDb(proxy.endpoint());
        router = RouterServer.start(
                "127.0.0.1", 0, DynamoDbPipelines.demo(dynamo, tables, new InMemoryUsagePublisher()), 1024 * 1024);
    }

    @AfterEach
    void stop() {
        router.close();
        dynamo.close();
        proxy.close();
    }

    @ParameterizedTest
    @EnumSource(
            value = OutageProxy.Mode.class,
            names = {"HANG", "REFUSE"})
    void chat_whileDynamoDbIsDown_is503WithRetryAfter_andServedAgainWhenItReturns(OutageProxy.Mode outage)
            throws Exception {
        assertThat(chat(key).statusCode()).isEqualTo(200); // key and route now cached; the counter is not

        proxy.mode(outage);
        assertServiceUnavailable(chat(key)); // the quota reservation cannot be written
        assertServiceUnavailable(chat(otherKey)); // an uncached key cannot be read: 503, not 401

        proxy.mode(OutageProxy.Mode.FORWARD);
        HttpResponse<String> recovered = chat(otherKey);
        assertThat(recovered.statusCode()).isEqualTo(200);
        assertThat(recovered.body()).endsWith("data: [DONE]\n\n");
        assertThat(chat(key).statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> chat(String bearer) throws Exception {
        return CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + bearer)
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(30)) // a hang guard, far above the 1.5 s call budget
                        .POST(HttpRequest.BodyPublishers.ofString(CHAT))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertServiceUnavailable(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = Json.read(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("service_unavailable");
        assertThat(error.get("type").asText()).isEqualTo("server_error");
        assertThat(error.get("message").asText()).contains("request id: req_");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("127.0.0.1");
    }
}
