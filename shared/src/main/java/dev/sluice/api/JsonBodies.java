package dev.sluice.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayException;
import dev.sluice.json.Json;
import java.io.IOException;

/** Reads a request body that must be one JSON object; every failure is a 400 the client can act on. */
public final class JsonBodies {
    private JsonBodies() {}

    public static ObjectNode object(byte[] json) {
        JsonNode root;
        try {
            root = Json.read(json);
        } catch (JacksonException e) {
            throw GatewayException.invalidRequest(
                    "We could not parse the JSON body of your request. The body must be valid JSON.", null);
        } catch (IOException e) {
            throw GatewayException.invalidRequest("The request body could not be read.", null);
        }
        if (root == null || root.isMissingNode()) {
            throw GatewayException.invalidRequest("The request body is empty; expected a JSON object.", null);
        }
        if (!(root instanceof ObjectNode body)) {
            throw GatewayException.invalidRequest("The request body must be a JSON object.", null);
        }
        return body;
    }
}
