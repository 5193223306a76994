package org.police4j.experiments.fashion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.police4j.cli.data.InputException;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017) from its four IDX files: 60000 training and 10000
 * test images of 28 x 28 grey pixels, 10 classes. Pixels are scaled to [0, 1].
 *
 * @param trainImages N x 784
 * @param trainLabels N class indices
 * @param testImages M x 784
 * @param testLabels M class indices
 */
public record FashionMnist(float[][] trainImages, int[] trainLabels, float[][] testImages, int[] testLabels) {

    /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Image side. */
    public static final int SIDE = 28;

    /** The class names, by index. */
    public static final List<String> CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * Loads the first {@code trainLimit} training and {@code testLimit} test items (negative: all).
     *
     * @param dir the directory with {@code train-images-idx3-ubyte[.gz]} and the three others
     */
    public static FashionMnist load(Path dir, int trainLimit, int testLimit) {
        if (!Files.isDirectory(dir)) {
            throw new InputException("Fashion-MNIST directory " + dir + " does not exist; install the Debian package"
                    + " dataset-fashion-mnist (" + IdxReader.INSTALL_HINT + ") or give the directory with --data-dir");
        }
        float[][] trX = IdxReader.readImages(file(dir, "train-images-idx3-ubyte"), trainLimit);
        int[] trY = IdxReader.readLabels(file(dir, "train-labels-idx1-ubyte"), trainLimit);
        float[][] teX = IdxReader.readImages(file(dir, "t10k-images-idx3-ubyte"), testLimit);
        int[] teY = IdxReader.readLabels(file(dir, "t10k-labels-idx1-ubyte"), testLimit);
        check(trX, trY, dir, "train");
        check(teX, teY, dir, "t10k");
        return new FashionMnist(trX, trY, teX, teY);
    }

    /** {@code name.gz} if present, else {@code name} (whose absence is reported by the reader). */
    static Path file(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        return Files.exists(gz) ? gz : dir.resolve(name);
    }

    private static void check(float[][] x, int[] y, Path dir, String which) {
        if (x.length != y.length) {
            throw new InputException(dir + ": " + which + " has " + x.length + " images but " + y.length + " labels");
        }
        if (x.length > 0 && x[0].length != SIDE * SIDE) {
            throw new InputException(dir + ": " + which + " images have " + x[0].length + " pixels, expected " + SIDE * SIDE);
        }
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= CLASSES.size()) {
                throw new InputException(dir + ": " + which + " label " + i + " is " + y[i] + ", expected 0..9");
            }
        }
    }
}
