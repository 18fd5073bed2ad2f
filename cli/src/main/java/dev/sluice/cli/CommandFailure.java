package dev.sluice.cli;

/** A command that could not do its job (no such tenant, an HTTP error): its message is printed, exit status 1. */
final class CommandFailure extends RuntimeException {
    CommandFailure(String message) {
        super(message);
    }
}
