package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.Cpa;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.IntervalMapEval;
import org.police4j.network.Layer;
import org.police4j.region.Box;
import org.police4j.testing.IntervalWalk;
import org.police4j.testing.UnitRanges;

/**
 * The support certificate of CNNs (conv, batch-norm, max-pool, average pool, dense) on small
 * boxes, judged by the exact vertex certificate on the box's vertices: a trained POLICEd CNN is
 * certified by both, with the same counts and map; broken and un-POLICEd CNNs are refused by
 * both when they bend on the box; and the interval bounds of every layer enclose the double evaluation at points of the box.
 */
class SupportCertifierCnnTest {

    /** A 9-D box (a 3x3 image) whose 512 vertices are exact doubles: centre on a 2^-20 grid, radius 2^-3. */
    static Box box(Random rnd) {
        double[] m = new double[9];
        for (int j = 0; j < m.length; j++) {
            m[j] = 0.5 + Math.floor(rnd.nextDouble() * 0x1p18) * 0x1p-20 * 1.5;
        }
        return Box.linf(m, 0x1p-3);
    }

    /** conv 4x2x2 pad 1 (4x4) -> max-pool 2 -> dense 6 -> 2, or with batch-norm, a second conv and average pool over 9. */
    static PolicedConvNet build(Cpa act, Box box, boolean deep) {
        PolicedConvNet.Builder b = PolicedConvNet.builder()
                .optActivation(act)
                .setRegion(box.toVertexRegion(512))
                .setInput(1, 3, 3);
        if (deep) {
            b.conv(3, 2, 1, 1).batchNorm().maxPool(2, 2).conv(4, 2, 1, 1).globalAvgPool();
        } else {
            b.conv(4, 2, 1, 1).maxPool(2, 2).flatten();
        }
        return b.dense(deep ? 5 : 6).outputs(2).build();
    }

    /** Trains the POLICEd CNN 20 AdamW steps on noisy points around the box's centre, then folds it. */
    static FoldedNetwork trainAndFold(PolicedConvNet net, Box box, long seed) {
        return ConvOnSupportRegionTest.trainAndFold(net, box, 1, seed);
    }

    /** Both certificates of the network on the box; they must agree on certified-or-not. */
    static Certificate[] both(FoldedNetwork net, Box box, double[][] interior) {
        Certificate exact = Certifier.certify(net, box.toVertexRegion(512).vertices(), interior);
        Certificate support = SupportCertifier.certify(net, box, interior);
        assertThat(support.certified()).as("support vs exact: %s / %s", support.summary(), exact.summary())
                .isEqualTo(exact.certified());
        return new Certificate[] {support, exact};
    }

    /** Moves the bias of the first conv's widest unit into the middle of its range over the box. */
    static FoldedNetwork broken(FoldedNetwork net, Box box) {
        Layer.Conv conv = (Layer.Conv) net.layers().get(0);
        UnitRanges r = UnitRanges.over(box.toVertexRegion(512).vertices(), conv.bias().length,
                v -> org.police4j.network.DoubleEval.apply(conv, v));
        int widest = r.widest();
        float[] bias = conv.bias().clone();
        bias[widest] -= (float) ((r.lo[widest] + r.hi[widest]) / 2);
        return net.with(0, conv.withBias(bias));
    }

    @Test
    void aTrainedPolicedCnnIsCertifiedByBothAndBrokenItIsRefusedByBoth() {
        int certified = 0;
        int refused = 0;
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu())) {
            for (boolean deep : new boolean[] {false, true}) {
                Random rnd = new Random(deep ? 21 : 12);
                Box box = box(rnd);
                FoldedNetwork net = trainAndFold(build(act, box, deep), box, 5);
                assertThat(net.hasMaxPool()).isTrue();
                double[][] interior = box.sample(16, new Random(3));
                SupportCertifier.Result res = SupportCertifier.analyze(net, box, interior);
                Certificate[] c = both(net, box, interior);
                assertThat(c[0].certified()).as("%s deep=%b: %s", act.id(), deep, c[0].summary()).isTrue();
                assertThat(c[0].unitsChecked()).as("units and windows").isEqualTo(c[1].unitsChecked());
                assertThat(c[0].hiddenLayers()).isEqualTo(c[1].hiddenLayers());
                SupportCertifierTest.assertMapsAgree(c[0], c[1]);
                assertThat(res.mapUncertainty()).isLessThan(1e-12);
                assertThat(c[0].interiorDeviation()).isLessThan(1e-5);
                certified++;

                IntervalMapEval[] last = new IntervalMapEval[1];
                assertThat(IntervalWalk.walk(net, box, box.sample(20, new Random(4)), last))
                        .as("every side and winner proved").isNotNull();

                // the widest conv unit made to straddle: refused unless its window's winner hides it
                Certificate[] b = both(broken(net, box), box, interior);
                if (!b[0].certified()) {
                    assertThat(b[0].firstViolation().layer()).isZero();
                    refused++;
                }
            }
        }
        assertThat(certified).isEqualTo(4);
        assertThat(refused).isGreaterThanOrEqualTo(2);
    }

    /**
     * Un-POLICEd CNNs (random weights and biases, never shifted) on boxes of radii 2^-3 to 2^-9:
     * the larger boxes bend them, the smaller ones do not; both certificates agree every time, and
     * where the support certificate proves, the interval bounds enclose the double evaluation.
     */
    @Test
    void unPolicedCnnsAgreeWithTheVertexCertificateAtEveryScale() {
        Random rnd = new Random(33);
        int yes = 0;
        int no = 0;
        List<String> seen = new ArrayList<>();
        for (int rep = 0; rep < 8; rep++) {
            for (int scale = 3; scale <= 9; scale += 2) {
                Box unit = box(rnd);
                Box box = Box.linf(unit.center(), Math.scalb(1.0, -scale));
                Cpa act = rep % 2 == 0 ? Cpa.relu() : Cpa.leakyRelu(0.125);
                FoldedNetwork net = randomCnn(rnd, act, rep % 4 >= 2);
                Certificate[] c = both(net, box, null);
                if (c[0].certified()) {
                    yes++;
                    assertThat(c[0].unitsChecked()).isEqualTo(c[1].unitsChecked());
                    SupportCertifierTest.assertMapsAgree(c[0], c[1]);
                    IntervalMapEval[] last = new IntervalMapEval[1];
                    assertThat(IntervalWalk.walk(net, box, box.sample(20, new Random(rep)), last)).isNotNull();
                } else {
                    no++;
                    Violation v = c[0].firstViolation();
                    assertThat(v.min()).as("an unproved unit or window has a negative low bound").isNegative();
                }
                seen.add(scale + ":" + c[0].certified());
            }
        }
        assertThat(yes).as("certified by both: %s", seen).isGreaterThanOrEqualTo(6);
        assertThat(no).as("refused by both: %s", seen).isGreaterThanOrEqualTo(6);
    }

    /** conv 3x2x2 pad 1 -> max-pool 2 -> act -> [conv 2x2x2 pad 1 -> act -> average over 9 | flatten] -> dense -> 2. */
    static FoldedNetwork randomCnn(Random rnd, Cpa act, boolean averaged) {
        List<Layer> layers = new ArrayList<>();
        layers.add(new Layer.Conv(1, 3, 3, 3, 2, 2, 1, 1, 1, floats(rnd, 12), floats(rnd, 48)));
        layers.add(new Layer.MaxPool(3, 4, 4, 2, 2));
        layers.add(new Layer.Activation(act));
        if (averaged) {
            layers.add(new Layer.Conv(3, 2, 2, 2, 2, 2, 1, 1, 1, floats(rnd, 24), floats(rnd, 18)));
            layers.add(new Layer.Activation(act));
            layers.add(new Layer.GlobalAvgPool(2, 3, 3));
            layers.add(Nets.randomLayer(rnd, 2, 2, 0.5));
        } else {
            layers.add(new Layer.Flatten(3, 2, 2));
            layers.add(Nets.randomLayer(rnd, 12, 5, 0.5));
            layers.add(new Layer.Activation(act));
            layers.add(Nets.randomLayer(rnd, 5, 2, 0.5));
        }
        return new FoldedNetwork(new Shape(1, 3, 3), layers);
    }

    static float[] floats(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (rnd.nextGaussian() * 0.5);
        }
        return f;
    }
}
