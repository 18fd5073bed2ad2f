package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Finds the committed {@code test-support/kinesis} folder (package.json, lockfile, loopback preload) and installs the
 * pinned kinesis-local package there with {@code npm ci} when {@code node_modules} is missing.
 */
final class KinesisLocalInstall {

    /** Overrides where the kinesis folder is, for builds that run from outside the repository. */
    static final String DIR_PROPERTY = "sluice.kinesis.dir";

    private static final long NPM_CI_TIMEOUT_SECONDS = 300;

    private static final Object INSTALL_LOCK = new Object();

    private final Path directory;

    private KinesisLocalInstall(Path directory) {
        this.directory = directory;
    }

    /** Locates the folder and makes sure the package is installed. */
    static KinesisLocalInstall ensureInstalled() {
        KinesisLocalInstall install = new KinesisLocalInstall(locate());
        install.installIfMissing();
        return install;
    }

    Path directory() {
        return directory;
    }

    Path mainScript() {
        return packageDirectory().resolve("main.js");
    }

    Path certificate() {
        return packageDirectory().resolve("server.json");
    }

    Path loopbackPreload() {
        return directory.resolve("bind-loopback.js");
    }

    private Path packageDirectory() {
        return directory.resolve("node_modules").resolve("kinesis-local");
    }

    private static Path locate() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isRegularFile(dir.resolve("package.json"))) {
                throw new IllegalStateException(DIR_PROPERTY + "=" + configured + " has no package.json");
            }
            return dir;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("test-support").resolve("kinesis");
            if (Files.isRegularFile(candidate.resolve("package.json"))) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "no test-support/kinesis/package.json above " + start + "; set -D" + DIR_PROPERTY + "=<folder>");
    }

    // Locked within the JVM and, with a file lock, across JVMs: parallel test forks must not run npm ci at once.
    private void installIfMissing() {
        if (isInstalled()) {
            return;
        }
        Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "sluice-kinesis-npm-ci.lock");
        synchronized (INSTALL_LOCK) {
            try (FileChannel channel =
                    FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.lock();
                try {
                    if (!isInstalled()) {
                        npmCi();
                    }
                } finally {
                    lock.release();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot install kinesis-local in " + directory, e);
            }
        }
    }

    private boolean isInstalled() {
        return Files.isRegularFile(mainScript()) && Files.isRegularFile(certificate());
    }

    private void npmCi() throws IOException {
        Path output = Files.createTempFile("sluice-npm-ci", ".log");
        try {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean exited = npm.waitFor(NPM_CI_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                npm.destroyForcibly();
            }
            if (!exited || npm.exitValue() != 0 || !isInstalled()) {
                throw new IllegalStateException(
                        "npm ci in " + directory + " failed:\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running npm ci", e);
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
