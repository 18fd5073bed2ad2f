package dev.sluice.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizes the stack for a context, once per distinct context in the test JVM (a synth takes a second or two
 * once jsii is up). The function code is a small dummy zip and jar under target/, so the tests do not depend on
 * the functions' build.
 */
final class Templates {
    private static final Path WORK = Path.of("target", "cdk-test");
    private static final Map<Map<String, Object>, Template> CACHE = new ConcurrentHashMap<>();
    private static final AtomicInteger RUNS = new AtomicInteger();

    private Templates() {}

    static Template defaults() {
        return with(Map.of());
    }

    static Template with(Map<String, Object> overrides) {
        return CACHE.computeIfAbsent(Map.copyOf(overrides), Templates::synth);
    }

    static Map<String, Object> context(Map<String, Object> overrides) {
        Map<String, Object> context = new HashMap<>();
        context.put("routerAsset", dummyArchive("sluice-router-lambda.zip").toString());
        context.put("aggregatorAsset", dummyArchive("aggregator-lambda.jar").toString());
        context.putAll(overrides);
        return context;
    }

    static SluiceStack stack(Map<String, Object> overrides) {
        App app = App.Builder.create()
                .context(context(overrides))
                .outdir(WORK.resolve("out-" + RUNS.incrementAndGet())
                        .toAbsolutePath()
                        .toString())
                .build();
        return new SluiceStack(app, SluiceSettings.fromContext(app.getNode()::tryGetContext));
    }

    private static Template synth(Map<String, Object> overrides) {
        return Template.fromStack(stack(overrides));
    }

    /** The CloudFormation template as plain maps and lists, for walking. */
    static Map<String, Object> json(Template template) {
        return template.toJSON();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> resources(Template template, String type) {
        Map<String, Object> all = (Map<String, Object>) json(template).get("Resources");
        Map<String, Map<String, Object>> matching = new LinkedHashMap<>();
        all.forEach((id, resource) -> {
            Map<String, Object> r = (Map<String, Object>) resource;
            if (type.equals(r.get("Type"))) {
                matching.put(id, r);
            }
        });
        return matching;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> properties(Map<String, Object> resource) {
        return (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
    }

    /** The logical id of the one resource of a type whose properties contain the given entry. */
    static String logicalId(Template template, String type, String property, Object value) {
        var ids = resources(template, type).entrySet().stream()
                .filter(e -> value.equals(properties(e.getValue()).get(property)))
                .map(Map.Entry::getKey)
                .toList();
        if (ids.size() != 1) {
            throw new AssertionError("expected one " + type + " with " + property + "=" + value + ", found " + ids);
        }
        return ids.get(0);
    }

    /** The function whose handler is given (the router's is run.sh). */
    static String functionId(Template template, String handler) {
        return logicalId(template, "AWS::Lambda::Function", "Handler", handler);
    }

    /** The router function's properties (its handler is run.sh). */
    static Map<String, Object> router(Template template) {
        return properties(resource(template, functionId(template, "run.sh")));
    }

    /** A function's environment variables. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> environment(Map<String, Object> function) {
        return (Map<String, Object>) ((Map<String, Object>) function.get("Environment")).get("Variables");
    }

    static Map<String, Object> resource(Template template, String logicalId) {
        @SuppressWarnings("unchecked")
        Map<String, Object> all = (Map<String, Object>) json(template).get("Resources");
        @SuppressWarnings("unchecked")
        Map<String, Object> resource = (Map<String, Object>) all.get(logicalId);
        if (resource == null) {
            throw new AssertionError("no resource " + logicalId);
        }
        return resource;
    }

    static Map<String, Object> ref(String logicalId) {
        return Map.of("Ref", logicalId);
    }

    static Map<String, Object> arnOf(String logicalId) {
        return Map.of("Fn::GetAtt", List.of(logicalId, "Arn"));
    }

    /** The table whose partition (HASH) key is the given attribute. */
    static String table(Template template, String partitionKey) {
        var ids = resources(template, "AWS::DynamoDB::Table").entrySet().stream()
                .filter(e -> {
                    Map<?, ?> hash =
                            (Map<?, ?>) ((List<?>) properties(e.getValue()).get("KeySchema")).get(0);
                    return partitionKey.equals(hash.get("AttributeName")) && "HASH".equals(hash.get("KeyType"));
                })
                .map(Map.Entry::getKey)
                .toList();
        if (ids.size() != 1) {
            throw new AssertionError("expected one table keyed by " + partitionKey + ", found " + ids);
        }
        return ids.get(0);
    }

    /** The logical id of the only resource of a type. */
    static String only(Template template, String type) {
        var ids = resources(template, type).keySet();
        if (ids.size() != 1) {
            throw new AssertionError("expected one " + type + ", found " + ids);
        }
        return ids.iterator().next();
    }

    /** The logical id of the only resource of a type whose logical id contains the fragment. */
    static String only(Template template, String type, String idFragment) {
        var ids = resources(template, type).keySet().stream()
                .filter(id -> id.contains(idFragment))
                .toList();
        if (ids.size() != 1) {
            throw new AssertionError("expected one " + type + " named *" + idFragment + "*, found " + ids);
        }
        return ids.get(0);
    }

    private static Path dummyArchive(String name) {
        Path file = WORK.resolve(name).toAbsolutePath();
        if (Files.isRegularFile(file)) {
            return file;
        }
        try {
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file);
                    ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.putNextEntry(new ZipEntry("run.sh"));
                zip.write("#!/bin/bash\n# test asset, never deployed\nexit 0\n".getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
