package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A tracked map's extra terms (the D products of the range the engine decides on) enter a
 * layer's margin but not the error the map carries to the next layer: two guards that differ
 * only in their extra terms give next-layer margins that differ by that layer's own extra
 * rounding, nothing carried from the layer before.
 */
class RoundingGuardExtraTermsTest {

    private static final double U = 0x1p-24;

    @Test
    void theDecidedRangesRoundingIsNotCarried() {
        int t = 100;
        double withTerms = nextMargin(t);
        double without = nextMargin(0);
        // layer 1: a row of three ones, zero bias, inputs of magnitude 8 (1 + 2u) after the activation
        double ownTerms = (gamma(3 + t + 8) - gamma(3 + 8)) * 3 * 8 * (1 + 2 * U);
        assertThat(withTerms - without).isGreaterThan(0.99 * ownTerms).isLessThan(ownTerms * (1 + 1e-6) + 1e-11);
    }

    private static double gamma(int m) {
        return m * U / (1 - m * U);
    }

    private static double nextMargin(int extraTerms) {
        try (NDManager manager = NDManager.newBaseManager()) {
            RoundingGuard guard = new RoundingGuard(1e-4, Cpa.relu(), new double[] {1, 1, 1}, extraTerms);
            float[] first = new float[9];
            Arrays.fill(first, 0.5f);
            guard.margins(0, manager.create(first, new Shape(3, 3)), manager.zeros(new Shape(3)));
            guard.leave(new double[] {8, 8, 8}, new float[] {1, 1, 1});
            return guard.margins(1, manager.ones(new Shape(1, 3)), manager.zeros(new Shape(1)))[0];
        }
    }
}
