package dev.sluice.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Conversions between the integer micro-USD Sluice stores and the dollars people type and read. */
final class Money {
    private static final BigDecimal MICROS_PER_USD = BigDecimal.valueOf(1_000_000);

    private Money() {}

    static long usdToMicros(String usd) {
        try {
            return new BigDecimal(usd)
                    .multiply(MICROS_PER_USD)
                    .setScale(0, RoundingMode.HALF_UP)
                    .longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new Args.UsageError("not a dollar amount: '" + usd + "'");
        }
    }

    static String microsToUsd(long micros) {
        return BigDecimal.valueOf(micros)
                .divide(MICROS_PER_USD, 6, RoundingMode.UNNECESSARY)
                .toPlainString();
    }
}
