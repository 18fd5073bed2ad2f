package dev.sluice.usage.event;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Objects;

/**
 * One served request, as published to the usage stream: a versioned JSON contract between the router and the
 * billing aggregator (and anyone else reading the stream). Add fields, never change their meaning; bump
 * {@code schemaVersion} when a reader must tell the difference.
 *
 * @param status           {@code ok}, {@code upstream_error}, {@code client_disconnected}
 * @param timeToFirstTokenMs -1 when no token was produced
 * @param estimated        token counts were estimated because the provider reported none
 * @param keyLevel         {@code app}, {@code admin} or {@code session}: the kind of credential presented (null in
 *                         events from before key levels)
 * @param sessionId        the session token's id when one was presented, else null; {@code keyId} is then its parent
 * @param attempts         upstream attempts made (retries and failovers included); 0 in events from before they were
 *                         counted
 * @param cacheHit         answered from the response cache: no provider was called, tokens and cost are 0
 * @param cacheSavedTokens on a cache hit, the prompt and completion tokens the cached answer cost when it was made
 * @param cacheSavedMicros on a cache hit, what those tokens would cost now at the route's prices (micro-USD)
 * @param redactions       personal data and secrets the guard replaced in the prompt (counted, never recorded)
 * @param cacheResult      what the response cache did: {@code hit}, {@code semantic-hit}, {@code miss} (looked, not
 *                         found) or {@code bypass} (not cacheable); null where no cache applies (embeddings, refusals)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UsageEvent(
        int schemaVersion,
        String requestId,
        long timestampMs,
        String tenantId,
        String keyId,
        String alias,
        String provider,
        String upstreamModel,
        long promptTokens,
        long completionTokens,
        long cachedPromptTokens,
        long reasoningTokens,
        long costMicros,
        long latencyMs,
        long timeToFirstTokenMs,
        String status,
        int httpStatus,
        boolean streamed,
        boolean estimated,
        boolean cacheHit,
        String keyLevel,
        String sessionId,
        int attempts,
        long cacheSavedTokens,
        long cacheSavedMicros,
        int redactions,
        String cacheResult) {
    public static final int SCHEMA_VERSION = 1;

    public static final String OK = "ok";
    public static final String UPSTREAM_ERROR = "upstream_error";
    public static final String CLIENT_DISCONNECTED = "client_disconnected";

    public UsageEvent {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(status, "status");
    }

    /** An event that does not say what the response cache did (as events were before cache metrics). */
    public UsageEvent(
            int schemaVersion,
            String requestId,
            long timestampMs,
            String tenantId,
            String keyId,
            String alias,
            String provider,
            String upstreamModel,
            long promptTokens,
            long completionTokens,
            long cachedPromptTokens,
            long reasoningTokens,
            long costMicros,
            long latencyMs,
            long timeToFirstTokenMs,
            String status,
            int httpStatus,
            boolean streamed,
            boolean estimated,
            boolean cacheHit,
            String keyLevel,
            String sessionId,
            int attempts,
            long cacheSavedTokens,
            long cacheSavedMicros,
            int redactions) {
        this(
                schemaVersion,
                requestId,
                timestampMs,
                tenantId,
                keyId,
                alias,
                provider,
                upstreamModel,
                promptTokens,
                completionTokens,
                cachedPromptTokens,
                reasoningTokens,
                costMicros,
                latencyMs,
                timeToFirstTokenMs,
                status,
                httpStatus,
                streamed,
                estimated,
                cacheHit,
                keyLevel,
                sessionId,
                attempts,
                cacheSavedTokens,
                cacheSavedMicros,
                redactions,
                cacheHit ? "hit" : null);
    }

    /** An event without redactions (as events were before the guard). */
    public UsageEvent(
            int schemaVersion,
            String requestId,
            long timestampMs,
            String tenantId,
            String keyId,
            String alias,
            String provider,
            String upstreamModel,
            long promptTokens,
            long completionTokens,
            long cachedPromptTokens,
            long reasoningTokens,
            long costMicros,
            long latencyMs,
            long timeToFirstTokenMs,
            String status,
            int httpStatus,
            boolean streamed,
            boolean estimated,
            boolean cacheHit,
            String keyLevel,
            String sessionId,
            int attempts,
            long cacheSavedTokens,
            long cacheSavedMicros) {
        this(
                schemaVersion,
                requestId,
                timestampMs,
                tenantId,
                keyId,
                alias,
                provider,
                upstreamModel,
                promptTokens,
                completionTokens,
                cachedPromptTokens,
                reasoningTokens,
                costMicros,
                latencyMs,
                timeToFirstTokenMs,
                status,
                httpStatus,
                streamed,
                estimated,
                cacheHit,
                keyLevel,
                sessionId,
                attempts,
                cacheSavedTokens,
                cacheSavedMicros,
                0);
    }

    /** An event that saved nothing from the cache (as events were before the response cache). */
    public UsageEvent(
            int schemaVersion,
            String requestId,
            long timestampMs,
            String tenantId,
            String keyId,
            String alias,
            String provider,
            String upstreamModel,
            long promptTokens,
            long completionTokens,
            long cachedPromptTokens,
            long reasoningTokens,
            long costMicros,
            long latencyMs,
            long timeToFirstTokenMs,
            String status,
            int httpStatus,
            boolean streamed,
            boolean estimated,
            boolean cacheHit,
            String keyLevel,
            String sessionId,
            int attempts) {
        this(
                schemaVersion,
                requestId,
                timestampMs,
                tenantId,
                keyId,
                alias,
                provider,
                upstreamModel,
                promptTokens,
                completionTokens,
                cachedPromptTokens,
                reasoningTokens,
                costMicros,
                latencyMs,
                timeToFirstTokenMs,
                status,
                httpStatus,
                streamed,
                estimated,
                cacheHit,
                keyLevel,
                sessionId,
                attempts,
                0,
                0,
                0);
    }

    /** An event without key level or session (as events were before key levels). */
    public UsageEvent(
            int schemaVersion,
            String requestId,
            long timestampMs,
            String tenantId,
            String keyId,
            String alias,
            String provider,
            String upstreamModel,
            long promptTokens,
            long completionTokens,
            long cachedPromptTokens,
            long reasoningTokens,
            long costMicros,
            long latencyMs,
            long timeToFirstTokenMs,
            String status,
            int httpStatus,
            boolean streamed,
            boolean estimated,
            boolean cacheHit) {
        this(
                schemaVersion,
                requestId,
                timestampMs,
                tenantId,
                keyId,
                alias,
                provider,
                upstreamModel,
                promptTokens,
                completionTokens,
                cachedPromptTokens,
                reasoningTokens,
                costMicros,
                latencyMs,
                timeToFirstTokenMs,
                status,
                httpStatus,
                streamed,
                estimated,
                cacheHit,
                null,
                null,
                0);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    public boolean isError() {
        return !OK.equals(status);
    }
}
