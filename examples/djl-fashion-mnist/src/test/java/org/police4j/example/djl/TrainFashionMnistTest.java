package org.police4j.example.djl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the example at a small size, on the real Fashion-MNIST when the Debian package (or
 * {@code -Dpolice.fashion.dir}) provides it and on generated IDX files otherwise, and checks
 * what it claims: the certificate holds, the fold computes the same outputs, and DJL's own save
 * and load give identical predictions (and refuse another region).
 */
class TrainFashionMnistTest {

    @TempDir Path tmp;

    @Test
    void theExampleCertifiesFoldsAndRoundTrips() throws Exception {
        String configured = System.getProperty("police.fashion.dir", "");
        Path real = configured.isEmpty() ? TrainFashionMnist.DEFAULT_DATA : Paths.get(configured);
        boolean present = FashionMnist.present(real);
        Path data = present ? real : generated(tmp.resolve("idx"), 1200, 400);
        TrainFashionMnist.Options o = TrainFashionMnist.Options.parse(
                "--data", data.toString(), "--size", present ? "2000" : "1200", "--test", present ? "2000" : "400",
                "--epochs", "1", "--seed", "42", "--out", tmp.resolve("out").toString());

        TrainFashionMnist.Outcome r = TrainFashionMnist.run(o);
        System.out.printf("%s data: accuracy plain %.4f, POLICEd %.4f after %d steps; fold max diff %s%n",
                present ? "real" : "generated", r.plainAccuracy(), r.policedAccuracy(), r.steps(), r.foldMaxDiff());

        assertThat(r.certificate().certified()).as(r.certificate().summary()).isTrue();
        assertThat(r.certificate().unitsChecked()).isEqualTo(128 + 64);
        assertThat(r.foldSameClass()).isTrue();
        assertThat(r.foldMaxDiff()).isLessThan(1e-3);
        assertThat(r.reloadIdentical()).isTrue();
        assertThat(r.refusal()).contains("field 'region0.center' differs");
        // both networks learned something (ten classes: chance is 0.1)
        assertThat(r.plainAccuracy()).isGreaterThan(0.5f);
        assertThat(r.policedAccuracy()).isGreaterThan(0.5f);
    }

    /**
     * Ten classes of 28 x 28 images, each a bright horizontal bar at its own height over noise,
     * gzipped IDX files as the real ones.
     */
    static Path generated(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Random rng = new Random(7);
        write(dir, "train", train, rng);
        write(dir, "t10k", test, rng);
        return dir;
    }

    private static void write(Path dir, String split, int n, Random rng) throws IOException {
        byte[] labels = new byte[n];
        byte[] pixels = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(10);
            labels[i] = (byte) k;
            for (int r = 0; r < 28; r++) {
                for (int c = 0; c < 28; c++) {
                    boolean bar = r >= 2 * k + 4 && r < 2 * k + 6;
                    pixels[i * 784 + r * 28 + c] = (byte) (bar ? 200 + rng.nextInt(56) : rng.nextInt(60));
                }
            }
        }
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                Files.newOutputStream(dir.resolve(split + "-images-idx3-ubyte.gz"))))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(28);
            out.writeInt(28);
            out.write(pixels);
        }
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                Files.newOutputStream(dir.resolve(split + "-labels-idx1-ubyte.gz"))))) {
            out.writeInt(0x801);
            out.writeInt(n);
            out.write(labels);
        }
    }
}
