package dev.sluice.provider.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An OpenAI chat request translated into an Anthropic Messages body.
 *
 * @param body             the {@code POST /v1/messages} body
 * @param responseToolName the tool forced to carry a {@code json_schema} answer, whose input the stream mapper turns
 *                         back into content; null when the request did not ask for a schema
 */
record MessagesRequest(ObjectNode body, String responseToolName) {}
