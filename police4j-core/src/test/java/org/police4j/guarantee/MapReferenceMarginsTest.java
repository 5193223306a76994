package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Zonotope;

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
                checks += MeasuredMapMarginsTest.trainAndCheck(
                        "l1 ball, inputs x" + scale + ", " + activation.id(), region, activation, scale, 8, rnd, failures);
            }
        }
        assertThat(checks).isEqualTo(4 * 4);
        assertThat(failures).isEmpty();
    }

    /**
     * A zonotope, which axis points never serve (its generators need not follow the axes): a
     * 2-D one of four generators under ten hidden layers, inputs x1e3 and x1e-3, measured against
     * the float64 map; every unit of the exact folded network at least half the margin from its
     * kinks at every vertex, certified, at every step.
     */
    @Test
    void everyUnitStaysPastItsKinkOverAZonotopeAtEveryStep() throws Exception {
        List<String> failures = new ArrayList<>();
        int checks = 0;
        for (double scale : new double[] {1e3, 1e-3}) {
            Random rnd = new Random(43);
            double[] centre = {scale * rnd.nextGaussian(), scale * rnd.nextGaussian()};
            double[][] generators = new double[2][4];
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 4; k++) {
                    generators[j][k] = 0.2 * scale * rnd.nextGaussian();
                }
            }
            checks += MeasuredMapMarginsTest.trainAndCheck("zonotope, inputs x" + scale, Zonotope.of(centre, generators),
                    Cpa.leakyRelu(), scale, 10, rnd, failures);
        }
        assertThat(checks).isEqualTo(2 * 4);
        assertThat(failures).isEmpty();
    }

    /**
     * 14 x 64 on a 2-D zonotope of four generators at initialisation: measured against the
     * float64 map, the last hidden layer's median shift stays below 1e-2 of its median value at
     * the centre; the a priori bound, which zonotopes kept until the float64 map, gives shifts of
     * a tenth of the values or more there; it certifies.
     */
    @Test
    void depthNoLongerInflatesShiftsOnAZonotope() {
        Zonotope zonotope = Zonotope.of(new double[] {0.3, 0.7},
                new double[][] {{0.03, -0.02, 0.01, 0.02}, {0.01, 0.03, -0.02, 0.01}});
        double[] measured = MeasuredMapMarginsTest.lastShiftOverValue(zonotope, true);
        double[] aPriori = MeasuredMapMarginsTest.lastShiftOverValue(zonotope, false);
        System.out.printf(java.util.Locale.ROOT, "zonotope, median |c| / median |z|: measured %.3e, a priori %.3e%n",
                measured[0], aPriori[0]);
        assertThat(measured[0]).as("median |c| / median |z|, measured").isLessThan(1e-2);
        assertThat(aPriori[0]).as("median |c| / median |z|, a priori").isGreaterThan(0.1);
        assertThat(measured[1]).as("certified").isEqualTo(1);
    }

    /**
     * Twelve conv groups (conv 16 x 3 x 3, batch-norm, leaky-ReLU; a 2 x 2 max-pool after the
     * fourth, an overlapping 3 / 2 one after the eighth) on a box around a 1 x 8 x 8 input (64
     * coordinates): measured, the last conv layer's largest margin stays near the fixed margin
     * where the a priori bound's is many times it; both certify.
     */
    @Test
    void convGroupsOnAnImageBoxAreMeasured() {
        double[] centre = MeasuredMapMarginsTest.uniformCentre(64, 13);
        Box box = Box.linf(centre, 0.01);
        double measured = MeasuredMapMarginsTest.lastConvLargestMargin(box, 8, true, true);
        double aPriori = MeasuredMapMarginsTest.lastConvLargestMargin(box, 8, true, false);
        System.out.printf(java.util.Locale.ROOT, "last conv layer's largest margin: measured %.3e, a priori %.3e%n",
                measured, aPriori);
        assertThat(measured).isLessThan(2 * MARGIN);
        assertThat(aPriori).isGreaterThan(10 * measured);
    }

    /**
     * The residual MLP of {@link MeasuredMapMarginsTest#residualJoinsOnABoxAreMeasuredToo} on a
     * 70-coordinate box: the joins (an identity branch shares its parent's map) are measured
     * against the float64 map, so the last join's median margin stays within a few times the fixed
     * margin (3.1e-4: the rest is the float32 rounding of the range the engine decides, 70 more
     * products per value); the a priori bound's is 136; both certify.
     */
    @Test
    void residualJoinsOnAWideBoxAreMeasured() {
        double[] centre = MeasuredMapMarginsTest.uniformCentre(D, 9);
        Box box = Box.linf(centre, 0.05);
        double measured = MeasuredMapMarginsTest.lastJoinMedianMargin(box, true);
        double aPriori = MeasuredMapMarginsTest.lastJoinMedianMargin(box, false);
        System.out.printf(java.util.Locale.ROOT, "last join's median margin: measured %.3e, a priori %.3e%n", measured, aPriori);
        assertThat(measured).isLessThan(5 * MARGIN);
        assertThat(aPriori).isGreaterThan(1000 * measured);
    }

    /**
     * Two boxes around 1 x 8 x 8 inputs in one conv network (six conv groups, batch-norm, a 2 x 2
     * and an overlapping 3 / 2 max-pool: one pool shift for both regions), trained three steps:
     * each region measured against its own float64 map, the network certified on both after every
     * step, each box's last conv layer's largest margin near the fixed margin.
     */
    @Test
    void twoImageBoxesInOneConvNetworkAreEachMeasured() throws Exception {
        Random rnd = new Random(17);
        List<Box> boxes = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            double[] centre = new double[64];
            for (int j = 0; j < centre.length; j++) {
                centre[j] = rnd.nextDouble();
            }
            boxes.add(Box.linf(centre, 0.01));
        }
        try (ai.djl.Model model = ai.djl.Model.newInstance("boxes");
                ai.djl.ndarray.NDManager data = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(3);
            org.police4j.conv.PolicedConvNet.Builder b = org.police4j.conv.PolicedConvNet.builder().setInput(1, 8, 8);
            for (int l = 0; l < 6; l++) {
                b.conv(8, 3, 1, 1).batchNorm();
                if (l == 1) {
                    b.maxPool(2, 2);
                } else if (l == 3) {
                    b.maxPool(3, 2);
                }
            }
            org.police4j.conv.PolicedConvNet net = b.flatten().dense(8).outputs(2).optMargin(MARGIN).setRegions(boxes).build();
            model.setBlock(net);
            net.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 64));
            double[][] xs = new double[16][64];
            double[][] ys = new double[16][2];
            for (int i = 0; i < xs.length; i++) {
                for (int j = 0; j < 64; j++) {
                    xs[i][j] = rnd.nextDouble();
                }
                ys[i][i % 2] = 1;
            }
            List<String> failures = new ArrayList<>();
            ai.djl.training.DefaultTrainingConfig config = new ai.djl.training.DefaultTrainingConfig(
                    ai.djl.training.loss.Loss.l2Loss()).optOptimizer(ai.djl.training.optimizer.Optimizer.adam()
                    .optLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(0.01f)).build());
            try (ai.djl.training.Trainer trainer = model.newTrainer(config)) {
                ai.djl.ndarray.NDArray x = org.police4j.testing.Nets.matrix(data, xs);
                ai.djl.ndarray.NDArray y = org.police4j.testing.Nets.matrix(data, ys);
                for (int step = 0; step < 3; step++) {
                    try (ai.djl.training.GradientCollector collector = trainer.newGradientCollector()) {
                        ai.djl.ndarray.NDArray out = trainer.forward(new ai.djl.ndarray.NDList(x)).singletonOrThrow();
                        collector.backward(trainer.getLoss().evaluate(new ai.djl.ndarray.NDList(y), new ai.djl.ndarray.NDList(out)));
                    }
                    trainer.step();
                    for (org.police4j.certify.Certificate cert : org.police4j.certify.Certify.perRegion(
                            net, org.police4j.certify.Certify.Options.defaults().optInteriorSamples(0))) {
                        if (!cert.certified()) {
                            failures.add("step " + step + ": " + cert.summary());
                        }
                    }
                }
            }
            assertThat(failures).isEmpty();
            List<org.police4j.nn.PolicedNetwork.LayerTrace> layers = net.forwardWithTrace(
                    new ai.djl.training.ParameterStore(data, false), data.zeros(new ai.djl.ndarray.types.Shape(0, 64)), false)
                    .layers();
            float largest = 0;
            for (float m : layers.get(layers.size() - 2).margins()) {
                largest = Math.max(largest, m);
            }
            assertThat((double) largest).as("last conv layer's largest margin").isLessThan(2 * MARGIN);
        }
    }
}
