package dev.sluice.store;

import dev.sluice.aws.AwsFailures;
import dev.sluice.route.CachePolicy;
import dev.sluice.route.Deployment;
import dev.sluice.route.Pricing;
import dev.sluice.route.RetryPolicy;
import dev.sluice.route.Route;
import dev.sluice.route.RouteRepository;
import dev.sluice.route.RouteRule;
import dev.sluice.route.RoutingStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Routes in DynamoDB: one item per alias holding a list of deployment maps, so a route is read in one GetItem and
 * changed atomically in one PutItem.
 */
public final class DynamoDbRouteRepository implements RouteRepository {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbRouteRepository(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Optional<Route> find(String alias) {
        Map<String, AttributeValue> item;
        try {
            item = dynamo.getItem(getItemRequest(table, alias)).item();
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toRoute(item));
    }

    /** The route read of the request path; SnapStart priming builds it here too, so the two cannot drift. */
    public static GetItemRequest getItemRequest(String table, String alias) {
        return GetItemRequest.builder()
                .tableName(table)
                .key(Map.of(SluiceTables.ALIAS, Attributes.s(alias)))
                .build();
    }

    @Override
    public List<Route> findAll() {
        List<Route> routes = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page;
            try {
                page = dynamo.scan(r -> r.tableName(table).exclusiveStartKey(from));
            } catch (SdkException e) {
                throw AwsFailures.translate(e);
            }
            page.items().forEach(item -> routes.add(toRoute(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        routes.sort((a, b) -> a.alias().compareTo(b.alias()));
        return routes;
    }

    @Override
    public void put(Route route) {
        List<AttributeValue> deployments = route.deployments().stream()
                .map(d -> AttributeValue.fromM(toItem(d)))
                .toList();
        RetryPolicy retries = route.retries();
        Map<String, AttributeValue> retryItem = Map.of(
                "attemptsPerDeployment", Attributes.n(retries.attemptsPerDeployment()),
                "backoffMs", Attributes.n(retries.backoff().toMillis()),
                "maxBackoffMs", Attributes.n(retries.maxBackoff().toMillis()),
                "retryAfterCapMs", Attributes.n(retries.retryAfterCap().toMillis()),
                "deadlineMs", Attributes.n(retries.deadline().toMillis()));
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(SluiceTables.ALIAS, Attributes.s(route.alias()));
        item.put("deployments", AttributeValue.fromL(deployments));
        item.put("retries", AttributeValue.fromM(retryItem));
        item.put("strategy", Attributes.s(route.strategy().wireName()));
        if (!route.rules().isEmpty()) {
            item.put(
                    "rules",
                    AttributeValue.fromL(route.rules().stream()
                            .map(rule -> AttributeValue.fromM(toItem(rule)))
                            .toList()));
        }
        if (route.contextFallback() != null) {
            item.put("contextFallback", Attributes.s(route.contextFallback()));
        }
        item.put("cache", AttributeValue.fromM(toItem(route.cache())));
        GuardAttributes.put(item, route.guard());
        try {
            dynamo.putItem(r -> r.tableName(table).item(item));
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    @Override
    public void delete(String alias) {
        try {
            dynamo.deleteItem(r -> r.tableName(table).key(Map.of(SluiceTables.ALIAS, Attributes.s(alias))));
        } catch (SdkException e) {
            throw AwsFailures.translate(e);
        }
    }

    private static Map<String, AttributeValue> toItem(RouteRule rule) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("target", Attributes.s(rule.target()));
        if (rule.minPromptTokens() != null) {
            m.put("minPromptTokens", Attributes.n(rule.minPromptTokens()));
        }
        if (rule.maxPromptTokens() != null) {
            m.put("maxPromptTokens", Attributes.n(rule.maxPromptTokens()));
        }
        if (rule.images() != null) {
            m.put("images", AttributeValue.fromBool(rule.images()));
        }
        if (rule.tools() != null) {
            m.put("tools", AttributeValue.fromBool(rule.tools()));
        }
        if (rule.jsonMode() != null) {
            m.put("jsonMode", AttributeValue.fromBool(rule.jsonMode()));
        }
        if (!rule.anyTag().isEmpty()) {
            m.put("anyTag", AttributeValue.fromSs(List.copyOf(rule.anyTag())));
        }
        if (!rule.tenants().isEmpty()) {
            m.put("tenants", AttributeValue.fromSs(List.copyOf(rule.tenants())));
        }
        return m;
    }

    private static RouteRule toRule(Map<String, AttributeValue> m) {
        return new RouteRule(
                Attributes.string(m, "target"),
                m.containsKey("minPromptTokens") ? Long.valueOf(Attributes.number(m, "minPromptTokens", 0)) : null,
                m.containsKey("maxPromptTokens") ? Long.valueOf(Attributes.number(m, "maxPromptTokens", 0)) : null,
                m.containsKey("images") ? m.get("images").bool() : null,
                m.containsKey("tools") ? m.get("tools").bool() : null,
                m.containsKey("jsonMode") ? m.get("jsonMode").bool() : null,
                m.containsKey("anyTag") ? Set.copyOf(m.get("anyTag").ss()) : Set.of(),
                m.containsKey("tenants") ? Set.copyOf(m.get("tenants").ss()) : Set.of());
    }

    /** The route's retry policy; the default for routes written before routes had one. */
    private static RetryPolicy retries(AttributeValue value) {
        if (value == null || !value.hasM()) {
            return RetryPolicy.DEFAULT;
        }
        Map<String, AttributeValue> m = value.m();
        RetryPolicy d = RetryPolicy.DEFAULT;
        return new RetryPolicy(
                (int) Attributes.number(m, "attemptsPerDeployment", d.attemptsPerDeployment()),
                Duration.ofMillis(Attributes.number(m, "backoffMs", d.backoff().toMillis())),
                Duration.ofMillis(
                        Attributes.number(m, "maxBackoffMs", d.maxBackoff().toMillis())),
                Duration.ofMillis(Attributes.number(
                        m, "retryAfterCapMs", d.retryAfterCap().toMillis())),
                Duration.ofMillis(
                        Attributes.number(m, "deadlineMs", d.deadline().toMillis())));
    }

    private static Route toRoute(Map<String, AttributeValue> item) {
        List<Deployment> deployments = item.get("deployments").l().stream()
                .map(value -> toDeployment(value.m()))
                .toList();
        AttributeValue rules = item.get("rules");
        return new Route(
                Attributes.string(item, SluiceTables.ALIAS),
                deployments,
                retries(item.get("retries")),
                RoutingStrategy.fromWireName(Attributes.string(item, "strategy")),
                rules == null || !rules.hasL()
                        ? List.of()
                        : rules.l().stream().map(rule -> toRule(rule.m())).toList(),
                Attributes.string(item, "contextFallback"),
                cachePolicy(item.get("cache")),
                GuardAttributes.read(item));
    }

    /** The route's cache policy; the default for routes written before routes had one. */
    private static CachePolicy cachePolicy(AttributeValue value) {
        if (value == null || !value.hasM()) {
            return CachePolicy.DEFAULT;
        }
        Map<String, AttributeValue> m = value.m();
        AttributeValue semantic = m.get("semantic");
        return new CachePolicy(
                CachePolicy.Mode.fromWireName(Attributes.string(m, "mode")),
                Duration.ofSeconds(Attributes.number(m, "ttlSeconds", CachePolicy.DEFAULT_TTL.toSeconds())),
                semantic == null || !semantic.hasM()
                        ? null
                        : new CachePolicy.Semantic(
                                Attributes.string(semantic.m(), "embeddings"),
                                Double.parseDouble(semantic.m().get("threshold").n())));
    }

    private static Map<String, AttributeValue> toItem(CachePolicy cache) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("mode", Attributes.s(cache.mode().wireName()));
        m.put("ttlSeconds", Attributes.n(cache.ttl().toSeconds()));
        if (cache.semantic() != null) {
            m.put(
                    "semantic",
                    AttributeValue.fromM(Map.of(
                            "embeddings", Attributes.s(cache.semantic().embeddings()),
                            "threshold",
                                    AttributeValue.fromN(
                                            Double.toString(cache.semantic().threshold())))));
        }
        return m;
    }

    private static Deployment toDeployment(Map<String, AttributeValue> m) {
        return new Deployment(
                Attributes.string(m, "provider"),
                Attributes.string(m, "upstreamModel"),
                Attributes.string(m, "baseUrl"),
                Attributes.string(m, "secretRef"),
                new Pricing(
                        Attributes.number(m, "inputPerMillionMicros", 0),
                        Attributes.number(m, "outputPerMillionMicros", 0),
                        Attributes.number(m, "cachedInputPerMillionMicros", 0)),
                Duration.ofMillis(Attributes.number(m, "timeoutMs", Deployment.DEFAULT_TIMEOUT.toMillis())),
                options(m.get("options")),
                Duration.ofMillis(Attributes.number(m, "idleTimeoutMs", Deployment.DEFAULT_IDLE_TIMEOUT.toMillis())),
                (int) Attributes.number(m, "weight", 1),
                (int) Attributes.number(m, "priority", 0));
    }

    private static Map<String, String> options(AttributeValue value) {
        Map<String, String> options = new HashMap<>();
        if (value != null && value.hasM()) {
            value.m().forEach((name, v) -> options.put(name, v.s()));
        }
        return options;
    }

    private static Map<String, AttributeValue> toItem(Deployment d) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("provider", Attributes.s(d.provider()));
        m.put("upstreamModel", Attributes.s(d.upstreamModel()));
        if (d.baseUrl() != null) {
            m.put("baseUrl", Attributes.s(d.baseUrl()));
        }
        if (d.secretRef() != null) {
            m.put("secretRef", Attributes.s(d.secretRef()));
        }
        m.put("inputPerMillionMicros", Attributes.n(d.pricing().inputPerMillion()));
        m.put("outputPerMillionMicros", Attributes.n(d.pricing().outputPerMillion()));
        m.put("cachedInputPerMillionMicros", Attributes.n(d.pricing().cachedInputPerMillion()));
        m.put("timeoutMs", Attributes.n(d.timeout().toMillis()));
        m.put("idleTimeoutMs", Attributes.n(d.idleTimeout().toMillis()));
        m.put("weight", Attributes.n(d.weight()));
        m.put("priority", Attributes.n(d.priority()));
        if (!d.options().isEmpty()) {
            Map<String, AttributeValue> options = new HashMap<>();
            d.options().forEach((name, value) -> options.put(name, Attributes.s(value)));
            m.put("options", AttributeValue.fromM(options));
        }
        return m;
    }
}
