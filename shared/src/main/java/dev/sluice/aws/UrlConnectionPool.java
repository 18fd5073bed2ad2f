package dev.sluice.aws;

/**
 * How many idle keep-alive connections the JDK keeps per host for {@code HttpURLConnection}, which the SDK's
 * URL-connection client uses. The JDK keeps 5 ({@code http.maxConnections}) and reads the setting once, when the
 * first connection is made. A router serving many requests at once makes as many DynamoDB calls at once; with 5
 * kept, every call beyond the fifth closes its connection when it ends and a later call opens a new one. Under the
 * streaming benchmark at 128 clients that is about 230 new connections per second to DynamoDB Local and a standing
 * 14,000 sockets in {@code TIME_WAIT} (a host without TIME_WAIT reuse runs out of ephemeral ports at about twice
 * that rate); with a pool as large as the concurrency, none (see {@code bench/README.md}, "Soak").
 */
public final class UrlConnectionPool {
    /** Enough for the concurrency of one router instance (dev mode, Lambda Managed Instances). */
    public static final int IDLE_CONNECTIONS_PER_HOST = 256;

    static final String PROPERTY = "http.maxConnections";

    private UrlConnectionPool() {}

    /**
     * Keeps up to {@value #IDLE_CONNECTIONS_PER_HOST} idle connections per host unless {@code -Dhttp.maxConnections}
     * was given. Call it before the process makes its first HTTP call with the URL-connection client: the JDK reads
     * the setting only once.
     */
    public static void keepIdleConnectionsForConcurrency() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, Integer.toString(IDLE_CONNECTIONS_PER_HOST));
        }
    }
}
