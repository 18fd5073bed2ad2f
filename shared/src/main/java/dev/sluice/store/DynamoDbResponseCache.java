package dev.sluice.store;

import dev.sluice.aws.DirectGetItem;
import dev.sluice.responsecache.AnswerCodec;
import dev.sluice.responsecache.CachedAnswer;
import dev.sluice.responsecache.ResponseCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Answers in the response cache table: one item per cache key ({@code cacheKey} = {@code "answer#" + key}) holding the
 * encoded answer ({@code body}, binary; {@code gz} when compressed) and {@code expiresAt} (epoch seconds), the
 * table's TTL attribute. DynamoDB deletes expired items only eventually, so a read checks {@code expiresAt} itself.
 *
 * <p>Every call is bounded ({@link #LOOKUP_TIMEOUT}, {@link #STORE_TIMEOUT}, no SDK retries beyond that budget) and
 * an outage is a miss or a skipped store, logged, never an error: the cache may only make a request cheaper.
 * Cost: one eventually consistent GetItem per lookup, one PutItem per stored answer. The lookup, which a cacheable
 * request waits for, goes through {@link DirectGetItem} rather than the SDK's pipeline: on DynamoDB Local 0.21 ms
 * instead of 0.42 ms p50, most of the difference being the SDK's own work.
 */
public final class DynamoDbResponseCache implements ResponseCache {
    /** A lookup slower than this is a miss: on DynamoDB it takes a few milliseconds. */
    public static final Duration LOOKUP_TIMEOUT = Duration.ofMillis(200);

    public static final Duration STORE_TIMEOUT = Duration.ofMillis(500);
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbResponseCache.class);
    private static final String PREFIX = "answer#";

    private final DynamoDbClient dynamo;
    private final DirectGetItem lookups;
    private final String table;
    private final Clock clock;
    private final Duration storeTimeout;

    /**
     * @param lookupTimeout and {@code storeTimeout}: the bounds of each call ({@link #LOOKUP_TIMEOUT},
     *                      {@link #STORE_TIMEOUT} in the gateway; tests on a busy machine allow more)
     */
    public DynamoDbResponseCache(
            DynamoDbClient dynamo, String table, Clock clock, Duration lookupTimeout, Duration storeTimeout) {
        this.dynamo = dynamo;
        this.lookups = DirectGetItem.of(dynamo, lookupTimeout);
        this.table = table;
        this.clock = clock;
        this.storeTimeout = storeTimeout;
    }

    public DynamoDbResponseCache(DynamoDbClient dynamo, String table, Clock clock) {
        this(dynamo, table, clock, LOOKUP_TIMEOUT, STORE_TIMEOUT);
    }

    public DynamoDbResponseCache(DynamoDbClient dynamo, String table) {
        this(dynamo, table, Clock.systemUTC());
    }

    @Override
    public Optional<CachedAnswer> get(String key) {
        Map<String, AttributeValue> item;
        try {
            item = lookups.get(table, Map.of(SluiceTables.CACHE_KEY, Attributes.s(PREFIX + key)));
        } catch (RuntimeException e) {
            LOG.warn("response cache lookup failed, serving as a miss: {}", e.toString());
            return Optional.empty();
        }
        if (item == null || item.isEmpty() || !item.containsKey("body")) {
            return Optional.empty();
        }
        if (Attributes.number(item, SluiceTables.EXPIRES_AT, 0)
                <= clock.instant().getEpochSecond()) {
            return Optional.empty(); // expired, not yet deleted by TTL
        }
        try {
            AttributeValue gz = item.get("gz");
            return Optional.of(AnswerCodec.decode(
                    item.get("body").b().asByteArrayUnsafe(), gz != null && Boolean.TRUE.equals(gz.bool())));
        } catch (IllegalArgumentException unreadable) {
            LOG.warn("response cache item unreadable, serving as a miss: {}", unreadable.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void put(String key, CachedAnswer answer, Duration ttl) {
        AnswerCodec.Encoded encoded = AnswerCodec.encode(answer);
        if (encoded == null) {
            LOG.info("answer not cached: over {} KB even compressed", AnswerCodec.PLAIN_LIMIT / 1024);
            return;
        }
        long expiresAt = clock.instant().plus(ttl).getEpochSecond();
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(Map.of(
                            SluiceTables.CACHE_KEY,
                            Attributes.s(PREFIX + key),
                            "body",
                            AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(encoded.bytes())),
                            "gz",
                            AttributeValue.fromBool(encoded.compressed()),
                            SluiceTables.EXPIRES_AT,
                            Attributes.n(expiresAt)))
                    .overrideConfiguration(o -> o.apiCallTimeout(storeTimeout)));
        } catch (RuntimeException e) {
            LOG.warn("response cache store failed, answer not cached: {}", e.toString());
        }
    }
}
