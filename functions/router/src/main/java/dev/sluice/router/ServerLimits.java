package dev.sluice.router;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the JDK HTTP server allows a client before it cuts the connection, so slow or idle clients cannot hold the
 * router's connections and threads. The JDK server reads these as {@code sun.net.httpserver.*} / {@code
 * jdk.httpserver.*} system properties once, when its first instance in the JVM is created: {@link #apply()} sets
 * them before that, and a second server in the same JVM runs with the first one's values.
 *
 * @param requestTimeout  time to read a whole request, head and body, from its first byte
 *                        ({@code SLUICE_REQUEST_TIMEOUT_SECONDS}, default 30); also how long a new connection may stay
 *                        silent. A slowloris client dribbling its headers is cut after this
 * @param responseTimeout time to write a whole response, streams included, from the end of the request
 *                        ({@code SLUICE_RESPONSE_TIMEOUT_SECONDS}, default 900: Lambda's longest invocation). The JDK
 *                        server has no per-write timeout; this bounds a client that stops reading
 * @param idleTimeout     how long a kept-alive connection may wait for its next request
 *                        ({@code SLUICE_IDLE_TIMEOUT_SECONDS}, default 30)
 * @param maxConnections  open connections at once; the server closes any accepted beyond it at once
 *                        ({@code SLUICE_MAX_CONNECTIONS}, default 512)
 * @param maxHeaderBytes  the request head's size (request line and headers); over it the JDK closes the connection
 *                        without an answer
 *                        ({@code SLUICE_MAX_HEADER_BYTES}, default 65536)
 * @param maxHeaders      the number of request header lines; over it the JDK closes the connection without an
 *                        answer
 *                        ({@code SLUICE_MAX_HEADERS}, default 100)
 */
public record ServerLimits(
        Duration requestTimeout,
        Duration responseTimeout,
        Duration idleTimeout,
        int maxConnections,
        int maxHeaderBytes,
        int maxHeaders) {

    public static final ServerLimits DEFAULTS =
            new ServerLimits(Duration.ofSeconds(30), Duration.ofSeconds(900), Duration.ofSeconds(30), 512, 65536, 100);

    public ServerLimits {
        requireWholeSeconds(requestTimeout, "requestTimeout");
        requireWholeSeconds(responseTimeout, "responseTimeout");
        requireWholeSeconds(idleTimeout, "idleTimeout");
        if (maxConnections < 1 || maxHeaderBytes < 1024 || maxHeaders < 1) {
            throw new IllegalArgumentException("maxConnections and maxHeaders must be positive, maxHeaderBytes at"
                    + " least 1024: " + maxConnections + ", " + maxHeaders + ", " + maxHeaderBytes);
        }
    }

    public static ServerLimits fromEnvironment(Map<String, String> env) {
        return new ServerLimits(
                seconds(env, "SLUICE_REQUEST_TIMEOUT_SECONDS", DEFAULTS.requestTimeout),
                seconds(env, "SLUICE_RESPONSE_TIMEOUT_SECONDS", DEFAULTS.responseTimeout),
                seconds(env, "SLUICE_IDLE_TIMEOUT_SECONDS", DEFAULTS.idleTimeout),
                integer(env, "SLUICE_MAX_CONNECTIONS", DEFAULTS.maxConnections),
                integer(env, "SLUICE_MAX_HEADER_BYTES", DEFAULTS.maxHeaderBytes),
                integer(env, "SLUICE_MAX_HEADERS", DEFAULTS.maxHeaders));
    }

    /** The JDK server's system properties for these limits (all times in whole seconds, as it reads them). */
    Map<String, String> systemProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("sun.net.httpserver.maxReqTime", Long.toString(requestTimeout.toSeconds()));
        properties.put("sun.net.httpserver.maxRspTime", Long.toString(responseTimeout.toSeconds()));
        properties.put("sun.net.httpserver.idleInterval", Long.toString(idleTimeout.toSeconds()));
        // Silent and idle connections are swept on this tick (the JDK's default is 10 s), so they go on time.
        properties.put("sun.net.httpserver.clockTick", "1000");
        properties.put("jdk.httpserver.maxConnections", Integer.toString(maxConnections));
        properties.put("sun.net.httpserver.maxReqHeaderSize", Integer.toString(maxHeaderBytes));
        properties.put("sun.net.httpserver.maxReqHeaders", Integer.toString(maxHeaders));
        // Small SSE frames must leave at once: without TCP_NODELAY, Nagle's algorithm holds them back.
        properties.put("sun.net.httpserver.nodelay", "true");
        return properties;
    }

    /** Sets the properties; only the first HTTP server created in this JVM reads them. */
    void apply() {
        systemProperties().forEach(System::setProperty);
    }

    private static void requireWholeSeconds(Duration duration, String name) {
        if (duration == null || duration.toSeconds() < 1 || duration.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException(name + " must be a positive whole number of seconds: " + duration);
        }
    }

    private static Duration seconds(Map<String, String> env, String name, Duration fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : Duration.ofSeconds(Long.parseLong(value.strip()));
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value.strip());
    }
}
