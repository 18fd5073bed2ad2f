package dev.sluice.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.UpstreamErrors;
import java.io.IOException;
import java.util.Locale;

/**
 * Gemini's error body, Google's {@code google.rpc.Status} in JSON
 * ({@code {"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT","details":[...]}}},
 * https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes), read into {@link UpstreamErrors#fromStatus}.
 *
 * <p>Two Gemini habits are corrected before the status decides: an invalid or expired API key is answered with a
 * 400 (reason {@code API_KEY_INVALID}), which is the gateway's credential failing and not the caller's request; and a
 * prompt over the context window is a plain 400 whose message says "exceeds the maximum number of tokens".
 */
final class GeminiErrors {
    private GeminiErrors() {}

    static GatewayException fromResponse(int status, byte[] body, String retryAfterHeader) {
        JsonNode error = errorObject(body);
        String message = error.path("message").textValue();
        String upstreamStatus = error.path("status").asText("");
        String code = upstreamStatus.isEmpty() ? null : upstreamStatus.toLowerCase(Locale.ROOT);
        int effective = status;
        if (status == 400 && reason(error).startsWith("API_KEY_")) {
            effective = 401;
        } else if (status == 400 && message != null && message.contains("exceeds the maximum number of tokens")) {
            code = "context_length_exceeded";
        }
        long retryAfter = UpstreamErrors.parseRetryAfter(retryAfterHeader);
        if (retryAfter < 0) {
            retryAfter = retryDelay(error);
        }
        return UpstreamErrors.fromStatus(GeminiProvider.TYPE, effective, message, code, retryAfter);
    }

    /** The {@code error} object; Gemini wraps it in an array on some non-SSE endpoints. Missing when not JSON. */
    private static JsonNode errorObject(byte[] body) {
        try {
            JsonNode parsed = Json.read(body);
            if (parsed != null && parsed.isArray() && !parsed.isEmpty()) {
                parsed = parsed.get(0);
            }
            return parsed == null ? Json.MAPPER.missingNode() : parsed.path("error");
        } catch (IOException notJson) {
            return Json.MAPPER.missingNode(); // the status alone decides
        }
    }

    /** The {@code google.rpc.ErrorInfo} reason, or "". */
    private static String reason(JsonNode error) {
        for (JsonNode detail : error.path("details")) {
            if (detail.path("@type").asText().endsWith("google.rpc.ErrorInfo")) {
                return detail.path("reason").asText("");
            }
        }
        return "";
    }

    /** The {@code google.rpc.RetryInfo} delay ({@code "7s"}, {@code "1.5s"}) in whole seconds, or -1. */
    private static long retryDelay(JsonNode error) {
        for (JsonNode detail : error.path("details")) {
            if (detail.path("@type").asText().endsWith("google.rpc.RetryInfo")) {
                String delay = detail.path("retryDelay").asText("");
                return delay.endsWith("s")
                        ? UpstreamErrors.parseRetryAfter(delay.substring(0, delay.length() - 1))
                        : -1;
            }
        }
        return -1;
    }
}
