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
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.testing.ExactChecker;
import org.police4j.testing.RoundedCorners;

/**
 * Issue 13's certificate counterexamples as regression tests: the certificate must refuse what
 * the independent exact checker refutes (the network the certificate speaks about is the stored
 * float32 one, on the exact region).
 */
class IssueCounterexamplesTest {

    /** relu(x - 1), head 1 * u. */

    // Depends on the integrator's fix for issue 13 (support regions certified on exact corners):
    // fails on the code before it.
    @Test
    void supportRegionsAreCertifiedOnTheirExactCorners() {
        List<Region> regions = RoundedCorners.supportRegions();
        for (Region region : regions) {
            ExactChecker.Result exact = ExactChecker.check(RoundedCorners.kinkAtOne(), region);
            assertThat(exact.affine()).as("checker on %s", region.describe()).isFalse();
            Certificate cert = Certify.of(RoundedCorners.kinkAtOne(), region, Certify.Options.defaults().optInteriorSamples(8).optSeed(1));
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
        assertThat(ExactChecker.check(RoundedCorners.kinkAtOne(), straddling).affine()).isFalse();
        assertThat(Certify.of(RoundedCorners.kinkAtOne(), straddling, Certify.Options.defaults().optInteriorSamples(8).optSeed(1)).certified()).isFalse();
        assertThat(ExactChecker.check(RoundedCorners.kinkAtOne(), below).affine()).isTrue();
        assertThat(Certify.of(RoundedCorners.kinkAtOne(), below, Certify.Options.defaults().optInteriorSamples(8).optSeed(1)).certified()).isTrue();
        Box box = Box.of(new double[] {0.25}, new double[] {0.5});
        assertThat(ExactChecker.check(RoundedCorners.kinkAtOne(), box).affine()).isTrue();
        assertThat(Certify.of(RoundedCorners.kinkAtOne(), box, Certify.Options.defaults().optInteriorSamples(8).optSeed(1)).certified()).isTrue();
    }
}
