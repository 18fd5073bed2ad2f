package dev.sluice.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import dev.sluice.provider.ChatParameters;
import dev.sluice.provider.UpstreamErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The InvokeModel bodies of Bedrock's embedding models and their answers.
 * <ul>
 *   <li>Amazon Titan Text Embeddings ({@code amazon.titan-embed-*}): one text per call,
 *       {@code {"inputText", "dimensions", "normalize"}} (the last two from v2 on) →
 *       {@code {"embedding": [...], "inputTextTokenCount": n}}.</li>
 *   <li>Cohere Embed ({@code cohere.embed-*}): up to {@value #COHERE_BATCH} texts per call,
 *       {@code {"texts", "input_type"}} → {@code {"embeddings": [[...]]}} (v3) or
 *       {@code {"embeddings": {"float": [[...]]}}} (v4, or when embedding types are asked for); the token count
 *       comes in the {@code X-Amzn-Bedrock-Input-Token-Count} header.</li>
 * </ul>
 */
final class BedrockEmbeddingMapper {
    static final int COHERE_BATCH = 96;
    static final String DEFAULT_COHERE_INPUT_TYPE = "search_document";
    private static final String PROVIDER = BedrockProvider.TYPE;
    /** Inference-profile and ARN prefixes in front of the base model id ({@code us.}, {@code .../}). */
    private static final Pattern PROFILE_PREFIX = Pattern.compile("^(?:[a-z]{2,6}(?:-[a-z]+)?\\.)(?=[a-z]+\\.)");

    enum Family {
        TITAN,
        COHERE
    }

    private BedrockEmbeddingMapper() {}

    /** The model family, or a 400 naming the model when it is no embedding model this adapter knows. */
    static Family family(String modelId) {
        String base = baseModel(modelId);
        if (base.startsWith("amazon.titan-embed")) {
            return Family.TITAN;
        }
        if (base.startsWith("cohere.embed")) {
            return Family.COHERE;
        }
        throw ChatParameters.unsupported(
                PROVIDER,
                "model",
                "serves embeddings from Amazon Titan Text Embeddings "
                        + "(amazon.titan-embed-*) and Cohere Embed (cohere.embed-*) models, not '" + modelId + "'");
    }

    static byte[] titanBody(String modelId, String text, int dimensions) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("inputText", text);
        // v1 rejects the fields v2 added.
        if (baseModel(modelId).startsWith("amazon.titan-embed-text-v2")) {
            if (dimensions > 0) {
                body.put("dimensions", dimensions);
            }
            body.put("normalize", true);
        } else if (dimensions > 0) {
            throw ChatParameters.unsupported(
                    PROVIDER, "dimensions", "sets 'dimensions' only for Titan Text Embeddings v2 and Cohere Embed v4");
        }
        return Json.write(body);
    }

    static byte[] cohereBody(String modelId, List<String> texts, String inputType, int dimensions) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        texts.forEach(body.putArray("texts")::add);
        body.put("input_type", inputType);
        if (dimensions > 0) {
            if (!baseModel(modelId).startsWith("cohere.embed-v4")) {
                throw ChatParameters.unsupported(
                        PROVIDER,
                        "dimensions",
                        "sets 'dimensions' only for Titan Text Embeddings v2 and Cohere Embed v4");
            }
            body.put("output_dimension", dimensions);
        }
        return Json.write(body);
    }

    static float[] titanVector(JsonNode answer) {
        return vector(answer.path("embedding"));
    }

    static long titanTokens(JsonNode answer) {
        return answer.path("inputTextTokenCount").asLong(0);
    }

    static List<float[]> cohereVectors(JsonNode answer, int expected) {
        JsonNode embeddings = answer.path("embeddings");
        if (embeddings.isObject()) {
            embeddings = embeddings.path("float");
        }
        if (!embeddings.isArray() || embeddings.size() != expected) {
            throw malformed();
        }
        List<float[]> vectors = new ArrayList<>(expected);
        embeddings.forEach(item -> vectors.add(vector(item)));
        return vectors;
    }

    private static float[] vector(JsonNode values) {
        if (!values.isArray() || values.isEmpty()) {
            throw malformed();
        }
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i).floatValue();
        }
        return vector;
    }

    private static GatewayException malformed() {
        return UpstreamErrors.fromStatus(PROVIDER, 502, null, null, -1);
    }

    private static String baseModel(String modelId) {
        String base = modelId.substring(modelId.lastIndexOf('/') + 1);
        return PROFILE_PREFIX.matcher(base).replaceFirst("");
    }
}
