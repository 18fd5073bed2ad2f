package dev.sluice.usage.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class UsageEventCodecTest {
    private static final UsageEvent EVENT = new UsageEvent(
            UsageEvent.SCHEMA_VERSION,
            "req_1",
            1_795_428_000_000L,
            "acme",
            "key_1",
            "gpt",
            "openai",
            "gpt-4o-mini",
            120,
            30,
            20,
            5,
            1_234,
            800,
            90,
            UsageEvent.OK,
            200,
            true,
            false,
            false);

    @Test
    void encodeThenDecode_givesTheSameEvent() {
        assertThat(UsageEventCodec.decode(UsageEventCodec.encode(EVENT))).isEqualTo(EVENT);
    }

    @Test
    void decode_theDocumentedSampleEvent() throws Exception {
        UsageEvent sample = UsageEventCodec.decode(Files.readAllBytes(Path.of("../events/usage-event-v1.json")));

        assertThat(sample)
                .isEqualTo(new UsageEvent(
                        1,
                        "req_a1",
                        1_795_428_000_000L,
                        "acme",
                        "key_0a1b2c3d4e5f",
                        "gpt-4o-mini",
                        "openai-compatible",
                        "gpt-4o-mini",
                        1200,
                        300,
                        0,
                        0,
                        360,
                        420,
                        180,
                        UsageEvent.OK,
                        200,
                        true,
                        false,
                        false));
    }

    @Test
    void decode_fieldAddedByANewerWriter_isIgnored() {
        String json = new String(UsageEventCodec.encode(EVENT), StandardCharsets.UTF_8)
                .replaceFirst("\\{", "{\"addedLater\":{\"x\":1},");

        assertThat(UsageEventCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(EVENT);
    }

    @Test
    void decode_notAUsageEvent_throwsUnchecked() {
        assertThatThrownBy(() -> UsageEventCodec.decode("{\"requestId\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> UsageEventCodec.decode("{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void isError_everyStatusButOk() {
        assertThat(EVENT.isError()).isFalse();
        assertThat(new UsageEvent(
                                1,
                                "r",
                                0,
                                "t",
                                null,
                                null,
                                null,
                                null,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0,
                                -1,
                                UsageEvent.CLIENT_DISCONNECTED,
                                200,
                                true,
                                false,
                                false)
                        .isError())
                .isTrue();
    }
}
