package dev.sluice.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.guard.PiiScanner.Kind;
import org.junit.jupiter.api.Test;

class PiiScannerTest {

    private static String redacted(String text) {
        return PiiScanner.redact(text).text();
    }

    @Test
    void eachKind_isReplacedByItsPlaceholder() {
        assertThat(redacted("mail jane.doe+x@example.co.uk now")).isEqualTo("mail [EMAIL] now");
        assertThat(redacted("call +44 20 7946 0958 or (212) 555-0199")).isEqualTo("call [PHONE] or [PHONE]");
        assertThat(redacted("card 4111 1111 1111 1111 exp")).isEqualTo("card [CARD] exp");
        assertThat(redacted("pay to GB82 WEST 1234 5698 7654 32 today")).isEqualTo("pay to [IBAN] today");
        assertThat(redacted("key AKIAIOSFODNN7EXAMPLE here")).isEqualTo("key [AWS_KEY] here");
        assertThat(redacted("token sk-proj-abcdefghijklmnopqrstuvwxyz123456")).isEqualTo("token [SECRET]");
        assertThat(redacted("from 192.168.10.254 and 2001:0db8:85a3:0000:0000:8a2e:0370:7334"))
                .isEqualTo("from [IP] and [IP]");
        assertThat(redacted("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- done"))
                .isEqualTo("[PRIVATE_KEY] done");
    }

    @Test
    void checksums_keepOrdinaryNumbersFromBeingTakenForCardsAndIbans() {
        assertThat(redacted("order 4111 1111 1111 1112 shipped")).doesNotContain("[CARD]");
        assertThat(redacted("ref GB82 WEST 1234 5698 7654 33")).doesNotContain("[IBAN]");
        assertThat(redacted("version 1.2.3, 42 items, year 2026")).isEqualTo("version 1.2.3, 42 items, year 2026");
        assertThat(redacted("due 2026-12-05 or 05/12/2026")).isEqualTo("due 2026-12-05 or 05/12/2026");
    }

    @Test
    void findings_areCountedByKind() {
        PiiScanner.Result result = PiiScanner.redact("a@b.io and c@d.io, card 5500 0000 0000 0004");

        assertThat(result.findings()).containsExactly(Kind.EMAIL, Kind.EMAIL, Kind.CARD);
    }

    @Test
    void luhnAndIban_checks() {
        assertThat(PiiScanner.luhn("4539578763621486")).isTrue();
        assertThat(PiiScanner.luhn("4539578763621487")).isFalse();
        assertThat(PiiScanner.ibanChecksum("DE89370400440532013000")).isTrue();
        assertThat(PiiScanner.ibanChecksum("DE89370400440532013001")).isFalse();
    }
}
