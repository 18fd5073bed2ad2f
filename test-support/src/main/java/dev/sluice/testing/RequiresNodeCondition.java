package dev.sluice.testing;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Decides {@link RequiresNode}: run, skip (locally, without Node.js) or fail (in CI, without Node.js). */
public final class RequiresNodeCondition implements ExecutionCondition {

    /** What to do with a test that needs Node.js. */
    public enum Decision {
        RUN,
        SKIP,
        FAIL
    }

    /** Probed once per JVM: starting node and npm costs a few hundred milliseconds. */
    private static volatile Boolean nodeOnPath;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        RequiresNode requirement = context.getElement()
                .flatMap(element -> AnnotationSupport.findAnnotation(element, RequiresNode.class))
                .or(() -> context.getTestClass()
                        .flatMap(type -> AnnotationSupport.findAnnotation(type, RequiresNode.class)))
                .orElse(null);
        if (requirement == null) {
            return ConditionEvaluationResult.enabled("needs no Node.js");
        }
        Map<String, String> env = System.getenv();
        boolean standIn = Arrays.stream(requirement.unlessSet())
                .anyMatch(name -> isSet(System::getProperty, name) || isSet(env::get, name));
        return switch (decide("true".equalsIgnoreCase(env.get("CI")), standIn || nodeOnPath())) {
            case RUN -> ConditionEvaluationResult.enabled("Node.js and npm are available");
            case SKIP -> ConditionEvaluationResult.disabled("Node.js and npm are not on the PATH (required in CI)");
            case FAIL ->
                throw new IllegalStateException(
                        "CI=true but Node.js and npm are not on the PATH: this test needs them; install them in .ci/run");
        };
    }

    /** The rule itself: a test that can run, runs; otherwise CI fails it and a developer's machine skips it. */
    public static Decision decide(boolean ci, boolean nodeAvailable) {
        if (nodeAvailable) {
            return Decision.RUN;
        }
        return ci ? Decision.FAIL : Decision.SKIP;
    }

    private static boolean isSet(UnaryOperator<String> source, String name) {
        String value = source.apply(name);
        return value != null && !value.isBlank();
    }

    private static boolean nodeOnPath() {
        Boolean known = nodeOnPath;
        if (known == null) {
            known = works("node", "--version") && works("npm", "--version");
            nodeOnPath = known;
        }
        return known;
    }

    private static boolean works(String... command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
