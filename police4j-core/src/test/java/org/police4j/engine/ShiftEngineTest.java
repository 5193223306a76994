package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ShiftEngine#algorithm1} (engine arrays only) is the definition; {@link HostShift}, which
 * decides signs and worst vertices in Java for float32 vertex arrays (and for values held in Java
 * by the detached pass), is an optimisation of it. Both must give the same signs, the same shift
 * bit for bit, and the same gradient, also on exact ties: small integer pre-activations make many
 * vertices share the minimum, sit exactly at 0, or tie the majority vote (even P).
 */
class ShiftEngineTest {

    private static final int[] VERTEX_COUNTS = {1, 2, 3, 4, 5, 8, 33};

    @Test
    void hostShiftMatchesAlgorithm1OnTiesZerosAndEveryRule() {
        Random random = new Random(20261127);
        int cases = 0;
        int shiftedUnits = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (SignRule rule : SignRule.values()) {
                for (double margin : new double[] {0, 1e-4, 0.5}) {
                    ShiftEngine engine = new ShiftEngine(margin, rule);
                    for (int p : VERTEX_COUNTS) {
                        for (int trial = 0; trial < 12; trial++) {
                            int k = 1 + random.nextInt(40);
                            float[] values = new float[p * k];
                            for (int i = 0; i < values.length; i++) {
                                // Halves in [-2, 2]: exact ties, exact zeros, values at the margin 0.5.
                                values[i] = (random.nextInt(9) - 4) / 2f;
                            }
                            float[] upstream = new float[k];
                            for (int i = 0; i < k; i++) {
                                upstream[i] = (float) random.nextGaussian();
                            }
                            // Held sides (read by HYSTERESIS only): +1, -1 and none, null for none at all.
                            float[] held = null;
                            if (rule.remembers() && trial % 4 != 0) {
                                held = new float[k];
                                for (int i = 0; i < k; i++) {
                                    held[i] = random.nextInt(3) - 1;
                                }
                            }
                            Outcome host = run(manager, engine, values, p, k, upstream, held, false);
                            Outcome dense = run(manager, engine, values, p, k, upstream, held, true);
                            String where = rule + " margin " + margin + " P " + p + " K " + k + " trial " + trial;
                            assertSameNumbers(host.signs, dense.signs, "signs, " + where);
                            // Values held in Java (the detached pass): same signs and shift, no gradient.
                            ShiftEngine.Shift constant = engine.shift(LayerRange.ofHostVertices(values, p, manager), held);
                            assertSameNumbers(constant.signs().toFloatArray(), dense.signs, "constant signs, " + where);
                            assertSameNumbers(constant.shift().toFloatArray(), dense.shift, "constant shift, " + where);
                            assertSameNumbers(host.shift, dense.shift, "shift, " + where);
                            assertSameNumbers(host.gradient, dense.gradient, "gradient, " + where);
                            for (float c : host.shift) {
                                shiftedUnits += c != 0 ? 1 : 0;
                            }
                            cases++;
                        }
                    }
                }
            }
        }
        assertThat(cases).isEqualTo(SignRule.values().length * 3 * VERTEX_COUNTS.length * 12);
        assertThat(shiftedUnits).as("the cases must exercise the shift, not only zeros").isGreaterThan(1000);
    }

    /**
     * Lines 4-5 on a layer worked by hand (P = 4, margin 0.25): a tie (2 of 4 positive) goes to
     * +1, a zero is not positive, a unit already past the margin is not moved, and the shift puts
     * the worst vertex exactly the margin past the kink. CENTER differs from the vote where the
     * mean is 0 but only one vertex is positive.
     */
    @Test
    void algorithm1IsThePapersRuleOnALayerWorkedByHand() {
        float[] h = {
            1, 0, 3, -0.5f,
            2, 0, 3, -1,
            -1, 1, 3, -2,
            -2, -1, 3, 0};
        try (NDManager manager = NDManager.newBaseManager()) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                NDArray vertices = manager.create(h, new Shape(4, 4)).toType(type, false);
                ShiftEngine majority = new ShiftEngine(0.25, SignRule.MAJORITY);
                for (ShiftEngine.Shift shift : new ShiftEngine.Shift[] {
                    majority.algorithm1(LayerRange.ofVertices(vertices), null), majority.shift(LayerRange.ofVertices(vertices))}) {
                    assertThat(shift.signs().toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(1, -1, 1, -1);
                    assertThat(shift.shift().toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(2.25f, -1.25f, 0, -0.25f);
                }
                ShiftEngine.Shift centre = new ShiftEngine(0.25, SignRule.CENTER).algorithm1(LayerRange.ofVertices(vertices), null);
                assertThat(centre.signs().toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(1, 1, 1, -1);
                assertThat(centre.shift().toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(2.25f, 1.25f, 0, -0.25f);
            }
        }
    }

    /**
     * HYSTERESIS by hand on ranges [lo, hi]: a unit holding a side keeps it while any of its range
     * is on that side (zero included), and moves only when the whole range is strictly on the
     * other side; a unit holding none takes the midpoint's side (ties to +1). Same on both paths
     * and in both float types; a support region's range decides the same way.
     */
    @Test
    void hysteresisKeepsASideUntilTheOtherIsClearlyBetter() {
        // units (columns): [-1, 3], [-3, 1], [-1, 2], [-2, 2] (midpoints 1, -1, 0.5, 0)
        float[] h = {
            -1, -3, -1, -2,
            3, 1, 2, 2,
            1, 0, 0, 0};
        float[][] held = {{0, 0, 0, 0}, {-1, 1, -1, 1}, {1, -1, 1, -1}};
        float[][] expected = {{1, -1, 1, 1}, {-1, 1, -1, 1}, {1, -1, 1, -1}};
        try (NDManager manager = NDManager.newBaseManager()) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                NDArray vertices = manager.create(h, new Shape(3, 4)).toType(type, false);
                ShiftEngine engine = new ShiftEngine(0, SignRule.HYSTERESIS);
                for (int c = 0; c < held.length; c++) {
                    float[] before = c == 0 ? null : held[c];
                    for (ShiftEngine.Shift shift : new ShiftEngine.Shift[] {
                        engine.algorithm1(LayerRange.ofVertices(vertices), before),
                        engine.shift(LayerRange.ofVertices(vertices), before),
                        engine.shift(LayerRange.ofSupport(
                                manager.create(new float[] {1, -1, 0.5f, 0}).toType(type, false),
                                manager.create(new float[] {2, 2, 1.5f, 2}).toType(type, false)), before)}) {
                        assertThat(shift.signs().toType(DataType.FLOAT32, false).toFloatArray())
                                .as("held " + java.util.Arrays.toString(before) + ", " + type)
                                .containsExactly(expected[c]);
                    }
                }
                // Ranges [0.5, 3] held -1 and [-3, -0.5] held +1 move (no shift needed); [0, 3] held -1 stays.
                NDArray clear = manager.create(new float[] {0.5f, -3, 0, 3, -0.5f, 3}, new Shape(2, 3)).toType(type, false);
                for (ShiftEngine.Shift moved : new ShiftEngine.Shift[] {
                    engine.algorithm1(LayerRange.ofVertices(clear), new float[] {-1, 1, -1}),
                    engine.shift(LayerRange.ofVertices(clear), new float[] {-1, 1, -1})}) {
                    assertThat(moved.hostSigns()).containsExactly(1, -1, -1);
                    assertSameNumbers(moved.shift().toType(DataType.FLOAT32, false).toFloatArray(), new float[] {0, 0, -3}, "shift");
                }
            }
        }
    }

    @Test
    void noVertexRowsIsRefusedOnBothPaths() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ShiftEngine engine = new ShiftEngine(1e-4, SignRule.MAJORITY);
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                NDArray empty = manager.zeros(new Shape(0, 3), type);
                assertThatThrownBy(() -> engine.shift(LayerRange.ofVertices(empty)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("P = 0");
            }
        }
    }

    /** Bit-for-bit equal numbers, except that -0 and +0 count as the same shift. */
    private static void assertSameNumbers(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i] == expected[i]).as(what + ", entry " + i + ": " + actual[i] + " vs " + expected[i]).isTrue();
        }
    }

    private record Outcome(float[] signs, float[] shift, float[] gradient) {}

    private static Outcome run(
            NDManager manager, ShiftEngine engine, float[] values, int p, int k, float[] upstream, float[] held,
            boolean dense) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray h = scope.create(values, new Shape(p, k));
            h.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                LayerRange range = LayerRange.ofVertices(h);
                assertThat(HostShift.applies(range)).as("float32 on the CPU takes the Java path").isTrue();
                ShiftEngine.Shift shift = dense ? engine.algorithm1(range, held) : engine.shift(range, held);
                // + 0 * sum(H) keeps H in the graph when no unit needs a shift (a constant zero).
                collector.backward(shift.shift().mul(scope.create(upstream)).sum().add(h.sum().mul(0)));
                return new Outcome(
                        shift.signs().toFloatArray(), shift.shift().toFloatArray(), h.getGradient().toFloatArray());
            }
        }
    }
}
