package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Supplier;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.certify.Certify;
import org.police4j.conv.ConvFold;
import org.police4j.conv.PolicedConvNet;
import org.police4j.io.ModelIo;
import org.police4j.network.DoubleEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.Box;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Barycentric;
import org.police4j.testing.InputRegions;
import org.police4j.testing.Nets;

/**
 * One DJL user's conv network through every door a user takes, with the properties each must
 * keep: its plain fold ({@code Certify.plain}'s form) computes the user's network; POLICEd, it
 * trains a few steps with DJL's Trainer, its fold certifies exactly on the region, interior points
 * are the barycentric interpolation of the vertex outputs and the certificate's affine map, the
 * fold matches the wrapper's outputs, and DJL's {@code Model.save}/{@code load} and {@link ModelIo}
 * give back the same outputs bit for bit.
 *
 * @param name for messages and files
 * @param network builds a fresh, uninitialised copy of the user's network
 * @param input one item's shape (C, H, W)
 */
record WrapCase(String name, Supplier<SequentialBlock> network, Shape input) {

    /** What one run measured, for the evidence. */
    record Outcome(int steps, float firstLoss, float lastLoss, int unitsChecked, double foldMaxDiff) {}

    int dimension() {
        return (int) input.size();
    }

    float[] images(int n, long seed) {
        return InputRegions.grid64(n, dimension(), seed);
    }

    /** Image 0 with two pixels moved by +-1/4: a 4-vertex l1 ball. */
    VertexRegion region(float[] data) {
        int d = dimension();
        return InputRegions.cross(data, d, name + " region", d / 3, 2 * d / 3 + 1);
    }

    /** The user's initialised network and the plain fold of its wrapper compute the same outputs. */
    void plainFoldIsTheUsersNetwork() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(5);
            SequentialBlock user = network.get();
            user.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(input));
            float[] data = images(6, 11);
            NDArray x = manager.create(data, new Shape(6).addAll(input));
            float[] expected = user.forward(new ParameterStore(manager, false), new NDList(x), false).head().toFloatArray();
            FoldedNetwork plain = ConvFold.plain((PolicedConvNet) Policed.wrap(user, region(data), input));
            int k = expected.length / 6;
            for (int i = 0; i < 6; i++) {
                double[] y = DoubleEval.evaluate(plain, row(data, i));
                for (int j = 0; j < k; j++) {
                    assertThat(y[j]).as("%s: image %d output %d, plain fold vs the user's network", name, i, j)
                            .isCloseTo(expected[i * k + j], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(expected[i * k + j]))));
                }
            }
        }
    }

    /**
     * Trains the POLICEd wrapper {@code steps} steps, then checks the certificate, interpolation,
     * fold and both save/load paths.
     *
     * @param dir a temporary directory
     * @param steps training steps
     * @return what was measured
     * @throws Exception on an I/O failure
     */
    Outcome trainCertifySave(Path dir, int steps) throws Exception {
        int n = 16;
        int d = dimension();
        float[] data = images(n, 3);
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            float left = 0;
            for (int p = 0; p < d; p++) {
                left += (p % (int) input.get(input.dimension() - 1) < input.get(input.dimension() - 1) / 2 ? 1 : -1)
                        * data[i * d + p];
            }
            labels[i] = left > 0 ? 0 : 1;
        }
        VertexRegion region = region(data);
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(network.get(), region, input);
        try (Model model = Model.newInstance(name)) {
            Engine.getInstance().setRandomSeed(9);
            model.setBlock(net);
            NDManager manager = model.getNDManager();
            NDArray x = manager.create(data, new Shape(n).addAll(input));
            NDArray y = manager.create(labels);
            float[] losses = train(model, x, y, steps);
            float first = losses[0];
            float last = losses[steps - 1];
            assertThat(last).as("%s: loss after %d steps, from %s", name, steps, first).isLessThan(first);

            FoldedNetwork folded = net.fold();
            double[][] vertices = region.vertices();
            double[][] weights = Barycentric.lambdas(5, vertices.length, new Random(4));
            double[][] interior = Barycentric.combine(weights, vertices);
            Certificate cert = Certifier.certify(folded, vertices, interior);
            assertThat(cert.certified()).as("%s: %s", name, cert.summary()).isTrue();

            ParameterStore ps = new ParameterStore(manager, false);
            double[][] vertexOut = Nets.rows(net.forward(ps, new NDList(Nets.matrix(manager, vertices)), false).head());
            double[][] inside = Nets.rows(net.forward(ps, new NDList(Nets.matrix(manager, interior)), false).head());
            Barycentric.assertInterpolates(inside, vertexOut, weights, name);
            for (int i = 0; i < interior.length; i++) {
                double[] affine = cert.apply(interior[i]);
                for (int k = 0; k < affine.length; k++) {
                    assertThat(Math.abs(inside[i][k] - affine[k])).as("%s: interior %d output %d vs the affine map", name, i, k)
                            .isLessThan(1e-4 * (1 + Math.abs(affine[k])));
                }
            }

            float[] trained = net.forward(ps, new NDList(x), false).head().toFloatArray();
            int k = trained.length / n;
            double foldDiff = 0;
            for (int i = 0; i < n; i++) {
                double[] f = DoubleEval.evaluate(folded, row(data, i));
                for (int j = 0; j < k; j++) {
                    foldDiff = Math.max(foldDiff, Math.abs(f[j] - trained[i * k + j]));
                }
            }
            assertThat(foldDiff).as("%s: fold vs wrapper, max |diff|", name).isLessThan(1e-4);

            Path djl = dir.resolve(name + "-djl");
            model.save(djl, name);
            PolicedConvNet fresh = (PolicedConvNet) Policed.wrap(network.get(), region, input);
            try (Model again = Model.newInstance(name)) {
                again.setBlock(fresh);
                again.load(djl, name);
                assertThat(fresh.forward(ps, new NDList(x), false).head().toFloatArray())
                        .as("%s: DJL save/load", name).isEqualTo(trained);
            }
            Path io = dir.resolve(name + "-io");
            ModelIo.save(net, io, null);
            PolicedConvNet loaded = ModelIo.load(io, manager).convNet();
            assertThat(loaded.stages()).isEqualTo(net.stages());
            assertThat(loaded.forward(ps, new NDList(x), false).head().toFloatArray())
                    .as("%s: ModelIo save/load", name).isEqualTo(trained);
            return new Outcome(steps, first, last, cert.unitsChecked(), foldDiff);
        }
    }

    /**
     * The user's initialised network POLICEd on a box around an image (a region given by its
     * support: the tracked affine map, the support certificate) certifies.
     *
     * @param radius the box's half-width
     * @return the certificate
     */
    Certificate boxCertifies(double radius) {
        float[] image = images(1, 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            SequentialBlock user = network.get();
            user.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(input));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, Box.linf(row(image, 0), radius), input);
            Certificate cert = Certify.policed(net);
            assertThat(cert.certified()).as("%s on a box of radius %s: %s", name, radius, cert.summary()).isTrue();
            assertThat(cert.kind()).isEqualTo(Certificate.Kind.SUPPORT_BOUND);
            return cert;
        }
    }

    /**
     * Trains the POLICEd wrapper on a box around an image (the shifts, pool shifts included, from
     * the tracked affine map, differentiated) a few steps; it certifies after training.
     *
     * @param radius the box's half-width
     * @param steps training steps
     * @return the certificate after training
     */
    Certificate trainOnBox(double radius, int steps) {
        int n = 8;
        float[] data = images(n, 5);
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
        }
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(network.get(), Box.linf(row(data, 0), radius), input);
        try (Model model = Model.newInstance(name + "-box")) {
            Engine.getInstance().setRandomSeed(9);
            model.setBlock(net);
            NDManager manager = model.getNDManager();
            train(model, manager.create(data, new Shape(n).addAll(input)), manager.create(labels), steps);
            Certificate cert = Certify.policed(net);
            assertThat(cert.certified()).as("%s trained on a box: %s", name, cert.summary()).isTrue();
            return cert;
        }
    }

    /** {@code steps} steps of DJL's Trainer (softmax cross-entropy, Adam 0.01) on the model's block; the losses. */
    private float[] train(Model model, NDArray x, NDArray y, int steps) {
        Loss loss = Loss.softmaxCrossEntropyLoss();
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build();
        float[] losses = new float[steps];
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam))) {
            trainer.initialize(new Shape(1).addAll(input));
            for (int step = 0; step < steps; step++) {
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                    NDArray l = loss.evaluate(new NDList(y), new NDList(out));
                    losses[step] = l.getFloat();
                    gc.backward(l);
                }
                trainer.step();
            }
        }
        return losses;
    }

    private double[] row(float[] data, int i) {
        int d = dimension();
        double[] v = new double[d];
        for (int p = 0; p < d; p++) {
            v[p] = data[i * d + p];
        }
        return v;
    }
}
