package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;

/** Property tests over depth, width, number of vertices, dimension and activation. */
class CertifierProperties {

    enum Act {
        RELU(Cpa.relu()),
        LEAKY_RELU(Cpa.leakyRelu()),
        ABS(Cpa.abs());

        final Cpa cpa;

        Act(Cpa cpa) {
            this.cpa = cpa;
        }
    }

    private static final Certifier FAST = Certifier.builder().build();
    private static final Certifier EXACT = Certifier.builder().optFastPath(false).build();

    @Property(tries = 400, seed = "20230419")
    void policedNetworksAreCertifiedAndStraddlesAreRefused(
            @ForAll @IntRange(min = 1, max = 4) int depth,
            @ForAll @IntRange(min = 1, max = 16) int width,
            @ForAll @IntRange(min = 1, max = 8) int p,
            @ForAll @IntRange(min = 1, max = 4) int d,
            @ForAll Act act,
            @ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        Random rnd = new Random(seed);
        int[] widths = new int[depth];
        java.util.Arrays.fill(widths, width);
        double[][] vertices = Nets.randomPoints(rnd, p, d);
        double[][] inside = Nets.convexCombinations(rnd, vertices, 10);
        FoldedNetwork net =
                Nets.policed(rnd, Nets.randomNet(rnd, act.cpa, d, widths, 2), vertices, 0.6);

        Certifier.Analysis fast = FAST.analyze(net, vertices, inside);
        Certificate cert = fast.certificate;
        assertThat(cert.certified()).as(cert.summary()).isTrue();
        assertThat(cert.hiddenLayers()).isEqualTo(depth);
        assertThat(cert.unitsChecked()).isEqualTo(depth * width);
        Checks.reproduces(cert, net, vertices);
        Checks.reproduces(cert, net, inside);
        Checks.sameAsExact(fast, EXACT.analyze(net, vertices, inside));

        int layer = rnd.nextInt(depth);
        int unit = rnd.nextInt(width);
        FoldedNetwork bent = Nets.straddling(net, vertices, layer, unit);
        if (bent == null) {
            return; // e.g. P = 1, or a unit the vertices do not move
        }
        Certifier.Analysis refused = FAST.analyze(bent, vertices, inside);
        assertThat(refused.certificate.certified()).isFalse();
        assertThat(refused.certificate.firstViolation().layer()).isEqualTo(layer);
        assertThat(refused.certificate.firstViolation().unit()).isEqualTo(unit);
        assertThat(refused.certificate.firstViolation().min()).isNegative();
        assertThat(refused.certificate.firstViolation().max()).isPositive();
        Checks.sameAsExact(refused, EXACT.analyze(bent, vertices, inside));
    }
}
