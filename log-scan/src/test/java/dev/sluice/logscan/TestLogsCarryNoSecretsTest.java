package dev.sluice.logscan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Reads every test log the build wrote before this module ran (surefire and failsafe send each test class's output
 * to {@code target/*-reports/*-output.txt}; the root pom sets that) and fails if one holds something that must never
 * reach a log: a Sluice key, a provider key, an AWS secret, a private key, a bearer token or a session token.
 *
 * <p>The tests exercise the gateway with keys of exactly these shapes, so a log line that carries one is the gateway
 * (or a test helper) printing a credential: the thing this scan exists to catch. The report names the file, the line
 * and the kind of secret, and shows the line with the secret masked, so the failure does not leak it either.
 */
class TestLogsCarryNoSecretsTest {
    /** What a secret looks like, by kind; tuned to the shapes the project and the providers use. */
    static final Map<String, Pattern> SECRETS = Map.of(
            "Sluice API key", Pattern.compile("sk-sluice-[A-Za-z0-9_-]{16,}"),
            "provider API key", Pattern.compile("\\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{32,}"),
            "AWS access key id", Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"),
            "AWS secret access key", Pattern.compile("(?i)secret_?access_?key[\"'\\s:=]+[A-Za-z0-9/+]{40}\\b"),
            "Google API key", Pattern.compile("\\bAIza[0-9A-Za-z_-]{35}\\b"),
            "private key", Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----"),
            "bearer token", Pattern.compile("(?i)\\bbearer\\s+[A-Za-z0-9._~+/=-]{20,}"),
            "session token (JWT)",
                    Pattern.compile("\\beyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}"));

    @Test
    void testLogs_ofEveryModule_carryNoSecret() throws IOException {
        Path root = projectRoot();
        List<Path> logs = testLogs(root);
        List<String> findings = new ArrayList<>();
        for (Path log : logs) {
            findings.addAll(scan(root, log));
        }

        assertThat(logs)
                .as("test logs under %s (did the other modules' tests run first?)", root)
                .isNotEmpty();
        assertThat(findings).as("secrets in test logs").isEmpty();
    }

    @Test
    void scan_findsEachKindOfSecret_andMasksIt() throws IOException {
        Path dir = Files.createTempDirectory("log-scan");
        Path log = dir.resolve("Example-output.txt");
        Files.writeString(
                log,
                String.join(
                        "\n",
                        "{\"message\":\"authorized sk-sluice-AbCdEfGhIjKlMnOpQrSt\"}",
                        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123",
                        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        "AKIAIOSFODNN7EXAMPLE",
                        "-----BEGIN RSA PRIVATE KEY-----",
                        "key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
                        "a quiet line about sk-sluice- keys in general, and a Bearer <token> placeholder",
                        ""));

        List<String> findings = scan(dir, log);

        assertThat(findings).hasSize(6);
        assertThat(String.join("\n", findings))
                .contains("Sluice API key", "bearer token", "AWS secret access key", "AWS access key id")
                .contains("private key", "provider API key")
                .doesNotContain("AbCdEfGhIjKlMnOpQrSt", "abcdefghijklmnopqrstuvwxyz0123", "wJalrXUtnFEMI");
    }

    /** The reactor root: the first ancestor of this module holding the project's {@code mvnw}. */
    static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("not inside the Sluice project");
        }
        return dir;
    }

    static List<Path> testLogs(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root, 6)) {
            return files.filter(path -> !path.toString().contains("node_modules"))
                    .filter(path -> {
                        Path parent = path.getParent();
                        String folder =
                                parent == null ? "" : parent.getFileName().toString();
                        return (folder.equals("surefire-reports") || folder.equals("failsafe-reports"))
                                && path.getFileName().toString().endsWith("-output.txt");
                    })
                    .sorted()
                    .toList();
        }
    }

    /** One finding per line and kind: {@code file:line: kind: the line with the secret masked}. */
    static List<String> scan(Path root, Path log) {
        List<String> findings = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (BufferedReader reader =
                new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(log), decoder))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                for (Map.Entry<String, Pattern> secret : SECRETS.entrySet()) {
                    Matcher matcher = secret.getValue().matcher(line);
                    if (matcher.find()) {
                        findings.add(root.relativize(log) + ":" + number + ": " + secret.getKey() + ": "
                                + mask(line, secret.getValue()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return findings;
    }

    private static String mask(String line, Pattern secret) {
        String masked = secret.matcher(line).replaceAll(match -> {
            String found = match.group();
            return Matcher.quoteReplacement(found.substring(0, Math.min(6, found.length())) + "…[masked]");
        });
        return masked.length() > 300 ? masked.substring(0, 300) + "…" : masked;
    }
}
