package dev.sluice.cli;

import dev.sluice.store.DynamoDbUsageOutbox;
import dev.sluice.usage.KinesisUsagePublisher;
import dev.sluice.usage.OutboxReplayer;
import dev.sluice.usage.UnsentUsageLog;
import dev.sluice.usage.event.UsageEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * {@code gatewayctl usage replay}: usage events into the usage stream now, from the outbox table or from a saved log,
 * for the billing aggregator to count. Replaying an event that is already in the stream does no harm: the aggregator
 * counts each request once, by request id.
 */
@Command(
        name = "replay",
        description = "Put usage events into the usage stream: those parked in the outbox (--outbox), or those in a "
                + "saved log (--from-log FILE).",
        footer = {
            "",
            "--from-log reads the router's " + UnsentUsageLog.MARKER + " lines (JSON log lines or plain text, with "
                    + "any prefix) and bare usage-event JSON lines; other lines are skipped. Each request is sent "
                    + "once, however often the log holds it.",
            "Exit status 1 when some events could not be sent (their request ids go to standard error); replaying "
                    + "the same source again is safe."
        })
final class UsageReplayCommand implements Callable<Integer> {
    /** How long a replay from the command line may drain the outbox. */
    static final Duration OUTBOX_BUDGET = Duration.ofMinutes(15);
    /** Attempts to put a batch's refused events again (throttling). */
    private static final int ATTEMPTS = 4;

    private final CliContext cli;

    @Mixin
    TableOptions table;

    @ArgGroup(multiplicity = "1")
    Source source;

    /** Exactly one of the two; picocli says so when both or neither are given. */
    static final class Source {
        @Option(
                names = "--outbox",
                required = true,
                description = "Drain the outbox table (SLUICE_OUTBOX_TABLE, default sluice-usage-outbox).")
        boolean outbox;

        @Option(
                names = "--from-log",
                required = true,
                paramLabel = "FILE",
                description = "A saved log holding " + UnsentUsageLog.MARKER + " lines or usage-event JSON lines.")
        Path log;
    }

    @Option(
            names = "--stream",
            paramLabel = "NAME",
            description = "The usage stream (env SLUICE_USAGE_STREAM, default sluice-usage).")
    String stream;

    @Option(
            names = "--kinesis-endpoint",
            paramLabel = "URL",
            description = "Kinesis endpoint instead of AWS (env SLUICE_KINESIS_ENDPOINT).")
    String kinesisEndpoint;

    UsageReplayCommand(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws IOException {
        String streamName = stream != null ? stream : cli.env().getOrDefault("SLUICE_USAGE_STREAM", "sluice-usage");
        try (KinesisClient kinesis = table.aws(cli.env())
                .kinesis(TableOptions.endpoint(
                        "Kinesis", kinesisEndpoint, cli.env().get("SLUICE_KINESIS_ENDPOINT")))) {
            KinesisUsagePublisher publisher = new KinesisUsagePublisher(kinesis, streamName);
            return source.outbox ? fromOutbox(publisher, streamName) : fromLog(publisher, streamName);
        }
    }

    private int fromOutbox(KinesisUsagePublisher publisher, String streamName) {
        String outboxTable = TableOptions.tables(cli.env()).outbox();
        OutboxReplayer.Drain drain;
        try (DynamoDbClient dynamo = table.dynamo(cli.env())) {
            drain = new OutboxReplayer(new DynamoDbUsageOutbox(dynamo, outboxTable, cli.clock()), publisher)
                    .drain(OUTBOX_BUDGET);
        }
        cli.out()
                .printf(
                        "%d usage events replayed from %s into %s; outbox %s%n",
                        drain.replayed(), outboxTable, streamName, drain.empty() ? "empty" : "not empty");
        if (!drain.empty()) {
            cli.err()
                    .printf(
                            "gatewayctl: the stream refused %d events (or the time ran out); they stay in the outbox,"
                                    + " run again later%n",
                            drain.refused());
            return GatewayCtl.FAILED;
        }
        return 0;
    }

    private int fromLog(KinesisUsagePublisher publisher, String streamName) throws IOException {
        Map<String, UsageEvent> events = new LinkedHashMap<>();
        int lines = 0;
        int found = 0;
        try (BufferedReader reader = Files.newBufferedReader(source.log, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines++;
                Optional<UsageEvent> event = UnsentUsageLog.parse(line);
                if (event.isPresent()) {
                    found++;
                    events.putIfAbsent(event.get().requestId(), event.get());
                }
            }
        }
        List<UsageEvent> unsent = new ArrayList<>();
        List<UsageEvent> all = List.copyOf(events.values());
        for (int from = 0; from < all.size(); from += KinesisUsagePublisher.MAX_RECORDS) {
            unsent.addAll(put(
                    publisher, all.subList(from, Math.min(all.size(), from + KinesisUsagePublisher.MAX_RECORDS))));
        }
        cli.out()
                .printf(
                        "%d lines read: %d usage events (%d requests); %d sent to %s, %d not sent%n",
                        lines, found, events.size(), events.size() - unsent.size(), streamName, unsent.size());
        if (!unsent.isEmpty()) {
            unsent.forEach(event -> cli.err().println("not sent: " + event.requestId()));
            return GatewayCtl.FAILED;
        }
        return 0;
    }

    /** Puts {@code batch}, again for what the stream refused; returns what it never took. */
    private List<UsageEvent> put(KinesisUsagePublisher publisher, List<UsageEvent> batch) {
        List<UsageEvent> pending = batch;
        for (int attempt = 1; attempt <= ATTEMPTS && !pending.isEmpty(); attempt++) {
            List<UsageEvent> taken;
            try {
                taken = publisher.putBatch(pending);
            } catch (RuntimeException e) {
                cli.err().println("gatewayctl: the usage stream did not take a batch: " + e.getMessage());
                return pending;
            }
            List<UsageEvent> refused = new ArrayList<>(pending);
            refused.removeAll(taken);
            pending = refused;
            if (!pending.isEmpty()) {
                sleep(Duration.ofMillis(200L * attempt));
            }
        }
        return pending;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted");
        }
    }
}
