package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.engine.Cpa;
import org.police4j.fold.Fold;
import org.police4j.network.DoubleEval;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.SupportRegion;
import org.police4j.testing.Nets;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * The rounding guard on a box or an l1 ball carried as an affine map, measured against the
 * double-double reference at the region's axis points ({@code region.AxisPoints}): over the whole
 * region (every corner of a box, every vertex of an l1 ball, where an affine function peaks) every
 * unit of the exact folded network stays on its piece, past the margin, where float32 error is
 * real (inputs in the thousands or thousandths, first weights scaled against them), before and
 * after every training step; and deep networks no longer get margins, and shifts, the size of
 * their values, as they did with the a priori bound (docs/ROUNDING-DEPTH.md).
 */
class MeasuredMapMarginsTest {

    private static final double MARGIN = 1e-4;
    private static final int D = 6;

    @Test
    void everyUnitStaysPastItsKinkOverTheWholeRegionAtEveryStep() throws Exception {
        List<String> failures = new ArrayList<>();
        int checks = 0;
        for (double scale : new double[] {1e3, 1e-3}) {
            for (Cpa activation : new Cpa[] {Cpa.leakyRelu(), Cpa.relu6()}) {
                for (int kind = 0; kind < 2; kind++) {
                    double[] centre = new double[D];
                    Random rnd = new Random(31 + kind);
                    for (int j = 0; j < D; j++) {
                        centre[j] = scale * rnd.nextGaussian();
                    }
                    SupportRegion region = kind == 0 ? Box.linf(centre, 0.3 * scale) : L1Ball.of(centre, 0.5 * scale);
                    String what = region.getClass().getSimpleName() + ", inputs x" + scale + ", " + activation.id();
                    checks += trainAndCheck(what, region, activation, scale, 10, rnd, failures);
                }
            }
        }
        assertThat(checks).isEqualTo(8 * 4);
        assertThat(failures).isEmpty();
    }

    /**
     * A leaky-ReLU or ReLU6 MLP ({@code depth} x 24) on the region, its first weights scaled
     * against inputs of size {@code scale}, checked ({@link #check}) at initialisation and after
     * each of 3 training steps on data around the region.
     *
     * @return the checks made (4)
     */
    static int trainAndCheck(String what, SupportRegion region, Cpa activation, double scale, int depth, Random rnd,
            List<String> failures) throws Exception {
        int d = region.dimension();
        double[] centre = region.center();
        try (Model model = Model.newInstance("map");
                NDManager data = NDManager.newBaseManager()) {
            int[] hidden = new int[depth];
            Arrays.fill(hidden, 24);
            PolicedMlp net = PolicedMlp.builder().setHidden(hidden).setOutputs(2).optActivation(activation)
                    .optMargin(MARGIN).setRegion(region).build();
            model.setBlock(net);
            Engine.getInstance().setRandomSeed(8);
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, d));
            NDArray w = net.weight(0);
            w.set(w.mul((float) (1 / scale)).toFloatArray());
            double[][] xs = new double[32][d];
            double[][] ys = new double[32][2];
            for (int i = 0; i < xs.length; i++) {
                for (int j = 0; j < d; j++) {
                    xs[i][j] = centre[j] + scale * rnd.nextGaussian();
                }
                ys[i][0] = Math.sin(xs[i][0] / scale);
                ys[i][1] = Math.cos(xs[i][1] / scale);
            }
            failures.addAll(check(what + ", initial", net, region));
            int[] steps = {0};
            Fit.create()
                    .optListener((step, loss, b) -> {
                        failures.addAll(check(what + ", step " + step, (PolicedMlp) b, region));
                        steps[0]++;
                    })
                    .fit(model, Nets.matrix(data, xs), Nets.matrix(data, ys),
                            new TrainingSettings(3, 0.02, 0, 0, 1, LossKind.MSE, 16, 3));
            return 1 + steps[0];
        }
    }

    /**
     * Every hidden unit of the exact folded network at every point where an affine function on the
     * region peaks: one piece for all of them, at least half the margin from its kinks (the guard
     * promises the margin); then the certificate.
     */
    static List<String> check(String what, PolicedMlp net, SupportRegion region) {
        List<String> failures = new ArrayList<>();
        FoldedNetwork folded = Fold.weights(net);
        double[][] points = region.toVertexRegion(1 << 16).vertices();
        ExactEval exact = new ExactEval(folded);
        List<ExactEval.Point> at = new ArrayList<>();
        for (double[] p : points) {
            at.add(exact.point(p));
        }
        Cpa activation = net.activation();
        List<Layer> layers = folded.layers();
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof Layer.Activation)) {
                continue;
            }
            int units = ((Layer.Dense) layers.get(i - 1)).outputs();
            for (int q = 0; q < units; q++) {
                int piece = -1;
                double closest = Double.POSITIVE_INFINITY;
                for (ExactEval.Point p : at) {
                    double z = p.doubleValue(i - 1, q);
                    int here = 0;
                    for (int t = 0; t < activation.kinkCount(); t++) {
                        here += z > activation.kink(t) ? 1 : 0;
                        closest = Math.min(closest, Math.abs(z - activation.kink(t)));
                    }
                    if (piece >= 0 && here != piece) {
                        failures.add(what + ": layer " + i + " unit " + q + " on two pieces");
                    }
                    piece = here;
                }
                if (!(closest >= MARGIN / 2)) {
                    failures.add(what + ": layer " + i + " unit " + q + " " + closest + " from a kink");
                }
            }
        }
        Certificate cert = Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0));
        if (!cert.certified()) {
            failures.add(what + ": " + cert.summary());
        }
        return failures;
    }

    /**
     * 14 x 64 on an 8-dimensional box at initialisation: measured, the last hidden layers' median
     * shift stays below 1e-2 of their median value (at the centre), as on a vertex region (it is
     * 0: most units need none); the a priori bound, which compounds through {@code |W|}, gives
     * shifts of 0.4 of the values there.
     */
    @Test
    void depthNoLongerInflatesShiftsOnABox() {
        double[] centre = uniformCentre(8, 4);
        Box box = Box.linf(centre, 0.05);
        double[] measured = lastShiftOverValue(box, true);
        double[] aPriori = lastShiftOverValue(box, false);
        System.out.printf(java.util.Locale.ROOT, "median |c| / median |z|: measured %.3e, a priori %.3e%n", measured[0], aPriori[0]);
        assertThat(measured[0]).as("median |c| / median |z|, measured").isLessThan(1e-2);
        assertThat(aPriori[0]).as("median |c| / median |z|, a priori").isGreaterThan(0.1);
        assertThat(measured[1]).as("loss-free check: the same network certifies").isEqualTo(1);
    }

    /** {median |c| / median |z| of the last hidden layer at the centre, 1 if it certifies}. */
    static double[] lastShiftOverValue(SupportRegion box, boolean reference) {
        return withReference(reference, () -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                int[] hidden = new int[14];
                Arrays.fill(hidden, 64);
                PolicedMlp net = PolicedMlp.builder().setHidden(hidden).setOutputs(2).optMargin(MARGIN).setRegion(box).build();
                Engine.getInstance().setRandomSeed(7);
                net.initialize(manager, DataType.FLOAT32, new Shape(1, box.dimension()));
                float[][] shifts = Fold.shifts(net);
                FoldedNetwork folded = Fold.weights(net);
                List<double[]> pre = DoubleEval.preActivations(folded, box.center());
                int last = shifts.length - 1;
                double[] c = new double[shifts[last].length];
                double[] z = pre.get(last).clone();
                for (int q = 0; q < c.length; q++) {
                    c[q] = Math.abs(shifts[last][q]);
                    z[q] = Math.abs(z[q]);
                }
                Arrays.sort(c);
                Arrays.sort(z);
                boolean certified = Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0)).certified();
                return new double[] {c[c.length / 2] / z[z.length / 2], certified ? 1 : 0};
            }
        });
    }

    /**
     * A residual MLP as a DJL user writes it (Linear-ReLU, six units of (Linear-ReLU-Linear,
     * identity) joined by a sum then ReLU, Linear), wrapped on an 8-dimensional box: the joins are
     * measured at the axis points too, so the last join's median margin stays near the fixed
     * margin, where the a priori bound's is many times it; both certify.
     */
    @Test
    void residualJoinsOnABoxAreMeasuredToo() {
        double[] centre = uniformCentre(8, 9);
        Box box = Box.linf(centre, 0.05);
        double measured = lastJoinMedianMargin(box, true);
        double aPriori = lastJoinMedianMargin(box, false);
        System.out.printf(java.util.Locale.ROOT, "last join's median margin: measured %.3e, a priori %.3e%n", measured, aPriori);
        assertThat(measured).isLessThan(2 * MARGIN);
        assertThat(aPriori).isGreaterThan(10 * measured);
    }

    static double lastJoinMedianMargin(Box box, boolean reference) {
        return withReference(reference, () -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(5);
                ai.djl.nn.SequentialBlock user = new ai.djl.nn.SequentialBlock()
                        .add(ai.djl.nn.core.Linear.builder().setUnits(32).build()).add(ai.djl.nn.Activation.reluBlock());
                for (int u = 0; u < 6; u++) {
                    ai.djl.nn.SequentialBlock residual = new ai.djl.nn.SequentialBlock()
                            .add(ai.djl.nn.core.Linear.builder().setUnits(32).build()).add(ai.djl.nn.Activation.reluBlock())
                            .add(ai.djl.nn.core.Linear.builder().setUnits(32).build());
                    user.add(new ai.djl.nn.ParallelBlock(list -> new ai.djl.ndarray.NDList(list.get(0).singletonOrThrow()
                            .add(list.get(1).singletonOrThrow()).getNDArrayInternal().relu()),
                            Arrays.asList(residual, ai.djl.nn.Blocks.identityBlock())));
                }
                user.add(ai.djl.nn.core.Linear.builder().setUnits(2).build());
                user.initialize(manager, DataType.FLOAT32, new Shape(1, box.dimension()));
                org.police4j.nn.PolicedNetwork net = (org.police4j.nn.PolicedNetwork) org.police4j.wrap.Policed.wrap(
                        user, box, new Shape(box.dimension()));
                List<org.police4j.nn.PolicedNetwork.LayerTrace> layers = net.forwardWithTrace(
                        new ai.djl.training.ParameterStore(manager, false), manager.zeros(new Shape(0, box.dimension())), false)
                        .layers();
                float[] m = layers.get(layers.size() - 1).margins();
                double[] sorted = new double[m.length];
                for (int q = 0; q < m.length; q++) {
                    sorted[q] = m[q];
                }
                Arrays.sort(sorted);
                Certificate cert = Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0));
                assertThat(cert.certified()).as(cert.summary()).isTrue();
                return sorted[sorted.length / 2];
            }
        });
    }

    /**
     * A chain of twelve conv groups (conv 16 x 3 x 3, batch-norm, leaky-ReLU; a 2 x 2 max-pool
     * after the fourth) on a box around a 1 x 4 x 4 input (16 coordinates): the conv groups are
     * measured at the axis points, before the pool, so the last conv layer's largest margin stays
     * near the fixed margin (1.02e-4) where the a priori bound's is 7.4e-2; both certify, with every
     * unit of the exact folded network on one side over the whole box (the support certificate).
     */
    @Test
    void convGroupsOnASmallBoxAreMeasuredToo() {
        double[] centre = uniformCentre(16, 13);
        Box box = Box.linf(centre, 0.05);
        double measured = lastConvLargestMargin(box, 4, false, true);
        double aPriori = lastConvLargestMargin(box, 4, false, false);
        System.out.printf(java.util.Locale.ROOT, "last conv layer's largest margin: measured %.3e, a priori %.3e%n",
                measured, aPriori);
        assertThat(measured).isLessThan(2 * MARGIN);
        assertThat(aPriori).isGreaterThan(10 * measured);
    }

    /**
     * {@return the largest margin of the last of twelve conv groups (conv 16 x 3 x 3, batch-norm,
     * leaky-ReLU; a 2 x 2 max-pool after the fourth and, if asked, an overlapping 3 / 2 one after
     * the eighth) on a 1 x side x side input, with the guard's reference or the a priori bound;
     * asserts the network certifies}
     */
    static double lastConvLargestMargin(Box box, int side, boolean overlappingPool, boolean reference) {
        int d = side * side;
        return withReference(reference, () -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(6);
                org.police4j.conv.PolicedConvNet.Builder b = org.police4j.conv.PolicedConvNet.builder().setInput(1, side, side);
                for (int l = 0; l < 12; l++) {
                    b.conv(16, 3, 1, 1).batchNorm();
                    if (l == 3) {
                        b.maxPool(2, 2);
                    } else if (l == 7 && overlappingPool) {
                        b.maxPool(3, 2);
                    }
                }
                org.police4j.conv.PolicedConvNet net = b.flatten().dense(8).outputs(2).optMargin(MARGIN).setRegion(box).build();
                net.initialize(manager, DataType.FLOAT32, new Shape(1, d));
                List<org.police4j.nn.PolicedNetwork.LayerTrace> layers = net.forwardWithTrace(
                        new ai.djl.training.ParameterStore(manager, false), manager.zeros(new Shape(0, d)), false).layers();
                float[] m = layers.get(layers.size() - 2).margins(); // the last conv group (the dense layer is last)
                double largest = 0;
                for (float v : m) {
                    largest = Math.max(largest, v);
                }
                Certificate cert = Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0));
                assertThat(cert.certified()).as(cert.summary()).isTrue();
                return largest;
            }
        });
    }

    /** {@return d coordinates uniform in [0, 1) from {@code new Random(seed)}: a region's centre} */
    static double[] uniformCentre(int d, long seed) {
        Random rnd = new Random(seed);
        double[] centre = new double[d];
        for (int j = 0; j < d; j++) {
            centre[j] = rnd.nextDouble();
        }
        return centre;
    }

    /** {@return what {@code body} gives with the guard's reference on or off (the system property), restored after} */
    static <T> T withReference(boolean reference, java.util.function.Supplier<T> body) {
        String old = System.getProperty("police4j.guard.reference");
        System.setProperty("police4j.guard.reference", String.valueOf(reference));
        try {
            return body.get();
        } finally {
            if (old == null) {
                System.clearProperty("police4j.guard.reference");
            } else {
                System.setProperty("police4j.guard.reference", old);
            }
        }
    }
}
