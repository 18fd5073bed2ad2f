package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * A TCP proxy on 127.0.0.1 in front of a real engine (DynamoDB Local), switched between the ways a dependency fails:
 * {@link Mode#FORWARD} (healthy), {@link Mode#HANG} (accepts, reads, never answers: a slow or stuck service) and
 * {@link Mode#REFUSE} (nothing listens on the port: an unreachable service). Every switch cuts the open connections,
 * so a client's pooled keep-alive connection cannot carry it past an outage; the port stays the same, so one client
 * sees the dependency go away and come back.
 */
public final class OutageProxy implements AutoCloseable {

    /** How the proxy treats connections from now on. */
    public enum Mode {
        FORWARD,
        HANG,
        REFUSE
    }

    private final InetSocketAddress target;
    private final int port;
    private final ExecutorService threads = Loopback.newVirtualThreadExecutor();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.FORWARD;
    private volatile ServerSocket listener;

    private OutageProxy(URI target) {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.listener = bind(0);
        this.port = listener.getLocalPort();
        accept(listener);
    }

    /** A proxy forwarding to {@code target} ({@code http://host:port}), in {@link Mode#FORWARD}. */
    public static OutageProxy forwardingTo(URI target) {
        return new OutageProxy(target);
    }

    /** {@code http://127.0.0.1:<port>}: point the client here. */
    public URI endpoint() {
        return URI.create("http://" + Loopback.ADDRESS.getHostAddress() + ":" + port);
    }

    /** Switches the mode and cuts every connection open now. */
    public synchronized void mode(Mode next) {
        mode = next;
        open.forEach(OutageProxy::closeQuietly);
        open.clear();
        if (next == Mode.REFUSE && listener != null) {
            closeQuietly(listener);
            listener = null;
        } else if (next != Mode.REFUSE && listener == null) {
            listener = bind(port);
            accept(listener);
        }
    }

    @Override
    public synchronized void close() {
        mode = Mode.REFUSE;
        if (listener != null) {
            closeQuietly(listener);
            listener = null;
        }
        open.forEach(OutageProxy::closeQuietly);
        threads.shutdownNow();
    }

    private static ServerSocket bind(int port) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(Loopback.ADDRESS, port), 64);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the outage proxy on 127.0.0.1:" + port, e);
        }
    }

    private void accept(ServerSocket socket) {
        threads.execute(() -> {
            while (!socket.isClosed()) {
                try {
                    serve(socket.accept());
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    private void serve(Socket client) {
        open.add(client);
        if (mode != Mode.FORWARD) {
            // HANG: read and discard whatever comes, answer nothing, until the client gives up or the mode changes.
            threads.execute(() -> pipe(client, OutputStream.nullOutputStream()));
            return;
        }
        threads.execute(() -> {
            try {
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                open.add(upstream);
                threads.execute(() -> pipe(upstream, client));
                pipe(client, upstream);
            } catch (IOException e) {
                closeQuietly(client);
            }
        });
    }

    private void pipe(Socket from, Socket to) {
        try {
            pipe(from, to.getOutputStream());
        } catch (IOException e) {
            // the other side is gone
        } finally {
            closeQuietly(to);
        }
    }

    private void pipe(Socket from, OutputStream to) {
        try (InputStream in = from.getInputStream()) {
            in.transferTo(to);
        } catch (IOException e) {
            // cut by a mode switch or by the peer
        } finally {
            closeQuietly(from);
            open.remove(from);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }
}
