package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The piece rules of activations with several kinks ({@link PieceRule}, {@link
 * ShiftEngine#pieces}) reduce, for one kink at zero, to today's signs and shifts ({@link
 * ShiftEngine#algorithm1}, the definition): piece 1 exactly where the sign is +1, the same
 * float32 shift, for random H whose entries are drawn from a few values so that ties (half the
 * vertices positive, equal shifts on both sides, a centre exactly 0) and exact zeros are common.
 * And with several kinks the rule only chooses feasible pieces and the shift puts every vertex
 * inside its piece with the margin.
 */
class PieceRuleProperties {

    private static final float[] VALUES = {-3f, -1f, -0.5f, -0.25f, 0f, 0.25f, 0.5f, 1f, 3f};

    @Property(tries = 300, seed = "20")
    void oneKinkAtZeroGivesTodaysSignsAndShifts(
            @ForAll @IntRange(min = 1, max = 6) int p,
            @ForAll @IntRange(min = 1, max = 7) int k,
            @ForAll @IntRange(min = 0, max = 2) int margin,
            @ForAll @IntRange(min = 0, max = 3) int rule,
            @ForAll @IntRange(min = 0, max = 2) int activation,
            @ForAll long seed) {
        java.util.Random rng = new java.util.Random(seed);
        float[] h = new float[p * k];
        for (int i = 0; i < h.length; i++) {
            h[i] = VALUES[rng.nextInt(VALUES.length)];
        }
        float[] held = new float[k]; // HYSTERESIS: sides -1/0/+1 for the definition, pieces + 1 for the rule
        float[] heldPieces = new float[k];
        for (int unit = 0; unit < k; unit++) {
            held[unit] = rng.nextInt(3) - 1;
            heldPieces[unit] = held[unit] == 0 ? 0 : held[unit] > 0 ? 2 : 1;
        }
        Cpa cpa = new Cpa[] {Cpa.relu(), Cpa.leakyRelu(), Cpa.abs()}[activation];
        ShiftEngine engine = new ShiftEngine(new double[] {0, 0.25, 1e-4}[margin], SignRule.values()[rule]);
        assertThat(SignRule.values()[3]).isEqualTo(SignRule.HYSTERESIS);
        try (NDManager manager = NDManager.newBaseManager()) {
            ShiftEngine.Shift definition = engine.algorithm1(LayerRange.ofVertices(manager.create(h, new Shape(p, k))), held);
            ShiftEngine.Shift pieces = engine.pieces(LayerRange.ofVertices(manager.create(h, new Shape(p, k))), cpa, heldPieces);
            float[] signs = definition.signs().toFloatArray();
            float[] chosen = pieces.hostSigns();
            for (int unit = 0; unit < k; unit++) {
                assertThat(chosen[unit] == 1f).as("unit %d of %s: piece %s, sign %s", unit, Arrays.toString(h),
                        chosen[unit], signs[unit]).isEqualTo(signs[unit] > 0);
            }
            float[] c = pieces.shift().toFloatArray();
            float[] expected = definition.shift().toFloatArray();
            for (int unit = 0; unit < k; unit++) { // equal as numbers (a zero shift may differ in its sign bit)
                assertThat(c[unit] == expected[unit]).as("shift of unit %d of %s: %s vs %s", unit, Arrays.toString(h),
                        c[unit], expected[unit]).isTrue();
            }
        }
    }

    @Property(tries = 300, seed = "21")
    void severalKinksChooseFeasiblePiecesAndShiftInsideThem(
            @ForAll @IntRange(min = 1, max = 6) int p,
            @ForAll @IntRange(min = 1, max = 7) int k,
            @ForAll @IntRange(min = 0, max = 3) int rule,
            @ForAll @IntRange(min = 0, max = 2) int activation,
            @ForAll long seed) {
        java.util.Random rng = new java.util.Random(seed);
        float[] h = new float[p * k];
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) (rng.nextInt(41) - 20) * 0.5f; // -10..10 by halves: on kinks, ties, wide ranges
        }
        Cpa cpa = new Cpa[] {Cpa.relu6(), Cpa.hardTanh(),
            Cpa.piecewise(new double[] {-2, 0.5, 3}, new double[] {0.25, 1, -0.5, 2}, -1)}[activation];
        float m = 0.125f;
        ShiftEngine engine = new ShiftEngine(m, SignRule.values()[rule]);
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] held = new float[k]; // HYSTERESIS: a held piece plus one, or 0
            for (int unit = 0; unit < k; unit++) {
                held[unit] = rng.nextInt(cpa.kinkCount() + 2);
            }
            ShiftEngine.Shift shift = engine.shift(LayerRange.ofVertices(manager.create(h, new Shape(p, k))), held, cpa);
            float[] piece = shift.hostSigns();
            float[] c = shift.shift().toFloatArray();
            for (int unit = 0; unit < k; unit++) {
                int j = (int) piece[unit];
                double below = j == 0 ? Double.NEGATIVE_INFINITY : cpa.kink(j - 1) + m;
                double above = j == cpa.kinkCount() ? Double.POSITIVE_INFINITY : cpa.kink(j) - m;
                for (int row = 0; row < p; row++) {
                    double v = h[row * k + unit] + c[unit];
                    assertThat(v).as("unit %d, vertex %d, piece %d of %s", unit, row, j, cpa).isBetween(below, above);
                }
            }
        }
    }

    /** A range wider than ReLU6's middle piece never goes there, whatever its centre says. */
    @Test
    void aRangeWiderThanTheMiddlePieceGoesToAnOuterPiece() {
        float[] h = {-2f, 8f}; // one unit, two vertices: centre 3 (middle piece), width 10 > 6
        for (SignRule rule : new SignRule[] {SignRule.MAJORITY, SignRule.CENTER, SignRule.MINIMAL_SHIFT}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                ShiftEngine.Shift s = new ShiftEngine(1e-3, rule)
                        .shift(LayerRange.ofVertices(manager.create(h, new Shape(2, 1))), null, Cpa.relu6());
                float piece = s.hostSigns()[0];
                float c = s.shift().toFloatArray()[0];
                assertThat(piece).as(rule.name()).isIn(0f, 2f);
                if (piece == 0f) {
                    assertThat(8f + c).isLessThan(0f).isCloseTo(-1e-3f, org.assertj.core.data.Offset.offset(1e-6f));
                } else {
                    assertThat(-2f + c).isGreaterThan(6f).isCloseTo(6.001f, org.assertj.core.data.Offset.offset(1e-6f));
                }
            }
        }
        // a range that fits stays in the middle piece when its centre is there
        try (NDManager manager = NDManager.newBaseManager()) {
            ShiftEngine.Shift s = new ShiftEngine(1e-3, SignRule.CENTER)
                    .shift(LayerRange.ofVertices(manager.create(new float[] {-1f, 4f}, new Shape(2, 1))), null, Cpa.relu6());
            assertThat(s.hostSigns()[0]).isEqualTo(1f);
            assertThat(s.shift().toFloatArray()[0]).isEqualTo((float) (0 + 1e-3) - (-1f));
        }
    }
}
