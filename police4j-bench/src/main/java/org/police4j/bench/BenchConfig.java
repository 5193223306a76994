package org.police4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;

/**
 * One Table 1 setting, written {@code D:L:W} (input dimension, hidden layers, width), and the
 * data the paper times it on: N = 1024 rows x ~ N(0, I)/sqrt(D), target cos(5 ||x||) centred and
 * divided by its largest absolute value, one output, simplex region with P = D + 1 vertices.
 */
record BenchConfig(int inputDimension, int layers, int width) {

    /** The paper's batch size. */
    static final int BATCH = 1024;

    /** Seed of the data and of the engine (so both variants start from the same weights). */
    static final long SEED = 42L;

    static BenchConfig parse(String spec) {
        String[] parts = spec.split(":");
        if (parts.length != 3) {
            throw new IllegalArgumentException("config: '" + spec + "', expected D:L:W, e.g. 2:4:64");
        }
        BenchConfig c =
                new BenchConfig(
                        Integer.parseInt(parts[0].trim()),
                        Integer.parseInt(parts[1].trim()),
                        Integer.parseInt(parts[2].trim()));
        if (c.inputDimension <= 0 || c.layers <= 0 || c.width <= 0) {
            throw new IllegalArgumentException("config: '" + spec + "', all of D, L, W must be > 0");
        }
        return c;
    }

    int[] hidden() {
        int[] h = new int[layers];
        Arrays.fill(h, width);
        return h;
    }

    /** P: the simplex has D + 1 vertices. */
    int vertices() {
        return inputDimension + 1;
    }

    /** rows x D inputs, N(0, I)/sqrt(D), from a fixed seed. */
    NDArray inputs(NDManager manager, int rows) {
        Random random = new Random(SEED);
        float[] x = new float[rows * inputDimension];
        double scale = 1.0 / Math.sqrt(inputDimension);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * scale);
        }
        return manager.create(x, new Shape(rows, inputDimension));
    }

    /** N x 1 targets cos(5 ||x||), centred, divided by the largest absolute value. */
    static NDArray targets(NDArray x) {
        float[] flat = x.toFloatArray();
        int rows = (int) x.getShape().get(0);
        int d = (int) x.getShape().get(1);
        double[] y = new double[rows];
        double mean = 0;
        for (int r = 0; r < rows; r++) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double v = flat[r * d + j];
                sq += v * v;
            }
            y[r] = Math.cos(5 * Math.sqrt(sq));
            mean += y[r] / rows;
        }
        double max = 0;
        for (int r = 0; r < rows; r++) {
            y[r] -= mean;
            max = Math.max(max, Math.abs(y[r]));
        }
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = (float) (max > 0 ? y[r] / max : y[r]);
        }
        return x.getManager().create(out, new Shape(rows, 1));
    }

    /** Warns (once per trial, on standard error) when the allocator environment is missing. */
    static void checkEnvironment() {
        String[] names = {
            "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"
        };
        StringBuilder missing = new StringBuilder();
        for (String name : names) {
            if (System.getenv(name) == null) {
                missing.append(' ').append(name);
            }
        }
        if (missing.length() > 0) {
            System.err.println(
                    "[police4j-bench] warning: not set:" + missing
                            + " (see police4j-bench/README.md; both variants must run with the same environment)");
        }
    }
}
