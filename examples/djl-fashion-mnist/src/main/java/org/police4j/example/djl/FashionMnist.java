package org.police4j.example.djl;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST from its four IDX files (plain or gzipped), the first {@code limit} examples of
 * each split, pixels scaled to [0, 1]. Written for this example (user code): DJL's own {@code
 * FashionMnist} dataset downloads, and the example must run offline.
 *
 * @param trainImages training images, one row of 28 * 28 pixels each
 * @param trainLabels their labels, 0 to 9
 * @param testImages test images
 * @param testLabels their labels
 */
public record FashionMnist(float[][] trainImages, int[] trainLabels, float[][] testImages, int[] testLabels) {

    /** The ten classes, in label order. */
    public static final String[] CLASSES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    };

    /** Image side, in pixels. */
    public static final int SIDE = 28;

    /**
     * Reads the first examples of both splits.
     *
     * @param dir the directory with {@code train-images-idx3-ubyte[.gz]} and the three others
     * @param trainLimit how many training examples to read (at most)
     * @param testLimit how many test examples to read (at most)
     * @return the data
     * @throws IOException if a file is missing or not an IDX file of the expected kind
     */
    public static FashionMnist read(Path dir, int trainLimit, int testLimit) throws IOException {
        return new FashionMnist(
                images(file(dir, "train-images-idx3-ubyte"), trainLimit),
                labels(file(dir, "train-labels-idx1-ubyte"), trainLimit),
                images(file(dir, "t10k-images-idx3-ubyte"), testLimit),
                labels(file(dir, "t10k-labels-idx1-ubyte"), testLimit));
    }

    /**
     * Whether {@code dir} holds the four files.
     *
     * @param dir the directory
     * @return true if every file is there, plain or gzipped
     */
    public static boolean present(Path dir) {
        for (String name : new String[] {
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            if (!Files.isRegularFile(dir.resolve(name)) && !Files.isRegularFile(dir.resolve(name + ".gz"))) {
                return false;
            }
        }
        return true;
    }

    private static Path file(Path dir, String name) throws IOException {
        Path plain = dir.resolve(name);
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new IOException(plain + "[.gz] not found; on Debian/Ubuntu: apt-get install dataset-fashion-mnist,"
                + " or pass the directory that holds the IDX files");
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        if (file.toString().endsWith(".gz")) {
            in = new GZIPInputStream(in);
        }
        return new DataInputStream(in);
    }

    private static float[][] images(Path file, int limit) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new IOException(file + ": magic 0x" + Integer.toHexString(magic) + ", expected 0x803 (images)");
            }
            int n = Math.min(in.readInt(), limit);
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows != SIDE || cols != SIDE) {
                throw new IOException(file + ": images of " + rows + " x " + cols + ", expected 28 x 28");
            }
            byte[] pixels = new byte[rows * cols];
            float[][] out = new float[n][pixels.length];
            for (int i = 0; i < n; i++) {
                in.readFully(pixels);
                for (int j = 0; j < pixels.length; j++) {
                    out[i][j] = (pixels[j] & 0xff) / 255f;
                }
            }
            return out;
        }
    }

    private static int[] labels(Path file, int limit) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000801) {
                throw new IOException(file + ": magic 0x" + Integer.toHexString(magic) + ", expected 0x801 (labels)");
            }
            int[] out = new int[Math.min(in.readInt(), limit)];
            for (int i = 0; i < out.length; i++) {
                out[i] = in.readUnsignedByte();
            }
            return out;
        }
    }
}
