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
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.io.ModelIo;
import org.police4j.region.Box;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.wrap.Policed;

/**
 * A CNN POLICEd on three regions around different images (a simplex spanned by three images, a
 * 4-vertex l1-style ball around a fourth, an l_inf box around a fifth, given by its support): conv,
 * batch-norm, an overlapping max-pool, conv, a tiling max-pool, an average pool, dense. After every
 * training step each region has its own exact certificate; afterwards each region's interior
 * points follow its own affine map, the maps differ, the fold equals the network, and DJL's and
 * police4j's save/load give back the same outputs.
 */
class MultiRegionCnnTest {

    static final int SIDE = 10;
    static final int D = SIDE * SIDE;
    static final int N = 32;

    /** Pixel values are multiples of 1/64. */
    static float[] images(long seed) {
        Random rng = new Random(seed);
        float[] x = new float[N * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextInt(64) / 64f;
        }
        return x;
    }

    static double[] image(float[] x, int i) {
        double[] v = new double[D];
        for (int p = 0; p < D; p++) {
            v[p] = x[i * D + p];
        }
        return v;
    }

    static List<Region> regions(float[] x) {
        VertexRegion spanned = VertexRegion.of("three images", new double[][] {image(x, 0), image(x, 1), image(x, 2)});
        double[] centre = image(x, 3);
        double[][] ball = new double[4][];
        int[] pixels = {44, 55};
        for (int i = 0; i < 2; i++) {
            ball[2 * i] = centre.clone();
            ball[2 * i][pixels[i]] += 0.125;
            ball[2 * i + 1] = centre.clone();
            ball[2 * i + 1][pixels[i]] -= 0.125;
        }
        return List.of(spanned, VertexRegion.of("l1 ball around image 3", ball), Box.linf(image(x, 4), 1.0 / 64));
    }

    static PolicedConvNet net(List<Region> regions) {
        return PolicedConvNet.builder()
                .setInput(1, SIDE, SIDE)
                .conv(4, 3, 1, 1)
                .batchNorm()
                .maxPool(3, 2) // overlapping: 10 -> 4
                .conv(6, 3, 1, 1)
                .maxPool(2, 2) // tiling: 4 -> 2
                .avgPool(2, 1, 0) // 2 -> 1
                .flatten()
                .dense(8)
                .outputs(3)
                .setRegions(regions)
                .build();
    }

    @Test
    void eachRegionIsCertifiedWithItsOwnMapAfterEveryStep(@TempDir Path dir) throws Exception {
        float[] data = images(11);
        List<Region> regions = regions(data);
        PolicedConvNet net = net(regions);
        try (Model model = Model.newInstance("multi-cnn")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(5);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIDE, SIDE));
            model.setBlock(net);
            NDArray x = manager.create(data, new Shape(N, 1, SIDE, SIDE));
            NDArray y = manager.create(labels());
            Certify.Options options = Certify.Options.defaults().optInteriorSamples(16).optSeed(3);
            List<Certificate> certs = null;
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build()))) {
                for (int step = 0; step < 4; step++) {
                    step(trainer, x, y);
                    certs = Certify.perRegion(net, options);
                    assertThat(certs).hasSize(3);
                    for (int j = 0; j < 3; j++) {
                        assertThat(certs.get(j).certified()).as("step %d, region %d: %s", step, j, certs.get(j).summary())
                                .isTrue();
                    }
                }
            }
            ParameterStore ps = new ParameterStore(manager, false);
            // every region's interior points (and vertices) follow that region's own affine map
            Random rng = new Random(9);
            for (int j = 0; j < regions.size(); j++) {
                double[][] points = regions.get(j).sample(8, rng);
                float[] out = forward(net, ps, manager, points);
                for (int i = 0; i < points.length; i++) {
                    double[] affine = certs.get(j).apply(points[i]);
                    for (int k = 0; k < affine.length; k++) {
                        assertThat(Math.abs(out[i * 3 + k] - affine[k])).as("region %d, point %d, output %d", j, i, k)
                                .isLessThan(1e-4 * (1 + Math.abs(affine[k])));
                    }
                }
            }
            // the maps differ between regions: each region has its own affine piece
            for (int j = 0; j < 3; j++) {
                for (int i = j + 1; i < 3; i++) {
                    assertThat(maxDiff(certs.get(j).a(), certs.get(i).a())).as("maps of regions %d and %d", j, i)
                            .isGreaterThan(1e-3);
                }
            }
            float[] trained = net.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] folded = net.fold().block(manager).forward(ps, new NDList(x), false).head().toFloatArray();
            assertThat(PolicedConvNetProperties.normwise(folded, trained)).isLessThanOrEqualTo(1e-6);

            model.save(dir.resolve("djl"), "multi-cnn");
            PolicedConvNet fresh = net(regions);
            try (Model again = Model.newInstance("multi-cnn")) {
                again.setBlock(fresh);
                again.load(dir.resolve("djl"), "multi-cnn");
                assertThat(fresh.forward(ps, new NDList(x), false).head().toFloatArray()).isEqualTo(trained);
            }
            ModelIo.save(net, dir.resolve("io"), null);
            PolicedConvNet loaded = ModelIo.load(dir.resolve("io"), manager).convNet();
            assertThat(loaded.regions()).isEqualTo(regions);
            assertThat(loaded.forward(ps, new NDList(x), false).head().toFloatArray()).isEqualTo(trained);
        }
    }

    /**
     * A DJL user's network (conv, batch-norm, padded overlapping max-pool, dense) wrapped on a
     * vertex region and a box around different images: trained, both regions certified after
     * every step, DJL save/load into a fresh wrapper identical.
     */
    @Test
    void policedWrapTakesSeveralRegions(@TempDir Path dir) throws Exception {
        float[] data = images(12);
        List<Region> regions = List.of(regions(data).get(0), regions(data).get(2));
        Shape one = new Shape(1, SIDE, SIDE);
        ai.djl.nn.Block net = Policed.wrap(user(), regions, one);
        assertThat(((PolicedConvNet) net).regions()).isEqualTo(regions);
        try (Model model = Model.newInstance("wrapped")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(6);
            net.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(one));
            model.setBlock(net);
            NDArray x = manager.create(data, new Shape(N).addAll(one));
            NDArray y = manager.create(labels());
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build()))) {
                for (int step = 0; step < 3; step++) {
                    step(trainer, x, y);
                    List<Certificate> certs = Certify.perRegion(net, Certify.Options.defaults().optInteriorSamples(8));
                    assertThat(certs).hasSize(2);
                    for (Certificate c : certs) {
                        assertThat(c.certified()).as("step %d: %s", step, c.summary()).isTrue();
                    }
                }
            }
            ParameterStore ps = new ParameterStore(manager, false);
            float[] trained = net.forward(ps, new NDList(x), false).head().toFloatArray();
            model.save(dir, "wrapped");
            PolicedConvNet fresh = (PolicedConvNet) Policed.wrap(user(), regions, one);
            try (Model again = Model.newInstance("wrapped")) {
                again.setBlock(fresh);
                again.load(dir, "wrapped");
                assertThat(fresh.forward(ps, new NDList(x), false).head().toFloatArray()).isEqualTo(trained);
            }
        }
    }

    /**
     * A residual unit whose branch has an overlapping padded max-pool, on two vertex regions
     * around different images (graphs fork every region's pass): certified on each after every
     * step, fold equal to the network.
     */
    @Test
    void aResidualUnitWithAPoolTakesSeveralRegions() throws Exception {
        float[] data = images(13);
        List<Region> regions = regions(data).subList(0, 2);
        Stage.Parallel unit = new Stage.Parallel(List.of(
                List.of(new Stage.Conv(4, 3, 1, 1), new Stage.BatchNorm(), new Stage.MaxPool(3, 3, 2, 2, 1, 1),
                        new Stage.Conv(4, 3, 1, 1), new Stage.Linear()),
                List.of(new Stage.Conv(4, 1, 2, 0), new Stage.Linear())), org.police4j.engine.Join.SUM, true);
        PolicedConvNet net = PolicedConvNet.builder().setInput(1, SIDE, SIDE).conv(4, 3, 1, 1).add(unit)
                .avgPool(5, 5, 0).flatten().outputs(3).setRegions(regions).build();
        try (Model model = Model.newInstance("residual")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(8);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIDE, SIDE));
            model.setBlock(net);
            NDArray x = manager.create(data, new Shape(N, 1, SIDE, SIDE));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build()))) {
                for (int step = 0; step < 3; step++) {
                    step(trainer, x, manager.create(labels()));
                    for (Certificate c : Certify.perRegion(net, Certify.Options.defaults().optInteriorSamples(8))) {
                        assertThat(c.certified()).as("step %d: %s", step, c.summary()).isTrue();
                    }
                }
            }
            ParameterStore ps = new ParameterStore(manager, false);
            float[] trained = net.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] folded = net.fold().block(manager).forward(ps, new NDList(x), false).head().toFloatArray();
            assertThat(PolicedConvNetProperties.normwise(folded, trained)).isLessThanOrEqualTo(1e-6);
        }
    }

    private static SequentialBlock user() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(4).build())
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(8).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(3).build());
    }

    private static float[] labels() {
        float[] labels = new float[N];
        for (int i = 0; i < N; i++) {
            labels[i] = i % 3;
        }
        return labels;
    }

    static void step(Trainer trainer, NDArray x, NDArray y) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                gc.backward(trainer.getLoss().evaluate(new NDList(y), new NDList(out)));
            }
        }
        trainer.step();
    }

    private static float[] forward(PolicedConvNet net, ParameterStore ps, NDManager manager, double[][] points) {
        float[] flat = new float[points.length * D];
        for (int i = 0; i < points.length; i++) {
            for (int p = 0; p < D; p++) {
                flat[i * D + p] = (float) points[i][p];
            }
        }
        return net.forward(ps, new NDList(manager.create(flat, new Shape(points.length, D))), false).head().toFloatArray();
    }

    private static double maxDiff(double[][] a, double[][] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return worst;
    }
}
