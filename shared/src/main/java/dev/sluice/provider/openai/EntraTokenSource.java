package dev.sluice.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKeys;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.UpstreamErrors;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Microsoft Entra ID tokens for Azure OpenAI by the OAuth 2.0 client-credentials flow, cached per service principal
 * until five minutes before they expire, and fetched once however many requests need one at the same time. The secret is JSON: {@code {"tenantId","clientId","clientSecret"}}.
 */
public final class EntraTokenSource {
    public static final String PUBLIC_AUTHORITY = "https://login.microsoftonline.com";
    public static final String PUBLIC_SCOPE = "https://cognitiveservices.azure.com/.default";
    private static final Logger LOG = LoggerFactory.getLogger(EntraTokenSource.class);
    private static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

    private record Token(String value, Instant refreshAt) {}

    private final Duration connectTimeout;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Token>> fetching = new ConcurrentHashMap<>();
    private volatile HttpClient http; // built on first use: most gateways never use Entra ID

    public EntraTokenSource(Duration connectTimeout, Clock clock) {
        this.connectTimeout = connectTimeout;
        this.clock = clock;
    }

    private HttpClient http() {
        HttpClient client = http;
        if (client == null) {
            synchronized (this) {
                if (http == null) {
                    http = HttpClient.newBuilder()
                            .connectTimeout(connectTimeout)
                            .build();
                }
                client = http;
            }
        }
        return client;
    }

    /**
     * A valid access token for the service principal in {@code secretJson}. When it must be fetched, one caller
     * fetches and every concurrent caller for the same principal waits for that answer (and its failure): on an
     * environment serving many streams, an expiring token is otherwise fetched by every stream at once.
     */
    public String token(String secretJson, String authorityHost, String scope) {
        String cacheKey = authorityHost + "|" + scope + "|" + ApiKeys.sha256Hex(secretJson);
        Token cached = valid(cacheKey);
        if (cached != null) {
            return cached.value();
        }
        CompletableFuture<Token> mine = new CompletableFuture<>();
        CompletableFuture<Token> running = fetching.putIfAbsent(cacheKey, mine);
        if (running != null) {
            return awaitOther(running).value();
        }
        try {
            Token fresh = valid(cacheKey); // another caller may have finished between the two looks
            if (fresh == null) {
                fresh = fetch(secretJson, authorityHost, scope);
                tokens.put(cacheKey, fresh);
            }
            mine.complete(fresh);
            return fresh.value();
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            fetching.remove(cacheKey, mine);
        }
    }

    private Token valid(String cacheKey) {
        Token cached = tokens.get(cacheKey);
        return cached != null && clock.instant().isBefore(cached.refreshAt()) ? cached : null;
    }

    private static Token awaitOther(CompletableFuture<Token> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : e;
        }
    }

    private Token fetch(String secretJson, String authorityHost, String scope) {
        JsonNode principal;
        try {
            principal = Json.read(secretJson.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw misconfigured();
        }
        String tenant = principal.path("tenantId").asText("");
        String clientId = principal.path("clientId").asText("");
        String clientSecret = principal.path("clientSecret").asText("");
        if (tenant.isEmpty() || clientId.isEmpty() || clientSecret.isEmpty()) {
            throw misconfigured();
        }
        String form = "grant_type=client_credentials&client_id=" + encode(clientId) + "&client_secret="
                + encode(clientSecret) + "&scope=" + encode(scope);
        URI uri = URI.create(authorityHost.replaceAll("/+$", "") + "/" + encode(tenant) + "/oauth2/v2.0/token");
        return requestToken(uri, form, clientId);
    }

    /** The client-credentials token request itself; its failures name the client id, never the secret. */
    private Token requestToken(URI uri, String form, String clientId) {
        try {
            HttpResponse<byte[]> response = http().send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/x-www-form-urlencoded")
                                    .POST(HttpRequest.BodyPublishers.ofString(form))
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body;
            try {
                body = Json.read(response.body());
            } catch (IOException notJson) {
                body = Json.MAPPER.createObjectNode();
            }
            if (response.statusCode() != 200 || !body.path("access_token").isTextual()) {
                LOG.warn(
                        "Entra ID token request for client {} failed: HTTP {} {}",
                        clientId,
                        response.statusCode(),
                        body.path("error").asText(""));
                throw UpstreamErrors.authFailed(
                        "The gateway could not obtain a Microsoft Entra ID token for the azure-openai provider.",
                        null,
                        null);
            }
            long expiresIn = body.path("expires_in").asLong(3600);
            return new Token(
                    body.get("access_token").asText(),
                    clock.instant().plusSeconds(expiresIn).minus(REFRESH_MARGIN));
        } catch (IOException e) {
            throw UpstreamErrors.authFailed("The Microsoft Entra ID token endpoint could not be reached.", null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw UpstreamErrors.authFailed("Interrupted while obtaining a Microsoft Entra ID token.", null, e);
        }
    }

    private static GatewayException misconfigured() {
        return UpstreamErrors.credentialsMissing("The azure-openai route uses Entra ID, but its secret is not "
                + "{\"tenantId\",\"clientId\",\"clientSecret\"}.");
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
