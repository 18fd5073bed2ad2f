package dev.sluice.cli;

import dev.sluice.quota.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The five limits a tenant or key can carry. An option not given leaves that dimension as it was ({@code tenants set})
 * or unlimited (create); {@code 0} means no limit. Dollars are converted exactly to micro-USD.
 */
final class LimitOptions {
    @Option(names = "--rpm", paramLabel = "N", converter = Count.class, description = "Requests per minute (0: none).")
    Long requestsPerMinute;

    @Option(names = "--tpm", paramLabel = "N", converter = Count.class, description = "Tokens per minute (0: none).")
    Long tokensPerMinute;

    @Option(
            names = "--max-concurrent",
            paramLabel = "N",
            converter = Count.class,
            description = "Requests in flight at once (0: none).")
    Long maxConcurrent;

    @Option(
            names = "--budget-usd-day",
            paramLabel = "X",
            converter = Usd.class,
            description = "Spend per UTC day in dollars, up to 6 decimals (0: none).")
    Long budgetMicrosPerDay;

    @Option(
            names = "--budget-usd-month",
            paramLabel = "X",
            converter = Usd.class,
            description = "Spend per UTC month in dollars, up to 6 decimals (0: none).")
    Long budgetMicrosPerMonth;

    boolean anyGiven() {
        return requestsPerMinute != null
                || tokensPerMinute != null
                || maxConcurrent != null
                || budgetMicrosPerDay != null
                || budgetMicrosPerMonth != null;
    }

    /** {@code base} with the dimensions given on the command line replaced. */
    Limits over(Limits base) {
        return new Limits(
                or(requestsPerMinute, base.requestsPerMinute()),
                or(tokensPerMinute, base.tokensPerMinute()),
                or(maxConcurrent, base.maxConcurrent()),
                or(budgetMicrosPerDay, base.budgetMicrosPerDay()),
                or(budgetMicrosPerMonth, base.budgetMicrosPerMonth()));
    }

    /**
     * The first dimension in which {@code inner} is looser than {@code outer} (see {@link Limits#contains}), described
     * for an error message; empty when {@code outer} contains {@code inner}.
     */
    static Optional<String> looserDimension(Limits outer, Limits inner) {
        if (outer.contains(inner)) {
            return Optional.empty();
        }
        record Dimension(String option, long outer, long inner, boolean money) {}
        List<Dimension> dimensions = List.of(
                new Dimension("--rpm", outer.requestsPerMinute(), inner.requestsPerMinute(), false),
                new Dimension("--tpm", outer.tokensPerMinute(), inner.tokensPerMinute(), false),
                new Dimension("--max-concurrent", outer.maxConcurrent(), inner.maxConcurrent(), false),
                new Dimension("--budget-usd-day", outer.budgetMicrosPerDay(), inner.budgetMicrosPerDay(), true),
                new Dimension("--budget-usd-month", outer.budgetMicrosPerMonth(), inner.budgetMicrosPerMonth(), true));
        for (Dimension d : dimensions) {
            if (d.outer() != 0 && d.inner() > d.outer()) {
                return Optional.of(d.option() + " " + (d.money() ? Money.display(d.inner()) : d.inner())
                        + " is looser than the tenant's " + (d.money() ? Money.display(d.outer()) : d.outer()));
            }
        }
        return Optional.of("the key's limits are looser than the tenant's");
    }

    /** One line for tables: {@code rpm 60, $0.001/day}, or {@code none}. */
    static String describe(Limits limits) {
        List<String> parts = new ArrayList<>();
        if (limits.requestsPerMinute() > 0) {
            parts.add("rpm " + limits.requestsPerMinute());
        }
        if (limits.tokensPerMinute() > 0) {
            parts.add("tpm " + limits.tokensPerMinute());
        }
        if (limits.maxConcurrent() > 0) {
            parts.add("concurrent " + limits.maxConcurrent());
        }
        if (limits.budgetMicrosPerDay() > 0) {
            parts.add(Money.display(limits.budgetMicrosPerDay()) + "/day");
        }
        if (limits.budgetMicrosPerMonth() > 0) {
            parts.add(Money.display(limits.budgetMicrosPerMonth()) + "/month");
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static long or(Long given, long current) {
        return given == null ? current : given;
    }

    /** A whole number, zero or more. */
    static final class Count implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long n;
            try {
                n = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a whole number");
            }
            if (n < 0) {
                throw new TypeConversionException("'" + value + "' is negative (0 means no limit)");
            }
            return n;
        }
    }

    /** Dollars to micro-USD, exactly. */
    static final class Usd implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Money.usdToMicrosExact(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
