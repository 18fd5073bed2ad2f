package dev.sluice.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code src/test/sdk/check.mjs}: the official {@code openai} and {@code @anthropic-ai/sdk} npm packages
 * (pinned in {@code package.json} and its lockfile, installed with {@code npm ci} on first use) calling a gateway.
 */
final class OfficialSdks {
    private static final Path DIRECTORY = Path.of("src", "test", "sdk");

    private OfficialSdks() {}

    /** Node.js and npm on the PATH. */
    record Result(int exitCode, String stdout, String stderr) {}

    /** Installs the packages when missing, then runs the script with this environment. */
    static Result check(Map<String, String> env) throws IOException {
        if (!Files.isDirectory(DIRECTORY.resolve("node_modules").resolve("openai"))) {
            Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
            if (install.exitCode() != 0) {
                throw new IOException("npm ci failed in " + DIRECTORY + ": " + install.stderr());
            }
        }
        return run(List.of("node", "check.mjs"), env, 120);
    }

    private static Result run(List<String> command, Map<String, String> env, long timeoutSeconds) throws IOException {
        Path out = Files.createTempFile("sdk-out", ".txt");
        Path err = Files.createTempFile("sdk-err", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(DIRECTORY.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException(command + " did not finish in " + timeoutSeconds + " s");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return new Result(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
