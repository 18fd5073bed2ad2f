package dev.sluice.usage.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of a {@link UsageEvent} on the stream; the one place both writer and reader go through. It keeps its
 * own mapper so that readers of the stream (the billing aggregator) need nothing of the gateway's core.
 */
public final class UsageEventCodec {
    /** Buffers from one pool for all threads: the router encodes each request's event on that request's virtual thread. */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
                    .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                    .build())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private UsageEventCodec() {}

    public static byte[] encode(UsageEvent event) {
        try {
            return MAPPER.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static UsageEvent decode(byte[] bytes) {
        try {
            return MAPPER.readValue(bytes, UsageEvent.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not a usage event", e);
        }
    }
}
