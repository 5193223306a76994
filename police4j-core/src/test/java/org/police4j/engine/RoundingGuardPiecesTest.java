package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link RoundingGuard#leave(double[], float[])}: a unit the shift put on a flat piece (ReLU's
 * off side, ReLU6's bottom and top, hard-tanh's ends) passes no error to the next layer, so the
 * next layer's margins do not depend on how large the error before it was; a unit on a sloped
 * piece passes it on; without sides every unit passes it at the Lipschitz constant.
 */
class RoundingGuardPiecesTest {

    @Test
    void flatPiecesPassNoError() {
        check(Cpa.relu(), new float[] {-1, -1, -1}, new float[] {-1, 1, -1});
        check(Cpa.relu6(), new float[] {0, 2, 0}, new float[] {0, 1, 2}); // pieces 0..2, piece 1 sloped
        check(Cpa.hardTanh(), new float[] {2, 0, 2}, new float[] {1, 0, 2});
    }

    @Test
    void aFlatPiecesValueStillCountsInTheNextRounding() {
        // ReLU6's top piece passes no error but the value 6, which the next layer's products round
        // (their bound, the magnitudes the engine reports, grows with the values before the clip)
        double[] top = nextMargins(Cpa.relu6(), 0.5f, new float[] {2, 2, 2}, 8);
        double[] higher = nextMargins(Cpa.relu6(), 0.5f, new float[] {2, 2, 2}, 80);
        assertThat(higher[0]).isGreaterThan(top[0]);
    }

    /**
     * A float64 pass (the {@link MapReference}'s bound) evaluates a several-kink activation on the
     * unit's piece: what it passes on is float64's rounding of the value, not the engine's float32
     * formula's (which would put a 2^-24-sized term into every such layer of the float64 bound).
     */
    @Test
    void aFloat64PassEvaluatesAPiecewiseActivationOnItsPiece() {
        Cpa cpa = Cpa.piecewise(new double[] {-1, 1}, new double[] {0.125, 1, 0.375}, (double) 0.3f);
        try (NDManager manager = NDManager.newBaseManager()) {
            double[] passed = new double[2];
            double[] roundoffs = {0x1p-53, 0x1p-24};
            for (int i = 0; i < 2; i++) {
                RoundingGuard guard = new RoundingGuard(0, cpa, new double[] {1, 1, 1}, 0, roundoffs[i]);
                float[] first = new float[9];
                Arrays.fill(first, 0.5f);
                guard.margins(0, manager.create(first, new Shape(3, 3)), manager.zeros(new Shape(3)));
                guard.leave(new double[] {8, 8, 8}, new float[] {1, 1, 1});
                guard.margins(1, manager.ones(new Shape(1, 3)), manager.zeros(new Shape(1)));
                passed[i] = guard.errors()[0];
            }
            assertThat(passed[0]).as("float64 pass").isLessThan(1e-12);
            assertThat(passed[1]).as("float32 pass").isGreaterThan(1e-7);
        }
    }

    private static void check(Cpa cpa, float[] flat, float[] oneSloped) {
        double[] small = nextMargins(cpa, 0.5f, flat);
        double[] large = nextMargins(cpa, 50f, flat);
        assertThat(small).as("%s: all flat, the error before does not matter", cpa.id()).containsExactly(large);
        double[] sloped = nextMargins(cpa, 50f, oneSloped);
        double[] lipschitz = nextMargins(cpa, 50f, null);
        assertThat(sloped[0]).as("%s: one sloped unit passes its error", cpa.id()).isGreaterThan(large[0]);
        assertThat(lipschitz[0]).as("%s: every unit at the Lipschitz constant", cpa.id()).isGreaterThan(sloped[0]);
    }

    /** Layer 0 (3 x 3, every weight {@code w}), left on {@code sides}, then the margins of a 1 x 3 row of ones. */
    private static double[] nextMargins(Cpa cpa, float w, float[] sides) {
        return nextMargins(cpa, w, sides, 8);
    }

    private static double[] nextMargins(Cpa cpa, float w, float[] sides, double magnitude) {
        try (NDManager manager = NDManager.newBaseManager()) {
            RoundingGuard guard = new RoundingGuard(1e-4, cpa, new double[] {1, 1, 1}, 0);
            float[] first = new float[9];
            Arrays.fill(first, w);
            guard.margins(0, manager.create(first, new Shape(3, 3)), manager.zeros(new Shape(3)));
            guard.leave(new double[] {magnitude, magnitude, magnitude}, sides);
            float[] m = guard.margins(1, manager.ones(new Shape(1, 3)), manager.zeros(new Shape(1)));
            double[] out = new double[m.length];
            for (int i = 0; i < m.length; i++) {
                out[i] = m[i];
            }
            return out;
        }
    }
}
