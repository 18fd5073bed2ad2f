package dev.sluice.error;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;

/**
 * The error body of the API a client called. Each inbound dialect has one ({@code OpenAiErrorFormat},
 * {@code AnthropicErrorFormat}); the status and the message are the same in all, only the wrapping and the type
 * names differ. The message comes from {@link ErrorResponses#clientMessage}, which never carries internal detail.
 */
public interface ErrorFormat {

    /** The whole error body (also the payload of a mid-stream error event). */
    ObjectNode errorObject(GatewayException error, String requestId);

    default byte[] body(GatewayException error, String requestId) {
        return Json.write(errorObject(error, requestId));
    }
}
