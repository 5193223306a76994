package org.police4j.experiments.fashion;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.police4j.cli.data.InputException;

/**
 * Reads the IDX files of (Fashion-)MNIST, plain or gzipped (recognised by the gzip header, so a
 * {@code .gz} name is not required), in plain Java.
 *
 * <p>Format (big-endian): a magic number {@code 0x0000TTNN} where TT is the element type
 * ({@code 0x08}: unsigned byte, the only type read here) and NN the number of dimensions, then NN
 * 32-bit sizes, then the elements in row-major order. Images are {@code 0x00000803} (N x rows x
 * cols), labels {@code 0x00000801} (N).
 *
 * <p>Every problem is an {@link InputException} naming the file: a missing file (with the Debian
 * package that provides it), a wrong magic number, a file shorter than its header announces.
 */
public final class IdxReader {

    /** Magic number of an unsigned-byte IDX file with 3 dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;

    /** Magic number of an unsigned-byte IDX file with 1 dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    /** How to get the data on Debian/Ubuntu. */
    public static final String INSTALL_HINT = "apt-get install dataset-fashion-mnist";

    private IdxReader() {}

    /**
     * An unsigned-byte IDX array.
     *
     * @param dims the sizes, outermost first
     * @param data the elements, row-major, as unsigned values in a byte array (use {@code & 0xff})
     */
    public record IdxArray(int[] dims, byte[] data) {}

    /**
     * Images, scaled to [0, 1] (pixel / 255), one row of rows*cols values per image.
     *
     * @param file an IDX3 unsigned-byte file, plain or gzipped
     * @param limit read at most this many images (the first ones); negative for all
     */
    public static float[][] readImages(Path file, int limit) {
        IdxArray a = read(file, IMAGES_MAGIC, limit);
        int n = a.dims()[0];
        int d = a.dims()[1] * a.dims()[2];
        float[][] out = new float[n][d];
        byte[] data = a.data();
        for (int i = 0; i < n; i++) {
            float[] row = out[i];
            int base = i * d;
            for (int j = 0; j < d; j++) {
                row[j] = (data[base + j] & 0xff) / 255f;
            }
        }
        return out;
    }

    /**
     * Labels as integers 0..255.
     *
     * @param file an IDX1 unsigned-byte file, plain or gzipped
     * @param limit read at most this many labels (the first ones); negative for all
     */
    public static int[] readLabels(Path file, int limit) {
        IdxArray a = read(file, LABELS_MAGIC, limit);
        int[] out = new int[a.dims()[0]];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.data()[i] & 0xff;
        }
        return out;
    }

    /**
     * Reads an unsigned-byte IDX file with the given magic number.
     *
     * @param file the file, plain or gzipped
     * @param expectedMagic {@link #IMAGES_MAGIC}, {@link #LABELS_MAGIC} or another 0x000008NN
     * @param limit read at most this many items along the first dimension; negative for all
     * @return the sizes (the first one reduced to what was read) and the elements
     */
    public static IdxArray read(Path file, int expectedMagic, int limit) {
        if (!Files.exists(file)) {
            throw new InputException(file + ": no such file; the Fashion-MNIST IDX files come with the Debian"
                    + " package dataset-fashion-mnist (" + INSTALL_HINT + "), or give their directory with --data-dir");
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(open(file), 1 << 16))) {
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException e) {
                throw new InputException(file + ": truncated IDX file (shorter than its 4-byte magic number)");
            }
            if (magic != expectedMagic) {
                throw new InputException(String.format(java.util.Locale.ROOT,
                        "%s: bad magic number 0x%08X, expected 0x%08X (%s); not an IDX file of the expected kind",
                        file, magic, expectedMagic, describe(expectedMagic)));
            }
            int rank = magic & 0xff;
            int[] dims = new int[rank];
            long total = 1;
            for (int k = 0; k < rank; k++) {
                try {
                    dims[k] = in.readInt();
                } catch (EOFException e) {
                    throw new InputException(file + ": truncated IDX header (" + k + " of " + rank + " sizes present)");
                }
                if (dims[k] < 0) {
                    throw new InputException(file + ": size " + k + " is negative (" + dims[k] + "); corrupt IDX header");
                }
            }
            int n = dims.length == 0 ? 1 : dims[0];
            if (limit >= 0 && dims.length > 0 && limit < n) {
                n = limit;
                dims[0] = n;
            }
            long itemSize = 1;
            for (int k = 1; k < rank; k++) {
                itemSize *= dims[k];
            }
            total = n * itemSize;
            if (total > Integer.MAX_VALUE - 16) {
                throw new InputException(file + ": " + total + " elements are too many to read at once");
            }
            byte[] data = new byte[(int) total];
            int got = in.readNBytes(data, 0, data.length);
            if (got < data.length) {
                throw new InputException(file + ": truncated IDX file: the header announces " + total
                        + " bytes of data" + (limit >= 0 ? " (for the first " + n + " items)" : "")
                        + ", only " + got + " follow");
            }
            return new IdxArray(dims, data);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file (" + INSTALL_HINT + ")", e);
        } catch (EOFException | ZipException e) {
            throw new InputException(file + ": truncated or corrupt gzip stream (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new InputException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new GZIPInputStream(raw, 1 << 16);
        }
        return raw;
    }

    private static String describe(int magic) {
        if (magic == IMAGES_MAGIC) {
            return "unsigned-byte images, 3 dimensions";
        }
        if (magic == LABELS_MAGIC) {
            return "unsigned-byte labels, 1 dimension";
        }
        return "unsigned bytes, " + (magic & 0xff) + " dimensions";
    }
}
