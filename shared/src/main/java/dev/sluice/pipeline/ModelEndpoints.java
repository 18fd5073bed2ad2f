package dev.sluice.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.ChatRequest;
import dev.sluice.api.JsonBodies;
import dev.sluice.auth.Authenticator;
import dev.sluice.auth.Caller;
import dev.sluice.inbound.InboundDialect;
import dev.sluice.inbound.anthropic.AnthropicErrorFormat;
import dev.sluice.inbound.anthropic.AnthropicInbound;
import dev.sluice.inbound.anthropic.AnthropicMessagesRequest;
import dev.sluice.inbound.openai.OpenAiInbound;
import dev.sluice.json.Json;
import dev.sluice.route.RouteResolver;
import dev.sluice.stream.ErrorResponder;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.usage.TokenEstimator;

/**
 * The endpoints that describe models rather than call them: model listing and retrieval in OpenAI's or Anthropic's
 * format, and Anthropic's token counting. Authenticated like every call; not billed, not counted against quotas.
 */
public final class ModelEndpoints {
    private final Authenticator authenticator;
    private final RouteResolver routes;

    ModelEndpoints(Authenticator authenticator, RouteResolver routes) {
        this.authenticator = authenticator;
        this.routes = routes;
    }

    /** {@code GET /v1/models}, in Anthropic's format when the caller sent {@code anthropic-version}. */
    public void list(GatewayRequest in, ResponseChannel out) {
        InboundDialect dialect = dialectOf(in);
        ErrorResponder.answer(
                out, in.requestId(), dialect.errors(), () -> dialect.modelList(routes.visibleTo(authenticate(in))));
    }

    /** {@code GET /v1/models/{id}}: one alias the key may use, or 404 {@code model_not_found}. */
    public void retrieve(GatewayRequest in, String alias, ResponseChannel out) {
        InboundDialect dialect = dialectOf(in);
        ErrorResponder.answer(
                out, in.requestId(), dialect.errors(), () -> dialect.model(routes.resolve(alias, authenticate(in))));
    }

    /** {@code POST /v1/messages/count_tokens}: the gateway tokenizer's estimate for a route the key may use. */
    public void countTokens(GatewayRequest in, ResponseChannel out) {
        ErrorResponder.answer(out, in.requestId(), AnthropicErrorFormat.INSTANCE, () -> {
            Caller caller = authenticate(in);
            ObjectNode body = JsonBodies.object(in.body());
            if (!body.has("max_tokens")) {
                body.put("max_tokens", 1); // count_tokens takes no max_tokens; the translation requires one
            }
            ChatRequest request = AnthropicMessagesRequest.of(body).toChatRequest();
            routes.resolve(request.model(), caller);
            return Json.MAPPER.createObjectNode().put("input_tokens", TokenEstimator.ofChatRequest(request));
        });
    }

    private Caller authenticate(GatewayRequest in) {
        return authenticator.authenticate(in.authorization(), in.apiKeyHeader(), in.clientAddress());
    }

    /** Anthropic's SDKs send {@code anthropic-version} on every call; everyone else gets OpenAI's format. */
    private static InboundDialect dialectOf(GatewayRequest in) {
        return in.anthropicVersion() == null ? OpenAiInbound.INSTANCE : AnthropicInbound.INSTANCE;
    }
}
