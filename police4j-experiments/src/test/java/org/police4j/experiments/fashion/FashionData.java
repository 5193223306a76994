package org.police4j.experiments.fashion;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the tests look for the real Fashion-MNIST files: {@code -Dpolice.fashion.dir=DIR} (a
 * relative folder is taken from the project root), else the Debian package's folder. Tests that
 * need them skip themselves, with one line on standard output naming the package, when the
 * files are absent; the same code is also tested on generated files ({@link SyntheticIdx}).
 */
final class FashionData {

    /** The Debian package that provides the files. */
    static final String PACKAGE = "dataset-fashion-mnist";

    private FashionData() {}

    /** The configured folder, whether or not it exists. */
    static Path dir() {
        String configured = System.getProperty("police.fashion.dir", "");
        if (configured.isBlank()) {
            return FashionMnist.DEFAULT_DIR;
        }
        Path dir = Path.of(configured);
        String root = System.getProperty("police.root.dir", "");
        if (!dir.isAbsolute() && !root.isBlank()) {
            dir = Path.of(root).resolve(dir); // relative to the project root, not the module
        }
        return dir;
    }

    /**
     * The folder with the four IDX files; if one of them is missing, prints why and aborts the
     * calling test (JUnit reports it as skipped).
     */
    static Path assumePresent(String test) {
        Path dir = dir();
        for (String name : new String[] {
                "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            if (!Files.exists(dir.resolve(name + ".gz")) && !Files.exists(dir.resolve(name))) {
                String why = "no Fashion-MNIST file " + name + "[.gz] in " + dir + "; install the Debian package "
                        + PACKAGE + " (" + IdxReader.INSTALL_HINT + ") or pass -Dpolice.fashion.dir=DIR to run it";
                System.out.println("SKIPPED " + test + ": " + why);
                Assumptions.abort(why);
            }
        }
        return dir;
    }
}
