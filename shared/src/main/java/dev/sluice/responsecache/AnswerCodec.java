package dev.sluice.responsecache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.json.Json;
import dev.sluice.provider.StreamChunk;
import dev.sluice.provider.StreamDelta;
import dev.sluice.usage.TokenUsage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A {@link CachedAnswer} as stored: compact JSON, gzip-compressed when it would not fit an item plainly. One array per
 * chunk, one small array per delta ({@code ["t",0,"Hello"]}), so a 50-chunk answer stores in about 2 KB.
 *
 * <p>DynamoDB items hold at most 400 KB: an answer up to {@link #PLAIN_LIMIT} is stored as it is, a longer one
 * compressed, and one still over the limit compressed is not stored at all ({@link #encode} answers null).
 */
public final class AnswerCodec {
    /** What an answer may take in its item, leaving room for the key and the other attributes. */
    public static final int PLAIN_LIMIT = 350 * 1024;

    private AnswerCodec() {}

    /** The stored bytes and whether they are compressed; null when the answer is too large to store. */
    public record Encoded(byte[] bytes, boolean compressed) {}

    public static Encoded encode(CachedAnswer answer) {
        byte[] json = Json.write(toJson(answer));
        if (json.length <= PLAIN_LIMIT) {
            return new Encoded(json, false);
        }
        byte[] gzipped = gzip(json);
        return gzipped.length <= PLAIN_LIMIT ? new Encoded(gzipped, true) : null;
    }

    public static CachedAnswer decode(byte[] bytes, boolean compressed) {
        try {
            return fromJson(Json.read(compressed ? gunzip(bytes) : bytes));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a stored answer: " + e.getMessage(), e);
        }
    }

    private static ObjectNode toJson(CachedAnswer answer) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("provider", answer.provider()).put("model", answer.model());
        TokenUsage usage = answer.usage();
        root.putArray("usage")
                .add(usage.promptTokens())
                .add(usage.completionTokens())
                .add(usage.cachedPromptTokens())
                .add(usage.reasoningTokens());
        ArrayNode chunks = root.putArray("chunks");
        for (StreamChunk chunk : answer.chunks()) {
            ArrayNode deltas = chunks.addArray();
            for (StreamDelta delta : chunk.deltas()) {
                ArrayNode d = deltas.addArray();
                switch (delta) {
                    case StreamDelta.Text t -> d.add("t").add(t.choice()).add(t.text());
                    case StreamDelta.Reasoning r -> d.add("r").add(r.choice()).add(r.text());
                    case StreamDelta.Refusal r -> d.add("x").add(r.choice()).add(r.text());
                    case StreamDelta.ToolCallStart c -> {
                        d.add("c").add(c.choice()).add(c.index()).add(c.id()).add(c.name());
                        if (c.extraContent() != null) {
                            d.add(c.extraContent());
                        }
                    }
                    case StreamDelta.ToolCallArguments a ->
                        d.add("a").add(a.choice()).add(a.index()).add(a.fragment());
                    case StreamDelta.Finish f -> d.add("f").add(f.choice()).add(f.reason());
                    case StreamDelta.Untyped u ->
                        throw new IllegalArgumentException("untyped output cannot be replayed: " + u.field());
                }
            }
        }
        return root;
    }

    private static CachedAnswer fromJson(JsonNode root) {
        JsonNode u = root.path("usage");
        List<StreamChunk> chunks = new ArrayList<>(root.path("chunks").size());
        for (JsonNode chunk : root.path("chunks")) {
            List<StreamDelta> deltas = new ArrayList<>(chunk.size());
            for (JsonNode d : chunk) {
                int choice = d.get(1).asInt();
                deltas.add(
                        switch (d.get(0).asText()) {
                            case "t" -> new StreamDelta.Text(choice, d.get(2).asText());
                            case "r" ->
                                new StreamDelta.Reasoning(choice, d.get(2).asText());
                            case "x" -> new StreamDelta.Refusal(choice, d.get(2).asText());
                            case "c" ->
                                new StreamDelta.ToolCallStart(
                                        choice,
                                        d.get(2).asInt(),
                                        d.get(3).isNull() ? null : d.get(3).asText(),
                                        d.get(4).isNull() ? null : d.get(4).asText(),
                                        d.size() > 5 ? d.get(5) : null);
                            case "a" ->
                                new StreamDelta.ToolCallArguments(
                                        choice, d.get(2).asInt(), d.get(3).asText());
                            case "f" -> new StreamDelta.Finish(choice, d.get(2).asText());
                            default -> throw new IllegalArgumentException("unknown delta " + d.get(0));
                        });
            }
            chunks.add(new StreamChunk(deltas, null));
        }
        return new CachedAnswer(
                chunks,
                new TokenUsage(
                        u.path(0).asLong(),
                        u.path(1).asLong(),
                        u.path(2).asLong(),
                        u.path(3).asLong()),
                root.path("provider").asText(),
                root.path("model").asText());
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4);
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        }
    }
}
