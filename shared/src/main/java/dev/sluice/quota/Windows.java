package dev.sluice.quota;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The calendar windows counters live in, as numbers: the minute (rpm, tpm), the UTC day and the UTC month (budgets).
 * Fixed windows: cheap, exact in what they admit; a burst can straddle a boundary, the usual trade-off.
 */
public record Windows(long minute, long day, long month) {

    public static Windows at(Instant now) {
        long seconds = now.getEpochSecond();
        long day = Math.floorDiv(seconds, 86_400);
        LocalDate date = LocalDate.ofEpochDay(day);
        return new Windows(Math.floorDiv(seconds, 60), day, date.getYear() * 12L + date.getMonthValue() - 1);
    }

    public Instant minuteEnd() {
        return Instant.ofEpochSecond((minute + 1) * 60);
    }

    public Instant dayEnd() {
        return Instant.ofEpochSecond((day + 1) * 86_400);
    }

    public Instant monthEnd() {
        LocalDate firstOfNext =
                LocalDate.of((int) (month / 12), (int) (month % 12) + 1, 1).plusMonths(1);
        return firstOfNext.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Whole seconds from {@code now} until {@code end}, at least 1: what {@code Retry-After} says. */
    public static long secondsUntil(Instant now, Instant end) {
        long millis = end.toEpochMilli() - now.toEpochMilli();
        return Math.max(1, (millis + 999) / 1000);
    }
}
