package dev.sluice.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test (or every test of a class) that needs Node.js and npm on the PATH: the Kinesis emulator, the official SDK
 * checks, the CDK CLI. Without them the test is skipped on a developer's machine and fails under {@code CI=true},
 * where a missing Node.js is a broken runner, not a reason to skip.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresNodeCondition.class)
public @interface RequiresNode {

    /**
     * System properties or environment variables that, when set, stand in for Node.js (an already running emulator's
     * endpoint, say): the test then runs without it.
     */
    String[] unlessSet() default {};
}
