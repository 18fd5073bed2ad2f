package dev.sluice.quota;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters in one JVM's memory: the fake for unit tests only. Never use it to serve traffic: Lambda instances
 * share nothing, so limits kept here would be multiplied by the number of instances.
 */
public final class InMemoryQuotaLedger implements QuotaLedger {
    private final Map<String, Long> counters = new ConcurrentHashMap<>();

    @Override
    public boolean tryTake(String counter, long amount, long limit, Instant expiresAt) {
        boolean[] taken = {false};
        counters.compute(counter, (name, used) -> {
            long current = used == null ? 0 : used;
            if (current + amount <= limit) {
                taken[0] = true;
                return current + amount;
            }
            return current;
        });
        return taken[0];
    }
}
