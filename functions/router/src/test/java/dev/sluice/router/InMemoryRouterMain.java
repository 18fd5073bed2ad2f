package dev.sluice.router;

import java.time.Duration;

/**
 * A router on {@link InMemoryGateway} in a JVM of its own, configured from its environment as {@link RouterMain} is:
 * the JDK server reads its limits once per JVM, so a test of the limits starts a fresh one. Prints {@code READY
 * <port> <app key>} once listening and stops when its standard input closes.
 *
 * <p>Argument: the demo model's pause between words, in milliseconds.
 */
final class InMemoryRouterMain {
    private InMemoryRouterMain() {}

    public static void main(String[] args) throws Exception {
        RouterConfig config = RouterConfig.fromEnvironment(System.getenv());
        InMemoryGateway gateway = InMemoryGateway.create(Duration.ofMillis(Long.parseLong(args[0])));
        try (RouterServer server = RouterServer.start(
                "127.0.0.1",
                0,
                gateway.pipeline(),
                config.maxBodyBytes(),
                new SnapStartHooks(),
                ClientAddresses.SOCKET,
                config.limits())) {
            System.out.println("READY " + server.port() + " " + gateway.appKey());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes our standard input
            }
        }
    }
}
