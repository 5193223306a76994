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
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.Cpa;
import org.police4j.fold.Fold;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.nn.PolicedMlp;
import org.police4j.nn.PolicedNetwork;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.SupportRegion;
import org.police4j.testing.Nets;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * The rounding guard on a box or an l1 ball of more coordinates than axis points serve (an
 * image's), measured against the float64 {@code engine.MapReference}: over the whole region every
 * unit of the exact folded network stays on its piece, past the margin, where float32 error is
 * real, at every training step; and deep conv networks on a box no longer get margins the size of
 * their values, as they do with the a priori bound (docs/ROUNDING-DEPTH.md, "Boxes around images").
 */
class MapReferenceMarginsTest {

    private static final double MARGIN = 1e-4;
    private static final int D = 70; // beyond the axis points' 63

    @Test
    void everyUnitStaysPastItsKinkOverAWideL1BallAtEveryStep() throws Exception {
        List<String> failures = new ArrayList<>();
        int checks = 0;
        for (double scale : new double[] {1e3, 1e-3}) {
            for (Cpa activation : new Cpa[] {Cpa.leakyRelu(), Cpa.relu6()}) {
                double[] centre = new double[D];
                Random rnd = new Random(41);
                for (int j = 0; j < D; j++) {
                    centre[j] = scale * rnd.nextGaussian();
                }
                L1Ball region = L1Ball.of(centre, 0.5 * scale);
                String what = "l1 ball, inputs x" + scale + ", " + activation.id();
                try (Model model = Model.newInstance("map");
                        NDManager data = NDManager.newBaseManager()) {
                    int[] hidden = new int[8];
                    Arrays.fill(hidden, 24);
                    PolicedMlp net = PolicedMlp.builder().setHidden(hidden).setOutputs(2).optActivation(activation)
                            .optMargin(MARGIN).setRegion(region).build();
                    model.setBlock(net);
                    Engine.getInstance().setRandomSeed(8);
                    net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, D));
                    NDArray w = net.weight(0);
                    w.set(w.mul((float) (1 / scale)).toFloatArray());
                    double[][] xs = new double[32][D];
                    double[][] ys = new double[32][2];
                    for (int i = 0; i < xs.length; i++) {
                        for (int j = 0; j < D; j++) {
                            xs[i][j] = centre[j] + scale * rnd.nextGaussian();
                        }
                        ys[i][0] = Math.sin(xs[i][0] / scale);
                        ys[i][1] = Math.cos(xs[i][1] / scale);
                    }
                    failures.addAll(check(what + ", initial", net, region));
                    checks++;
                    int[] steps = {0};
                    Fit.create()
                            .optListener((step, loss, b) -> {
                                failures.addAll(check(what + ", step " + step, (PolicedMlp) b, region));
                                steps[0]++;
                            })
                            .fit(model, Nets.matrix(data, xs), Nets.matrix(data, ys),
                                    new TrainingSettings(3, 0.02, 0, 0, 1, LossKind.MSE, 16, 3));
                    checks += steps[0];
                }
            }
        }
        assertThat(checks).isEqualTo(4 * 4);
        assertThat(failures).isEmpty();
    }

    /**
     * Every hidden unit of the exact folded network at every vertex of the l1 ball (where an
     * affine function on it peaks): one piece for all of them, at least half the margin from its
     * kinks (the guard promises the margin); then the certificate.
     */
    private static List<String> check(String what, PolicedMlp net, SupportRegion region) {
        List<String> failures = new ArrayList<>();
        FoldedNetwork folded = Fold.weights(net);
        double[][] points = region.toVertexRegion(2 * D).vertices();
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
     * Twelve conv groups (conv 16 x 3 x 3, batch-norm, leaky-ReLU; a 2 x 2 max-pool after the
     * fourth, an overlapping 3 / 2 one after the eighth) on a box around a 1 x 8 x 8 input (64
     * coordinates): measured, the last conv layer's largest margin stays near the fixed margin
     * where the a priori bound's is many times it; both certify.
     */
    @Test
    void convGroupsOnAnImageBoxAreMeasured() {
        double[] centre = new double[64];
        Random rnd = new Random(13);
        for (int j = 0; j < centre.length; j++) {
            centre[j] = rnd.nextDouble();
        }
        Box box = Box.linf(centre, 0.01);
        double measured = lastConvLargestMargin(box, true);
        double aPriori = lastConvLargestMargin(box, false);
        System.out.printf(java.util.Locale.ROOT, "last conv layer's largest margin: measured %.3e, a priori %.3e%n",
                measured, aPriori);
        assertThat(measured).isLessThan(2 * MARGIN);
        assertThat(aPriori).isGreaterThan(10 * measured);
    }

    private static double lastConvLargestMargin(Box box, boolean reference) {
        return withReference(reference, () -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(6);
                PolicedConvNet.Builder b = PolicedConvNet.builder().setInput(1, 8, 8);
                for (int l = 0; l < 12; l++) {
                    b.conv(16, 3, 1, 1).batchNorm();
                    if (l == 3) {
                        b.maxPool(2, 2);
                    } else if (l == 7) {
                        b.maxPool(3, 2);
                    }
                }
                PolicedConvNet net = b.flatten().dense(8).outputs(2).optMargin(MARGIN).setRegion(box).build();
                net.initialize(manager, DataType.FLOAT32, new Shape(1, 64));
                List<PolicedNetwork.LayerTrace> layers = net.forwardWithTrace(
                        new ai.djl.training.ParameterStore(manager, false), manager.zeros(new Shape(0, 64)), false).layers();
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

    /** {@return what {@code body} gives with the guard's reference on or off (the system property), restored after} */
    private static <T> T withReference(boolean reference, java.util.function.Supplier<T> body) {
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
