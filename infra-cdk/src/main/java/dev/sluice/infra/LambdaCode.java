package dev.sluice.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awscdk.services.lambda.Code;

/** Function code from files the Maven build produced; no bundling, no Docker, nothing fetched at synth time. */
final class LambdaCode {

    private LambdaCode() {}

    /**
     * The zip or jar at {@code path} (relative paths resolve against the directory {@code cdk} runs in,
     * {@code infra-cdk/}), uploaded as it is.
     */
    static Code fromBuiltFile(String path, String contextKey) {
        Path file = Path.of(path).toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " does not exist (context " + contextKey + "). Build the "
                    + "functions first: ./mvnw -DskipTests package (from the repository root), or point -c "
                    + contextKey + "=<file> at a built artifact.");
        }
        return Code.fromAsset(file.toString());
    }
}
