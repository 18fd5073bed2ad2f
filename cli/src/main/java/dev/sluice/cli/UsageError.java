package dev.sluice.cli;

/** A wrong command line found after parsing (a bad value, a missing option): printed with the usage, exit status 2. */
final class UsageError extends RuntimeException {
    UsageError(String message) {
        super(message);
    }

    /** {@code value}, stripped, when it is not blank. */
    static String nonBlank(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new UsageError("missing " + option);
        }
        return value.strip();
    }
}
