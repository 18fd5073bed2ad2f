package dev.sluice.provider;

import java.nio.charset.StandardCharsets;

/**
 * An OpenAI {@code chat.completion.chunk} exactly as an upstream sent it (UTF-8 JSON, one object), with where the
 * top-level members a gateway rewrites sit, so that rewriting them is a splice of bytes rather than a new document.
 * Spans are byte offsets, start inclusive and end exclusive.
 *
 * @param bodyStart  just after the object's opening brace
 * @param bodyEnd    at the object's closing brace
 * @param idStart    the {@code id} value (its quotes included); -1 when the chunk has none
 * @param modelStart the {@code model} value (its quotes included); -1 when the chunk has none
 * @param usageStart the whole {@code usage} member with the comma that separates it from its neighbour; -1 when the
 *                   chunk has none
 * @param usageNull  whether the {@code usage} member is there and null, as OpenAI sends it in every chunk but the
 *                   last when usage was asked for
 */
public record OpenAiChunkJson(
        byte[] json,
        int bodyStart,
        int bodyEnd,
        int idStart,
        int idEnd,
        int modelStart,
        int modelEnd,
        int usageStart,
        int usageEnd,
        boolean usageNull) {
    private static final byte[] ID_MEMBER = "\"id\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MODEL_MEMBER = "\"model\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_USAGE_MEMBER = ",\"usage\":null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COMMA = {','};

    /**
     * The chunk with its {@code id} and {@code model} values replaced and its {@code usage} member dropped or, with
     * {@code nullUsage}, null (left where it is when it already was, else added as the last member); every other
     * byte as the upstream sent it. A missing {@code id} or {@code model} is added first.
     *
     * @param idJson    the new id, a JSON string with its quotes
     * @param modelJson the new model, a JSON string with its quotes
     */
    public byte[] rewrite(byte[] idJson, byte[] modelJson, boolean nullUsage) {
        boolean keepUsage = nullUsage && usageNull;
        int usageStart = keepUsage ? -1 : this.usageStart;
        boolean addNullUsage = nullUsage && !keepUsage;
        int length = json.length
                + (idStart < 0 ? ID_MEMBER.length + idJson.length + 1 : idJson.length - (idEnd - idStart))
                + (modelStart < 0
                        ? MODEL_MEMBER.length + modelJson.length + 1
                        : modelJson.length - (modelEnd - modelStart))
                - (usageStart < 0 ? 0 : usageEnd - usageStart)
                + (addNullUsage ? NULL_USAGE_MEMBER.length : 0);
        Splice out = new Splice(json, length);
        if (idStart < 0) {
            out.insert(bodyStart, ID_MEMBER, idJson, COMMA);
        }
        if (modelStart < 0) {
            out.insert(bodyStart, MODEL_MEMBER, modelJson, COMMA);
        }
        // The spans never overlap: take them in the order they sit in.
        int done = -1;
        for (int edit = 0; edit < 3; edit++) {
            int next = Integer.MAX_VALUE;
            next = idStart > done && idStart < next ? idStart : next;
            next = modelStart > done && modelStart < next ? modelStart : next;
            next = usageStart > done && usageStart < next ? usageStart : next;
            if (next == Integer.MAX_VALUE) {
                break;
            }
            if (next == idStart) {
                out.replace(idStart, idEnd, idJson);
            } else if (next == modelStart) {
                out.replace(modelStart, modelEnd, modelJson);
            } else {
                out.replace(usageStart, usageEnd, null);
            }
            done = next;
        }
        if (addNullUsage) {
            out.insert(bodyEnd, NULL_USAGE_MEMBER);
        }
        return out.finish();
    }

    /** Copies the source up to each edit, then the edit, in one pass into an array of the exact final length. */
    private static final class Splice {
        private final byte[] source;
        private final byte[] out;
        private int length;
        private int copied;

        Splice(byte[] source, int length) {
            this.source = source;
            this.out = new byte[length];
        }

        void insert(int at, byte[]... parts) {
            copyTo(at);
            for (byte[] part : parts) {
                append(part, 0, part.length);
            }
        }

        void replace(int start, int end, byte[] with) {
            copyTo(start);
            if (with != null) {
                append(with, 0, with.length);
            }
            copied = end;
        }

        byte[] finish() {
            copyTo(source.length);
            return out;
        }

        private void copyTo(int at) {
            if (at > copied) {
                append(source, copied, at - copied);
                copied = at;
            }
        }

        private void append(byte[] bytes, int from, int count) {
            System.arraycopy(bytes, from, out, length, count);
            length += count;
        }
    }
}
