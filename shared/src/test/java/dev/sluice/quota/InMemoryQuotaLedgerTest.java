package dev.sluice.quota;

/** The ledger contract against the in-memory fake, so unit tests that use it can trust it. */
class InMemoryQuotaLedgerTest extends QuotaLedgerContract {
    private final InMemoryQuotaLedger ledger = new InMemoryQuotaLedger(MAX_REQUEST);

    @Override
    protected QuotaLedger ledger() {
        return ledger;
    }
}
