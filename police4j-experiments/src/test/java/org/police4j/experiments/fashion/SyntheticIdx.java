package org.police4j.experiments.fashion;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a tiny Fashion-MNIST look-alike, so the IDX reader and the {@code fashion} pipeline are
 * tested on a machine without the Debian data set: 28 x 28 grey images of three easily told apart
 * classes (a vertical bar, a horizontal bar, a centred square) on seeded noise, labels 0, 1, 2 in
 * turn. Training files are gzipped, test files plain, as both occur in practice.
 */
final class SyntheticIdx {

    /** The number of classes drawn. */
    static final int CLASSES = 3;

    private SyntheticIdx() {}

    /** The pixels of image {@code i} (class {@code i % 3}), row-major, unsigned bytes. */
    static byte[] image(int i, Random random) {
        int side = FashionMnist.SIDE;
        byte[] px = new byte[side * side];
        int label = i % CLASSES;
        int offset = random.nextInt(5) - 2; // the shape moves by up to 2 pixels
        for (int r = 0; r < side; r++) {
            for (int c = 0; c < side; c++) {
                boolean on = switch (label) {
                    case 0 -> Math.abs(c - 14 - offset) <= 2;
                    case 1 -> Math.abs(r - 14 - offset) <= 2;
                    default -> Math.abs(r - 14 - offset) <= 6 && Math.abs(c - 14 - offset) <= 6;
                };
                int v = (on ? 200 : 20) + random.nextInt(40);
                px[r * side + c] = (byte) v;
            }
        }
        return px;
    }

    /** The label of image {@code i}. */
    static int label(int i) {
        return i % CLASSES;
    }

    /** Writes the four files into {@code dir} (created if needed) and returns it. */
    static Path write(Path dir, int train, int test, long seed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(seed);
        writeSet(dir, "train", train, true, random);
        writeSet(dir, "t10k", test, false, random);
        return dir;
    }

    private static void writeSet(Path dir, String prefix, int n, boolean gzip, Random random) throws IOException {
        String suffix = gzip ? ".gz" : "";
        int side = FashionMnist.SIDE;
        try (DataOutputStream images = open(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), gzip);
                DataOutputStream labels = open(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), gzip)) {
            images.writeInt(IdxReader.IMAGES_MAGIC);
            images.writeInt(n);
            images.writeInt(side);
            images.writeInt(side);
            labels.writeInt(IdxReader.LABELS_MAGIC);
            labels.writeInt(n);
            for (int i = 0; i < n; i++) {
                images.write(image(i, random));
                labels.writeByte(label(i));
            }
        }
    }

    private static DataOutputStream open(Path file, boolean gzip) throws IOException {
        OutputStream out = Files.newOutputStream(file);
        return new DataOutputStream(gzip ? new GZIPOutputStream(out) : out);
    }
}
