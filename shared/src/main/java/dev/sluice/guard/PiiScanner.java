package dev.sluice.guard;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds personal data and secrets in text: e-mail addresses, phone numbers, payment card numbers (Luhn-checked),
 * IBANs (mod-97 checked), AWS access keys, common API tokens and private keys, IPv4 and IPv6 addresses. The checksums
 * keep order numbers and long digit runs from being taken for cards and IBANs.
 *
 * <p>Cost: one pass of each pattern over the prompt's text; nothing is allocated for text without findings beyond
 * the matchers.
 */
public final class PiiScanner {
    /** One kind of finding and its placeholder. */
    public enum Kind {
        PRIVATE_KEY("[PRIVATE_KEY]"),
        AWS_KEY("[AWS_KEY]"),
        SECRET("[SECRET]"),
        EMAIL("[EMAIL]"),
        IBAN("[IBAN]"),
        CARD("[CARD]"),
        IP("[IP]"),
        PHONE("[PHONE]");

        private final String placeholder;

        Kind(String placeholder) {
            this.placeholder = placeholder;
        }

        public String placeholder() {
            return placeholder;
        }
    }

    private record Detector(Kind kind, Pattern pattern) {}

    // Order matters: keys and secrets before the generic number and address patterns that would take pieces of them.
    private static final List<Detector> DETECTORS = List.of(
            new Detector(
                    Kind.PRIVATE_KEY,
                    Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?-----END [A-Z ]*PRIVATE KEY-----")),
            new Detector(Kind.AWS_KEY, Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b")),
            new Detector(
                    Kind.SECRET,
                    Pattern.compile("\\b(?:sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}"
                            + "|AIza[0-9A-Za-z_-]{35})")),
            new Detector(Kind.EMAIL, Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}")),
            new Detector(
                    Kind.IBAN, Pattern.compile("\\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\\b")),
            new Detector(Kind.CARD, Pattern.compile("\\b(?:[0-9][ -]?){12,18}[0-9]\\b")),
            new Detector(
                    Kind.IP,
                    Pattern.compile(
                            "\\b(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\b"
                                    + "|\\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\\b")),
            new Detector(Kind.PHONE, Pattern.compile("(?<![\\w+(])(?:\\+|\\()?[0-9][0-9 ().-]{7,}[0-9](?!\\w)")));

    /** Dates look like phone numbers to the pattern; they are not personal data on their own. */
    private static final Pattern DATE =
            Pattern.compile("[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}");

    private PiiScanner() {}

    /** What a scan found and the text with each finding replaced by its placeholder. */
    public record Result(String text, List<Kind> findings) {}

    public static Result redact(String text) {
        List<Kind> findings = new ArrayList<>(0);
        String current = text;
        for (Detector detector : DETECTORS) {
            Matcher matcher = detector.pattern().matcher(current);
            StringBuilder out = null;
            int last = 0;
            while (matcher.find()) {
                if (!confirmed(detector.kind(), matcher.group())) {
                    continue;
                }
                if (out == null) {
                    out = new StringBuilder(current.length());
                }
                out.append(current, last, matcher.start())
                        .append(detector.kind().placeholder());
                last = matcher.end();
                findings.add(detector.kind());
            }
            if (out != null) {
                current = out.append(current, last, current.length()).toString();
            }
        }
        return new Result(current, findings);
    }

    /** Checksums and plausibility for the patterns that would otherwise take ordinary numbers. */
    private static boolean confirmed(Kind kind, String match) {
        return switch (kind) {
            case CARD -> luhn(match.replaceAll("[ -]", ""));
            case IBAN -> ibanChecksum(match.replace(" ", ""));
            case PHONE -> {
                long digits = match.chars().filter(Character::isDigit).count();
                yield digits >= 8 && digits <= 15 && !DATE.matcher(match).matches();
            }
            default -> true;
        };
    }

    static boolean luhn(String digits) {
        if (digits.length() < 13 || digits.length() > 19) {
            return false;
        }
        int sum = 0;
        boolean twice = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    static boolean ibanChecksum(String iban) {
        if (iban.length() < 15 || iban.length() > 34) {
            return false;
        }
        String rearranged = iban.substring(4) + iban.substring(0, 4);
        StringBuilder numeric = new StringBuilder(rearranged.length() * 2);
        for (char c : rearranged.toCharArray()) {
            numeric.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
        }
        return new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
    }
}
