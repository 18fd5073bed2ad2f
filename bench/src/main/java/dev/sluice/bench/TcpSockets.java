package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * This machine's TCP sockets with one port at either end, by state, read from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}: a client that opens a connection per request instead of reusing one leaves a trail of
 * {@code TIME_WAIT} sockets, and enough of them exhaust the loopback's ephemeral ports. -1 where {@code /proc} is
 * missing.
 *
 * @param established sockets in {@code ESTABLISHED}
 * @param timeWait    sockets in {@code TIME_WAIT}
 * @param other       sockets in any other state (listening, closing, ...)
 */
record TcpSockets(int established, int timeWait, int other) {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final String ESTABLISHED = "01";
    private static final String TIME_WAIT = "06";
    /** The tables of a busy machine run to tens of thousands of lines; read no more than this. */
    private static final int MAX_LINES = 500_000;

    static TcpSockets count(int port) {
        if (port <= 0) {
            return new TcpSockets(-1, -1, -1);
        }
        String hexPort = String.format(":%04X", port);
        int established = 0;
        int timeWait = 0;
        int other = 0;
        int read = 0;
        try {
            for (Path table : TABLES) {
                if (!Files.isReadable(table)) {
                    continue;
                }
                for (String line : Files.readAllLines(table)) {
                    if (++read > MAX_LINES) {
                        break;
                    }
                    String[] fields = line.strip().split("\\s+");
                    if (fields.length < 4 || !(fields[1].endsWith(hexPort) || fields[2].endsWith(hexPort))) {
                        continue;
                    }
                    switch (fields[3]) {
                        case ESTABLISHED -> established++;
                        case TIME_WAIT -> timeWait++;
                        default -> other++;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return new TcpSockets(-1, -1, -1);
        }
        return new TcpSockets(established, timeWait, other);
    }
}
