package dev.sluice.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stall guard lets go of a body once it is closed (closing a silent one under its reader is {@code
 * StalledStreamIT}'s, against a real upstream connection).
 */
@Timeout(30)
class StallGuardTest {

    @Test
    void aClosedBody_isNotKeptByItsPendingCheck() throws Exception {
        WeakReference<InputStream> guarded = closedGuard();

        for (int i = 0; i < 50 && guarded.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }

        assertThat(guarded.get())
                .as("a closed body with a ten-minute idle timeout: nothing should hold it any more")
                .isNull();
    }

    private static WeakReference<InputStream> closedGuard() throws IOException {
        InputStream body = StallGuard.guard(new ByteArrayInputStream(new byte[1024]), Duration.ofMinutes(10));
        body.readAllBytes();
        body.close();
        return new WeakReference<>(body);
    }
}
