package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import org.police4j.network.FoldedNetwork;

/** Shared assertions. */
final class Checks {

    private Checks() {}

    /** The map reproduces net.evaluate at the points within 1e-9 relative. */
    static void reproduces(Certificate cert, FoldedNetwork net, double[][] points) {
        reproduces(cert, net, points, 1e-9);
    }

    /** The map reproduces net.evaluate at the points within {@code tolerance} relative. */
    static void reproduces(Certificate cert, FoldedNetwork net, double[][] points, double tolerance) {
        for (double[] x : points) {
            double[] y = net.evaluate(x);
            double[] m = cert.apply(x);
            for (int k = 0; k < y.length; k++) {
                assertThat(Math.abs(y[k] - m[k]))
                        .as("output %d at %s", k, java.util.Arrays.toString(x))
                        .isLessThanOrEqualTo(tolerance * (1 + Math.abs(y[k])));
            }
        }
    }

    /**
     * The fast path and the pure exact path prove the same signs, hence the same verdict, counts,
     * sides, map and deviations; only the reported min/max may differ within rounding.
     */
    static void sameAsExact(Certifier.Analysis fast, Certifier.Analysis exact) {
        sameAsExact(fast, exact, org.police4j.engine.Cpa.relu());
    }

    /**
     * {@link #sameAsExact(Certifier.Analysis, Certifier.Analysis)} for a network of activation
     * {@code act}: a violation's values straddle one of its kinks.
     */
    static void sameAsExact(Certifier.Analysis fast, Certifier.Analysis exact, org.police4j.engine.Cpa act) {
        Certificate f = fast.certificate;
        Certificate e = exact.certificate;
        assertThat(exact.exactVertices).isGreaterThan(0);
        assertThat(f.certified()).isEqualTo(e.certified());
        assertThat(f.hiddenLayers()).isEqualTo(e.hiddenLayers());
        assertThat(f.unitsChecked()).isEqualTo(e.unitsChecked());
        assertThat(f.offendingUnits()).isEqualTo(e.offendingUnits());
        assertThat(fast.sides).isDeepEqualTo(exact.sides);
        assertThat(f.a()).isDeepEqualTo(e.a());
        assertThat(f.b()).isEqualTo(e.b());
        assertThat(f.vertexDeviation()).isEqualTo(e.vertexDeviation());
        assertThat(f.interiorDeviation()).isEqualTo(e.interiorDeviation());
        if (e.firstViolation() == null) {
            assertThat(f.firstViolation()).isNull();
        } else {
            Violation fv = f.firstViolation();
            Violation ev = e.firstViolation();
            assertThat(fv.layer()).isEqualTo(ev.layer());
            assertThat(fv.unit()).isEqualTo(ev.unit());
            assertThat(fv.min()).isCloseTo(ev.min(),
                    org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(ev.min()))));
            assertThat(fv.max()).isCloseTo(ev.max(),
                    org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(ev.max()))));
            boolean straddles = false;
            for (int j = 0; j < act.kinkCount(); j++) {
                straddles |= fv.min() <= act.kink(j) && act.kink(j) <= fv.max() && fv.min() < fv.max();
            }
            assertThat(straddles).as("the violation [%s, %s] straddles a kink of %s", fv.min(), fv.max(), act).isTrue();
        }
    }
}
