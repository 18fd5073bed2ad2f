package dev.sluice.cli;

import java.io.PrintStream;
import java.util.Map;

/**
 * What every command gets from {@link GatewayCtl}: the environment (a map, so tests inject it; nothing here calls
 * {@code System.getenv}) and where to print.
 */
record CliContext(Map<String, String> env, PrintStream out, PrintStream err) {}
