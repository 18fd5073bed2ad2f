package dev.sluice.auth.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The key ring for session tokens: the first key signs, every key verifies.
 *
 * <p>The ring is stored as one Secrets Manager secret, {@code {"keys":[{"kid":"2026-12","secret":"<base64>"},
 * {"kid":"2026-11","secret":"<base64>"}]}}, and read once per gateway instance. Rotation is an overlap, never a cut:
 *
 * <ol>
 *   <li>put a new key in front: it signs every new token from then on, while tokens signed by the old key, now second,
 *       still verify;
 *   <li>after the longest token lifetime ({@link SessionTokens#MAX_TTL}, 24 h) plus the time instances take to reload
 *       the secret, remove the old key: no unexpired token can still carry its kid.
 * </ol>
 *
 * <p>Instances are immutable. Errors name the kid at most, never secret material, and carry no cause (a JSON or Base64
 * parser message may quote the input).
 */
public final class SigningKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<SigningKey> keys;
    private final Map<String, SigningKey> byKid;

    private SigningKeys(List<SigningKey> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("A signing key ring needs at least one key.");
        }
        Map<String, SigningKey> index = new LinkedHashMap<>();
        for (SigningKey key : keys) {
            Objects.requireNonNull(key, "signing key");
            if (index.putIfAbsent(key.kid(), key) != null) {
                throw new IllegalArgumentException("The signing key id '" + key.kid() + "' is listed twice.");
            }
        }
        this.keys = List.copyOf(keys);
        this.byKid = Map.copyOf(index);
    }

    /** A ring of the given keys, the first one signing. */
    public static SigningKeys of(SigningKey... keys) {
        return new SigningKeys(List.of(keys));
    }

    /**
     * Reads the ring from the secret's JSON. Each {@code secret} is standard Base64 of at least 32 bytes.
     *
     * @throws IllegalArgumentException if the JSON is malformed, lists no key, or a key is invalid; the message never
     *     contains secret material
     */
    public static SigningKeys parse(String secretJson) {
        if (secretJson == null || secretJson.isBlank()) {
            throw new IllegalArgumentException("The signing key secret is empty.");
        }
        JsonNode root;
        try {
            root = Json.read(secretJson);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "The signing key secret is not valid JSON; expected {\"keys\":[{\"kid\":...,\"secret\":...}]}.");
        }
        // The ring, or one key on its own: {"kid":…,"secret":…} is what CloudFormation generates for a new stack.
        JsonNode list = root == null ? null : root.has("keys") ? root.get("keys") : single(root);
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(
                    "The signing key secret must hold a non-empty \"keys\" array of {\"kid\",\"secret\"} objects.");
        }
        List<SigningKey> keys = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            JsonNode kid = entry.get("kid");
            JsonNode secret = entry.get("secret");
            if (kid == null || !kid.isTextual() || secret == null || !secret.isTextual()) {
                throw new IllegalArgumentException("Signing key #" + (i + 1)
                        + " must be an object with a string \"kid\" and a string \"secret\".");
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(secret.textValue().strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "The secret of signing key #" + (i + 1) + " is not valid standard Base64.");
            }
            keys.add(new SigningKey(kid.textValue(), bytes));
        }
        return new SigningKeys(keys);
    }

    /**
     * The JSON of a new ring of one key with a random 32-byte secret, in the format {@link #parse} reads: dev mode
     * creates the secret with it. To rotate, put the new entry in front of the existing ones.
     */
    private static JsonNode single(JsonNode root) {
        if (!root.isObject() || !root.has("secret")) {
            return null;
        }
        return Json.MAPPER.createArrayNode().add(root);
    }

    public static String newSecretJson(String kid) {
        byte[] secret = new byte[SigningKey.MIN_SECRET_BYTES];
        RANDOM.nextBytes(secret);
        new SigningKey(kid, secret); // validates the kid
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode list = root.putArray("keys");
        list.addObject().put("kid", kid).put("secret", Base64.getEncoder().encodeToString(secret));
        return Json.writeString(root);
    }

    /** The key that signs new tokens: the first of the ring. */
    public SigningKey active() {
        return keys.get(0);
    }

    /** The key with this kid, if the ring still accepts it. */
    public Optional<SigningKey> find(String kid) {
        return kid == null ? Optional.empty() : Optional.ofNullable(byKid.get(kid));
    }

    /** Every key of the ring, the signing one first. */
    public List<SigningKey> all() {
        return keys;
    }

    @Override
    public String toString() {
        return "SigningKeys" + keys.stream().map(SigningKey::kid).toList();
    }
}
