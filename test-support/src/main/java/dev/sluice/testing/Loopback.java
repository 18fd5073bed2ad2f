package dev.sluice.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Loopback plumbing shared by the engines and fakes. Everything in test support listens on 127.0.0.1 only: tests must
 * never open a port on another interface.
 */
final class Loopback {

    static final InetAddress ADDRESS = InetAddress.getLoopbackAddress();

    static {
        // The JDK server leaves Nagle on by default; small SSE frames flushed one by one would then wait for delayed
        // ACKs
        // (~40 ms on Linux), which skews latency tests and the benchmark. Read once, when the JDK's ServerConfig loads.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private Loopback() {}

    /**
     * A free port on 127.0.0.1 for engines that take a port number rather than port 0. Another process may take it
     * before the engine binds it; callers retry with a new port when the engine fails to start.
     */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, ADDRESS)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** An unstarted JDK HTTP server on 127.0.0.1 and a random port; handlers run on virtual threads. */
    static HttpServer newHttpServer(ExecutorService executor) {
        return newHttpServer(executor, 0);
    }

    /** @param port 0 for any free port */
    static HttpServer newHttpServer(ExecutorService executor, int port) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(ADDRESS, port), 1024);
            server.setExecutor(executor);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a loopback HTTP server", e);
        }
    }

    static ExecutorService newVirtualThreadExecutor() {
        return Executors.newVirtualThreadPerTaskExecutor();
    }

    /** Runs {@code stop} when the JVM exits; used by the one-per-JVM engines, whose {@code close()} does nothing. */
    static void stopOnExit(String name, Runnable stop) {
        Runtime.getRuntime().addShutdownHook(new Thread(stop, name + "-shutdown"));
    }
}
