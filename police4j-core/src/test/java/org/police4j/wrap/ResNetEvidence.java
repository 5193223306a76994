package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.certify.Certify;
import org.police4j.conv.PolicedConvNet;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.Box;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;

/**
 * The evidence for DJL's ResNetV1 (slow: {@code -Dpolice4j.slow=true}): wrapped in one
 * line, trained with {@code EasyTrain} on a region spanned by three images (or a box around one),
 * certified after training, folded, saved and loaded by DJL, and a step's cost against the plain ResNet in
 * the same run. Prints the numbers.
 */
@EnabledIfSystemProperty(named = "police4j.slow", matches = "true")
class ResNetEvidence {

    private static final int N = 64;
    private static final int BATCH = 16;
    private static final int STEPS = 8;

    /** Stroke images (horizontal: class 0, vertical: class 1) in every channel, pixels multiples of 1/64. */
    private static float[] images(int n, float[] labels, long seed, int channels, int side) {
        Random rng = new Random(seed);
        int d = channels * side * side;
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            labels[i] = label;
            int line = 6 + rng.nextInt(side - 12);
            for (int p = 0; p < d; p++) {
                x[i * d + p] = Math.round(Math.abs(rng.nextGaussian()) * 0.25 * 64) / 64f;
            }
            for (int ch = 0; ch < channels; ch++) {
                for (int t = 4; t < side - 4; t++) {
                    int r = label == 0 ? line : t;
                    int c = label == 0 ? t : line;
                    x[i * d + (ch * side + r) * side + c] = 1f;
                }
            }
        }
        return x;
    }

    @Test
    void resNetV1Depth20() throws Exception {
        run(20, 1, 28, STEPS, vertices -> VertexRegion.of("three images", vertices));
    }

    @Test
    void resNetV1Depth18() throws Exception {
        run(18, 3, 32, STEPS, vertices -> VertexRegion.of("three images", vertices));
    }

    /**
     * A box around one image: the tracked affine map (784 direction rows) forks at every residual
     * unit; certified by the region's support.
     */
    @Test
    void resNetV1Depth20OnABox() throws Exception {
        run(20, 1, 28, 4, vertices -> Box.linf(vertices[0], 0.01));
    }

    private static void run(int depth, int channels, int side, int steps,
            java.util.function.Function<double[][], Region> regionOf) throws Exception {
        final int STEPS = steps;
        final int SIDE = side;
        final int D = channels * side * side;
        java.util.function.Supplier<SequentialBlock> build = () -> ResNetV1.builder()
                .setImageShape(new Shape(channels, side, side)).setNumLayers(depth).setOutSize(10).build();
        float[] labels = new float[N];
        float[] data = images(N, labels, 2026, channels, side);
        double[][] vertices = new double[3][D];
        for (int p = 0; p < 3; p++) {
            for (int j = 0; j < D; j++) {
                vertices[p][j] = data[p * D + j];
            }
        }
        Region region = regionOf.apply(vertices);
        boolean support = !(region instanceof VertexRegion);
        Path dir = Files.createTempDirectory("resnet-evidence");
        try (Model model = Model.newInstance("resnet20"); Model plainModel = Model.newInstance("plain")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(1);
            long w0 = System.nanoTime();
            Block wrapped = Policed.wrap(build.get(), region, new Shape(channels, SIDE, SIDE));
            double wrapMs = (System.nanoTime() - w0) / 1e6;
            PolicedConvNet net = (PolicedConvNet) wrapped;
            model.setBlock(net);
            plainModel.setBlock(build.get());
            ArrayDataset dataset = new ArrayDataset.Builder()
                    .setData(manager.create(data, new Shape(N, channels, SIDE, SIDE)))
                    .optLabels(manager.create(labels, new Shape(N)))
                    .setSampling(BATCH, false)
                    .build();
            long[] policed = new long[STEPS];
            long[] plain = new long[STEPS];
            try (Trainer t = model.newTrainer(config()); Trainer p = plainModel.newTrainer(config())) {
                t.initialize(new Shape(BATCH, channels, SIDE, SIDE));
                p.initialize(new Shape(BATCH, channels, SIDE, SIDE));
                int step = 0;
                while (step < STEPS) {
                    Iterator<Batch> it = t.iterateDataset(dataset).iterator();
                    while (it.hasNext() && step < STEPS) {
                        try (Batch batch = it.next()) {
                            long s0 = System.nanoTime();
                            EasyTrain.trainBatch(t, batch);
                            t.step();
                            long s1 = System.nanoTime();
                            EasyTrain.trainBatch(p, batch);
                            p.step();
                            long s2 = System.nanoTime();
                            policed[step] = s1 - s0;
                            plain[step] = s2 - s1;
                            step++;
                        }
                    }
                }
            }
            long c0 = System.nanoTime();
            FoldedNetwork folded = net.fold();
            double foldMs = (System.nanoTime() - c0) / 1e6;
            long c1 = System.nanoTime();
            Certificate cert = support
                    ? Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0))
                    : Certifier.builder().optExactMap(false).build().run(folded, vertices, null);
            double certS = (System.nanoTime() - c1) / 1e9;
            NDArray x = manager.create(Arrays.copyOf(data, 8 * D), new Shape(8, channels, SIDE, SIDE));
            ParameterStore ps = new ParameterStore(manager, false);
            float[] wrapper = net.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] exported = folded.block(manager).forward(ps, new NDList(x.reshape(8, D)), false).head().toFloatArray();
            double foldDiff = 0;
            for (int i = 0; i < wrapper.length; i++) {
                foldDiff = Math.max(foldDiff, Math.abs(wrapper[i] - exported[i]));
            }
            model.save(dir, "resnet20");
            float[] reloaded;
            try (Model loaded = Model.newInstance("resnet20")) {
                PolicedConvNet fresh = (PolicedConvNet) Policed.wrap(build.get(), region, new Shape(channels, SIDE, SIDE));
                fresh.initialize(loaded.getNDManager(), DataType.FLOAT32, new Shape(1, channels, SIDE, SIDE));
                loaded.setBlock(fresh);
                loaded.load(dir, "resnet20");
                NDArray xl = loaded.getNDManager().create(x.toFloatArray(), x.getShape());
                reloaded = fresh.forward(new ParameterStore(loaded.getNDManager(), false), new NDList(xl), false)
                        .head().toFloatArray();
            }
            long c2 = System.nanoTime();
            Certificate plainCert = support ? null : Certify.plain((SequentialBlock) plainModel.getBlock(), region,
                    new Shape(channels, SIDE, SIDE), Certify.Options.defaults().optInteriorSamples(0));
            double plainS = (System.nanoTime() - c2) / 1e9;
            System.out.printf("ResNetV1-%d %dx%dx%d on %s: wrap %.0f ms, %d stages, %d residual units%n", depth, channels,
                    side, side, region.describe(), wrapMs, net.stages().size(),
                    net.stages().stream().filter(st -> st instanceof org.police4j.conv.Stage.Parallel).count());
            System.out.printf("%d EasyTrain steps, batch %d: policed median %.1f ms [%s], plain median %.1f ms [%s], ratio %.2f%n",
                    STEPS, BATCH, median(policed), spread(policed), median(plain), spread(plain), median(policed) / median(plain));
            System.out.printf("fold %.0f ms; certificate (%s) %.2f s: certified %s, %d units"
                    + " checked, %d hidden layers, map error %.3g; fold max |diff| %.3g; DJL save/load identical %s%n",
                    foldMs, cert.kind(), certS, cert.certified(), cert.unitsChecked(), cert.hiddenLayers(), cert.mapError(), foldDiff,
                    Arrays.equals(reloaded, wrapper));
            if (plainCert != null) {
                System.out.printf("Certify.plain on the plain ResNet (same region): %.2f s, certified %s, %d of %d units"
                        + " straddle%n", plainS, plainCert.certified(), plainCert.offendingUnits(), plainCert.unitsChecked());
            }
            assertThat(cert.certified()).as(cert.summary()).isTrue();
            assertThat(reloaded).containsExactly(wrapper);
        }
    }

    private static DefaultTrainingConfig config() {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.002f)).build());
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }

    private static String spread(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format("%.1f-%.1f", s[0] / 1e6, s[s.length - 1] / 1e6);
    }
}
