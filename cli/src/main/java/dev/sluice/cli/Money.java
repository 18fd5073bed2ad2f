package dev.sluice.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Conversions between the integer micro-USD Sluice stores and the dollars people type and read. */
final class Money {
    private static final BigDecimal MICROS_PER_USD = BigDecimal.valueOf(1_000_000);
    private static final int MICRO_DIGITS = 6;

    private Money() {}

    /** A price per million tokens: rounded to the nearest micro-USD, as route files always have been. */
    static long usdToMicros(String usd) {
        try {
            return new BigDecimal(usd)
                    .multiply(MICROS_PER_USD)
                    .setScale(0, RoundingMode.HALF_UP)
                    .longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UsageError("not a dollar amount: '" + usd + "'");
        }
    }

    /**
     * A budget: a non-negative decimal with at most six decimal places, converted exactly (no rounding: a budget
     * someone typed is never silently changed).
     *
     * @throws IllegalArgumentException saying what is wrong with the amount
     */
    static long usdToMicrosExact(String usd) {
        BigDecimal amount;
        try {
            amount = new BigDecimal(usd.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a dollar amount: '" + usd + "'");
        }
        if (amount.signum() < 0) {
            throw new IllegalArgumentException("a dollar amount must not be negative: '" + usd + "'");
        }
        if (amount.stripTrailingZeros().scale() > MICRO_DIGITS) {
            throw new IllegalArgumentException(
                    "at most " + MICRO_DIGITS + " decimal places (micro-USD) in a dollar amount: '" + usd + "'");
        }
        try {
            return amount.movePointRight(MICRO_DIGITS).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("dollar amount too large: '" + usd + "'");
        }
    }

    static String microsToUsd(long micros) {
        return BigDecimal.valueOf(micros)
                .divide(MICROS_PER_USD, MICRO_DIGITS, RoundingMode.UNNECESSARY)
                .toPlainString();
    }

    /** For people rather than CSV: {@code $0.001}, {@code $30.00} (trailing zeros dropped, at least cents). */
    static String display(long micros) {
        BigDecimal usd = BigDecimal.valueOf(micros).movePointLeft(MICRO_DIGITS).stripTrailingZeros();
        return "$" + (usd.scale() < 2 ? usd.setScale(2, RoundingMode.UNNECESSARY) : usd).toPlainString();
    }
}
