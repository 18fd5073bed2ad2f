package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code gatewayctl sessions mint}: asks a running gateway for a session token, a short-lived bearer a key mints for a
 * browser or a job. The one command that talks to the gateway rather than to the tables.
 */
@Command(name = "sessions", description = "Session tokens, minted by a running gateway.")
final class SessionsCommand {
    static final Duration MAX_TTL = Duration.ofHours(24);
    private static final String DEFAULT_URL = "http://127.0.0.1:8080";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final CliContext cli;

    SessionsCommand(CliContext cli) {
        this.cli = cli;
    }

    @Command(name = "mint", description = "Mints a session token with a key (POST /sluice/v1/sessions).")
    void mint(
            @Option(names = "--key", paramLabel = "K", required = true, description = "The key that mints the token.")
                    String key,
            @Option(
                            names = "--url",
                            paramLabel = "URL",
                            description = "The gateway (env SLUICE_URL, or " + DEFAULT_URL + ").")
                    String url,
            @Option(
                            names = "--ttl",
                            paramLabel = "TTL",
                            defaultValue = "1h",
                            converter = Ttl.class,
                            description = "How long the token lives: 90s, 30m, 1h, up to 24h (1h).")
                    Duration ttl,
            @Option(
                            names = "--models",
                            paramLabel = "MODEL",
                            split = ",",
                            description = "Model aliases the token may use (default: the key's).")
                    List<String> models)
            throws IOException, InterruptedException {
        String bearer = bearer(key);
        URI sessions = sessionsUri(url != null ? url : cli.env().getOrDefault("SLUICE_URL", DEFAULT_URL));
        ObjectNode body = Json.MAPPER.createObjectNode().put("ttl_seconds", ttl.toSeconds());
        if (models != null) {
            Set<String> names = AccessOptions.nonBlank(models);
            names.forEach(body.putArray("models")::add);
        }
        HttpRequest request = HttpRequest.newBuilder(sessions)
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.writeString(body)))
                .build();
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build()) {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CommandFailure("cannot reach the gateway at " + sessions + " (is it running?)");
        } catch (HttpTimeoutException e) {
            throw new CommandFailure("the gateway at " + sessions + " did not answer in time");
        }
        JsonNode answer = parse(response.body());
        if (response.statusCode() != 200) {
            String message = answer.at("/error/message").asText("");
            throw new CommandFailure(
                    message.isBlank() ? "the gateway answered HTTP " + response.statusCode() : message);
        }
        String token = answer.path("token").asText("");
        if (token.isBlank() || !answer.path("expires_at").canConvertToLong()) {
            throw new CommandFailure("the gateway's answer has no token and expiry");
        }
        cli.out().println("session id  " + answer.path("id").asText(""));
        cli.out().println("token       " + token);
        cli.out()
                .println("expires at  "
                        + Instant.ofEpochSecond(answer.path("expires_at").asLong()));
        if (answer.path("models").isArray() && !answer.path("models").isEmpty()) {
            StringBuilder names = new StringBuilder();
            answer.path("models")
                    .forEach(m -> names.append(names.isEmpty() ? "" : ",").append(m.asText()));
            cli.out().println("models      " + names);
        }
    }

    /** The key, checked for what a header can carry, without ever repeating it in a message. */
    private static String bearer(String key) {
        String k = key == null ? "" : key.strip();
        if (k.isEmpty() || k.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw new UsageError("--key must be a key such as sk-sluice-..., without spaces");
        }
        return k;
    }

    private static URI sessionsUri(String url) {
        String base = url.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        try {
            URI uri = URI.create(base + "/sluice/v1/sessions");
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new UsageError("--url must be the gateway's http(s) URL, such as " + DEFAULT_URL + ", not '" + url + "'");
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode node = Json.read(body == null ? "" : body);
            return node == null ? Json.MAPPER.createObjectNode() : node;
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    /** {@code 90s}, {@code 30m}, {@code 1h}: seconds, minutes or hours, more than zero and at most a day. */
    static final class Ttl implements ITypeConverter<Duration> {
        private static final Pattern FORMAT = Pattern.compile("(\\d{1,6})([smh])");

        @Override
        public Duration convert(String value) {
            Matcher m = FORMAT.matcher(value.strip());
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a duration such as 90s, 30m or 1h");
            }
            long n = Long.parseLong(m.group(1));
            Duration ttl = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            if (ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
                throw new TypeConversionException("'" + value + "' must be more than 0 and at most 24h");
            }
            return ttl;
        }
    }
}
