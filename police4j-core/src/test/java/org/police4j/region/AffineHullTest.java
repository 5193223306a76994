package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AffineHullTest {

    @Test
    void dimensionOfFullDegenerateAndSinglePointRegions() {
        assertThat(AffineHull.of(Regions.paperSquare()).dimension()).isEqualTo(2);
        assertThat(AffineHull.of(Regions.simplex(5)).dimension()).isEqualTo(5);
        // duplicates and collinear points: a segment
        double[][] line = {{0, 0, 0}, {1, 2, 3}, {1, 2, 3}, {2, 4, 6}, {0.5, 1, 1.5}};
        assertThat(AffineHull.of(line).dimension()).isEqualTo(1);
        // coplanar in 3-D
        double[][] plane = {{0, 0, 1}, {1, 0, 1}, {0, 1, 1}, {1, 1, 1}};
        AffineHull h = AffineHull.of(plane);
        assertThat(h.dimension()).isEqualTo(2);
        assertThat(h.isFull()).isFalse();
        // one point, repeated
        assertThat(AffineHull.of(new double[][] {{3, 4}, {3, 4}}).dimension()).isZero();
        // rounding-level noise on a line does not count as a direction
        double[][] noisy = {{0, 0}, {1, 1}, {2, 2 + 1e-13}};
        assertThat(AffineHull.of(noisy).dimension()).isEqualTo(1);
    }

    @Test
    void restrictedMapAgreesOnTheHullAndIgnoresOtherDirections() {
        double[][] line = {{1, 1, 0}, {3, 2, 0}};
        AffineHull h = AffineHull.of(line);
        double[][] a = {{2, -1, 5}, {0.5, 4, -3}};
        double[] b = {1, -2};
        double[][][] r = h.restrict(a, b);
        Random rng = new Random(1);
        for (int t = 0; t < 20; t++) {
            double s = rng.nextDouble() * 4 - 2;
            double[] x = {1 + 2 * s, 1 + s, 0};
            for (int k = 0; k < 2; k++) {
                double full = b[k];
                double restricted = r[1][0][k];
                for (int j = 0; j < 3; j++) {
                    full += a[k][j] * x[j];
                    restricted += r[0][k][j] * x[j];
                }
                assertThat(restricted).isCloseTo(full, within(1e-12));
            }
        }
        // no dependence on the direction orthogonal to the segment, e.g. (0, 0, 1)
        assertThat(r[0][0][2]).isCloseTo(0, within(1e-15));
        assertThat(r[0][1][2]).isCloseTo(0, within(1e-15));
    }
}
