package dev.sluice.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One request a fake server received, as it arrived, so a test can check what the code under test sent upstream.
 *
 * @param method the HTTP method
 * @param path the raw path, with {@code ?query} when there was one
 * @param headers every header; lookups ignore case, as HTTP does
 * @param body the body decoded as UTF-8 ({@code ""} when empty)
 */
public record RecordedRequest(String method, String path, Map<String, List<String>> headers, String body) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SECRET_HEADERS = Set.of("authorization", "x-api-key", "api-key");

    public RecordedRequest {
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        headers = Collections.unmodifiableMap(copy);
    }

    /** The first value of a header, ignoring case. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The body parsed as JSON. */
    public JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("recorded body is not JSON: " + body, e);
        }
    }

    /** Redacts credential headers: test failure messages print this. */
    @Override
    public String toString() {
        String shownHeaders = headers.entrySet().stream()
                .map(e -> e.getKey() + "=" + (isSecret(e.getKey()) ? "<redacted>" : e.getValue()))
                .collect(Collectors.joining(", ", "{", "}"));
        return "RecordedRequest[" + method + " " + path + ", headers=" + shownHeaders + ", body=" + body + "]";
    }

    private static boolean isSecret(String header) {
        return SECRET_HEADERS.contains(header.toLowerCase(Locale.ROOT));
    }
}
