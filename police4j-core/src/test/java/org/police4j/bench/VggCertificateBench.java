package org.police4j.bench;

import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.VGG;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.conv.PolicedConvNet;
import org.police4j.network.BoundedEval;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.wrap.Policed;

/**
 * The measurement as a program (not a test): DJL's zoo {@code VGG} with conv arch {1, 8},
 * {1, 16} on 1 x 28 x 28 images, POLICEd by {@code Policed.wrap} on the convex hull of three
 * synthetic Fashion-MNIST-sized images, a few training steps timed, then the certificate timed
 * (several runs: medians and spread). Run with one PyTorch thread:
 *
 * <pre>
 * java -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *     -Djava.util.concurrent.ForkJoinPool.common.parallelism=1 -cp ... org.police4j.bench.VggCertificateBench [runs] [steps]
 * </pre>
 *
 * The results are in {@code docs/CERTIFICATE.md}.
 */
public final class VggCertificateBench {

    static final int SIDE = 28;
    static final int D = SIDE * SIDE;
    static final int BATCH = 32;

    private VggCertificateBench() {}

    /**
     * @param args [runs of the certificate, default 3] [training steps, default 6] [mode: "exact" for
     *     the exact map, "nointerior" for no interior points, else the defaults]
     */
    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        boolean exactMap = args.length > 2 && args[2].equals("exact");
        boolean noInterior = args.length > 2 && args[2].equals("nointerior");
        Random rnd = new Random(20);
        float[] data = images(rnd, BATCH);
        double[][] vertices = new double[3][D];
        for (int i = 0; i < 3; i++) {
            for (int p = 0; p < D; p++) {
                vertices[i][p] = data[i * D + p];
            }
        }
        VertexRegion region = VertexRegion.of(vertices);
        float[] labels = new float[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = rnd.nextInt(10);
        }
        Block vgg = VGG.builder().setNumLayers(5).setConvArch(new int[][] {{1, 8}, {1, 16}}).setOutSize(10).build();
        Block wrapped = Policed.wrap((SequentialBlock) vgg, region, new Shape(1, SIDE, SIDE));
        try (Model model = Model.newInstance("vgg-small")) {
            Engine.getInstance().setRandomSeed(20);
            model.setBlock(wrapped);
            NDManager manager = model.getNDManager();
            Loss loss = Loss.softmaxCrossEntropyLoss();
            Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build();
            NDArray x = manager.create(data, new Shape(BATCH, 1, SIDE, SIDE));
            NDArray y = manager.create(labels);
            double[] stepTimes = new double[steps];
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(sgd))) {
                trainer.initialize(new Shape(1, 1, SIDE, SIDE));
                for (int s = 0; s < steps; s++) {
                    long t0 = System.nanoTime();
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                        gc.backward(loss.evaluate(new NDList(y), new NDList(out)));
                    }
                    trainer.step();
                    stepTimes[s] = (System.nanoTime() - t0) / 1e9;
                }
            }
            System.out.printf(Locale.ROOT, "training: %d steps of %d images, %.2f s in all; per step: %s%n",
                    steps, BATCH, Arrays.stream(stepTimes).sum(), stats(stepTimes));
            Certify.Options options = noInterior ? Certify.Options.defaults().optInteriorSamples(0) : Certify.Options.defaults();
            double[] times = new double[runs];
            Certificate cert = null;
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                cert = CertifyCall.policed(wrapped, options, exactMap);
                times[r] = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "certificate run %d: %.2f s, certified=%b, units=%d%n",
                        r, times[r], cert.certified(), cert.unitsChecked());
            }
            System.out.printf(Locale.ROOT, "certificate: %s%n", stats(times));
            double[] folds = new double[runs];
            double[] checks = new double[runs];
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                FoldedNetwork folded = ((PolicedConvNet) wrapped).fold();
                long t1 = System.nanoTime();
                Certify.of(folded, region, exactMap ? options.optExactMap(true) : options);
                folds[r] = (t1 - t0) / 1e9;
                checks[r] = (System.nanoTime() - t1) / 1e9;
            }
            System.out.printf(Locale.ROOT, "of which the fold: %s; the check of the folded network: %s%n",
                    stats(folds), stats(checks));
            // the worst case of one exact fallback: a unit of the last hidden layer from nothing
            // (no proved sides handed in: every earlier value it depends on computed exactly)
            FoldedNetwork folded = ((PolicedConvNet) wrapped).fold();
            int decided = 0;
            for (double[] vertex : vertices) {
                decided += new BoundedEval(folded).pattern(vertex) != null ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "vertices whose every unit and window the bound decided: %d of %d%n",
                    decided, vertices.length);
            int last = folded.layers().size() - 2; // the last activation
            double[] fallback = new double[runs];
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                new ExactEval(folded).point(vertices[0]).value(last - 1, r);
                fallback[r] = (System.nanoTime() - t0) / 1e9;
            }
            System.out.printf(Locale.ROOT, "one unit of the last hidden layer in exact arithmetic, nothing proved: %s%n",
                    stats(fallback));
            System.out.print(cert.summary());
        }
    }

    /** Smooth random images in [0, 1] (blobs), Fashion-MNIST's size. */
    static float[] images(Random rnd, int n) {
        float[] out = new float[n * D];
        for (int i = 0; i < n; i++) {
            double cx = 8 + 12 * rnd.nextDouble();
            double cy = 8 + 12 * rnd.nextDouble();
            double r = 4 + 6 * rnd.nextDouble();
            for (int p = 0; p < D; p++) {
                double dx = p % SIDE - cx;
                double dy = p / SIDE - cy;
                double v = Math.exp(-(dx * dx + dy * dy) / (2 * r * r)) + 0.05 * rnd.nextDouble();
                out[i * D + p] = (float) Math.min(1, v);
            }
        }
        return out;
    }

    static String stats(double[] t) {
        double[] s = t.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "median %.3f s (min %.3f, max %.3f, n=%d)", s[s.length / 2], s[0],
                s[s.length - 1], s.length);
    }
}
