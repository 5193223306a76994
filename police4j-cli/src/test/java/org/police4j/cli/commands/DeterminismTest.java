package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Same command, same seed, one thread: the same weights, bit for bit. Run twice in one JVM on the
 * settings of the reported divergence (10 standardised features, a 1024-vertex per-feature box
 * through the tracked affine map, full batch, a high learning rate) and on the paper's octagon
 * with the MINIMAL_SHIFT rule. {@code --devices cpu,cpu} (two copies of the network sharing each
 * step's gradient) gives the one-device weights bit for bit; an unknown device name is refused.
 */
class DeterminismTest {

    @TempDir Path dir;

    @Test
    void tenFeatureBoxRegressionTwiceGivesIdenticalWeights() throws IOException {
        Path data = dir.resolve("d.csv");
        Path box = dir.resolve("box.csv");
        writeTenFeatureData(data, box, 120);
        byte[] first = train(data, box.toString(), "a", "--standardize", "--lr", "3e-3");
        byte[] second = train(data, box.toString(), "b", "--standardize", "--lr", "3e-3");
        assertThat(second).isEqualTo(first);
    }

    @Test
    void twoDevicesGiveTheOneDeviceWeights() throws IOException {
        Path data = dir.resolve("d.csv");
        Path box = dir.resolve("box.csv");
        writeTenFeatureData(data, box, 120);
        byte[] one = train(data, box.toString(), "one", "--standardize", "--lr", "3e-3");
        byte[] two = train(data, box.toString(), "two", "--standardize", "--lr", "3e-3", "--devices", "cpu,cpu");
        assertThat(two).isEqualTo(one);
        Cli.Result bad = Cli.inProcess("train", "--data", Cli.path(data), "--target", "progression", "--task",
                "regression", "--region", box.toString(), "--steps", "2", "--devices", "cpu,tpu3", "--quiet",
                "--out", Cli.path(dir.resolve("bad")));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.toString()).contains("--devices: 'tpu3'").contains("expected cpu or gpuN");
        assertThat(dir.resolve("bad")).doesNotExist();
    }

    @Test
    void octagonMinimalShiftTwiceGivesIdenticalWeights() throws IOException {
        Path data = dir.resolve("s.csv");
        Random rng = new Random(2);
        StringBuilder sb = new StringBuilder("x,y,t\n");
        for (int i = 0; i < 200; i++) {
            double x = rng.nextDouble() * 8 - 4;
            double y = rng.nextDouble() * 8 - 4;
            double r = Math.hypot(x, y);
            sb.append(x).append(',').append(y).append(',').append(Math.sin(2 * r + Math.atan2(y, x))).append('\n');
        }
        Files.writeString(data, sb);
        byte[] first = train(data, "octagon", "a", "--sign-rule", "MINIMAL_SHIFT", "--lr", "5e-3");
        byte[] second = train(data, "octagon", "b", "--sign-rule", "MINIMAL_SHIFT", "--lr", "5e-3");
        assertThat(second).isEqualTo(first);
    }

    private byte[] train(Path data, String region, String name, String... extra) throws IOException {
        Path out = dir.resolve(name);
        String target = data.getFileName().toString().startsWith("d") ? "progression" : "t";
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--data", Cli.path(data),
                "--target", target, "--task", "regression", "--region", region, "--hidden", "16,16",
                "--steps", "60", "--batch", "0", "--seed", "0", "--threads", "1", "--quiet", "--samples", "10",
                "--out", Cli.path(out)));
        args.addAll(java.util.List.of(extra));
        Cli.Result r = Cli.inProcess(args.toArray(new String[0]));
        assertThat(r.code()).as(r.toString()).isZero();
        return Files.readAllBytes(out.resolve("parameters.bin"));
    }

    /** A diabetes-like table (10 small-scale features, a target in the hundreds) and its bounding box's 1024 corners. */
    static void writeTenFeatureData(Path data, Path box, int n) throws IOException {
        Random rng = new Random(7);
        String[] cols = {"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"};
        double[] w = new double[cols.length];
        for (int j = 0; j < w.length; j++) {
            w[j] = rng.nextGaussian() * 900;
        }
        double[] lo = new double[cols.length];
        double[] hi = new double[cols.length];
        java.util.Arrays.fill(lo, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        StringBuilder sb = new StringBuilder(String.join(",", cols)).append(",progression\n");
        for (int i = 0; i < n; i++) {
            double y = 152;
            for (int j = 0; j < cols.length; j++) {
                double x = rng.nextGaussian() * 0.05;
                lo[j] = Math.min(lo[j], x);
                hi[j] = Math.max(hi[j], x);
                y += w[j] * x;
                sb.append(x).append(',');
            }
            sb.append(y + rng.nextGaussian() * 50).append('\n');
        }
        Files.writeString(data, sb);
        if (box != null) {
            StringBuilder b = new StringBuilder(String.join(",", cols)).append('\n');
            for (int m = 0; m < 1 << cols.length; m++) {
                for (int j = 0; j < cols.length; j++) {
                    b.append(j == 0 ? "" : ",").append(((m >> j) & 1) == 1 ? hi[j] : lo[j]);
                }
                b.append('\n');
            }
            Files.writeString(box, b);
        }
    }
}
