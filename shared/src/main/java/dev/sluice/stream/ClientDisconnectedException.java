package dev.sluice.stream;

/** The client closed the connection while the gateway was still writing to it. */
public final class ClientDisconnectedException extends RuntimeException {
    public ClientDisconnectedException(Throwable cause) {
        super("client disconnected", cause, false, false);
    }
}
