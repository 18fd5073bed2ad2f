package dev.sluice.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line words: positionals, {@code --name value}, {@code --name=value} and bare {@code --flag}. */
final class Args {
    private final List<String> positionals = new ArrayList<>();
    private final Map<String, String> options = new HashMap<>();

    Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String word = argv[i];
            if (word.startsWith("--")) {
                String name = word.substring(2);
                int equals = name.indexOf('=');
                if (equals >= 0) {
                    options.put(name.substring(0, equals), name.substring(equals + 1));
                } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                    options.put(name, argv[++i]);
                } else {
                    options.put(name, "true");
                }
            } else {
                positionals.add(word);
            }
        }
    }

    String positional(int index) {
        return index < positionals.size() ? positionals.get(index) : null;
    }

    String option(String name) {
        return options.get(name);
    }

    String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    String required(String name) {
        String value = options.get(name);
        if (value == null || value.isBlank() || value.equals("true")) {
            throw new UsageError("missing --" + name);
        }
        return value;
    }

    boolean flag(String name) {
        return "true".equals(options.get(name));
    }

    long number(String name, long fallback) {
        String value = options.get(name);
        try {
            return value == null ? fallback : Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageError("--" + name + " must be a whole number, not '" + value + "'");
        }
    }

    /** A wrong command line: printed with the usage text, exit status 2. */
    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message);
        }
    }
}
