package dev.sluice.audit;

import java.time.Clock;
import java.util.Objects;

/**
 * One actor's pen on the audit log: who acts, through which door, by which clock. The audited repositories
 * ({@link AuditedKeyRepository}, {@link AuditedTenantRepository}, {@link AuditedRouteRepository}) call
 * {@link #change} for every write, so each kind of change is recorded in one place whatever command or endpoint made
 * it.
 *
 * <p>Order: the entry is appended <em>before</em> the change is written. If the append fails, nothing is changed and
 * the failure reaches the caller (gatewayctl exits 1, the admin API answers with an error): a change without its
 * record is worse than no change. The other order could leave exactly that, a change made and then its record lost.
 * The price of this order is the opposite, rarer case: the record is written and the change then fails (the caller
 * sees that failure), so an entry says what was done or attempted, and the table says what holds.
 */
public final class Auditor {
    private final AuditLog log;
    private final AuditEntry.Source source;
    private final String actor;
    private final Clock clock;

    private Auditor(AuditLog log, AuditEntry.Source source, String actor, Clock clock) {
        this.log = Objects.requireNonNull(log, "log");
        this.source = Objects.requireNonNull(source, "source");
        this.actor = Objects.requireNonNull(actor, "actor");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static Auditor of(AuditLog log, AuditEntry.Source source, String actor, Clock clock) {
        return new Auditor(log, source, actor, clock);
    }

    /** Appends the entry, then (only if that worked) runs {@code write}. */
    public void change(AuditAction action, String target, String before, String after, Runnable write) {
        record(action, target, before, after);
        write.run();
    }

    /** Appends the entry of an action that writes nothing itself (minting a session token). */
    public void record(AuditAction action, String target, String before, String after) {
        log.append(AuditEntry.of(clock.instant(), actor, source, action.wireName(), target, before, after));
    }
}
