package dev.sluice.pipeline;

import dev.sluice.api.ChatRequest;
import dev.sluice.api.anthropic.AnthropicMessagesRequest;
import dev.sluice.error.ErrorFormat;
import dev.sluice.stream.AnthropicMessagesRelay;
import dev.sluice.stream.ChatCompletionRelay;
import dev.sluice.stream.ResponseChannel;
import dev.sluice.stream.ResponseRelay;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * An inbound chat dialect: how its request becomes the canonical OpenAI {@link ChatRequest}, how the provider's
 * output goes back to the client, and how errors look. Everything between (auth, route, quota, provider, usage) is
 * the same pipeline whichever dialect the client speaks.
 */
public interface ChatApi {

    ErrorFormat errors();

    ChatRequest parse(byte[] body);

    ResponseRelay relay(ResponseChannel out, Map<String, String> headers, String requestId, ChatRequest request,
                        long createdEpochSeconds, LongSupplier nanoClock, long startNanos);

    /** {@code POST /v1/chat/completions}. */
    ChatApi OPENAI = new ChatApi() {
        @Override
        public ErrorFormat errors() {
            return ErrorFormat.OPENAI;
        }

        @Override
        public ChatRequest parse(byte[] body) {
            return ChatRequest.parse(body);
        }

        @Override
        public ResponseRelay relay(ResponseChannel out, Map<String, String> headers, String requestId,
                                   ChatRequest request, long createdEpochSeconds, LongSupplier nanoClock,
                                   long startNanos) {
            return new ChatCompletionRelay(out, headers, "chatcmpl-" + requestId, request.model(),
                    createdEpochSeconds, request.stream(), request.includeUsage());
        }
    };

    /** {@code POST /v1/messages}: Anthropic's Messages API in, Anthropic's events or message out. */
    ChatApi ANTHROPIC = new ChatApi() {
        @Override
        public ErrorFormat errors() {
            return ErrorFormat.ANTHROPIC;
        }

        @Override
        public ChatRequest parse(byte[] body) {
            return AnthropicMessagesRequest.parse(body).toChatRequest();
        }

        @Override
        public ResponseRelay relay(ResponseChannel out, Map<String, String> headers, String requestId,
                                   ChatRequest request, long createdEpochSeconds, LongSupplier nanoClock,
                                   long startNanos) {
            return new AnthropicMessagesRelay(out, headers, "msg_" + requestId, request.model(), request.stream());
        }
    };
}
