package org.police4j.conv;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.nn.PolicedNetwork;
import org.police4j.testing.Barycentric;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Nets;

/**
 * A small CNN on 28x28 synthetic images (class 0: a horizontal stroke, class 1: a vertical
 * stroke, both noisy), POLICEd on an l1-ball-like region around one image (8 pixels perturbed by
 * +/-0.25, 16 vertices), trained 100 AdamW steps (batch 32) with DJL's Trainer: it trains, it certifies, it
 * folds.
 */
class TrainedCnnTest {

    static final int N = 256;
    static final int SIDE = 28;
    static final int D = SIDE * SIDE;

    /** Pixel values are multiples of 1/64: exact and short for the certificate. */
    static float[] images(int n, float[] labels, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * D];
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            labels[i] = label;
            int line = 6 + rng.nextInt(16);
            int from = 2 + rng.nextInt(8);
            int to = 18 + rng.nextInt(8);
            for (int p = 0; p < D; p++) {
                x[i * D + p] = Math.round(Math.abs(rng.nextGaussian()) * 0.25 * 64) / 64f;
            }
            for (int t = from; t <= to; t++) {
                for (int w = 0; w < 1; w++) {
                    int r = label == 0 ? line + w : t;
                    int c = label == 0 ? t : line + w;
                    x[i * D + r * SIDE + c] = Math.min(1f, x[i * D + r * SIDE + c] + 0.5f + rng.nextInt(16) / 64f);
                }
            }
        }
        return x;
    }

    static VertexRegion region(float[] x, int image) {
        int[] pixels = {13 * SIDE + 13, 13 * SIDE + 14, 14 * SIDE + 13, 14 * SIDE + 14, 7 * SIDE + 20, 20 * SIDE + 7, 10 * SIDE + 16, 17 * SIDE + 11};
        double[] centre = new double[D];
        for (int p = 0; p < D; p++) {
            centre[p] = x[image * D + p];
        }
        double[][] v = new double[2 * pixels.length][];
        for (int i = 0; i < pixels.length; i++) {
            v[2 * i] = centre.clone();
            v[2 * i][pixels[i]] += 0.25;
            v[2 * i + 1] = centre.clone();
            v[2 * i + 1][pixels[i]] -= 0.25;
        }
        return VertexRegion.of("8-pixel l1 ball r=0.25", v);
    }

    @Test
    void trainsCertifiesAndFolds() throws Exception {
        float[] labels = new float[N];
        float[] data = images(N, labels, 2023);
        VertexRegion region = region(data, 0);
        PolicedConvNet net =
                PolicedConvNet.builder()
                        .setInput(1, SIDE, SIDE)
                        .conv(4, 3)
                        .batchNorm()
                        .maxPool(2, 2)
                        .conv(8, 3)
                        .globalAvgPool()
                        .dense(16)
                        .outputs(2)
                        .setRegion(region)
                        .build();
        try (Model model = Model.newInstance("police-cnn")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(7);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIDE, SIDE));
            model.setBlock(net);
            NDArray x = manager.create(data, new Shape(N, 1, SIDE, SIDE));
            NDArray y = manager.create(labels, new Shape(N));
            Loss loss = Loss.softmaxCrossEntropyLoss();
            int steps = 100;
            double[] losses = new double[steps];
            long[] stepNanos = new long[steps];
            long start = System.nanoTime();
            train(model, x, y, losses, stepNanos);
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            double first = mean(losses, 0, 10);
            double last = mean(losses, steps - 10, steps);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray logits = net.forward(ps, new NDList(x), false).head();
            double accuracy = accuracy(logits, labels);
            float[] testLabels = new float[200];
            NDArray xt = manager.create(images(200, testLabels, 99), new Shape(200, 1, SIDE, SIDE));
            double testAccuracy = accuracy(net.forward(ps, new NDList(xt), false).head(), testLabels);

            long f0 = System.nanoTime();
            FoldedNetwork folded = net.fold();
            var plain = folded.block(manager);
            double foldMs = (System.nanoTime() - f0) / 1e6;
            float[] constrained = logits.toFloatArray();
            float[] plainOut = plain.forward(ps, new NDList(x), false).head().toFloatArray();
            double foldError = PolicedConvNetProperties.normwise(plainOut, constrained);

            // inference timing, constrained (with vertex rows) vs folded, whole training set
            long i0 = System.nanoTime();
            for (int r = 0; r < 5; r++) {
                net.forward(ps, new NDList(x), false).head().toFloatArray();
            }
            long i1 = System.nanoTime();
            for (int r = 0; r < 5; r++) {
                plain.forward(ps, new NDList(x), false).head().toFloatArray();
            }
            long i2 = System.nanoTime();

            double[][] interior = Barycentric.combine(
                    Barycentric.lambdas(16, region.vertexCount(), new Random(3)), region.vertices());
            PolicedNetwork.Trace t = net.forwardWithTrace(ps, Nets.matrix(manager, interior), false);
            Barycentric.assertInterpolates(
                    Nets.rows(t.outputs()), Nets.rows(t.vertexOutputs()), lambdasAgain(region), "trained CNN");
            // reference: the folded network's plain structure (DJL Conv2d, PositionBias, pool, Linear;
            // no batch-norm, no vertex rows) trained the same way for 30 steps
            long[] plainNanos = new long[30];
            try (Model plainModel = Model.newInstance("plain-cnn")) {
                plainModel.setBlock(folded.block(plainModel.getNDManager()));
                train(plainModel, x, y, new double[30], plainNanos);
            }
            Arrays.sort(plainNanos);
            long c0 = System.nanoTime();
            Certificate cert = Certifier.certify(folded, region.vertices(), interior);
            double certSeconds = (System.nanoTime() - c0) / 1e9;

            long[] sorted = stepNanos.clone();
            Arrays.sort(sorted);
            System.out.printf(
                    "trained CNN 1x28x28 conv4-bn-pool2-conv8-gap-dense16-2, P=%d: loss first10 %.4f -> last10 %.4f,"
                            + " train acc %.3f, test acc %.3f, %d steps in %.2f s (median step %.1f ms)%n",
                    region.vertexCount(), first, last, accuracy, testAccuracy, steps, trainSeconds, sorted[steps / 2] / 1e6);
            System.out.printf(
                    "unconstrained plain CNN (same convs/pool/dense, no BN): median step %.1f ms%n", plainNanos[15] / 1e6);
            System.out.printf(
                    "fold: %.1f ms, normwise error %.3g; inference N=%d x5: constrained %.1f ms, folded %.1f ms%n",
                    foldMs, foldError, N, (i1 - i0) / 1e6, (i2 - i1) / 1e6);
            System.out.printf("certificate: %.2f s%n%s", certSeconds, cert.summary());

            assertThat(last).as("loss decreases").isLessThan(0.5 * first);
            assertThat(accuracy).isGreaterThan(0.9);
            assertThat(foldError).isLessThanOrEqualTo(1e-6);
            assertThat(cert.certified()).as(cert.summary()).isTrue();
            assertThat(cert.interiorDeviation()).isLessThan(1e-4);
        }
    }

    /** AdamW (lr 0.01), batch 32 drawn with a fixed seed, DJL's Trainer; fills losses and step times. */
    static void train(Model model, NDArray x, NDArray y, double[] losses, long[] stepNanos) {
        Loss loss = Loss.softmaxCrossEntropyLoss();
        Optimizer adamW = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.01f)).build();
        int batch = 32;
        NDManager manager = x.getManager();
        Random rng = new Random(1);
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adamW))) {
            for (int s = 0; s < losses.length; s++) {
                long t0 = System.nanoTime();
                long[] idx = new long[batch];
                for (int i = 0; i < batch; i++) {
                    idx[i] = rng.nextInt(N);
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray pick = manager.create(idx);
                    NDArray xb = x.get(pick);
                    NDArray yb = y.get(pick);
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray out = trainer.forward(new NDList(xb)).singletonOrThrow();
                        NDArray l = loss.evaluate(new NDList(yb), new NDList(out));
                        losses[s] = l.getFloat();
                        gc.backward(l);
                    }
                }
                trainer.step();
                stepNanos[s] = System.nanoTime() - t0;
            }
        }
    }

    static double[][] lambdasAgain(VertexRegion region) {
        return Barycentric.lambdas(16, region.vertexCount(), new Random(3));
    }

    static double mean(double[] a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s / (to - from);
    }

    static double accuracy(NDArray logits, float[] labels) {
        float[] l = logits.toFloatArray();
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            int predicted = l[2 * i + 1] > l[2 * i] ? 1 : 0;
            right += predicted == (int) labels[i] ? 1 : 0;
        }
        return (double) right / labels.length;
    }
}
