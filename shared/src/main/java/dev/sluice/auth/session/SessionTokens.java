package dev.sluice.auth.session;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived session tokens: HS256 JWTs (RFC 7519) that an API key mints for a browser or other end-user client.
 *
 * <p><b>Why.</b> An app key must never ship to a browser. Instead the app's backend, holding the key, asks the gateway
 * for a session token: it lives at most {@link #MAX_TTL} (24 h), names its tenant and parent key, and can only narrow
 * the parent's models and limits ({@link SessionClaims}). The gateway verifies it without a table read: the signature
 * proves the claims, and the parent key is then found by {@code pkh} through the same cached lookup an API key gets, so
 * revoking the parent revokes its tokens. Tokens are {@link #PREFIX} followed by the JWT, so the gateway tells them from
 * API keys ({@code sk-sluice-} + 40 hex) by prefix alone, without parsing.
 *
 * <p><b>Keys.</b> The HMAC keys live in Secrets Manager as a {@link SigningKeys} ring: the first key signs, every key
 * verifies, which lets a new key be put in front and the old one removed 24 h later without rejecting a live token.
 *
 * <p><b>Verification</b> accepts exactly one shape: {@code alg} must be {@code HS256} (never {@code none}, never an
 * asymmetric algorithm whose public key could be abused as an HMAC secret), the {@code kid} must be in the ring, the
 * signature is compared in constant time ({@link MessageDigest#isEqual}), every Base64url part must be canonical (no
 * padding, no stray low bits, so a signature has one spelling), and only then are the claims read. Every failure is a
 * 401 {@link GatewayException#invalidApiKey} whose message is safe to show a client and never quotes the token.
 *
 * <p><b>Clocks.</b> {@code exp} gets no grace at all: a token is rejected from the second {@code now >= exp}. Tokens
 * are minted and verified by the same gateway fleet on NTP-synchronised hosts, so the client's clock never matters and
 * the minter's and verifier's clocks agree to well under a second; a skew allowance would only lengthen every token. An
 * {@code iat} up to {@link #MAX_IAT_SKEW} (60 s) in the future is accepted, so a token used right after minting on a host
 * whose clock runs slightly behind is not refused.
 *
 * <p><b>Cost per verification</b>, no I/O: a length and prefix check, Base64url decoding of three parts of a token
 * capped at {@link #MAX_TOKEN_LENGTH} characters, one HMAC-SHA256 over the header and payload (a few hundred bytes),
 * and two small Jackson tree parses (the header before the signature check, the payload after). That is a handful of
 * small arrays and about 3 microseconds on a warm JVM (measured for a 457-character token with one model and one limit,
 * Mac creation included), far below the cost of the parent key lookup it precedes.
 *
 * <p><b>Threads.</b> Instances are immutable and thread-safe. {@link Mac} is not thread-safe, so each call creates its
 * own with {@link Mac#getInstance} rather than sharing one through a {@link ThreadLocal}: the JDK caches the provider
 * lookup, so creating one costs little next to the JSON parse, and a {@code ThreadLocal} buys nothing on virtual
 * threads (one Mac per short-lived thread) while pinning a Mac initialised with key material to every pooled thread.
 */
public final class SessionTokens {
    /** The longest lifetime a session token may have; also the overlap a signing key rotation must keep. */
    public static final Duration MAX_TTL = Duration.ofHours(24);
    /** Accepted distance of {@code iat} into the future, for clock skew between gateway hosts. */
    public static final Duration MAX_IAT_SKEW = Duration.ofSeconds(60);
    /** What every session token starts with; API keys are {@code sk-sluice-} and 40 hex characters. */
    public static final String PREFIX = "sk-sluice-session.";
    /** Longer tokens are refused before any decoding, so a hostile header cannot make the gateway work. */
    public static final int MAX_TOKEN_LENGTH = 8192;

    static final String ISSUER = "sluice";
    static final String ALGORITHM = "HS256";

    private static final String MAC_ALGORITHM = "HmacSHA256";
    private static final String INVALID = "Invalid session token.";
    private static final String EXPIRED = "This session token has expired.";
    private static final String NOT_YET_VALID = "This session token is not valid yet.";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    /** Duplicate members are an error, so no part can say one thing to one parser and another to the next. */
    private static final ObjectReader READER = Json.MAPPER.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final Clock clock;
    private final SecretKeySpec signingKey;
    private final String encodedHeader;
    private final Map<String, SecretKeySpec> verifyingKeys;

    public SessionTokens(SigningKeys keys, Clock clock) {
        Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        Map<String, SecretKeySpec> byKid = new HashMap<>();
        for (SigningKey key : keys.all()) {
            byKid.put(key.kid(), new SecretKeySpec(key.secret(), MAC_ALGORITHM));
        }
        this.verifyingKeys = Map.copyOf(byKid);
        SigningKey active = keys.active();
        this.signingKey = verifyingKeys.get(active.kid());
        ObjectNode header = JsonNodeFactory.instance.objectNode();
        header.put("alg", ALGORITHM).put("typ", "JWT").put("kid", active.kid());
        this.encodedHeader = ENCODER.encodeToString(Json.write(header));
    }

    /** A new token id: {@code sess_} and 20 random hex characters (80 bits). */
    public static String newTokenId() {
        byte[] bytes = new byte[10];
        RANDOM.nextBytes(bytes);
        return "sess_" + HEX.formatHex(bytes);
    }

    /** Whether a presented credential is a session token rather than an API key: a prefix check, nothing parsed. */
    public static boolean looksLikeSessionToken(String presented) {
        return presented != null && presented.startsWith(PREFIX);
    }

    /**
     * Signs the claims with the ring's active key.
     *
     * @return {@link #PREFIX} followed by the compact JWT
     * @throws IllegalArgumentException if the lifetime ({@code exp - iat}) is not positive or exceeds {@link #MAX_TTL},
     *     or the token would exceed {@link #MAX_TOKEN_LENGTH}
     */
    public String mint(SessionClaims claims) {
        Objects.requireNonNull(claims, "claims");
        Duration ttl = Duration.between(claims.issuedAt(), claims.expiresAt());
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("A session token must expire after it is issued.");
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException(
                    "A session token may live at most " + MAX_TTL.toHours() + " hours; asked for " + ttl + ".");
        }
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.put("iss", ISSUER)
                .put("sub", claims.parentKeyId())
                .put("jti", claims.tokenId())
                .put("iat", claims.issuedAt().getEpochSecond())
                .put("exp", claims.expiresAt().getEpochSecond())
                .put("tid", claims.tenantId())
                .put("pkh", claims.parentKeyHash())
                .put("role", claims.parentRole());
        if (!claims.models().isEmpty()) {
            new TreeSet<>(claims.models()).forEach(payload.putArray("models")::add);
        }
        if (!claims.limits().isEmpty()) {
            ObjectNode limits = payload.putObject("limits");
            new TreeMap<>(claims.limits()).forEach(limits::put);
        }
        String signingInput = encodedHeader + "." + ENCODER.encodeToString(Json.write(payload));
        String token = PREFIX + signingInput + "."
                + ENCODER.encodeToString(sign(signingKey, signingInput.getBytes(StandardCharsets.US_ASCII)));
        if (token.length() > MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException("The session token would be longer than " + MAX_TOKEN_LENGTH
                    + " characters; narrow it with fewer models.");
        }
        return token;
    }

    /**
     * Checks a presented session token and returns its claims. The parent key named by {@code pkh} is not looked up
     * here: the caller must still find it active (and intersect its models and limits with these).
     *
     * @throws GatewayException 401 {@code invalid_api_key} for anything but a well-formed, correctly signed, current
     *     token; never any other exception
     */
    public SessionClaims verify(String token) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH || !token.startsWith(PREFIX)) {
            throw invalid();
        }
        int start = PREFIX.length();
        int firstDot = token.indexOf('.', start);
        int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
        if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
            throw invalid();
        }
        byte[] headerJson = decode(token, start, firstDot);
        byte[] payloadJson = decode(token, firstDot + 1, secondDot);
        byte[] signature = decode(token, secondDot + 1, token.length());

        JsonNode header = parse(headerJson);
        if (!ALGORITHM.equals(text(header, "alg"))
                || header.has("crit")
                || (header.has("typ") && !"JWT".equals(text(header, "typ")))) {
            throw invalid();
        }
        String kid = text(header, "kid");
        SecretKeySpec key = kid == null ? null : verifyingKeys.get(kid);
        if (key == null) {
            throw invalid();
        }
        byte[] expected = sign(key, asciiBytes(token, start, secondDot));
        if (!MessageDigest.isEqual(expected, signature)) {
            throw invalid();
        }
        return claims(parse(payloadJson));
    }

    private SessionClaims claims(JsonNode payload) {
        if (!ISSUER.equals(text(payload, "iss"))) {
            throw invalid();
        }
        long iat = seconds(payload, "iat");
        long exp = seconds(payload, "exp");
        long lifetime = exp - iat; // both within Instant's range, so no overflow
        if (lifetime <= 0 || lifetime > MAX_TTL.toSeconds()) {
            throw invalid();
        }
        long now = clock.instant().getEpochSecond();
        if (now >= exp) {
            throw GatewayException.invalidApiKey(EXPIRED);
        }
        if (iat > now + MAX_IAT_SKEW.toSeconds()) {
            throw GatewayException.invalidApiKey(NOT_YET_VALID);
        }
        try {
            return new SessionClaims(
                    text(payload, "jti"),
                    text(payload, "tid"),
                    text(payload, "sub"),
                    text(payload, "pkh"),
                    text(payload, "role"),
                    Instant.ofEpochSecond(iat),
                    Instant.ofEpochSecond(exp),
                    models(payload.get("models")),
                    limits(payload.get("limits")));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw invalid(); // a claim missing, blank or out of range: the claims record said which, the client needn't
        }
    }

    private static Set<String> models(JsonNode node) {
        if (node == null) {
            return Set.of();
        }
        if (!node.isArray()) {
            throw invalid();
        }
        Set<String> models = new LinkedHashSet<>();
        for (JsonNode model : node) {
            if (!model.isTextual()) {
                throw invalid();
            }
            models.add(model.textValue());
        }
        return models;
    }

    private static Map<String, Long> limits(JsonNode node) {
        if (node == null) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw invalid();
        }
        Map<String, Long> limits = new HashMap<>();
        for (Map.Entry<String, JsonNode> limit : node.properties()) {
            JsonNode value = limit.getValue();
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw invalid();
            }
            limits.put(limit.getKey(), value.longValue());
        }
        return limits;
    }

    /** Epoch seconds of a numeric claim, within the range of {@link Instant}. */
    private static long seconds(JsonNode payload, String name) {
        JsonNode value = payload.get(name);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw invalid();
        }
        long seconds = value.longValue();
        try {
            Instant.ofEpochSecond(seconds);
        } catch (DateTimeException e) {
            throw invalid();
        }
        return seconds;
    }

    private static String text(JsonNode object, String name) {
        JsonNode value = object.get(name);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static JsonNode parse(byte[] json) {
        JsonNode node;
        try {
            node = READER.readTree(json);
        } catch (IOException | RuntimeException e) {
            throw invalid();
        }
        if (node == null || !node.isObject()) {
            throw invalid();
        }
        return node;
    }

    /**
     * Decodes one part, accepting only canonical unpadded Base64url: the alphabet {@code A-Z a-z 0-9 - _}, a length
     * that is not 1 mod 4, and zero bits in the unused low bits of the last character. The JDK decoder alone would take
     * padding and ignore those low bits, letting one signature be spelt several ways.
     */
    private static byte[] decode(String token, int from, int to) {
        int length = to - from;
        if (length == 0 || length % 4 == 1) {
            throw invalid();
        }
        int last = 0;
        for (int i = from; i < to; i++) {
            last = sextet(token.charAt(i));
            if (last < 0) {
                throw invalid();
            }
        }
        int unusedBits = switch (length % 4) {
            case 2 -> 0b1111;
            case 3 -> 0b11;
            default -> 0;
        };
        if ((last & unusedBits) != 0) {
            throw invalid();
        }
        try {
            return DECODER.decode(token.substring(from, to));
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '-') {
            return 62;
        }
        if (c == '_') {
            return 63;
        }
        return -1;
    }

    /** The characters, already checked to be Base64url and dots, as the ASCII bytes the signature covers. */
    private static byte[] asciiBytes(String token, int from, int to) {
        byte[] bytes = new byte[to - from];
        for (int i = from; i < to; i++) {
            bytes[i - from] = (byte) token.charAt(i);
        }
        return bytes;
    }

    private static byte[] sign(SecretKeySpec key, byte[] signingInput) {
        try {
            Mac mac = Mac.getInstance(MAC_ALGORITHM);
            mac.init(key);
            return mac.doFinal(signingInput);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JDK", e);
        }
    }

    private static GatewayException invalid() {
        return GatewayException.invalidApiKey(INVALID);
    }
}
