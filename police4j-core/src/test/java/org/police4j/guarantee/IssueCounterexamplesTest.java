package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;
import org.police4j.testing.ExactChecker;

/**
 * Issue 13's certificate counterexamples as regression tests: the certificate must refuse what
 * the independent exact checker refutes (the network the certificate speaks about is the stored
 * float32 one, on the exact region).
 */
class IssueCounterexamplesTest {

    /** relu(x - 1), head 1 * u. */
    private static FoldedNetwork kinkAtOne() {
        return FoldedNetwork.mlp(
                List.of(new Dense(new float[][] {{1f}}, new float[] {-1f})),
                new Dense(new float[][] {{1f}}, new float[] {0f}),
                Cpa.relu());
    }

    // Depends on the integrator's fix for issue 13 (support regions certified on exact corners):
    // fails on the code before it.
    @Test
    void supportRegionsAreCertifiedOnTheirExactCorners() {
        double r = 0.5 + 0x1p-53; // the upper corner 1 + 2^-53 rounds to 1 in double
        List<Region> regions = List.of(
                Box.of(new double[] {0.5}, new double[] {r}),
                L1Ball.of(new double[] {0.5}, r),
                Zonotope.of(new double[] {0.5}, new double[][] {{r}}));
        for (Region region : regions) {
            ExactChecker.Result exact = ExactChecker.check(kinkAtOne(), region);
            assertThat(exact.affine()).as("checker on %s", region.describe()).isFalse();
            Certificate cert = Certify.of(kinkAtOne(), region, Certify.Options.defaults().optInteriorSamples(8).optSeed(1));
            assertThat(cert.certified())
                    .as("certificate on %s (the region holds points above 1 where the unit is active; checker: %s): %s",
                            region.describe(), exact, cert.summary())
                    .isFalse();
        }
    }

    // Depends on the integrator's fix for issue 13 (one leaky slope, the deployed float32 one):
    // fails on the code before it.
    @Test
    void theCertificateUsesTheDeployedLeakySlope() {
        FoldedNetwork net = FoldedNetwork.mlp(
                List.of(
                        new Dense(new float[][] {{-1f}}, new float[] {0f}),
                        new Dense(new float[][] {{-1f}}, new float[] {-1f})),
                new Dense(new float[][] {{1f}}, new float[] {0f}),
                Cpa.leakyRelu(0.01));
        VertexRegion segment = VertexRegion.of(new double[][] {{100}, {200}});
        ExactChecker.Result exact = ExactChecker.check(net, segment);
        assertThat(exact.affine()).as(exact.toString()).isFalse();
        Certificate cert = Certify.of(net, segment, Certify.Options.defaults().optInteriorSamples(8).optSeed(1));
        assertThat(cert.certified())
                .as("with the slope 0.01f, u2 = 0.01f x - 1 ranges over [-2.2e-8, 1] on [100, 200]; checker: %s; certificate: %s",
                        exact, cert.summary())
                .isFalse();
    }

    @Test
    void certificateAndCheckerAgreeAwayFromTheRoundingCorners() {
        // Controls that hold before and after the fix: clear straddles and clear one-sided regions.
        VertexRegion straddling = VertexRegion.of(new double[][] {{0}, {2}});
        VertexRegion below = VertexRegion.of(new double[][] {{-3}, {0.75}});
        assertThat(ExactChecker.check(kinkAtOne(), straddling).affine()).isFalse();
        assertThat(Certify.of(kinkAtOne(), straddling, Certify.Options.defaults().optInteriorSamples(8).optSeed(1)).certified()).isFalse();
        assertThat(ExactChecker.check(kinkAtOne(), below).affine()).isTrue();
        assertThat(Certify.of(kinkAtOne(), below, Certify.Options.defaults().optInteriorSamples(8).optSeed(1)).certified()).isTrue();
        Box box = Box.of(new double[] {0.25}, new double[] {0.5});
        assertThat(ExactChecker.check(kinkAtOne(), box).affine()).isTrue();
        assertThat(Certify.of(kinkAtOne(), box, Certify.Options.defaults().optInteriorSamples(8).optSeed(1)).certified()).isTrue();
    }
}
