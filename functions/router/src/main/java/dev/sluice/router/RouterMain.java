package dev.sluice.router;

import dev.sluice.aws.AwsClients;
import dev.sluice.pipeline.GatewayPipeline;
import dev.sluice.secret.SecretsManagerSecretStore;
import dev.sluice.store.DynamoDbKeyRepository;
import dev.sluice.store.DynamoDbQuotaLedger;
import dev.sluice.store.DynamoDbRouteRepository;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.TokenEstimator;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Production entry point: on Lambda, {@code run.sh} starts this behind the AWS Lambda Web Adapter, which forwards
 * each invocation to it over loopback HTTP and streams the response back. Wiring happens once per instance, before
 * the first request (and so before a SnapStart snapshot).
 */
public final class RouterMain {
    private static final Logger LOG = LoggerFactory.getLogger(RouterMain.class);

    private RouterMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        long started = System.nanoTime();
        RouterConfig config = RouterConfig.fromEnvironment(System.getenv());
        AwsClients aws = new AwsClients(config.region());
        DynamoDbClient dynamo = aws.dynamoDb(config.dynamoDbEndpoint());
        GatewayPipeline pipeline = GatewayWiring.pipeline(
                new DynamoDbKeyRepository(dynamo, config.tables().keys()),
                new DynamoDbRouteRepository(dynamo, config.tables().routes()),
                new DynamoDbQuotaLedger(dynamo, config.tables().counters()),
                new SecretsManagerSecretStore(aws.secretsManager(config.secretsManagerEndpoint())),
                new KinesisUsagePublisher(aws.kinesis(config.kinesisEndpoint()), config.usageStream()),
                GatewayWiring.providers(Duration.ofSeconds(10), Duration.ZERO, config.region(), Clock.systemUTC()),
                config.cacheTtl(), config.secretTtl(), Clock.systemUTC());
        RouterServer server = RouterServer.start(config.bindHost(), config.port(), pipeline, config.maxBodyBytes());
        TokenEstimator.warmUpInBackground(); // after the server is up: not on the cold-start path
        LOG.info("Sluice router listening on {}:{} (started in {} ms)", config.bindHost(), server.port(),
                (System.nanoTime() - started) / 1_000_000);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
    }
}
