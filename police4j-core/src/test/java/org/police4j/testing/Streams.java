package org.police4j.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.police4j.nn.BlockRecord;

/** Parameter streams as police4j wrote them before the {@link BlockRecord}, made from today's. */
public final class Streams {

    private Streams() {}

    /**
     * The version-1 stream of the same parameters: the block's version byte set to 1, its input
     * shapes, the parameters as DJL writes them; no record, no CRC.
     *
     * @param v2 bytes holding one POLICEd block's stream (possibly after a file header)
     * @param blockStart the index of the block's version byte in {@code v2}
     * @return the old form of the same bytes
     */
    public static byte[] withoutRecord(byte[] v2, int blockStart) {
        int recordAt = indexOf(v2, BlockRecord.MAGIC_TEXT.getBytes(StandardCharsets.US_ASCII));
        if (v2[blockStart] != 2 || recordAt < blockStart) {
            throw new AssertionError("not a version-2 block stream at " + blockStart);
        }
        int length = ByteBuffer.wrap(v2, recordAt + 8, 4).getInt();
        int paramsAt = recordAt + 12 + length + 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(v2, 0, blockStart);
        out.write(1);
        out.write(v2, blockStart + 1, recordAt - blockStart - 1);
        out.write(v2, paramsAt, v2.length - 8 - paramsAt);
        return out.toByteArray();
    }

    /**
     * The first index of {@code needle} in {@code haystack}.
     *
     * @param haystack the bytes searched
     * @param needle the bytes looked for
     * @return the index
     * @throws AssertionError if absent
     */
    public static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found: " + new String(needle, StandardCharsets.US_ASCII));
    }
}
