package dev.sluice.provider.openai;

import java.util.Locale;

/** Recognises errors the OpenAI family reports without OpenAI's own codes. */
final class OpenAiErrors {
    private OpenAiErrors() {}

    /**
     * True for the context-window messages of servers that send no {@code context_length_exceeded} code: vLLM
     * ("This model's maximum context length is ..."), DeepSeek and Mistral ("... exceeds the model's context
     * length"), Ollama and Groq ("... context length ...", "reduce the length of the messages").
     */
    static boolean saysContextTooLong(String message) {
        if (message == null) {
            return false;
        }
        String text = message.toLowerCase(Locale.ROOT);
        return text.contains("maximum context length")
                || text.contains("context length exceeded")
                || text.contains("exceeds the model's context")
                || text.contains("context window")
                || text.contains("reduce the length of the messages")
                || text.contains("prompt is too long");
    }
}
