package dev.sluice.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Failed requests of one run: how many, and the first few distinct reasons, for the report. Thread-safe. */
final class Errors {
    private static final int KEPT = 5;

    private final AtomicLong count = new AtomicLong();
    private final List<String> reasons = new ArrayList<>();

    void record(Target target, String reason) {
        count.incrementAndGet();
        String line = target.name() + ": " + (reason.length() > 300 ? reason.substring(0, 300) + "..." : reason);
        synchronized (reasons) {
            if (reasons.size() < KEPT && !reasons.contains(line)) {
                reasons.add(line);
            }
        }
    }

    long count() {
        return count.get();
    }

    List<String> reasons() {
        synchronized (reasons) {
            return List.copyOf(reasons);
        }
    }
}
