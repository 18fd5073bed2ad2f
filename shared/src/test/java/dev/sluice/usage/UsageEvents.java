package dev.sluice.usage;

import dev.sluice.usage.event.UsageEvent;

/** Usage events for tests of the usage path. */
public final class UsageEvents {
    private UsageEvents() {}

    /** A streamed, successful request of {@code tenant} with the given tokens and cost. */
    public static UsageEvent usage(String requestId, String tenant, long prompt, long completion, long costMicros) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                requestId,
                1_795_428_000_000L,
                tenant,
                "key_1",
                "demo",
                "demo",
                "demo-1",
                prompt,
                completion,
                0,
                0,
                costMicros,
                12,
                3,
                UsageEvent.OK,
                200,
                true,
                false,
                false);
    }

    public static UsageEvent usage(int i) {
        return usage("req_" + i, "tenant-" + (i % 3), 10 + i, i, 2L * i);
    }
}
