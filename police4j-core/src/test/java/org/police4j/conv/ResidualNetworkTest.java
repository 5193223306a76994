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
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.certify.SupportCertifier;
import org.police4j.engine.Join;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.nn.PolicedNetwork;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.SupportRegion;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;
import org.police4j.testing.Barycentric;
import org.police4j.testing.Nets;

/**
 * Graphs trained: a residual CNN with batch-norm (identity and projection shortcuts, a linear
 * stem conv, a concatenation) and a residual MLP, POLICEd on a region spanned by three inputs,
 * trained a few AdamW steps. After every step the folded network is certified exactly, the fold
 * computes what the POLICEd network computes, and interior points are the barycentric
 * interpolation of the vertices' outputs; without the joins' shifts the certificate fails.
 */
class ResidualNetworkTest {

    private static final int N = 32;

    /** (1, 8, 8): stem conv (linear), unit(4, identity), unit(6, stride 2, 1x1 projection), concat, gap, dense. */
    static PolicedConvNet residualCnn(Region region) {
        Stage.Parallel identityUnit = new Stage.Parallel(List.of(
                List.of(new Stage.Conv(4, 3, 1, 1), new Stage.BatchNorm(), new Stage.Conv(4, 3, 1, 1),
                        new Stage.BatchNorm(), new Stage.Linear()),
                List.of()), Join.SUM, true);
        Stage.Parallel projectionUnit = new Stage.Parallel(List.of(
                List.of(new Stage.Conv(6, 3, 2, 1), new Stage.BatchNorm(), new Stage.Conv(6, 3, 1, 1),
                        new Stage.BatchNorm(), new Stage.Linear()),
                List.of(new Stage.Conv(6, 1, 2, 0), new Stage.BatchNorm(), new Stage.Linear())), Join.SUM, true);
        Stage.Parallel fire = new Stage.Parallel(List.of(
                List.of(new Stage.Conv(3, 1, 1, 0)),
                List.of(new Stage.Conv(3, 3, 1, 1))), Join.CONCAT, false);
        return PolicedConvNet.builder()
                .setInput(1, 8, 8)
                .conv(4, 3, 1, 1)
                .add(new Stage.Linear())
                .add(identityUnit)
                .add(projectionUnit)
                .add(fire)
                .globalAvgPool()
                .dense(8)
                .outputs(2)
                .setRegion(region)
                .build();
    }

    /** (1, 1, 6) flattened: dense 8, residual (dense 8, dense 8 linear; identity), dense 5, head. */
    static PolicedConvNet residualMlp(Region region) {
        return PolicedConvNet.builder()
                .setInput(1, 1, 6)
                .flatten()
                .dense(8)
                .add(new Stage.Parallel(List.of(
                        List.of(new Stage.Dense(8), new Stage.Dense(8), new Stage.Linear()), List.of()), Join.SUM, true))
                .dense(5)
                .outputs(2)
                .setRegion(region)
                .build();
    }

    @Test
    void aResidualCnnWithBatchNormIsCertifiedAfterEveryStep() {
        trainAndCheck(64, 3, ResidualNetworkTest::residualCnn, new Shape(1, 1, 8, 8));
    }

    /** A branch with an overlapping padded max-pool (3x3, stride 2, padding 1), joined to a strided shortcut, then an average pool. */
    static PolicedConvNet pooledBranchCnn(Region region) {
        Stage.Parallel unit = new Stage.Parallel(List.of(
                List.of(new Stage.Conv(4, 3, 1, 1), new Stage.BatchNorm(), new Stage.MaxPool(3, 3, 2, 2, 1, 1),
                        new Stage.Conv(4, 3, 1, 1), new Stage.Linear()),
                List.of(new Stage.Conv(4, 1, 2, 0), new Stage.Linear())), Join.SUM, true);
        return PolicedConvNet.builder()
                .setInput(1, 8, 8)
                .conv(4, 3, 1, 1)
                .add(unit)
                .avgPool(2, 2, 0)
                .flatten()
                .outputs(2)
                .setRegion(region)
                .build();
    }

    @Test
    void aBranchWithAnOverlappingMaxPoolIsCertifiedAfterEveryStep() {
        trainAndCheck(64, 7, ResidualNetworkTest::pooledBranchCnn, new Shape(1, 1, 8, 8));
    }

    /**
     * Average pools inside branches: a residual unit whose long branch averages 3x3 windows
     * (divisor 9) next to a 1x1 shortcut, then a concatenation of a 2x2-averaged branch (divisor 4)
     * and a strided conv. The exact evaluation carries each branch at its own scale and meets at
     * the join's common multiple, forwards and backwards (the exact map).
     */
    static PolicedConvNet averagedBranchCnn(Region region) {
        Stage.Parallel residual = new Stage.Parallel(List.of(
                List.of(new Stage.Conv(4, 3, 1, 1), new Stage.AvgPool(3, 3, 1, 1, 1, 1, false, true),
                        new Stage.Conv(4, 1, 1, 0), new Stage.Linear()),
                List.of(new Stage.Conv(4, 1, 1, 0), new Stage.Linear())), Join.SUM, true);
        Stage.Parallel inception = new Stage.Parallel(List.of(
                List.of(new Stage.AvgPool(2, 2, 2, 2, 0, 0, false, true), new Stage.Conv(3, 1, 1, 0), new Stage.Linear()),
                List.of(new Stage.Conv(2, 3, 2, 1), new Stage.Linear())), Join.CONCAT, true);
        return PolicedConvNet.builder()
                .setInput(1, 8, 8)
                .conv(4, 3, 1, 1)
                .add(residual)
                .add(inception)
                .flatten()
                .outputs(2)
                .setRegion(region)
                .build();
    }

    @Test
    void averagePoolsInsideBranchesAreCertifiedAfterEveryStep() {
        trainAndCheck(64, 13, ResidualNetworkTest::averagedBranchCnn, new Shape(1, 1, 8, 8));
    }

    /**
     * (1, 3, 3), small enough for a box's 512 corners: a residual unit with batch-norm and an
     * overlapping max-pool (window 2, stride 1) in its long branch, then a concatenation whose
     * first branch averages 2x2 windows.
     */
    static PolicedConvNet smallGraphCnn(Region region) {
        Stage.Parallel residual = new Stage.Parallel(List.of(
                List.of(new Stage.Conv(3, 3, 1, 1), new Stage.BatchNorm(), new Stage.MaxPool(2, 2, 1, 1, 0, 0),
                        new Stage.Conv(3, 1, 1, 0), new Stage.BatchNorm(), new Stage.Linear()),
                List.of(new Stage.Conv(3, 2, 1, 0), new Stage.BatchNorm(), new Stage.Linear())), Join.SUM, true);
        Stage.Parallel inception = new Stage.Parallel(List.of(
                List.of(new Stage.AvgPool(2, 2, 1, 1, 0, 0, false, true), new Stage.Conv(2, 1, 1, 0), new Stage.Linear()),
                List.of(new Stage.Conv(2, 2, 1, 0), new Stage.Linear())), Join.CONCAT, true);
        return PolicedConvNet.builder()
                .setInput(1, 3, 3)
                .conv(3, 3, 1, 1)
                .add(residual)
                .add(inception)
                .flatten()
                .outputs(2)
                .setRegion(region)
                .build();
    }

    private static double[] first(float[] data, int d) {
        double[] c = new double[d];
        for (int j = 0; j < d; j++) {
            c[j] = data[j];
        }
        return c;
    }

    @Test
    void aGraphTrainsOnABoxAroundAnInput() {
        trainAndCheck(9, 17, ResidualNetworkTest::smallGraphCnn, new Shape(1, 1, 3, 3),
                data -> Box.linf(first(data, 9), 0.25));
        trainAndCheck(6, 29, ResidualNetworkTest::residualMlp, new Shape(1, 1, 1, 6),
                data -> Box.linf(first(data, 6), 0.25));
    }

    @Test
    void aGraphTrainsOnAnL1BallAndAZonotope() {
        trainAndCheck(9, 19, ResidualNetworkTest::smallGraphCnn, new Shape(1, 1, 3, 3),
                data -> L1Ball.of(first(data, 9), 0.5));
        double[][] generators = new double[9][4];
        Random rng = new Random(21);
        for (double[] row : generators) {
            for (int g = 0; g < row.length; g++) {
                row[g] = Math.round(rng.nextGaussian() * 16) / 64.0;
            }
        }
        trainAndCheck(9, 23, ResidualNetworkTest::smallGraphCnn, new Shape(1, 1, 3, 3),
                data -> Zonotope.of(first(data, 9), generators));
    }

    @Test
    void aResidualMlpIsCertifiedAfterEveryStep() {
        trainAndCheck(6, 5, ResidualNetworkTest::residualMlp, new Shape(1, 1, 1, 6));
    }

    /**
     * The graph survives both file formats: DJL's {@code Model.save}/{@code load} (the block record
     * names the nested stages) and {@code ModelIo}'s JSON (branches nested as arrays of stages),
     * with identical outputs.
     */
    @Test
    void aResidualCnnSavesAndLoadsWithIdenticalOutputs(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Random rng = new Random(9);
        double[][] vertices = new double[3][64];
        float[] data = new float[4 * 64];
        for (int i = 0; i < data.length; i++) {
            data[i] = Math.round(rng.nextGaussian() * 32) / 32f;
        }
        for (int p = 0; p < 3; p++) {
            for (int j = 0; j < 64; j++) {
                vertices[p][j] = data[p * 64 + j];
            }
        }
        VertexRegion region = VertexRegion.of("three images", vertices);
        try (Model model = Model.newInstance("residual")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(5);
            PolicedConvNet net = residualCnn(region);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 8, 8));
            model.setBlock(net);
            NDArray x = manager.create(data, new Shape(4, 1, 8, 8));
            ParameterStore ps = new ParameterStore(manager, false);
            float[] expected = net.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] expectedFold = toFloats(net.fold().evaluate(vertices[0]));

            model.save(dir, "residual");
            try (Model loaded = Model.newInstance("residual")) {
                PolicedConvNet fresh = residualCnn(region);
                fresh.initialize(loaded.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 8, 8));
                loaded.setBlock(fresh);
                loaded.load(dir, "residual");
                NDArray xl = loaded.getNDManager().create(data, new Shape(4, 1, 8, 8));
                float[] got = fresh.forward(new ParameterStore(loaded.getNDManager(), false), new NDList(xl), false)
                        .head().toFloatArray();
                assertThat(got).containsExactly(expected);
            }

            java.nio.file.Path io = dir.resolve("modelio");
            org.police4j.io.ModelIo.save(net, io, null);
            PolicedConvNet back = org.police4j.io.ModelIo.load(io, manager).convNet();
            assertThat(back.stages()).isEqualTo(net.stages());
            assertThat(back.forward(ps, new NDList(x), false).head().toFloatArray()).containsExactly(expected);
            assertThat(toFloats(back.fold().evaluate(vertices[0]))).containsExactly(expectedFold);
        }
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static void trainAndCheck(int d, long seed, java.util.function.Function<Region, PolicedConvNet> build,
            Shape itemShape) {
        trainAndCheck(d, seed, build, itemShape, data -> {
            double[][] vertices = new double[3][d];
            for (int p = 0; p < 3; p++) {
                for (int j = 0; j < d; j++) {
                    vertices[p][j] = data[p * d + j];
                }
            }
            return VertexRegion.of("three inputs", vertices);
        });
    }

    /**
     * Trains the network POLICEd on the region made from the training data a few AdamW steps and
     * checks it after every step: a vertex region by the exact certificate on its vertices and the
     * barycentric interpolation of the vertices' outputs; a support region (the tracked affine map
     * through the graph) by the support certificate and by the exact certificate on its corners
     * (vertices whose hull contains it). Without the joins' shifts both certificates fail.
     */
    private static void trainAndCheck(int d, long seed, java.util.function.Function<Region, PolicedConvNet> build,
            Shape itemShape, java.util.function.Function<float[], Region> regionOf) {
        Random rng = new Random(seed);
        float[] data = new float[N * d];
        float[] labels = new float[N];
        for (int i = 0; i < N; i++) {
            labels[i] = i % 2;
            for (int j = 0; j < d; j++) {
                data[i * d + j] = Math.round((rng.nextGaussian() + labels[i]) * 32) / 32f;
            }
        }
        Region region = regionOf.apply(data);
        SupportRegion support = region instanceof SupportRegion r ? r : null;
        double[][] vertices = support == null ? ((VertexRegion) region).vertices()
                : support.enclosingPoints(1 << 10).vertices();
        PolicedConvNet net = build.apply(region);
        Shape batchShape = new Shape(N).addAll(itemShape.slice(1));
        try (Model model = Model.newInstance("residual")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(11);
            net.initialize(manager, DataType.FLOAT32, itemShape);
            model.setBlock(net);
            NDArray x = manager.create(data, batchShape);
            NDArray y = manager.create(labels, new Shape(N));
            Loss loss = Loss.softmaxCrossEntropyLoss();
            Optimizer adamW = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.02f)).build();
            double[][] lambdas = Barycentric.lambdas(8, vertices.length, new Random(3));
            double[][] interior = Barycentric.combine(lambdas, vertices);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adamW))) {
                for (int step = 0; step < 4; step++) {
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                            gc.backward(loss.evaluate(new NDList(y), new NDList(out)));
                        }
                    }
                    trainer.step();

                    ParameterStore ps = new ParameterStore(manager, false);
                    FoldedNetwork folded = net.fold();
                    Certificate cert = Certifier.builder().optFastPath(false).build().run(folded, vertices, interior);
                    assertThat(cert.certified()).as("step " + step + ": " + cert.summary()).isTrue();
                    assertThat(cert.hiddenLayers()).isEqualTo(folded.hiddenLayers());
                    assertThat(cert.interiorDeviation()).isLessThan(1e-4);
                    if (support != null) {
                        Certificate bound = SupportCertifier.certify(folded, support, null);
                        assertThat(bound.certified()).as("step " + step + ", support: " + bound.summary()).isTrue();
                    }

                    float[] policed = net.forward(ps, new NDList(x), false).head().toFloatArray();
                    float[] plain = folded.block(manager).forward(ps, new NDList(x.reshape(N, d)), false).head().toFloatArray();
                    for (int i = 0; i < policed.length; i++) {
                        assertThat((double) plain[i]).as("fold, output " + i).isCloseTo(policed[i],
                                org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(policed[i]))));
                    }
                    if (support == null) {
                        PolicedNetwork.Trace t = net.forwardWithTrace(ps, Nets.matrix(manager, interior), false);
                        Barycentric.assertInterpolates(Nets.rows(t.outputs()), Nets.rows(t.vertexOutputs()), lambdas,
                                "step " + step);
                    }
                }
            }
            // the joins' shifts are what makes the units after them affine on R
            FoldedNetwork folded = net.fold();
            FoldedNetwork unshiftedJoins = folded;
            for (int i = 0; i < folded.layers().size(); i++) {
                if (folded.layers().get(i) instanceof Layer.Parallel p && p.bias().length > 0) {
                    unshiftedJoins = unshiftedJoins.with(i, p.withBias(new float[p.bias().length]));
                }
            }
            assertThat(unshiftedJoins).isNotEqualTo(folded);
            Certificate broken = Certifier.certify(unshiftedJoins, vertices, null);
            assertThat(broken.certified()).as("without the joins' shifts").isFalse();
            if (support != null) {
                assertThat(SupportCertifier.certify(unshiftedJoins, support, null).certified())
                        .as("support certificate without the joins' shifts").isFalse();
            }
        }
    }
}
