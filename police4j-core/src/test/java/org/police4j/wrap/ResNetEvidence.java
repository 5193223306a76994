package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.AlexNet;
import ai.djl.basicmodelzoo.cv.classification.GoogLeNet;
import ai.djl.basicmodelzoo.cv.classification.LeNet;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.NiN;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.basicmodelzoo.cv.classification.SqueezeNet;
import ai.djl.basicmodelzoo.cv.classification.VGG;
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
import java.util.Locale;
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

    /** One zoo network: its name, a builder of fresh copies, its input shape and what was shrunk. */
    private record ZooNet(String name, java.util.function.Supplier<SequentialBlock> build, Shape input) {}

    private static java.util.List<ZooNet> zoo() {
        Shape mnist = new Shape(1, 28, 28);
        Shape cifar = new Shape(3, 32, 32);
        Shape alex = new Shape(1, 67, 67); // the smallest side its three 3/2 max-pools after the 11/4 conv accept
        return java.util.List.of(
                new ZooNet("LeNet (as shipped)", () -> (SequentialBlock) LeNet.builder().setOutSize(10).build(), mnist),
                new ZooNet("LeNet (ReLU; AveragePoolingTest.lenetRelu, the zoo's layers)",
                        () -> AveragePoolingTest.lenetRelu(6, 16, 120, 84, 10), mnist),
                new ZooNet("VGG (conv arch {1,8},{1,16})",
                        () -> (SequentialBlock) VGG.builder().setNumLayers(5).setConvArch(new int[][] {{1, 8}, {1, 16}}).setOutSize(10).build(), mnist),
                new ZooNet("ResNetV1-20", () -> ResNetV1.builder().setImageShape(mnist).setNumLayers(20).setOutSize(10)
                        .build(), mnist),
                new ZooNet("ResNetV1-18", () -> ResNetV1.builder().setImageShape(cifar).setNumLayers(18).setOutSize(10)
                        .build(), cifar),
                new ZooNet("ResNetV1-50", () -> ResNetV1.builder().setImageShape(cifar).setNumLayers(50).setOutSize(10)
                        .build(), cifar),
                new ZooNet("NiN (channels 8,16,16,10)",
                        () -> (SequentialBlock) NiN.builder().setNumChannels(new int[] {8, 16, 16, 10}).build(), alex),
                new ZooNet("AlexNet (channels 8,16,16,16,16,64,64)",
                        () -> (SequentialBlock) AlexNet.builder().setNumChannels(new int[] {8, 16, 16, 16, 16, 64, 64}).build(), alex),
                new ZooNet("GoogLeNet", () -> (SequentialBlock) GoogLeNet.builder().setOutSize(10).build(), mnist),
                new ZooNet("SqueezeNet", () -> (SequentialBlock) SqueezeNet.squeezenet(10), mnist),
                new ZooNet("MobileNetV1 (width x0.25)",
                        () -> (SequentialBlock) MobileNetV1.builder().optWidthMultiplier(0.25f).setOutSize(10).build(), mnist),
                new ZooNet("MobileNetV2 (filters 8,4,8,8,16,24,40,80,160)", () -> (SequentialBlock) MobileNetV2.builder()
                        .optFilters(new int[] {8, 4, 8, 8, 16, 24, 40, 80, 160}).setOutSize(10).build(), mnist),
                new ZooNet("MobileNetV2 (as shipped)", () -> (SequentialBlock) MobileNetV2.builder().setOutSize(10).build(),
                        mnist),
                new ZooNet("MobileNetV2 (as shipped, 3x64x64)",
                        () -> (SequentialBlock) MobileNetV2.builder().setOutSize(10).build(), new Shape(3, 64, 64)));
    }

    /**
     * The zoo table: every network of DJL's classification zoo through {@code Policed.wrap},
     * on three images and on a box around one; prints one markdown row per network and region.
     * {@code -Dpolice4j.zoo=VGG,NiN} runs the networks whose names start so; {@code
     * -Dpolice4j.zoo.boxSeconds=S} (default 30) skips a box whose step is estimated above S seconds,
     * {@code -Dpolice4j.zoo.boxMapGb=G} (default 2) one whose map, (d + 1) rows of every unit in
     * float32, exceeds G GB (ResNetV1-18's, 4.5 GB: its step peaks at 19.7 GB resident, and its
     * support certificate needs about 20 GB of heap beside it, so its row was made in two JVMs,
     * docs/ZOO.md).
     */
    @Test
    void zooTable() throws Exception {
        String only = System.getProperty("police4j.zoo", "");
        int steps = Integer.getInteger("police4j.zoo.steps", 4);
        int boxSeconds = Integer.getInteger("police4j.zoo.boxSeconds", 30);
        double boxMapGb = Double.parseDouble(System.getProperty("police4j.zoo.boxMapGb", "2"));
        for (ZooNet z : zoo()) {
            if (!only.isEmpty() && java.util.Arrays.stream(only.split(",")).noneMatch(z.name()::startsWith)) {
                continue;
            }
            Row three;
            try {
                three = measure(z.name(), z.build(), z.input(), 16, 8, steps,
                        v -> VertexRegion.of("three images", v), true);
            } catch (RuntimeException e) {
                System.out.println("| " + z.name() + " | error: " + e + " |");
                continue;
            }
            System.out.println(three.markdown());
            System.out.flush();
            if (three.refusal() != null) {
                continue;
            }
            // the box's tracked map carries d + 1 rows where the vertex region carries 3: scale the step
            double estimate = three.policedMs() * (z.input().size() + 1 + 8) / (3 + 8) / 1000;
            double mapGb = (z.input().size() + 1.0) * three.units() * 4 / 1e9;
            if (mapGb > boxMapGb) {
                System.out.println(String.format(Locale.ROOT, "| %s | | Box.linf(image 0, 0.01) | skipped: its map,"
                        + " %d rows of %d units in float32, is %.1f GB (a step peaks at about 4 times that, and the"
                        + " support certificate's heap as much again: run it in two JVMs, docs/ZOO.md) |", z.name(),
                        z.input().size() + 1, three.units(), mapGb));
                continue;
            }
            if (estimate > boxSeconds) {
                System.out.println(String.format(Locale.ROOT, "| %s | | Box.linf(image 0, 0.01) | skipped: one step"
                        + " estimated at %.0f s (POLICEd step x (d + 1 + batch) / (3 + batch)) |", z.name(), estimate));
                continue;
            }
            try {
                System.out.println(measure(z.name(), z.build(), z.input(), 16, 8, Math.max(2, steps / 2),
                        v -> Box.linf(v[0], 0.01), false).markdown());
            } catch (RuntimeException e) {
                System.out.println("| " + z.name() + " | box error: " + e + " |");
            }
            System.out.flush();
        }
    }

    private static void run(int depth, int channels, int side, int steps,
            java.util.function.Function<double[][], Region> regionOf) throws Exception {
        Row row = measure("ResNetV1-" + depth, () -> ResNetV1.builder().setImageShape(new Shape(channels, side, side))
                .setNumLayers(depth).setOutSize(10).build(), new Shape(channels, side, side), N, BATCH, steps, regionOf, true);
        System.out.println(row.markdown());
        assertThat(row.certified()).as(row.certificate()).isTrue();
        assertThat(row.saveLoadIdentical()).isTrue();
    }

    /**
     * One row of the zoo table: what {@link #measure} saw for one network on one region. Refused
     * networks carry only the message; {@code skipped} says why a measurement was not taken.
     */
    record Row(String network, String input, String region, String refusal, int steps, double policedMs,
            String policedSpread, double plainMs, String plainSpread, float policedLoss0, float policedLoss,
            float plainLoss0, float plainLoss, boolean certified, String certificate, double foldDiff, double largest,
            boolean saveLoadIdentical, String plainCertificate, String skipped, long units) {

        String markdown() {
            if (refusal != null) {
                return String.format(Locale.ROOT, "| %s | %s | %s | refused: %s | | | | | | | |", network, input, region,
                        refusal.replace('|', '/').replace('\n', ' '));
            }
            if (skipped != null && steps == 0) {
                return String.format(Locale.ROOT, "| %s | %s | %s | accepted | %s | | | | | | |", network, input, region,
                        skipped);
            }
            return String.format(Locale.ROOT,
                    "| %s | %s | %s | accepted | %d | %s | %.3g (max |out| %.3g) | %s | %s | %.1f [%s] / %.1f [%s] = %.2f | %.4g -> %.4g / %.4g -> %.4g |",
                    network, input, region, steps, certificate, foldDiff, largest, saveLoadIdentical ? "identical" : "DIFFERENT",
                    plainCertificate == null ? "-" : plainCertificate, policedMs, policedSpread, plainMs, plainSpread,
                    policedMs / plainMs, policedLoss0, policedLoss, plainLoss0, plainLoss);
        }
    }

    /**
     * Wraps {@code build}'s network on the region spanned by images (or built around them), trains
     * it and the plain network side by side with {@code EasyTrain.trainBatch}, certifies, folds, saves
     * and loads, and certifies the plain trained network on the same region.
     *
     * @param name the row's name
     * @param build a fresh copy of the user's network on every call
     * @param input the input shape (channels, height, width)
     * @param n how many synthetic images
     * @param batch the batch size
     * @param steps how many steps
     * @param regionOf the region, from the first images (as rows)
     * @param plainCertificate whether to run {@code Certify.plain} too (on vertex regions only)
     * @return the row
     * @throws Exception on an I/O failure
     */
    static Row measure(String name, java.util.function.Supplier<SequentialBlock> build, Shape input, int n, int batch, int steps,
            java.util.function.Function<double[][], Region> regionOf, boolean plainCertificate) throws Exception {
        final int channels = (int) input.get(0);
        final int SIDE = (int) input.get(1);
        final int D = (int) input.size();
        String inputText = channels + "x" + SIDE + "x" + SIDE;
        float[] labels = new float[n];
        float[] data = images(n, labels, 2026, channels, SIDE);
        double[][] vertices = new double[3][D];
        for (int p = 0; p < 3; p++) {
            for (int j = 0; j < D; j++) {
                vertices[p][j] = data[p * D + j];
            }
        }
        Region region = regionOf.apply(vertices);
        boolean support = !(region instanceof VertexRegion);
        String regionText = support ? "Box.linf(image 0, 0.01)" : "3 images";
        Engine.getInstance().setRandomSeed(1);
        SequentialBlock user = build.get(); // a builder's own argument errors are not refusals: let them fail
        Block wrapped;
        try {
            wrapped = Policed.wrap(user, region, input);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return new Row(name, inputText, regionText, e.getMessage(), 0, 0, null, 0, null, 0, 0, 0, 0, false, null, 0,
                    0, false, null, null, 0);
        }
        Path dir = Files.createTempDirectory("zoo-evidence");
        String file = name.replaceAll("[^A-Za-z0-9]+", "-");
        try (Model model = Model.newInstance(file); Model plainModel = Model.newInstance(file + "-plain")) {
            NDManager manager = model.getNDManager();
            PolicedConvNet net = (PolicedConvNet) wrapped;
            model.setBlock(net);
            plainModel.setBlock(build.get());
            NDArray xAll = manager.create(data, new Shape(n).addAll(input));
            NDArray yAll = manager.create(labels, new Shape(n));
            ArrayDataset dataset = new ArrayDataset.Builder()
                    .setData(xAll)
                    .optLabels(yAll)
                    .setSampling(batch, false)
                    .build();
            long[] policed = new long[steps];
            long[] plain = new long[steps];
            float[] lossP = new float[2];
            float[] lossU = new float[2];
            try (Trainer t = model.newTrainer(config()); Trainer p = plainModel.newTrainer(config())) {
                t.initialize(new Shape(batch).addAll(input));
                p.initialize(new Shape(batch).addAll(input));
                lossP[0] = loss(t, xAll, yAll);
                lossU[0] = loss(p, xAll, yAll);
                int step = 0;
                while (step < steps) {
                    Iterator<Batch> it = t.iterateDataset(dataset).iterator();
                    while (it.hasNext() && step < steps) {
                        try (Batch b = it.next()) {
                            long s0 = System.nanoTime();
                            EasyTrain.trainBatch(t, b);
                            t.step();
                            long s1 = System.nanoTime();
                            EasyTrain.trainBatch(p, b);
                            p.step();
                            long s2 = System.nanoTime();
                            policed[step] = s1 - s0;
                            plain[step] = s2 - s1;
                            step++;
                        }
                    }
                }
                lossP[1] = loss(t, xAll, yAll);
                lossU[1] = loss(p, xAll, yAll);
            }
            long c0 = System.nanoTime();
            FoldedNetwork folded = net.fold();
            long c1 = System.nanoTime();
            Certificate cert = support
                    ? Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0))
                    : Certifier.builder().optExactMap(false).build().run(folded, vertices, null);
            double certS = (System.nanoTime() - c1) / 1e9;
            int k = Math.min(8, n);
            NDArray x = manager.create(Arrays.copyOf(data, k * D), new Shape(k).addAll(input));
            ParameterStore ps = new ParameterStore(manager, false);
            float[] wrapper = net.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] exported = folded.block(manager).forward(ps, new NDList(x.reshape(k, D)), false).head().toFloatArray();
            double foldDiff = 0;
            double largest = 0;
            for (int i = 0; i < wrapper.length; i++) {
                foldDiff = Math.max(foldDiff, Math.abs(wrapper[i] - exported[i]));
                largest = Math.max(largest, Math.abs(wrapper[i]));
            }
            model.save(dir, file);
            float[] reloaded;
            try (Model loaded = Model.newInstance(file)) {
                PolicedConvNet fresh = (PolicedConvNet) Policed.wrap(build.get(), region, input);
                fresh.initialize(loaded.getNDManager(), DataType.FLOAT32, new Shape(1).addAll(input));
                loaded.setBlock(fresh);
                loaded.load(dir, file);
                NDArray xl = loaded.getNDManager().create(x.toFloatArray(), x.getShape());
                reloaded = fresh.forward(new ParameterStore(loaded.getNDManager(), false), new NDList(xl), false)
                        .head().toFloatArray();
            }
            String plainText = null;
            if (plainCertificate && !support) {
                long c2 = System.nanoTime();
                try {
                    Certificate plainCert = Certify.plain((SequentialBlock) plainModel.getBlock(), region, input,
                            Certify.Options.defaults().optInteriorSamples(0));
                    plainText = String.format(Locale.ROOT, "%s, %d of %d units straddle, %.1f s",
                            plainCert.certified() ? "certified" : "not certified", plainCert.offendingUnits(),
                            plainCert.unitsChecked(), (System.nanoTime() - c2) / 1e9);
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    plainText = "refused: " + e.getMessage();
                }
            }
            String certText = String.format(Locale.ROOT, "%s, %d units, %d hidden layers, %s, %.2f s (fold %.0f ms)",
                    cert.certified() ? "certified" : "NOT certified", cert.unitsChecked(), cert.hiddenLayers(), cert.kind(),
                    certS, (c1 - c0) / 1e6);
            return new Row(name, inputText, regionText, null, steps, median(policed), spread(policed), median(plain),
                    spread(plain), lossP[0], lossP[1], lossU[0], lossU[1], cert.certified(), certText,
                    foldDiff, largest, Arrays.equals(reloaded, wrapper), plainText, null, cert.unitsChecked());
        }
    }

    /** The training-mode loss on all images (no gradient), the same forward the trainer uses. */
    private static float loss(Trainer t, NDArray x, NDArray y) {
        NDArray out = t.forward(new NDList(x)).singletonOrThrow();
        return t.getLoss().evaluate(new NDList(y), new NDList(out)).getFloat();
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
