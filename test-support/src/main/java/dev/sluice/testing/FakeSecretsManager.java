package dev.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;

/**
 * A <b>fake</b> AWS Secrets Manager: a few operations of its AWS JSON 1.1 protocol on 127.0.0.1 and a random port.
 *
 * <p>No Secrets Manager emulator resolves on our build machines (see DEPS.md), so this is the honest substitute: it
 * lets the real SDK client and Powertools' {@code SecretsProvider} run unmodified against string secrets. It knows
 * {@code GetSecretValue}, {@code CreateSecret}, {@code PutSecretValue} and {@code DescribeSecret}, with the real error
 * shape ({@code {"__type":"ResourceNotFoundException","message":...}}, status 400). It does not know binary secrets,
 * version stages other than AWSCURRENT, rotation, deletion, policies or KMS. Each secret keeps only its current
 * version.
 *
 * <p>A test that needs only what every Secrets Manager does (create, read, update through the SDK) can take a {@link
 * Target} from {@link #startOrConfigured()}: this fake by default, or the Secrets Manager of LocalStack or Floci when
 * the system property {@value #ENDPOINT_PROPERTY} or the environment variable {@value #ENDPOINT_VARIABLE} names one.
 */
public final class FakeSecretsManager implements AutoCloseable {

    /** System property naming an already running Secrets Manager for {@link #startOrConfigured()}. */
    public static final String ENDPOINT_PROPERTY = "sluice.test.secretsmanager.endpoint";

    /** Environment variable naming an already running Secrets Manager for {@link #startOrConfigured()}. */
    public static final String ENDPOINT_VARIABLE = "SLUICE_TEST_SECRETSMANAGER_ENDPOINT";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TARGET_PREFIX = "secretsmanager.";
    private static final String ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:000000000000:secret:";

    private final Map<String, Secret> secretsByName = new ConcurrentHashMap<>();
    private final AtomicInteger getSecretValueCalls = new AtomicInteger();
    private final ExecutorService executor = Loopback.newVirtualThreadExecutor();
    private final HttpServer server;

    private FakeSecretsManager() {
        server = Loopback.newHttpServer(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts an empty fake; the caller closes it. */
    public static FakeSecretsManager start() {
        return new FakeSecretsManager();
    }

    /**
     * The Secrets Manager named by {@value #ENDPOINT_PROPERTY} or {@value #ENDPOINT_VARIABLE} (LocalStack, Floci, ...)
     * when one is set, otherwise a new fake; the caller closes it either way. An emulator is shared, so name secrets
     * with {@link LocalDynamoDb#uniqueName(String)}; only the fake counts calls ({@link Target#fake()}).
     */
    public static Target startOrConfigured() {
        URI configured = LocalDynamoDb.configuredEndpoint(ENDPOINT_PROPERTY, ENDPOINT_VARIABLE);
        return configured == null ? new FakeTarget(start()) : new ConfiguredSecretsManager(configured);
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** A synchronous SDK v2 client for this fake (URL-connection HTTP client, us-east-1, dummy credentials). */
    public SecretsManagerClient newClient() {
        return newClient(endpoint());
    }

    /** Creates the secret, or gives it a new current version, without going through the wire. */
    public void putSecret(String name, String value) {
        String versionId = UUID.randomUUID().toString();
        secretsByName.merge(
                name, Secret.create(name, value, null, versionId), (old, created) -> old.withValue(value, versionId));
    }

    /** How many {@code GetSecretValue} requests arrived, found or not; tests use it to check caching. */
    public int getSecretValueCalls() {
        return getSecretValueCalls.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static SecretsManagerClient newClient(URI endpoint) {
        return SecretsManagerClient.builder()
                .endpointOverride(endpoint)
                .region(DummyAws.REGION)
                .credentialsProvider(DummyAws.CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            JsonNode request;
            try (InputStream body = exchange.getRequestBody()) {
                request = JSON.readTree(body);
            } catch (IOException e) {
                reply(exchange, 400, error("SerializationException", "request body is not JSON"));
                return;
            }
            String operation =
                    target != null && target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length()) : "";
            ObjectNode response;
            try {
                response = switch (operation) {
                    case "GetSecretValue" -> getSecretValue(request);
                    case "CreateSecret" -> createSecret(request);
                    case "PutSecretValue" -> putSecretValue(request);
                    case "DescribeSecret" -> describeSecret(request);
                    default -> throw new ApiError("UnknownOperationException", "fake does not implement " + target);
                };
            } catch (ApiError e) {
                reply(exchange, 400, error(e.type, e.getMessage()));
                return;
            }
            reply(exchange, 200, response);
        }
    }

    private ObjectNode getSecretValue(JsonNode request) {
        getSecretValueCalls.incrementAndGet();
        Secret secret = find(request);
        return identity(secret)
                .put("SecretString", secret.value())
                .put("CreatedDate", epochSeconds(secret.changed()))
                .set("VersionStages", JSON.createArrayNode().add("AWSCURRENT"));
    }

    private ObjectNode createSecret(JsonNode request) {
        String name = required(request, "Name");
        String value = required(request, "SecretString");
        Secret created = Secret.create(name, value, request.path("Description").asText(null), versionId(request));
        if (secretsByName.putIfAbsent(name, created) != null) {
            throw new ApiError(
                    "ResourceExistsException", "The operation failed because the secret " + name + " already exists.");
        }
        return identity(created);
    }

    private ObjectNode putSecretValue(JsonNode request) {
        String value = required(request, "SecretString");
        String versionId = versionId(request);
        Secret updated =
                secretsByName.computeIfPresent(find(request).name(), (name, old) -> old.withValue(value, versionId));
        return identity(updated).set("VersionStages", JSON.createArrayNode().add("AWSCURRENT"));
    }

    private ObjectNode describeSecret(JsonNode request) {
        Secret secret = find(request);
        ObjectNode response = JSON.createObjectNode()
                .put("ARN", secret.arn())
                .put("Name", secret.name())
                .put("CreatedDate", epochSeconds(secret.created()))
                .put("LastChangedDate", epochSeconds(secret.changed()));
        if (secret.description() != null) {
            response.put("Description", secret.description());
        }
        response.putObject("VersionIdsToStages").putArray(secret.versionId()).add("AWSCURRENT");
        return response;
    }

    private Secret find(JsonNode request) {
        String id = required(request, "SecretId");
        Secret byName = secretsByName.get(id);
        if (byName != null) {
            return byName;
        }
        return secretsByName.values().stream()
                .filter(secret -> secret.arn().equals(id))
                .findFirst()
                .orElseThrow(() ->
                        new ApiError("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
    }

    private static String required(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || !value.isTextual()) {
            throw new ApiError(
                    "InvalidParameterException", "missing " + field + " (this fake supports string values only)");
        }
        return value.asText();
    }

    /** The SDK sends an idempotency token that becomes the new version's id, as in the real service. */
    private static String versionId(JsonNode request) {
        return request.path("ClientRequestToken").asText(UUID.randomUUID().toString());
    }

    private static ObjectNode identity(Secret secret) {
        return JSON.createObjectNode()
                .put("ARN", secret.arn())
                .put("Name", secret.name())
                .put("VersionId", secret.versionId());
    }

    private static ObjectNode error(String type, String message) {
        return JSON.createObjectNode().put("__type", type).put("message", message);
    }

    private static double epochSeconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    private static void reply(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private record Secret(
            String name,
            String arn,
            String versionId,
            String value,
            String description,
            Instant created,
            Instant changed) {

        static Secret create(String name, String value, String description, String versionId) {
            String suffix = UUID.randomUUID().toString().substring(0, 6);
            Instant now = Instant.now();
            return new Secret(name, ARN_PREFIX + name + "-" + suffix, versionId, value, description, now, now);
        }

        Secret withValue(String newValue, String newVersionId) {
            return new Secret(name, arn, newVersionId, newValue, description, created, Instant.now());
        }

        @Override
        public String toString() {
            return "Secret[name=" + name + ", versionId=" + versionId + ", value=<redacted>]";
        }
    }

    /**
     * A Secrets Manager a test writes secrets to and reads them from through the real SDK: this fake, or an emulator
     * (LocalStack, Floci) from {@link #startOrConfigured()}.
     */
    public interface Target extends AutoCloseable {

        /** Where the SDK client must point. */
        URI endpoint();

        /** A synchronous SDK v2 client for it (URL-connection HTTP client, us-east-1, dummy credentials). */
        SecretsManagerClient newClient();

        /** Creates the secret, or gives it a new current version. */
        void putSecret(String name, String value);

        /** The fake behind this target, for its extras (such as call counts); empty for an emulator. */
        Optional<FakeSecretsManager> fake();

        /** Stops the fake; for an emulator, releases the client (the emulator and its secrets stay). */
        @Override
        void close();
    }

    /** This fake as a {@link Target}. */
    private record FakeTarget(FakeSecretsManager secrets) implements Target {
        @Override
        public URI endpoint() {
            return secrets.endpoint();
        }

        @Override
        public SecretsManagerClient newClient() {
            return secrets.newClient();
        }

        @Override
        public void putSecret(String name, String value) {
            secrets.putSecret(name, value);
        }

        @Override
        public Optional<FakeSecretsManager> fake() {
            return Optional.of(secrets);
        }

        @Override
        public void close() {
            secrets.close();
        }
    }

    /** An emulator's Secrets Manager, reached through the SDK for everything, including {@link #putSecret}. */
    private static final class ConfiguredSecretsManager implements Target {
        private final URI endpoint;
        private final SecretsManagerClient admin;

        ConfiguredSecretsManager(URI endpoint) {
            this.endpoint = endpoint;
            this.admin = FakeSecretsManager.newClient(endpoint);
        }

        @Override
        public URI endpoint() {
            return endpoint;
        }

        @Override
        public SecretsManagerClient newClient() {
            return FakeSecretsManager.newClient(endpoint);
        }

        @Override
        public void putSecret(String name, String value) {
            try {
                admin.createSecret(b -> b.name(name).secretString(value));
            } catch (ResourceExistsException exists) {
                admin.putSecretValue(b -> b.secretId(name).secretString(value));
            }
        }

        @Override
        public Optional<FakeSecretsManager> fake() {
            return Optional.empty();
        }

        @Override
        public void close() {
            admin.close();
        }

        @Override
        public String toString() {
            return "ConfiguredSecretsManager[" + endpoint + "]";
        }
    }

    private static final class ApiError extends RuntimeException {
        private final String type;

        ApiError(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }
}
