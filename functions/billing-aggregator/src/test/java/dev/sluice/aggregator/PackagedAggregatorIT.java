package dev.sluice.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Lambda jar as deployed (the shaded jar infra-cdk uploads), checked after {@code package}: it holds the
 * aggregator and what it runs on, and none of the gateway's provider adapters, secret stores, tokenizer or test
 * engines. Those come in through a dependency on the core; this test fails if one comes back.
 */
class PackagedAggregatorIT {
    /** Paths no class of the aggregator's Lambda jar may live under. */
    private static final List<String> FORBIDDEN = List.of(
            "dev/sluice/provider/",
            "dev/sluice/secret/",
            "dev/sluice/pipeline/",
            "software/amazon/awssdk/services/secretsmanager/",
            "software/amazon/awssdk/services/bedrockruntime/",
            "software/amazon/awssdk/services/kinesis/",
            "software/amazon/awssdk/http/nio/netty/",
            "software/amazon/awssdk/http/apache/",
            "io/netty/",
            "com/knuddels/jtokkit/",
            "com/amazonaws/services/dynamodbv2/",
            "dev/sluice/testing/",
            "dev/sluice/dynamodblocal/");

    private static Path jar;
    private static List<String> entries;

    @BeforeAll
    static void readJar() throws IOException {
        jar = Path.of(System.getProperty("sluice.aggregator.jar", "target/sluice-billing-aggregator-lambda.jar"));
        assertThat(jar)
                .as("run after package: mvn -pl functions/billing-aggregator -am verify")
                .exists();
        try (JarFile file = new JarFile(jar.toFile())) {
            entries = Collections.list(file.entries()).stream()
                    .map(JarEntry::getName)
                    .toList();
        }
    }

    @Test
    void lambdaJar_holdsNoProviderSecretsTokenizerOrTestEngineClasses() {
        for (String forbidden : FORBIDDEN) {
            assertThat(entries)
                    .as("entries under %s in %s", forbidden, jar.getFileName())
                    .noneMatch(entry -> entry.startsWith(forbidden));
        }
    }

    @Test
    void lambdaJar_holdsTheHandlerTheUsageContractAndTheStore() {
        assertThat(entries)
                .contains(
                        "dev/sluice/aggregator/AggregatorHandler.class",
                        "dev/sluice/usage/event/UsageEventCodec.class",
                        "dev/sluice/usage/store/DynamoDbUsageStore.class",
                        "software/amazon/awssdk/services/dynamodb/DynamoDbClient.class",
                        "software/amazon/awssdk/http/urlconnection/UrlConnectionHttpClient.class",
                        "com/amazonaws/services/lambda/runtime/events/KinesisEvent.class");
    }

    @Test
    void lambdaJar_runsTheHandlerOnItsOwn() throws Exception {
        assertThat(Files.size(jar)).isLessThan(25L * 1024 * 1024);
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> storeType = loader.loadClass("dev.sluice.usage.store.UsageStore");
            Object store = loader.loadClass("dev.sluice.usage.store.InMemoryUsageStore")
                    .getConstructor()
                    .newInstance();
            Object handler = loader.loadClass("dev.sluice.aggregator.AggregatorHandler")
                    .getConstructor(storeType)
                    .newInstance(store);
            Class<?> eventType = loader.loadClass("com.amazonaws.services.lambda.runtime.events.KinesisEvent");
            Class<?> contextType = loader.loadClass("com.amazonaws.services.lambda.runtime.Context");
            Method handle = handler.getClass().getMethod("handleRequest", eventType, contextType);

            Object response = handle.invoke(handler, eventType.getConstructor().newInstance(), null);

            assertThat(response.getClass().getName())
                    .isEqualTo("com.amazonaws.services.lambda.runtime.events.StreamsEventResponse");
        }
    }
}
