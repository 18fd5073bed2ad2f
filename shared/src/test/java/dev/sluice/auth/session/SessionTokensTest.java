package dev.sluice.auth.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.auth.ApiKeys;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SessionTokensTest {
    private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    private static final String PARENT_KEY = ApiKeys.newKey();
    private static final String PARENT_HASH = ApiKeys.sha256Hex(PARENT_KEY);
    private static final SigningKey NEW = key("2026-12", 1);
    private static final SigningKey OLD = key("2026-11", 2);

    private final MutableClock clock = new MutableClock(NOW);
    private final SessionTokens tokens = new SessionTokens(SigningKeys.of(NEW), clock);

    private static SigningKey key(String kid, int seed) {
        byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (byte) (i * 31 + seed);
        }
        return new SigningKey(kid, secret);
    }

    private static SessionClaims claims(Instant issuedAt, Duration ttl) {
        return claims(issuedAt, ttl, Set.of(), Map.of());
    }

    private static SessionClaims claims(Instant issuedAt, Duration ttl, Set<String> models, Map<String, Long> limits) {
        return new SessionClaims(
                SessionTokens.newTokenId(),
                "tenant-a",
                ApiKeys.keyIdFor(PARENT_HASH),
                PARENT_HASH,
                "app",
                issuedAt,
                issuedAt.plus(ttl),
                models,
                limits);
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String part) {
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }

    /** Builds a token independently of {@link SessionTokens}, straight from RFC 7515. */
    private static String handSigned(String headerJson, String payloadJson, SigningKey key) throws Exception {
        String signingInput = b64(headerJson) + "." + b64(payloadJson);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
        byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        return SessionTokens.PREFIX + signingInput + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    private static String payloadJson(long iat, long exp) {
        return "{\"iss\":\"sluice\",\"sub\":\"key_abc\",\"jti\":\"sess_1\",\"iat\":" + iat + ",\"exp\":" + exp
                + ",\"tid\":\"tenant-a\",\"pkh\":\"" + PARENT_HASH + "\",\"role\":\"app\"}";
    }

    private static String[] parts(String token) {
        return token.substring(SessionTokens.PREFIX.length()).split("\\.", -1);
    }

    private void assertRejected(String token, String message) {
        assertThatThrownBy(() -> tokens.verify(token))
                .as("%s", token)
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.code()).isEqualTo("invalid_api_key");
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    private void assertInvalid(String token) {
        assertRejected(token, "Invalid session token.");
    }

    @Test
    void verify_roundTrip_keepsAllClaims() {
        SessionClaims claims = claims(
                NOW, Duration.ofMinutes(15), Set.of("gpt-4o-mini", "claude-haiku"), Map.of("rpm", 20L, "tpm", 10_000L));

        String token = tokens.mint(claims);

        assertThat(SessionTokens.looksLikeSessionToken(token)).isTrue();
        assertThat(tokens.verify(token)).isEqualTo(claims);
    }

    @Test
    void verify_roundTripWithSubSecondTimes_truncatesToWholeSeconds() {
        SessionClaims claims = claims(NOW.plusMillis(700), Duration.ofMinutes(5));

        assertThat(claims.issuedAt()).isEqualTo(NOW);
        assertThat(tokens.verify(tokens.mint(claims))).isEqualTo(claims);
    }

    @Test
    void mint_writesTheDocumentedHeaderAndPayload() throws Exception {
        SessionClaims claims = claims(NOW, Duration.ofHours(1));

        String[] parts = parts(tokens.mint(claims));

        assertThat(parts).hasSize(3);
        assertThat(decode(parts[0])).isEqualTo("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"2026-12\"}");
        JsonNode payload = Json.read(decode(parts[1]));
        assertThat(payload.get("iss").asText()).isEqualTo("sluice");
        assertThat(payload.get("sub").asText()).isEqualTo(claims.parentKeyId());
        assertThat(payload.get("jti").asText()).isEqualTo(claims.tokenId()).matches("sess_[0-9a-f]{20}");
        assertThat(payload.get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(payload.get("exp").asLong()).isEqualTo(NOW.getEpochSecond() + 3600);
        assertThat(payload.get("tid").asText()).isEqualTo("tenant-a");
        assertThat(payload.get("pkh").asText()).isEqualTo(PARENT_HASH);
        assertThat(payload.get("role").asText()).isEqualTo("app");
        assertThat(payload.has("models")).as("empty models are omitted").isFalse();
        assertThat(payload.has("limits")).as("empty limits are omitted").isFalse();
        assertThat(parts[2]).hasSize(43); // 32 bytes of HMAC-SHA256, unpadded
        assertThat(String.join(".", parts)).doesNotContain(PARENT_KEY).doesNotContain("=");
    }

    @Test
    void verify_handBuiltRfc7515Token_isAccepted() throws Exception {
        long iat = NOW.getEpochSecond();
        String token = handSigned(
                "{\"typ\":\"JWT\",\"alg\":\"HS256\",\"kid\":\"2026-12\"}",
                "{\"iss\":\"sluice\",\"sub\":\"key_abc\",\"jti\":\"sess_1\",\"iat\":" + iat + ",\"exp\":" + (iat + 60)
                        + ",\"tid\":\"tenant-a\",\"pkh\":\"" + PARENT_HASH + "\",\"role\":\"admin\","
                        + "\"models\":[\"m1\"],\"limits\":{\"budgetMicrosDay\":5000000},\"extra\":true}",
                NEW);

        SessionClaims claims = tokens.verify(token);

        assertThat(claims.parentRole()).isEqualTo("admin");
        assertThat(claims.models()).containsExactly("m1");
        assertThat(claims.limits()).containsExactlyEntriesOf(Map.of("budgetMicrosDay", 5_000_000L));
        assertThat(claims.expiresAt()).isEqualTo(NOW.plusSeconds(60));
    }

    @Test
    void verify_expiredToken_isRejected() {
        String token = tokens.mint(claims(NOW, Duration.ofMinutes(10)));
        clock.advance(Duration.ofMinutes(10).minusSeconds(1));
        assertThatCode(() -> tokens.verify(token)).doesNotThrowAnyException();

        clock.advance(Duration.ofSeconds(1)); // now == exp: no skew allowance at all

        assertRejected(token, "This session token has expired.");
    }

    @Test
    void verify_issuedFarInTheFuture_isNotYetValid() {
        String token = tokens.mint(claims(NOW.plus(Duration.ofHours(2)), Duration.ofMinutes(10)));

        assertRejected(token, "This session token is not valid yet.");
    }

    @Test
    void verify_issuedWithinSixtySecondsOfSkew_isAccepted() {
        String token = tokens.mint(claims(NOW.plusSeconds(60), Duration.ofMinutes(10)));

        assertThatCode(() -> tokens.verify(token)).doesNotThrowAnyException();
        assertRejected(
                tokens.mint(claims(NOW.plusSeconds(61), Duration.ofMinutes(10))),
                "This session token is not valid yet.");
    }

    @Test
    void verify_tamperedPayload_isRejected() {
        String token = tokens.mint(claims(NOW, Duration.ofMinutes(10)));
        String[] parts = parts(token);
        String payload = parts[1];
        for (int i : new int[] {0, payload.length() / 2, payload.length() - 2}) {
            char c = payload.charAt(i);
            String tampered = payload.substring(0, i) + (c == 'A' ? 'B' : 'A') + payload.substring(i + 1);

            assertInvalid(SessionTokens.PREFIX + parts[0] + "." + tampered + "." + parts[2]);
        }
    }

    @Test
    void verify_payloadOfAnotherTokenUnderThisSignature_isRejected() {
        String[] mine = parts(tokens.mint(claims(NOW, Duration.ofMinutes(10))));
        String[] admin = parts(tokens.mint(claims(NOW, Duration.ofHours(24))));

        assertInvalid(SessionTokens.PREFIX + mine[0] + "." + admin[1] + "." + mine[2]);
    }

    @Test
    void verify_tamperedSignature_isRejected() {
        String[] parts = parts(tokens.mint(claims(NOW, Duration.ofMinutes(10))));
        String signature = parts[2];
        String prefix = SessionTokens.PREFIX + parts[0] + "." + parts[1] + ".";
        char c = signature.charAt(10);

        assertInvalid(prefix + signature.substring(0, 10) + (c == 'A' ? 'B' : 'A') + signature.substring(11));
        assertInvalid(prefix + signature.substring(0, 42));
        assertInvalid(prefix + signature + "A");
        assertInvalid(prefix);
    }

    @Test
    void verify_nonCanonicalBase64Signature_isRejected() {
        String[] parts = parts(tokens.mint(claims(NOW, Duration.ofMinutes(10))));
        String signature = parts[2];
        String prefix = SessionTokens.PREFIX + parts[0] + "." + parts[1] + ".";
        // 43 characters carry 256 bits; the last character's 2 low bits are unused. Setting them decodes to the same
        // bytes with a lenient decoder, so the same signature would have four spellings.
        char last = signature.charAt(42);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char sameBytes = alphabet.charAt(alphabet.indexOf(last) | 1);

        assertInvalid(prefix + signature.substring(0, 42) + sameBytes);
        assertInvalid(prefix + signature + "=");
        assertThatCode(() -> tokens.verify(prefix + signature)).doesNotThrowAnyException();
    }

    @Test
    void verify_algNoneToken_isRejected() throws Exception {
        long iat = NOW.getEpochSecond();
        String payload = b64(payloadJson(iat, iat + 600));

        assertInvalid(SessionTokens.PREFIX + b64("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"2026-12\"}") + "."
                + payload + ".");
        assertInvalid(SessionTokens.PREFIX + b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + ".");
        // even correctly HMAC-signed, any alg other than exactly HS256 is refused
        for (String alg : List.of("none", "None", "hs256", "HS384", "HS512", "RS256", "ES256")) {
            assertInvalid(handSigned(
                    "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"2026-12\"}", payloadJson(iat, iat + 600), NEW));
        }
        assertInvalid(handSigned("{\"typ\":\"JWT\",\"kid\":\"2026-12\"}", payloadJson(iat, iat + 600), NEW));
        assertInvalid(handSigned(
                "{\"alg\":\"HS256\",\"alg\":\"none\",\"kid\":\"2026-12\"}", payloadJson(iat, iat + 600), NEW));
        assertInvalid(handSigned(
                "{\"alg\":\"HS256\",\"kid\":\"2026-12\",\"crit\":[\"exp\"]}", payloadJson(iat, iat + 600), NEW));
    }

    @Test
    void verify_tokenSignedByAnotherRing_isRejected() {
        SessionTokens other = new SessionTokens(SigningKeys.of(key("2026-12", 99)), clock);

        assertInvalid(other.mint(claims(NOW, Duration.ofMinutes(10))));
    }

    @Test
    void verify_unknownKid_isRejected() throws Exception {
        long iat = NOW.getEpochSecond();
        SessionTokens other = new SessionTokens(SigningKeys.of(key("2027-01", 1)), clock);

        assertInvalid(other.mint(claims(NOW, Duration.ofMinutes(10))));
        assertInvalid(handSigned("{\"alg\":\"HS256\",\"kid\":\"2027-01\"}", payloadJson(iat, iat + 600), NEW));
        assertInvalid(handSigned("{\"alg\":\"HS256\",\"kid\":7}", payloadJson(iat, iat + 600), NEW));
    }

    @Test
    void rotation_oldKeyVerifiesDuringOverlap_andIsRejectedAfterRemoval() {
        SessionTokens beforeRotation = new SessionTokens(SigningKeys.of(OLD), clock);
        String oldToken = beforeRotation.mint(claims(NOW, Duration.ofHours(24)));

        SessionTokens duringOverlap = new SessionTokens(SigningKeys.of(NEW, OLD), clock);
        assertThat(duringOverlap.verify(oldToken).tenantId()).isEqualTo("tenant-a");
        String newToken = duringOverlap.mint(claims(NOW, Duration.ofHours(1)));
        assertThat(decode(parts(newToken)[0])).contains("\"kid\":\"2026-12\"");
        assertThat(new SessionTokens(SigningKeys.of(NEW), clock).verify(newToken))
                .isNotNull();
        assertThatThrownBy(() -> beforeRotation.verify(newToken)).isInstanceOf(GatewayException.class);

        SessionTokens afterRemoval = new SessionTokens(SigningKeys.of(NEW), clock);
        assertThatThrownBy(() -> afterRemoval.verify(oldToken))
                .isInstanceOf(GatewayException.class)
                .hasMessage("Invalid session token.");
        assertThat(afterRemoval.verify(newToken).tokenId()).startsWith("sess_");
    }

    @Test
    void mint_ttlAbove24Hours_isRefused() {
        assertThatThrownBy(() -> tokens.mint(claims(NOW, Duration.ofHours(24).plusSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("24 hours");
        assertThatThrownBy(() -> tokens.mint(claims(NOW, Duration.ZERO))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tokens.mint(claims(NOW, Duration.ofMinutes(-1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatCode(() -> tokens.mint(claims(NOW, Duration.ofHours(24)))).doesNotThrowAnyException();
    }

    @Test
    void verify_handSignedLifetimeAbove24Hours_isRejected() throws Exception {
        long iat = NOW.getEpochSecond();

        assertInvalid(handSigned("{\"alg\":\"HS256\",\"kid\":\"2026-12\"}", payloadJson(iat, iat + 86_401), NEW));
        assertInvalid(handSigned("{\"alg\":\"HS256\",\"kid\":\"2026-12\"}", payloadJson(iat, iat), NEW));
    }

    @Test
    void verify_signedButBadClaims_areRejected() throws Exception {
        long iat = NOW.getEpochSecond();
        String header = "{\"alg\":\"HS256\",\"kid\":\"2026-12\"}";
        String good = payloadJson(iat, iat + 600);
        assertThatCode(() -> tokens.verify(handSigned(header, good, NEW))).doesNotThrowAnyException();
        List<String> payloads = List.of(
                good.replace("\"iss\":\"sluice\"", "\"iss\":\"someone-else\""),
                good.replace("\"iss\":\"sluice\",", ""),
                good.replace("\"tid\":\"tenant-a\",", ""),
                good.replace("\"tid\":\"tenant-a\"", "\"tid\":\"\""),
                good.replace("\"sub\":\"key_abc\",", ""),
                good.replace("\"jti\":\"sess_1\",", ""),
                good.replace(",\"role\":\"app\"", ""),
                good.replace("\"role\":\"app\"", "\"role\":\"root\""),
                good.replace(PARENT_HASH, "not-a-hash"),
                good.replace("\"iat\":" + iat, "\"iat\":\"" + iat + "\""),
                good.replace("\"exp\":" + (iat + 600), "\"exp\":" + (iat + 600) + ".5"),
                good.replace("\"exp\":" + (iat + 600), "\"exp\":99999999999999999999"),
                good.replace("\"iat\":" + iat, "\"iat\":-9223372036854775808"),
                good.replace("\"iat\":" + iat + ",", ""),
                good.replace("}", ",\"models\":\"gpt-4o\"}"),
                good.replace("}", ",\"models\":[1]}"),
                good.replace("}", ",\"models\":[\"\"]}"),
                good.replace("}", ",\"limits\":[1]}"),
                good.replace("}", ",\"limits\":{\"rpm\":\"10\"}}"),
                good.replace("}", ",\"limits\":{\"rpm\":-1}}"),
                good.replace("}", ",\"limits\":{\"rpm\":1.5}}"),
                good.replace("}", ",\"tid\":\"tenant-b\"}"), // duplicate member
                "[]",
                "null",
                "{\"iss\":\"sluice\"",
                "not json");
        for (String payload : payloads) {
            assertInvalid(handSigned(header, payload, NEW));
        }
    }

    @Test
    void verify_garbage_isAlways401() throws Exception {
        List<String> garbage = new ArrayList<>(List.of(
                "",
                " ",
                "sk-sluice-session.",
                "sk-sluice-session.a",
                "sk-sluice-session.a.b",
                "sk-sluice-session.a.b.c",
                "sk-sluice-session...",
                "sk-sluice-session.a.b.c.d",
                "sk-sluice-session.!!!.@@@.###",
                "sk-sluice-session.eyJ.eyJ.abc",
                "sk-sluice-session.ey J.e.e",
                "sk-sluice-session.é.é.é",
                "sk-sluice-session.\u0000.\u0000.\u0000",
                "sk-sluice-session.YQ==.YQ==.YQ==",
                "sk-sluice-session.YQ.YQ.YQ",
                "a.b",
                "a.b.c",
                "sk-sluice-0123456789012345678901234567890123456789",
                PARENT_KEY,
                "Bearer sk-sluice-session.a.b.c",
                "SK-SLUICE-SESSION.a.b.c"));
        garbage.add(SessionTokens.PREFIX + b64("{\"alg\":\"HS256\",\"kid\":\"2026-12\"}") + "." + b64("{}") + ".");
        garbage.add(SessionTokens.PREFIX + b64("[\"alg\"]") + "." + b64("{}") + "." + b64("x"));
        garbage.add(SessionTokens.PREFIX + b64("{\"alg\":") + "." + b64("{}") + "." + b64("x"));
        garbage.add(SessionTokens.PREFIX + b64("{\"alg\":\"HS256\",\"kid\":null}") + "." + b64("{}") + "." + b64("x"));
        garbage.add(SessionTokens.PREFIX + "a".repeat(SessionTokens.MAX_TOKEN_LENGTH) + ".b.c");
        garbage.add(SessionTokens.PREFIX + b64("[".repeat(5000)) + ".e.e");
        String valid = tokens.mint(claims(NOW, Duration.ofMinutes(10)));
        garbage.add(valid.replace(".", ".."));
        garbage.add(valid + ".");
        garbage.add(valid.substring(0, valid.length() - 1));
        garbage.add(valid.replace(SessionTokens.PREFIX, "sk-sluice-"));

        for (String presented : garbage) {
            assertInvalid(presented);
        }
        assertInvalid(null);
    }

    @Test
    void verify_messages_neverQuoteTheToken() {
        String token = tokens.mint(claims(NOW, Duration.ofMinutes(1)));
        clock.advance(Duration.ofMinutes(2));

        assertThatThrownBy(() -> tokens.verify(token))
                .isInstanceOf(GatewayException.class)
                .hasMessageNotContaining(parts(token)[1].substring(0, 10))
                .hasMessageNotContaining("tenant-a");
    }

    @Test
    void looksLikeSessionToken_isAPrefixCheck() {
        assertThat(SessionTokens.looksLikeSessionToken("sk-sluice-session.x")).isTrue();
        assertThat(SessionTokens.looksLikeSessionToken(ApiKeys.newKey())).isFalse();
        assertThat(SessionTokens.looksLikeSessionToken("sk-sluice-sessio")).isFalse();
        assertThat(SessionTokens.looksLikeSessionToken(null)).isFalse();
    }

    @Test
    void newTokenId_isSessPlus20Hex_andUnique() {
        String id = SessionTokens.newTokenId();

        assertThat(id).matches("sess_[0-9a-f]{20}");
        assertThat(SessionTokens.newTokenId()).isNotEqualTo(id);
    }

    @Test
    void verify_withFixedClock_works() {
        SessionTokens fixed = new SessionTokens(SigningKeys.of(NEW), Clock.fixed(NOW, ZoneOffset.UTC));

        assertThat(fixed.verify(fixed.mint(claims(NOW.minusSeconds(30), Duration.ofMinutes(1))))
                        .tenantId())
                .isEqualTo("tenant-a");
    }
}
