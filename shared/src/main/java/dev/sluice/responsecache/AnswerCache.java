package dev.sluice.responsecache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.auth.Caller;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.ChatParameters;
import dev.sluice.provider.ChatStreamListener;
import dev.sluice.provider.StreamChunk;
import dev.sluice.responsecache.semantic.VectorIndex;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.Route;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The exact cache stage: decides whether a chat request may be answered from the cache (the route's
 * {@link CachePolicy}, the caller's {@code x-sluice-cache} and {@code x-sluice-cache-ttl}), looks its answer up by a
 * key of the tenant, the alias and the canonical request, replays a hit through the same relay a live answer takes,
 * and stores a complete live answer afterwards.
 *
 * <p>The key is SHA-256 over the tenant id, the alias and the request body with its keys sorted and the fields that
 * do not change the answer left out ({@link #NOT_IN_KEY}: whether to stream, the end-user id, metadata), so a
 * streamed and a non-streamed request share one answer, and two tenants never do.
 *
 * <p>Cost per request: none when the request is not cacheable (a look at three fields); otherwise one canonical walk
 * of the request and a SHA-256 (microseconds for a usual prompt), one cache read before the call and, on a miss, one
 * list append per chunk and one write after the answer ended.
 */
public final class AnswerCache {
    /** Request fields that do not change the answer, so do not split the cache. */
    static final Set<String> NOT_IN_KEY = Set.of("stream", "stream_options", "user", "metadata", "store");

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AnswerCache.class);

    private final ResponseCache store;
    private final VectorIndex index;
    private final PromptEmbedder embedder;

    /** The exact cache alone. */
    public AnswerCache(ResponseCache store) {
        this(store, null, null);
    }

    /** The exact cache, and the semantic cache for routes whose policy names an embeddings alias. */
    public AnswerCache(ResponseCache store, VectorIndex index, PromptEmbedder embedder) {
        this.store = store;
        this.index = index;
        this.embedder = embedder;
    }

    /**
     * Embeds a prompt with the policy's embeddings alias, billed to the caller's tenant like any embeddings call;
     * null when it could not (the semantic lookup is then skipped).
     */
    @FunctionalInterface
    public interface PromptEmbedder {
        float[] embed(Caller caller, String alias, String text, String requestId);
    }

    /** What the stage decided for one request: {@code x-sluice-cache} on the response says {@link #status()}. */
    public sealed interface Lookup {
        String status();

        /** Not looked up: the cache is off for the route or the caller, or the request is not deterministic. */
        record Bypass() implements Lookup {
            @Override
            public String status() {
                return "bypass";
            }
        }

        /** Looked up and found: the answer replays, no provider is called. */
        record Hit(String key, CachedAnswer answer) implements Lookup {
            @Override
            public String status() {
                return "hit";
            }
        }

        /**
         * Found by meaning: an earlier prompt in the same namespace embedded within the policy's threshold.
         *
         * @param similarity the cosine similarity of the two prompts' embeddings
         */
        record SemanticHit(String key, CachedAnswer answer, double similarity) implements Lookup {
            @Override
            public String status() {
                return "semantic-hit";
            }
        }

        /**
         * Looked up, not found: the live answer is recorded and stored for {@code ttl} if it completes; with the
         * semantic cache, its prompt's embedding is indexed under {@code namespace} too.
         */
        record Miss(String key, Duration ttl, AnswerRecorder recorder, String namespace, float[] vector)
                implements Lookup {
            @Override
            public String status() {
                return "miss";
            }
        }
    }

    private static final Lookup BYPASS = new Lookup.Bypass();

    /**
     * Decides and, when the request may be cached, looks it up. Call after admission (a hit still counts against
     * rate limits, and bills nothing) and after {@code max_tokens} was lowered to what the budget affords, which is
     * part of the key.
     *
     * @param cacheHeader    {@code x-sluice-cache} as sent, or null
     * @param cacheTtlHeader {@code x-sluice-cache-ttl} as sent, or null
     * @throws GatewayException 400 for a header value that is not one of the allowed ones
     */
    public Lookup lookup(ChatRequest request, Route route, Caller caller, String cacheHeader, String cacheTtlHeader) {
        return lookup(request, route, caller, cacheHeader, cacheTtlHeader, null);
    }

    /** @param requestId names the semantic cache's embeddings call in its usage event */
    public Lookup lookup(
            ChatRequest request,
            Route route,
            Caller caller,
            String cacheHeader,
            String cacheTtlHeader,
            String requestId) {
        Boolean callerSays = callerChoice(cacheHeader);
        Duration ttl = ttl(cacheTtlHeader, route.cache());
        if (!store.enabled()
                || route.cache().mode() == CachePolicy.Mode.OFF
                || Boolean.FALSE.equals(callerSays)
                || !(Boolean.TRUE.equals(callerSays) || cacheableByPolicy(request, route.cache()))) {
            return BYPASS;
        }
        String key = key(caller.tenantId(), route.alias(), request.body());
        Optional<CachedAnswer> answer = store.get(key);
        if (answer.isPresent()) {
            return new Lookup.Hit(key, answer.get());
        }
        CachePolicy.Semantic semantic = route.cache().semantic();
        String text = semantic == null || index == null || embedder == null ? null : semanticPrompt(request);
        if (text == null) {
            return new Lookup.Miss(key, ttl, new AnswerRecorder(), null, null);
        }
        String namespace = namespace(caller.tenantId(), route.alias(), request);
        float[] vector = null;
        try {
            vector = embedder.embed(caller, semantic.embeddings(), text, requestId);
            if (vector != null) {
                Optional<VectorIndex.Neighbour> near = index.nearest(namespace, vector, semantic.threshold());
                if (near.isPresent()) {
                    Optional<CachedAnswer> earlier = store.get(near.get().entryId());
                    if (earlier.isPresent()) {
                        return new Lookup.SemanticHit(
                                near.get().entryId(), earlier.get(), near.get().similarity());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("semantic cache lookup failed, serving as a miss: {}", e.toString());
        }
        return new Lookup.Miss(key, ttl, new AnswerRecorder(), namespace, vector);
    }

    /**
     * The text the semantic cache embeds: the last message, when it is the user's and text only (an image or a tool
     * result is not something a neighbour's answer can stand for); null otherwise.
     */
    static String semanticPrompt(ChatRequest request) {
        if (request.messages().isEmpty()) {
            return null;
        }
        JsonNode last = request.messages().get(request.messages().size() - 1);
        if (!"user".equals(last.path("role").asText()) || ChatParameters.imageCount(request) > 0) {
            return null;
        }
        String text = dev.sluice.api.MessageText.of(last.get("content"));
        return text.isBlank() ? null : text;
    }

    /**
     * Where a prompt's neighbours may be found: the tenant, the alias, and the hash of everything in the request but
     * its last message (system prompt, history, tools, sampling parameters), so only a prompt asked in the same
     * conversation and the same way can stand in for another.
     */
    static String namespace(String tenantId, String alias, ChatRequest request) {
        com.fasterxml.jackson.databind.node.ObjectNode rest = request.body().deepCopy();
        com.fasterxml.jackson.databind.node.ArrayNode history = rest.putArray("messages");
        for (int i = 0; i < request.messages().size() - 1; i++) {
            history.add(request.messages().get(i));
        }
        return tenantId + "#" + alias + "#" + key(tenantId, alias, rest).substring(0, 32);
    }

    /** Feeds a stored answer to the listener as a provider would: the turn's start, each chunk, then the usage. */
    public static void replay(CachedAnswer answer, ChatStreamListener listener) {
        listener.onChunk(StreamChunk.start());
        for (StreamChunk chunk : answer.chunks()) {
            listener.onChunk(chunk);
        }
        listener.onUsage(answer.usage());
    }

    /** Stores a miss's answer when it completed; an incomplete or unreplayable one is left out. */
    public void store(Lookup.Miss miss, Deployment servedBy) {
        CachedAnswer answer = miss.recorder().answer(servedBy);
        if (answer == null) {
            return;
        }
        store.put(miss.key(), answer, miss.ttl());
        if (miss.vector() != null && index != null) {
            try {
                index.add(miss.namespace(), miss.key(), miss.vector(), miss.ttl());
            } catch (RuntimeException e) {
                LOG.warn("semantic cache index add failed, answer cached exactly only: {}", e.toString());
            }
        }
    }

    /**
     * {@code auto}: {@code temperature} 0 or a {@code seed}, and no tools (a cached tool call would skip or repeat
     * what the caller's tool does); {@code always}: any request.
     */
    static boolean cacheableByPolicy(ChatRequest request, CachePolicy policy) {
        if (policy.mode() == CachePolicy.Mode.ALWAYS) {
            return true;
        }
        JsonNode body = request.body();
        JsonNode temperature = body.get("temperature");
        boolean deterministic = temperature != null && temperature.isNumber() && temperature.doubleValue() == 0
                || body.hasNonNull("seed");
        return deterministic && !ChatParameters.hasTools(request);
    }

    /** Refuses a request whose cache headers are malformed, before anything else is spent on it. */
    public static void checkHeaders(String cacheHeader, String cacheTtlHeader) {
        callerChoice(cacheHeader);
        ttl(cacheTtlHeader, CachePolicy.DEFAULT);
    }

    private static Boolean callerChoice(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        return switch (header.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default ->
                throw GatewayException.invalidRequest(
                        "x-sluice-cache must be 'on' or 'off'.", "x-sluice-cache", "invalid_header");
        };
    }

    private static Duration ttl(String header, CachePolicy policy) {
        if (header == null || header.isBlank()) {
            return policy.ttl();
        }
        long seconds;
        try {
            seconds = Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 1 || seconds > CachePolicy.MAX_TTL.toSeconds()) {
            throw GatewayException.invalidRequest(
                    "x-sluice-cache-ttl must be a whole number of seconds from 1 to " + CachePolicy.MAX_TTL.toSeconds()
                            + ".",
                    "x-sluice-cache-ttl",
                    "invalid_header");
        }
        return Duration.ofSeconds(seconds);
    }

    /** SHA-256 of tenant, alias and the canonical request, in hex. */
    static String key(String tenantId, String alias, JsonNode body) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        StringBuilder canonical = new StringBuilder(256);
        canonical.append(tenantId).append('\u0000').append(alias).append('\u0000');
        canonical(body, canonical, true);
        return HexFormat.of().formatHex(sha.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** JSON with object keys sorted, so field order in the request does not split the cache. */
    private static void canonical(JsonNode node, StringBuilder out, boolean top) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            out.append('{');
            for (String name : names) {
                if (top && NOT_IN_KEY.contains(name)) {
                    continue;
                }
                out.append('"').append(name).append("\":");
                canonical(node.get(name), out, false);
                out.append(',');
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (JsonNode element : node) {
                canonical(element, out, false);
                out.append(',');
            }
            out.append(']');
        } else {
            out.append(node.toString()); // a value node: its JSON form, strings quoted and escaped
        }
    }
}
