package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer.Dense;
import org.police4j.region.Box;

/**
 * The certificates check every kink: a unit of a ReLU6 network whose values over R are [5, 7]
 * is above kink 0 but crosses kink 6, so the network is not affine on R and neither certificate
 * may say it is (a certificate that looked only at the first kink would). Ranges inside one
 * closed piece, kinks included, are certified, with the exact map of that piece.
 */
class EveryKinkTest {

    /** x in [0, 1] -> h = w x + b -> relu6 -> output = h' (one unit each). */
    private static FoldedNetwork net(float w, float b, Cpa cpa) {
        return FoldedNetwork.mlp(List.of(new Dense(new float[][] {{w}}, new float[] {b})),
                new Dense(new float[][] {{1f}}, new float[] {0f}), cpa);
    }

    private static final double[][] SEGMENT = {{0}, {1}};
    private static final Box BOX = Box.of(new double[] {0.5}, new double[] {0.5});

    @Test
    void aRangeAcrossTheSecondKinkIsRefusedByBothCertificates() {
        FoldedNetwork across = net(2f, 5f, Cpa.relu6()); // [5, 7]: kink 6 inside
        Certificate exact = Certifier.certify(across, SEGMENT, null);
        assertThat(exact.certified()).as(exact.summary()).isFalse();
        assertThat(exact.firstViolation().layer()).isZero();
        assertThat(exact.firstViolation().unit()).isZero();
        Certificate support = SupportCertifier.certify(across, BOX, null);
        assertThat(support.certified()).as(support.summary()).isFalse();
        // hard-tanh: [0.5, 1.5] crosses kink 1 only
        assertThat(Certifier.certify(net(1f, 0.5f, Cpa.hardTanh()), SEGMENT, null).certified()).isFalse();
        assertThat(SupportCertifier.certify(net(1f, 0.5f, Cpa.hardTanh()), BOX, null).certified()).isFalse();
    }

    @Test
    void rangesInsideOneClosedPieceAreCertifiedWithThatPiecesMap() {
        // [0, 6] is the closed middle piece: slope 1, intercept 0 -> y = 6 x
        Certificate middle = Certifier.certify(net(6f, 0f, Cpa.relu6()), SEGMENT, null);
        assertThat(middle.certified()).as(middle.summary()).isTrue();
        assertThat(middle.a()[0][0]).isEqualTo(6.0);
        assertThat(middle.b()[0]).isEqualTo(0.0);
        // [6, 8] is the closed top piece: y = 6
        Certificate top = Certifier.certify(net(2f, 6f, Cpa.relu6()), SEGMENT, null);
        assertThat(top.certified()).as(top.summary()).isTrue();
        assertThat(top.a()[0][0]).isEqualTo(0.0);
        assertThat(top.b()[0]).isEqualTo(6.0);
        // the support certificate rounds outward: a range touching a kink is not proved, one inside is
        Certificate topSupport = SupportCertifier.certify(net(2f, 6.5f, Cpa.relu6()), BOX, null);
        assertThat(topSupport.certified()).as(topSupport.summary()).isTrue();
        assertThat(topSupport.b()[0]).isCloseTo(6.0, org.assertj.core.data.Offset.offset(1e-12));
        // a custom CPA's piece with an intercept: kinks -2, 0.5, 3; on [0.5, 3] f(x) = 1.75 - 0.5 x (f(-2) = -1, f(0.5) = 1.5)
        Cpa custom = Cpa.piecewise(new double[] {-2, 0.5, 3}, new double[] {0.25, 1, -0.5, 2}, -1);
        Certificate piece = Certifier.certify(net(2f, 0.75f, custom), SEGMENT, null); // [0.75, 2.75]
        assertThat(piece.certified()).as(piece.summary()).isTrue();
        assertThat(piece.a()[0][0]).isEqualTo(-1.0);
        assertThat(piece.b()[0]).isEqualTo(1.75 - 0.5 * 0.75);
        assertThat(SupportCertifier.certify(net(2f, 0.75f, custom), BOX, null).certified()).isTrue();
        assertThat(Certifier.certify(net(2f, 0.25f, custom), SEGMENT, null).certified()).as("[0.25, 2.25] crosses 0.5").isFalse();
    }

    /**
     * A CNN (conv, max-pool, dense; and conv, batch-norm, pool, conv, global average) on a box
     * given by its support, with ReLU6 and hard-tanh, trained at scales 1 and 1000: the support
     * certificate and the exact one on the box's corners both certify the fold.
     */
    @Test
    void aCnnOnABoxWithSeveralKinksIsCertifiedByBothCertificates() {
        for (Cpa act : List.of(Cpa.relu6(), Cpa.hardTanh())) {
            for (double scale : new double[] {1, 1000}) {
                for (boolean deep : new boolean[] {false, true}) {
                    java.util.Random rnd = new java.util.Random(deep ? 21 : 12);
                    double[] centre = SupportCertifierCnnTest.box(rnd).center();
                    for (int j = 0; j < centre.length; j++) {
                        centre[j] *= scale;
                    }
                    Box box = Box.linf(centre, 0.5 * scale);
                    FoldedNetwork folded = ConvOnSupportRegionTest.trainAndFold(
                            ConvOnSupportRegionTest.build(act, box, deep), box, scale, 5);
                    Certificate[] c = SupportCertifierCnnTest.both(folded, box, null);
                    String name = act.id() + (deep ? " deep" : " shallow") + " at " + scale;
                    assertThat(c[0].certified()).as(name + ": " + c[0].summary()).isTrue();
                    assertThat(c[1].certified()).as(name + ": " + c[1].summary()).isTrue();
                }
            }
        }
    }
}
