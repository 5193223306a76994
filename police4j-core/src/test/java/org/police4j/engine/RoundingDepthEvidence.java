package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.police4j.conv.PolicedConvNet;
import org.police4j.network.DoubleEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.PolicedMlp;
import org.police4j.nn.PolicedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Nets;

/**
 * The numbers of {@code docs/ROUNDING-DEPTH.md} (slow: {@code -Dpolice4j.slow=true}): per hidden
 * layer at initialisation, the POLICE shifts {@code |c_k|}, the per-unit margins the engine kept
 * ({@code min_p |z_pk|} after the shift, over the units whose shift is not 0: the engine puts the
 * closest vertex exactly at the margin {@code margin + E_k}), and the actual error, the largest
 * {@code |z_engine - z_double|} between the engine's float32 vertex pre-activations and the double
 * evaluation of the folded network at the same vertices. Prints; asserts only that the layers line up.
 */
@EnabledIfSystemProperty(named = "police4j.slow", matches = "true")
class RoundingDepthEvidence {

    @org.junit.jupiter.api.AfterEach
    void defaultGuard() {
        System.clearProperty("police4j.guard.reference");
    }

    /**
     * The cost of measuring: one training step (forward with the region, softmax cross-entropy,
     * backward, AdamW) of the same network, the a priori guard and the measured one alternating
     * step by step in one run, after 3 warm-up steps each; median and quartiles in ms.
     */
    @Test
    void stepCost() throws Exception {
        System.out.println("== step time, ms: median [p25, p75] over 15 steps each, alternating");
        // Table 1's 2:4:64 with its region, the simplex (3 vertices: vertex rows, so the reference runs)
        cost("mlp 2:4:64, simplex, N 1024", 1024, 2, 15, () -> PolicedMlp.builder().setHidden(64, 64, 64, 64)
                .setOutputs(2).setRegion(org.police4j.region.Regions.simplex(2)).build(), new Shape(2));
        cost("conv14 8ch 1x16x16, 4 vertices, batch 8", 8, 256, 15, () -> {
            PolicedConvNet.Builder b = PolicedConvNet.builder().setInput(1, 16, 16);
            for (int i = 0; i < 14; i++) {
                b.conv(8, 3, 1, 1).batchNorm();
            }
            return b.globalAvgPool().outputs(2).setRegion(VertexRegion.of(images(3, 4, 256))).build();
        }, new Shape(256));
        cost("ResNetV1-20 1x28x28, 3 images, batch 8", 8, 784, 15, () -> org.police4j.wrap.Policed.wrap(
                ai.djl.basicmodelzoo.cv.classification.ResNetV1.builder().setImageShape(new Shape(1, 28, 28))
                        .setNumLayers(20).setOutSize(10).build(),
                VertexRegion.of(images(11, 3, 784)), new Shape(1, 28, 28)), new Shape(1, 28, 28));
    }

    private static void cost(String name, int batch, int d, int steps,
            java.util.function.Supplier<ai.djl.nn.Block> block, Shape item) throws Exception {
        Engine.getInstance().setRandomSeed(3);
        try (ai.djl.Model model = ai.djl.Model.newInstance(name)) {
            model.setBlock(block.get());
            ai.djl.training.DefaultTrainingConfig config = new ai.djl.training.DefaultTrainingConfig(
                    ai.djl.training.loss.Loss.softmaxCrossEntropyLoss()).optOptimizer(ai.djl.training.optimizer.Optimizer
                            .adamW().optLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(0.001f)).build());
            try (ai.djl.training.Trainer t = model.newTrainer(config)) {
                long[] dims = new long[item.dimension() + 1];
                dims[0] = batch;
                System.arraycopy(item.getShape(), 0, dims, 1, item.dimension());
                Shape shape = new Shape(dims);
                t.initialize(shape);
                float[] data = new float[batch * d];
                float[] labels = new float[batch];
                Random rnd = new Random(8);
                for (int i = 0; i < data.length; i++) {
                    data[i] = rnd.nextFloat();
                }
                for (int i = 0; i < batch; i++) {
                    labels[i] = i % 2;
                }
                double[][] ms = new double[2][steps];
                for (int s = -3; s < steps; s++) {
                    for (int m = 0; m < 2; m++) {
                        System.setProperty("police4j.guard.reference", String.valueOf(m == 1));
                        try (NDManager scope = model.getNDManager().newSubManager()) {
                            NDArray x = scope.create(data, shape);
                            NDArray y = scope.create(labels, new Shape(batch));
                            long t0 = System.nanoTime();
                            try (ai.djl.training.GradientCollector gc = t.newGradientCollector()) {
                                ai.djl.ndarray.NDList out = t.forward(new ai.djl.ndarray.NDList(x));
                                gc.backward(t.getLoss().evaluate(new ai.djl.ndarray.NDList(y), out));
                            }
                            t.step();
                            if (s >= 0) {
                                ms[m][s] = (System.nanoTime() - t0) / 1e6;
                            }
                        }
                    }
                }
                System.out.println(String.format(Locale.ROOT, "%s: a priori %s, measured %s", name, quartiles(ms[0]),
                        quartiles(ms[1])));
            }
        }
    }

    private static String quartiles(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "%.1f [%.1f, %.1f]", s[s.length / 2], s[s.length / 4], s[3 * s.length / 4]);
    }

    private static double[][] images(long seed, int n, int d) {
        Random rnd = new Random(seed);
        double[][] v = new double[n][d];
        for (double[] row : v) {
            for (int j = 0; j < d; j++) {
                row[j] = rnd.nextDouble();
            }
        }
        return v;
    }

    /**
     * GUARD: margin 1e-4, the guard measuring against the reference (the default); APRIORI: the
     * guard's a priori bound ({@code police4j.guard.reference=false}, the code before the
     * reference); FIXED: margin 1e-4 without the guard; ZERO: the paper's rule.
     */
    private enum Mode {
        GUARD(1e-4, true, true), APRIORI(1e-4, true, false), FIXED(1e-4, false, true), ZERO(0, false, true);

        final double margin;
        final boolean guard;
        final boolean reference;

        Mode(double margin, boolean guard, boolean reference) {
            this.margin = margin;
            this.guard = guard;
            this.reference = reference;
        }

        /** Sets the guard's kind for what follows. */
        void select() {
            System.setProperty("police4j.guard.reference", String.valueOf(reference));
        }
    }

    @Test
    void convBatchNormChain() {
        for (Mode mode : Mode.values()) {
            mode.select();
            double[][] v = images(3, 4, 256);
            try (NDManager manager = NDManager.newBaseManager()) {
                PolicedConvNet.Builder b = PolicedConvNet.builder().setInput(1, 16, 16);
                for (int i = 0; i < 14; i++) {
                    b.conv(8, 3, 1, 1).batchNorm();
                }
                PolicedConvNet net = b.globalAvgPool().outputs(2).optMargin(mode.margin)
                        .optRoundingGuard(mode.guard).setRegion(VertexRegion.of(v)).build();
                Engine.getInstance().setRandomSeed(7);
                net.initialize(manager, DataType.FLOAT32, new Shape(1, 256));
                report("conv14 " + mode, net, net.fold(), manager, v);
            }
        }
    }

    /** The conv chain after a few AdamW steps (lr 0.002, batch 8, random labels on the vertices' neighbourhood). */
    @Test
    void convBatchNormChainAfterTraining() throws Exception {
        for (Mode mode : new Mode[] {Mode.GUARD, Mode.APRIORI, Mode.ZERO}) {
            mode.select();
            double[][] v = images(3, 4, 256);
            try (ai.djl.Model model = ai.djl.Model.newInstance("conv14")) {
                PolicedConvNet.Builder b = PolicedConvNet.builder().setInput(1, 16, 16);
                for (int i = 0; i < 14; i++) {
                    b.conv(8, 3, 1, 1).batchNorm();
                }
                PolicedConvNet net = b.globalAvgPool().outputs(2).optMargin(mode.margin)
                        .optRoundingGuard(mode.guard).setRegion(VertexRegion.of(v)).build();
                Engine.getInstance().setRandomSeed(7);
                model.setBlock(net);
                NDManager manager = model.getNDManager();
                float[] data = new float[32 * 256];
                float[] labels = new float[32];
                Random rnd = new Random(9);
                for (int i = 0; i < 32; i++) {
                    labels[i] = i % 2;
                    for (int j = 0; j < 256; j++) {
                        data[i * 256 + j] = (float) v[i % 4][j] * (0.9f + 0.1f * rnd.nextFloat());
                    }
                }
                ai.djl.training.dataset.ArrayDataset dataset = new ai.djl.training.dataset.ArrayDataset.Builder()
                        .setData(manager.create(data, new Shape(32, 256))).optLabels(manager.create(labels, new Shape(32)))
                        .setSampling(8, false).build();
                ai.djl.training.DefaultTrainingConfig config = new ai.djl.training.DefaultTrainingConfig(
                        ai.djl.training.loss.Loss.softmaxCrossEntropyLoss()).optOptimizer(ai.djl.training.optimizer.Optimizer
                                .adamW().optLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(0.002f)).build());
                try (ai.djl.training.Trainer t = model.newTrainer(config)) {
                    t.initialize(new Shape(8, 256));
                    for (int epoch = 0; epoch < 2; epoch++) { // 8 steps
                        for (ai.djl.training.dataset.Batch batch : t.iterateDataset(dataset)) {
                            ai.djl.training.EasyTrain.trainBatch(t, batch);
                            t.step();
                            batch.close();
                        }
                    }
                }
                report("conv14 after 8 steps " + mode, net, net.fold(), manager, v);
            }
        }
    }

    @Test
    void mlpDepth8Width256() {
        for (Mode mode : Mode.values()) {
            mode.select();
            double[][] v = images(5, 4, 16);
            try (NDManager manager = NDManager.newBaseManager()) {
                int[] hidden = new int[8];
                Arrays.fill(hidden, 256);
                PolicedMlp net = PolicedMlp.builder().setHidden(hidden).setOutputs(2).optMargin(mode.margin)
                        .optRoundingGuard(mode.guard).setRegion(VertexRegion.of(v)).build();
                Engine.getInstance().setRandomSeed(7);
                net.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
                report("mlp8x256 " + mode, net, org.police4j.fold.Fold.weights(net), manager, v);
            }
        }
    }

    /**
     * The guard's own bound {@code E_k} (margin 0, so the float32 margins are E_k alone) walked over
     * folded MLPs POLICEd with a fixed margin (no feedback of the margins into the shifts), for a
     * pass in float32 (the engine today) and in float64 (the projection).
     */
    @Test
    void guardBoundFloat32AgainstFloat64() {
        for (int depth : new int[] {8, 20}) {
            double[][] v = images(5, 4, 16);
            try (NDManager manager = NDManager.newBaseManager()) {
                int[] hidden = new int[depth];
                Arrays.fill(hidden, 256);
                PolicedMlp net = PolicedMlp.builder().setHidden(hidden).setOutputs(2).optActivation(Cpa.relu())
                        .optRoundingGuard(false).setRegion(VertexRegion.of(v)).build();
                Engine.getInstance().setRandomSeed(7);
                net.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
                FoldedNetwork folded = org.police4j.fold.Fold.weights(net);
                double[][][] pre = new double[v.length][][];
                for (int p = 0; p < v.length; p++) {
                    pre[p] = DoubleEval.preActivations(folded, v[p]).toArray(new double[0][]);
                }
                double[] region = new double[16];
                for (double[] row : v) {
                    for (int j = 0; j < 16; j++) {
                        region[j] = Math.max(region[j], Math.abs(row[j]));
                    }
                }
                RoundingGuard g32 = new RoundingGuard(0, Cpa.relu(), region, 0, 0x1p-24);
                RoundingGuard g64 = new RoundingGuard(0, Cpa.relu(), region, 0, 0x1p-53);
                System.out.println("== guard bound, mlp depth " + depth + " x 256, fixed margin 1e-4");
                System.out.println("layer  maxE32     medE32     maxE64     medE64     max|z|");
                int l = 0;
                for (org.police4j.network.Layer layer : folded.layers()) {
                    if (!(layer instanceof org.police4j.network.Layer.Dense d) || l == depth) {
                        continue;
                    }
                    NDArray w = manager.create(d.weight());
                    NDArray b = manager.create(d.bias());
                    double[] e32 = toDouble(g32.margins(l, w, b));
                    double[] e64 = toDouble(g64.margins(l, w, b));
                    double[] mag = new double[d.bias().length];
                    double maxZ = 0;
                    for (int q = 0; q < mag.length; q++) {
                        for (double[][] p : pre) {
                            mag[q] = Math.max(mag[q], Math.abs(p[l][q]));
                        }
                        maxZ = Math.max(maxZ, mag[q]);
                    }
                    g32.leave(mag, null);
                    g64.leave(mag, null);
                    System.out.println(String.format(Locale.ROOT, "%5d  %.3e  %.3e  %.3e  %.3e  %.3e", l,
                            max(e32), median(e32), max(e64), median(e64), maxZ));
                    l++;
                }
                assertThat(l).isEqualTo(depth);
            }
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void resNetV1Depth20() {
        zoo("resnet20", () -> ai.djl.basicmodelzoo.cv.classification.ResNetV1.builder()
                .setImageShape(new Shape(1, 28, 28)).setNumLayers(20).setOutSize(10).build());
    }

    @Test
    void mobileNetV1() {
        zoo("mobilenetv1 x0.25", () -> (ai.djl.nn.SequentialBlock) ai.djl.basicmodelzoo.cv.classification.MobileNetV1
                .builder().optWidthMultiplier(0.25f).setOutSize(10).build());
    }

    @Test
    void mobileNetV2() {
        zoo("mobilenetv2 as shipped", () -> (ai.djl.nn.SequentialBlock) ai.djl.basicmodelzoo.cv.classification.MobileNetV2
                .builder().setOutSize(10).build());
    }

    /**
     * ResNetV1-50 on three 3x32x32 images with the measured guard, one training-mode forward (the
     * batch-norms on the vertices' statistics, as the first training step sees them).
     */
    @Test
    void resNetV1Depth50() {
        zoo("resnet50 training-mode", () -> ai.djl.basicmodelzoo.cv.classification.ResNetV1.builder()
                .setImageShape(new Shape(3, 32, 32)).setNumLayers(50).setOutSize(10).build(),
                new Shape(3, 32, 32), true, new Mode[] {Mode.GUARD});
    }

    /** MobileNetV2 as shipped on three 1x28x28 images, one training-mode forward (batch-norms on the vertices). */
    @Test
    void mobileNetV2TrainingMode() {
        zoo("mobilenetv2 as shipped, training-mode", () -> (ai.djl.nn.SequentialBlock)
                ai.djl.basicmodelzoo.cv.classification.MobileNetV2.builder().setOutSize(10).build(),
                new Shape(1, 28, 28), true, new Mode[] {Mode.GUARD});
    }

    /**
     * A zoo network through {@code Policed.wrap} on three 1x28x28 images, at margin 1e-4 (measured
     * guard, a priori guard) and 0: the per-layer table and the loss at initialisation of the
     * folded network against the plain one (softmax cross-entropy, labels 0, 1, 2, double
     * evaluation).
     */
    private static void zoo(String name, java.util.function.Supplier<ai.djl.nn.SequentialBlock> block) {
        zoo(name, block, new Shape(1, 28, 28), false, new Mode[] {Mode.GUARD, Mode.APRIORI, Mode.ZERO});
    }

    private static void zoo(String name, java.util.function.Supplier<ai.djl.nn.SequentialBlock> block, Shape image,
            boolean training, Mode[] modes) {
        for (Mode mode : modes) {
            mode.select();
            double[][] v = images(11, 3, (int) image.size());
            try (NDManager manager = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(1);
                PolicedConvNet net = (PolicedConvNet) org.police4j.wrap.Policed.wrap(block.get(), VertexRegion.of(v),
                        image, mode.margin);
                net.initialize(manager, DataType.FLOAT32, new Shape(1, image.size()));
                FoldedNetwork folded;
                try {
                    folded = net.fold();
                } catch (IllegalStateException e) {
                    System.out.println("== " + name + " " + mode + ": " + e.getMessage());
                    continue;
                }
                report(name + " " + mode, net, folded, manager, v, training);
                System.out.println(String.format(Locale.ROOT, "loss at initialisation: POLICEd %.4g, plain %.4g",
                        Nets.crossEntropy(folded, v), Nets.crossEntropy(org.police4j.conv.ConvFold.plain(net), v)));
            }
        }
    }


    private static void report(String name, PolicedNetwork net, FoldedNetwork folded, NDManager manager,
            double[][] v) {
        report(name, net, folded, manager, v, false);
    }

    /** The per-layer table; a training-mode trace's error column compares with the running statistics' fold. */
    private static void report(String name, PolicedNetwork net, FoldedNetwork folded, NDManager manager,
            double[][] v, boolean training) {
        PolicedNetwork.Trace trace = net.forwardWithTrace(new ParameterStore(manager, false),
                manager.zeros(new Shape(0, v[0].length)), training);
        double[][][] exact = new double[v.length][][];
        for (int p = 0; p < v.length; p++) {
            exact[p] = DoubleEval.preActivations(folded, v[p]).toArray(new double[0][]);
        }
        List<NDArray> shifts = trace.shifts();
        List<NDArray> pre = trace.vertexPreActivations();
        // a graph's joins and branches need not line up one to one with the activation layers: no error column then
        boolean aligned = exact[0].length == pre.size();
        if (!aligned) {
            System.out.println("(" + exact[0].length + " activation layers, " + pre.size() + " traced: no error column)");
        }
        System.out.println("== " + name);
        System.out.println("layer  max|c|     med|c|     maxMargin  medMargin  max|z|     maxErr     maxErr/max|z|");
        for (int l = 0; l < pre.size(); l++) {
            if (pre.get(l) == null) {
                System.out.println(String.format(Locale.ROOT, "%5d  (linear: no shift)", l));
                continue;
            }
            float[] c = shifts.get(l).toFloatArray();
            float[] z = pre.get(l).toFloatArray();
            int k = c.length;
            double[] absC = new double[k];
            double[] margin = new double[k];
            int shifted = 0;
            double maxZ = 0;
            double err = 0;
            for (int q = 0; q < k; q++) {
                absC[q] = Math.abs(c[q]);
                double m = Double.POSITIVE_INFINITY;
                for (int p = 0; p < v.length; p++) {
                    double zq = z[p * k + q];
                    m = Math.min(m, Math.abs(zq));
                    maxZ = Math.max(maxZ, Math.abs(zq));
                    err = aligned ? Math.max(err, Math.abs(zq - exact[p][l][q])) : Double.NaN;
                }
                if (c[q] != 0) {
                    margin[shifted++] = m;
                }
            }
            double[] ms = Arrays.copyOf(margin, shifted);
            System.out.println(String.format(Locale.ROOT, "%5d  %.3e  %.3e  %.3e  %.3e  %.3e  %.3e  %.3e", l,
                    max(absC), median(absC), max(ms), median(ms), maxZ, err, err / maxZ));
        }
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }

    private static double median(double[] a) {
        if (a.length == 0) {
            return Double.NaN;
        }
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /**
     * docs/ROUNDING-DEPTH.md, "Boxes of few coordinates": depth x 256 leaky-ReLU MLPs at
     * initialisation on a 16-dimensional {@code Box.linf(c, 0.05)} (a priori and measured) and on a
     * three-point vertex region, median |shift| / median |value at the centre| per hidden layer; then 20 AdamW steps of
     * an 8 x 256 MLP on 16- and 63-dimensional boxes with the a priori bound and measured, step
     * time and last loss, twice each.
     */
    @Test
    void mlpOnABox() throws Exception {
        for (int depth : new int[] {4, 8, 12, 16}) {
            for (int mode = 0; mode < 3; mode++) { // a box a priori, a box measured, vertices measured
                boolean box = mode < 2;
                System.setProperty("police4j.guard.reference", String.valueOf(mode > 0));
                double[] centre = centre(16, 3);
                org.police4j.region.Region region = box ? org.police4j.region.Box.linf(centre, 0.05)
                        : VertexRegion.of(new double[][] {centre, moved(centre, 0, 0.05), moved(centre, 1, 0.05)});
                try (NDManager manager = NDManager.newBaseManager()) {
                    int[] hidden = new int[depth];
                    Arrays.fill(hidden, 256);
                    PolicedMlp net = PolicedMlp.builder().setHidden(hidden).setOutputs(2).setRegion(region).build();
                    Engine.getInstance().setRandomSeed(7);
                    net.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
                    float[][] shifts = org.police4j.fold.Fold.shifts(net);
                    List<double[]> pre = DoubleEval.preActivations(org.police4j.fold.Fold.weights(net), centre);
                    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "depth %2d %-17s", depth,
                            mode == 0 ? "box, a priori" : mode == 1 ? "box, measured" : "vertices, measured"));
                    for (int l = 0; l < shifts.length; l++) {
                        double[] c = new double[shifts[l].length];
                        double[] z = new double[c.length];
                        for (int q = 0; q < c.length; q++) {
                            c[q] = Math.abs(shifts[l][q]);
                            z[q] = Math.abs(pre.get(l)[q]);
                        }
                        Arrays.sort(c);
                        Arrays.sort(z);
                        sb.append(String.format(Locale.ROOT, " | %.1e/%.1e", c[c.length / 2], z[z.length / 2]));
                    }
                    System.out.println(sb);
                }
            }
        }
        for (int d : new int[] {16, 63, 784}) { // 784: the float64 map (MapReference), not axis points
            for (int rep = 0; rep < 2; rep++) {
                for (String reference : new String[] {"false", "true"}) {
                    System.setProperty("police4j.guard.reference", reference);
                    Random rnd = new Random(1); // the centre, then the data
                    double[] centre = new double[d];
                    for (int j = 0; j < d; j++) {
                        centre[j] = rnd.nextDouble();
                    }
                    try (ai.djl.Model model = ai.djl.Model.newInstance("box");
                            NDManager data = NDManager.newBaseManager()) {
                        int[] hidden = new int[8];
                        Arrays.fill(hidden, 256);
                        PolicedMlp net = PolicedMlp.builder().setHidden(hidden).setOutputs(1)
                                .setRegion(org.police4j.region.Box.linf(centre, 0.05)).build();
                        model.setBlock(net);
                        Engine.getInstance().setRandomSeed(3);
                        net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, d));
                        double[][] xs = new double[256][d];
                        double[][] ys = new double[256][1];
                        for (int i = 0; i < xs.length; i++) {
                            for (int j = 0; j < d; j++) {
                                xs[i][j] = rnd.nextDouble();
                            }
                            ys[i][0] = Math.sin(3 * xs[i][0]) + xs[i][1];
                        }
                        double[] last = new double[1];
                        long t0 = System.nanoTime();
                        org.police4j.train.Fit.create().optListener((step, loss, b) -> last[0] = loss)
                                .fit(model, Nets.matrix(data, xs), Nets.matrix(data, ys), new org.police4j.train.TrainingSettings(
                                        20, 1e-3, 0, 0, 1, org.police4j.train.LossKind.MSE, 64, 3));
                        System.out.printf(Locale.ROOT, "box of %d coordinates, measured %s, repetition %d: %.1f ms/step,"
                                + " loss after 20 steps %.4f%n", d, reference, rep, (System.nanoTime() - t0) / 1e6 / 20, last[0]);
                    }
                }
            }
        }
    }

    private static double[] centre(int d, long seed) {
        Random rnd = new Random(seed);
        double[] c = new double[d];
        for (int j = 0; j < d; j++) {
            c[j] = rnd.nextDouble();
        }
        return c;
    }

    private static double[] moved(double[] c, int j, double by) {
        double[] v = c.clone();
        v[j] += by;
        return v;
    }
}
