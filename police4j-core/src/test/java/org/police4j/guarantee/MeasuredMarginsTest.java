package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.conv.ConvFold;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.Cpa;
import org.police4j.fold.Fold;
import org.police4j.network.DoubleEval;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.nn.PolicedMlp;
import org.police4j.nn.PolicedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Nets;
import org.police4j.testing.ExactChecker;

/**
 * The rounding guard's margins measured against the double-double reference at the vertices
 * ({@code engine.VertexReference}, issue 20): every unit's margin must still cover the distance
 * between the engine's float32 value and the folded network's exact value at every vertex, where
 * float32 error is real (inputs in the thousands, weights at 1e-3), and deep networks must no longer
 * get margins, and shifts, the size of their values (docs/ROUNDING-DEPTH.md).
 */
class MeasuredMarginsTest {

    private static final double MARGIN = 1e-4;

    private static double[][] points(long seed, int n, int d, double scale) {
        Random rnd = new Random(seed);
        double[][] v = new double[n][d];
        for (double[] row : v) {
            for (int j = 0; j < d; j++) {
                row[j] = scale * rnd.nextDouble();
            }
        }
        return v;
    }

    /**
     * Every unit of every layer: the engine's shifted vertex value is within {@code margin_k -
     * margin} (the guard's {@code E_k}) of the exact folded value, for chains of dense layers and
     * of conv groups (batch-norm, tiling and overlapping padded max-pools, average pools), one-kink
     * and several-kink activations, at input scales 1e3 and 1e-3 and with scaled weights; and both
     * judges say affine.
     */
    @Test
    void everyMarginCoversTheExactErrorWhereFloat32ErrorIsReal() {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (double scale : new double[] {1e3, 1e-3}) {
            for (Cpa activation : new Cpa[] {Cpa.leakyRelu(), Cpa.relu6()}) {
                double[][] v = points(17, 3, 64, scale);
                try (NDManager manager = NDManager.newBaseManager()) {
                    Engine.getInstance().setRandomSeed(5);
                    PolicedConvNet net = PolicedConvNet.builder().setInput(1, 8, 8)
                            .conv(4, 3, 1, 1).batchNorm().maxPool(3, 3, 2, 2, 1, 1)
                            .conv(6, 3, 1, 1).batchNorm()
                            .conv(6, 3, 1, 1).maxPool(2, 2)
                            .conv(4, 1, 1, 0).avgPool(2, 1, 0)
                            .flatten().dense(8).outputs(2)
                            .optActivation(activation).optMargin(MARGIN).setRegion(VertexRegion.of(v)).build();
                    net.initialize(manager, DataType.FLOAT32, new Shape(1, 64));
                    cases++;
                    failures.addAll(check("cnn, inputs x" + scale + ", " + activation.id(), net, net.fold(), manager, v));
                }
                // dense: 10 hidden layers, weights scaled by 1/scale (large errors in both directions)
                double[][] x = points(19, 3, 6, scale);
                try (NDManager manager = NDManager.newBaseManager()) {
                    Engine.getInstance().setRandomSeed(6);
                    int[] hidden = new int[10];
                    Arrays.fill(hidden, 24);
                    PolicedMlp net = PolicedMlp.builder().setHidden(hidden).setOutputs(2).optActivation(activation)
                            .optMargin(MARGIN).setRegion(VertexRegion.of(x)).build();
                    net.initialize(manager, DataType.FLOAT32, new Shape(1, 6));
                    ai.djl.ndarray.NDArray w = net.weight(0);
                    w.set(w.mul((float) (1 / scale)).toFloatArray());
                    cases++;
                    failures.addAll(check("mlp, inputs x" + scale + ", first weights x" + (1 / scale) + ", "
                            + activation.id(), net, Fold.weights(net), manager, x));
                }
            }
        }
        assertThat(cases).isEqualTo(8);
        assertThat(failures).isEmpty();
    }

    /**
     * The engine's values against the exact folded ones, unit by unit, then the certificate and
     * the independent checker.
     */
    private static List<String> check(String what, PolicedNetwork net, FoldedNetwork folded, NDManager manager,
            double[][] v) {
        List<String> failures = new ArrayList<>();
        PolicedNetwork.Trace trace = net.forwardWithTrace(new ParameterStore(manager, false),
                manager.zeros(new Shape(0, v[0].length)), false);
        ExactEval exact = new ExactEval(folded);
        List<ExactEval.Point> at = new ArrayList<>();
        for (double[] p : v) {
            at.add(exact.point(p));
        }
        int hidden = 0;
        int checked = 0;
        List<Layer> layers = folded.layers();
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof Layer.Activation)) {
                continue;
            }
            PolicedNetwork.LayerTrace t = trace.layers().get(hidden++);
            float[] margins = t.margins();
            float[] z = t.vertexPreActivations().toFloatArray();
            int k = margins.length;
            for (int p = 0; p < v.length; p++) {
                for (int q = 0; q < k; q++) {
                    // the exact value rounded to double: allow its own rounding, 2^-52 of it
                    double zStar = at.get(p).doubleValue(i - 1, q);
                    double error = Math.abs(z[p * k + q] - zStar);
                    double bound = (double) margins[q] - MARGIN + 0x1p-52 * Math.abs(zStar);
                    checked++;
                    if (!(error <= bound)) {
                        failures.add(what + ": layer " + (hidden - 1) + " unit " + q + " vertex " + p + ": |engine - exact| "
                                + error + " > E_k " + bound);
                    }
                }
            }
        }
        assertThat(hidden).as(what).isEqualTo(trace.layers().size());
        assertThat(checked).as(what).isGreaterThan(0);
        Certificate cert = Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0));
        if (!cert.certified()) {
            failures.add(what + ": " + cert.summary());
        }
        ExactChecker.Result judge = ExactChecker.check(folded, v);
        if (!judge.affine()) {
            failures.add(what + ": checker " + judge);
        }
        return failures;
    }

    /**
     * 14 x (conv 4x3x3, batch-norm, ReLU) on 1x8x8 at initialisation: measured against the
     * reference, every layer's median margin stays within 1e-2 of its largest value, the shifts
     * are those of the fixed margin up to 1e-3 of the values, the network's loss is the plain
     * network's up to what POLICE's own shifts change, and it certifies. The a priori bound, which
     * carried every unit's error at the Lipschitz constant (last layer's margins and shifts 40 to
     * 90 times its values, loss 1.75 against 0.70), now carries each unit's at its piece's slope,
     * an off ReLU unit none: its margins stay within 5e-2 of the values too, and its loss is the
     * plain one's.
     */
    @Test
    void depthNoLongerInflatesMarginsAndShifts() {
        double[][] v = points(3, 3, 64, 1);
        Chain measured = chain(v, true, true);
        Chain fixed = chain(v, false, true);
        String before = System.getProperty("police4j.guard.reference");
        Chain apriori;
        try {
            System.setProperty("police4j.guard.reference", "false");
            apriori = chain(v, true, false);
        } finally {
            if (before == null) {
                System.clearProperty("police4j.guard.reference");
            } else {
                System.setProperty("police4j.guard.reference", before);
            }
        }
        int last = measured.medianMargin.length - 1;
        System.out.printf("conv14 4ch: loss %.4f (plain %.4f, a priori %.4f, fixed %.4f); last layer max|c| %.3e (a priori %.3e),"
                + " median margin %.3e (a priori %.3e), max|z| %.3e%n", measured.loss, measured.plainLoss, apriori.loss,
                fixed.loss, measured.maxShift[last], apriori.maxShift[last], measured.medianMargin[last],
                apriori.medianMargin[last], measured.maxZ[last]);
        for (int l = 0; l <= last; l++) {
            if (!Double.isNaN(measured.medianMargin[l])) {
                assertThat(measured.medianMargin[l]).as("layer %d median margin", l).isLessThan(1e-2 * measured.maxZ[l]);
            }
            assertThat(measured.maxShiftDifference(fixed, l)).as("layer %d shifts against the fixed margin", l)
                    .isLessThan(1e-3 * measured.maxZ[l]);
        }
        assertThat(Math.abs(measured.loss - measured.plainLoss)).as("loss against the plain network's")
                .isLessThan(0.1 * measured.plainLoss);
        // the a priori bound on the same network: the error of off units no longer carried
        for (int l = 0; l <= last; l++) {
            if (!Double.isNaN(apriori.medianMargin[l])) {
                assertThat(apriori.medianMargin[l]).as("a priori bound, layer %d median margin", l)
                        .isLessThan(5e-2 * apriori.maxZ[l]);
            }
        }
        assertThat(Math.abs(apriori.loss - measured.plainLoss)).as("a priori bound's loss against the plain network's")
                .isLessThan(0.1 * measured.plainLoss);
        assertThat(measured.certified).isTrue();
    }

    /** What one POLICEd chain gives at initialisation. */
    private record Chain(double[] maxShift, double[] medianMargin, double[] maxZ, float[][] shifts, double loss,
            double plainLoss, boolean certified) {

        double maxShiftDifference(Chain other, int l) {
            double d = 0;
            for (int q = 0; q < shifts[l].length; q++) {
                d = Math.max(d, Math.abs(shifts[l][q] - other.shifts[l][q]));
            }
            return d;
        }
    }

    private static Chain chain(double[][] v, boolean guard, boolean certify) {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet.Builder b = PolicedConvNet.builder().setInput(1, 8, 8);
            for (int i = 0; i < 14; i++) {
                b.conv(4, 3, 1, 1).batchNorm();
            }
            PolicedConvNet net = b.globalAvgPool().outputs(2).optMargin(MARGIN).optRoundingGuard(guard)
                    .setRegion(VertexRegion.of(v)).build();
            Engine.getInstance().setRandomSeed(7);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 64));
            PolicedNetwork.Trace trace = net.forwardWithTrace(new ParameterStore(manager, false),
                    manager.zeros(new Shape(0, 64)), false);
            int n = trace.layers().size();
            double[] maxShift = new double[n];
            double[] medianMargin = new double[n];
            double[] maxZ = new double[n];
            float[][] shifts = new float[n][];
            for (int l = 0; l < n; l++) {
                PolicedNetwork.LayerTrace t = trace.layers().get(l);
                shifts[l] = t.shift().toFloatArray();
                float[] z = t.vertexPreActivations().toFloatArray();
                int k = shifts[l].length;
                List<Double> margins = new ArrayList<>();
                for (int q = 0; q < k; q++) {
                    maxShift[l] = Math.max(maxShift[l], Math.abs(shifts[l][q]));
                    double m = Double.POSITIVE_INFINITY;
                    for (int p = 0; p < v.length; p++) {
                        m = Math.min(m, Math.abs(z[p * k + q]));
                        maxZ[l] = Math.max(maxZ[l], Math.abs(z[p * k + q]));
                    }
                    if (shifts[l][q] != 0) {
                        margins.add(m); // a shifted unit's closest vertex sits at its margin
                    }
                }
                medianMargin[l] = margins.isEmpty() ? Double.NaN : margins.stream().sorted().toList().get(margins.size() / 2);
            }
            FoldedNetwork folded = net.fold();
            boolean certified = certify && Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0)).certified();
            return new Chain(maxShift, medianMargin, maxZ, shifts, Nets.crossEntropy(folded, v),
                    Nets.crossEntropy(ConvFold.plain(net), v), certified);
        }
    }


    /**
     * The reference is carried for at most {@code VertexReference.MAX_VERTICES} vertices: with
     * one more, the margins are the a priori bound's bit for bit (what the system property that
     * switches the reference off gives); at the limit they are the measured ones, smaller in the
     * deep layers. Both networks certified.
     */
    @Test
    void regionsWithManyVerticesKeepTheAPrioriBound() {
        for (int p : new int[] {org.police4j.engine.VertexReference.MAX_VERTICES,
            org.police4j.engine.VertexReference.MAX_VERTICES + 1}) {
            double[][] v = points(23, p, p - 1, 1); // a simplex: P = D + 1, vertex rows under AUTO
            float[][] measured = hiddenMargins(v, true);
            float[][] aPriori = hiddenMargins(v, false);
            if (p > org.police4j.engine.VertexReference.MAX_VERTICES) {
                assertThat(measured).as("P = %d", p).isDeepEqualTo(aPriori);
            } else {
                float[] deepest = measured[measured.length - 1];
                float[] deepestAPriori = aPriori[aPriori.length - 1];
                double sum = 0;
                double sumAPriori = 0;
                for (int k = 0; k < deepest.length; k++) {
                    sum += deepest[k];
                    sumAPriori += deepestAPriori[k];
                }
                assertThat(sum).as("P = %d: measured margins of the last layer", p).isLessThan(sumAPriori);
            }
        }
    }

    /** The guard's margins of every hidden layer of a 4 x 32 MLP on the vertices, certified. */
    private static float[][] hiddenMargins(double[][] v, boolean reference) {
        String key = "police4j.guard.reference";
        String before = System.getProperty(key);
        System.setProperty(key, Boolean.toString(reference));
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(8);
            PolicedMlp net = PolicedMlp.builder().setHidden(32, 32, 32, 32).setOutputs(1)
                    .optMargin(MARGIN).setRegion(VertexRegion.of(v)).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, v[0].length));
            PolicedNetwork.Trace trace = net.forwardWithTrace(new ParameterStore(manager, false),
                    manager.zeros(new Shape(0, v[0].length)), false);
            float[][] margins = trace.layers().stream().map(PolicedNetwork.LayerTrace::margins).toArray(float[][]::new);
            assertThat(org.police4j.certify.Certify.policed(net).certified()).isTrue();
            return margins;
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }
}
