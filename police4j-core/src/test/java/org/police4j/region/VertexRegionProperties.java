package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Membership properties on random vertex sets (P in 1..12 vertices, D in 1..5, scales from 1e-3
 * to 1e3), including degenerate hulls (repeated, collinear or flat vertex sets that jqwik's edge
 * cases produce), with fixed seeds so failures reproduce.
 */
class VertexRegionProperties {

    /** A vertex set and the scale its coordinates live on. */
    record Cloud(double[][] vertices, double scale) {}

    @Provide
    Arbitrary<Cloud> clouds() {
        Arbitrary<Integer> p = Arbitraries.integers().between(1, 12);
        Arbitrary<Integer> d = Arbitraries.integers().between(1, 5);
        Arbitrary<Double> scale = Arbitraries.of(1e-3, 1.0, 1e3);
        return Combinators.combine(p, d, scale)
                .flatAs(
                        (pp, dd, s) ->
                                Arbitraries.doubles()
                                        .between(-1, 1)
                                        .ofScale(6)
                                        .map(x -> x * s)
                                        .array(double[].class)
                                        .ofSize(dd)
                                        .array(double[][].class)
                                        .ofSize(pp)
                                        .map(v -> new Cloud(v, s)));
    }

    private static double tolerance(Cloud c) {
        return 1e-9 * c.scale();
    }

    @Property(seed = "20230101", tries = 200)
    void everySampledPointIsContained(@ForAll("clouds") Cloud c, @ForAll long seed) {
        VertexRegion r = VertexRegion.of(c.vertices());
        for (double[] x : r.sample(5, new Random(seed))) {
            assertThat(r.contains(x, tolerance(c))).as("sample %s", java.util.Arrays.toString(x)).isTrue();
        }
    }

    @Property(seed = "20230102", tries = 200)
    void everyVertexIsContained(@ForAll("clouds") Cloud c) {
        VertexRegion r = VertexRegion.of(c.vertices());
        for (double[] v : c.vertices()) {
            assertThat(r.contains(v, tolerance(c))).isTrue();
        }
    }

    @Property(seed = "20230103", tries = 200)
    void theCentreIsContained(@ForAll("clouds") Cloud c) {
        VertexRegion r = VertexRegion.of(c.vertices());
        assertThat(r.contains(r.center(), tolerance(c))).isTrue();
    }

    @Property(seed = "20230104", tries = 200)
    void aPointFarOutsideIsNot(@ForAll("clouds") Cloud c) {
        VertexRegion r = VertexRegion.of(c.vertices());
        double[] far = r.center();
        far[0] += 1000 * c.scale();
        assertThat(r.contains(far, tolerance(c))).isFalse();
    }

    @Property(seed = "20230105", tries = 100)
    void aPointJustBeyondAVertexAlongTheCentreRayIsNotContainedWhenTheVertexIsExtreme(
            @ForAll("clouds") Cloud c) {
        // The vertex farthest from the centre is extreme; moving further away along the ray
        // from the centre by 1 % of the scale leaves the hull.
        VertexRegion r = VertexRegion.of(c.vertices());
        double[] m = r.center();
        double[] best = null;
        double bestDist = -1;
        for (double[] v : r.vertices()) {
            double dist = 0;
            for (int j = 0; j < v.length; j++) {
                dist += (v[j] - m[j]) * (v[j] - m[j]);
            }
            if (dist > bestDist) {
                bestDist = dist;
                best = v;
            }
        }
        if (bestDist <= 0) {
            return; // a single point: nothing beyond
        }
        double len = Math.sqrt(bestDist);
        double[] beyond = best.clone();
        for (int j = 0; j < beyond.length; j++) {
            beyond[j] += 0.01 * c.scale() * (best[j] - m[j]) / len;
        }
        assertThat(r.contains(beyond, tolerance(c))).isFalse();
    }
}
