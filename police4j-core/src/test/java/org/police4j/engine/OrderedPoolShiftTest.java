package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Overlapping and padded max-pool windows: the ordered shift ({@link PoolShift#compute(NDArray,
 * PoolWindows, double, float[])} and its support form) leaves, in every window, every other real
 * position below the window's winner by the margin at every vertex (so on all of R), for random
 * maps of several geometries; it is differentiable; and the per-window majority rule it replaces
 * can ask for a cycle no shift satisfies.
 */
class OrderedPoolShiftTest {

    static final List<PoolWindows> GEOMETRIES = List.of(
            new PoolWindows(2, 7, 7, 3, 3, 2, 2, 0, 0, false), // NiN, AlexNet
            new PoolWindows(1, 6, 6, 3, 3, 2, 2, 1, 1, false), // ResNet's stem
            new PoolWindows(2, 5, 6, 3, 2, 1, 1, 1, 1, false), // stride 1: long chains
            new PoolWindows(1, 1, 9, 1, 4, 1, 2, 0, 2, false)); // 1-D

    @Test
    void everyWinnerBeatsEveryOtherPositionOfItsWindowAtEveryVertex() {
        double margin = 1e-3;
        Random rng = new Random(11);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (PoolWindows w : GEOMETRIES) {
                for (int trial = 0; trial < 5; trial++) {
                    int p = 2 + trial;
                    float[] v = new float[p * w.inputs()];
                    for (int i = 0; i < v.length; i++) { // from trial 3 on, many ties (and -0 against 0)
                        v[i] = trial < 3 ? (float) rng.nextGaussian() : (rng.nextInt(3) - 1) * (rng.nextBoolean() ? 1f : -0f);
                    }
                    NDArray pre = manager.create(v, new Shape(p, w.c(), w.h(), w.w()));
                    PoolShift.Result r = PoolShift.compute(pre, w, margin, null);
                    float[] d = r.shift().toFloatArray();
                    long[] winners = r.winner().toLongArray();
                    assertHolds(w, v, d, winners, p, margin, "vertex rows " + w + " trial " + trial);
                }
            }
        }
    }

    static void assertHolds(PoolWindows w, float[] v, float[] d, long[] winners, int p, double margin, String what) {
        int n = w.inputs();
        for (float di : d) {
            assertThat(di).as("%s: shifts are >= 0", what).isGreaterThanOrEqualTo(0f);
        }
        for (int u = 0; u < w.outputs(); u++) {
            int win = w.input(u, (int) winners[u]);
            assertThat(win).as("%s: window %d's winner is a real position", what, u).isGreaterThanOrEqualTo(0);
            for (int q = 0; q < w.window(); q++) {
                int x = w.input(u, q);
                if (x < 0 || x == win) {
                    continue;
                }
                for (int vert = 0; vert < p; vert++) {
                    double ahead = (v[vert * n + win] - d[win]) - (v[vert * n + x] - d[x]);
                    assertThat(ahead).as("%s: window %d, position %d, vertex %d", what, u, q, vert)
                            .isGreaterThanOrEqualTo(margin * 0.999);
                }
            }
        }
    }

    /** The support form: over a box of half-width r around the centre, the winner stays ahead at every corner. */
    @Test
    void theSupportFormHoldsOverTheWholeBox() {
        double margin = 1e-3;
        Random rng = new Random(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (PoolWindows w : GEOMETRIES) {
                int dims = 2;
                int n = w.inputs();
                float[] c = new float[n];
                float[] a = new float[dims * n];
                for (int i = 0; i < n; i++) {
                    c[i] = (float) rng.nextGaussian();
                }
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (0.3 * rng.nextGaussian());
                }
                NDArray centre = manager.create(c, new Shape(1, w.c(), w.h(), w.w()));
                NDArray directions = manager.create(a, new Shape(dims, w.c(), w.h(), w.w()));
                UnaryOperator<NDArray> box = m -> m.abs().sum(new int[] {0}); // the unit box's support
                PoolShift.SupportResult r = PoolShift.fromSupport(centre, directions, w, margin, null, box);
                float[] d = r.shift().toFloatArray();
                // the four corners of the box: x = centre + s1 a1 + s2 a2
                float[] corners = new float[4 * n];
                for (int k = 0; k < 4; k++) {
                    int s1 = (k & 1) == 0 ? 1 : -1;
                    int s2 = (k & 2) == 0 ? 1 : -1;
                    for (int i = 0; i < n; i++) {
                        corners[k * n + i] = c[i] + s1 * a[i] + s2 * a[n + i];
                    }
                }
                long[] winners = new long[w.outputs()];
                for (int u = 0; u < winners.length; u++) { // the centre's winner, ties to the lower index
                    int best = -1;
                    for (int q = 0; q < w.window(); q++) {
                        int x = w.input(u, q);
                        if (x >= 0 && (best < 0 || c[x] > c[w.input(u, best)])) {
                            best = q;
                        }
                    }
                    winners[u] = best;
                }
                assertHolds(w, corners, d, winners, 4, margin * 0.99, "support " + w);
                // the pooled map is the winner's, less its shift
                float[] pooled = r.centre().toFloatArray();
                for (int u = 0; u < winners.length; u++) {
                    int x = w.input(u, (int) winners[u]);
                    assertThat(pooled[u]).isEqualTo(c[x] - d[x]);
                }
            }
        }
    }

    /**
     * A chain: windows {0, 1, 2} and {2, 3, 4} (stride 2); position 0 ranks first, then 2, then 3.
     * Position 2 loses the first window, {@code d2 = h2 - h0 + m}; it wins the second, where 3
     * loses: {@code d3 = d2 + h3 - h2 + m = h3 - h0 + 2m}. The shift carries that gradient.
     */
    @Test
    void theShiftCarriesGradientAlongAChain() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray h = manager.create(new float[] {5, 0, 4.75f, 4.5f, 0}, new Shape(1, 1, 1, 5));
            h.setRequiresGradient(true);
            PoolWindows w = new PoolWindows(1, 1, 5, 1, 3, 1, 2, 0, 0, false);
            PoolShift.Result r;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                r = PoolShift.compute(h, w, 0.5, null);
                gc.backward(r.shift().sum());
            }
            assertThat(r.winner().toLongArray()).containsExactly(0L, 0L); // 0 in {0,1,2}, 2 in {2,3,4}
            assertThat(r.shift().toFloatArray()).containsExactly(0f, 0f, 0.25f, 0.5f, 0f);
            assertThat(h.getGradient().toFloatArray()).containsExactly(-2f, 0f, 1f, 1f, 0f);
        }
    }

    /**
     * The counterexample of docs/POOLING.md: two 2 x 2 windows sharing a column {a, b}; per-window
     * majorities elect a in the first and b in the second, so a must beat b and b must beat a by
     * the margin at every vertex, which no shift achieves. The ordered rule elects one of them in
     * both windows and satisfies every window.
     */
    @Test
    void perWindowMajoritiesCanCycleTheOrderedRuleCannot() {
        // positions (row-major 2 x 3): x1 = 0, a = 1, y1 = 2, x2 = 3, b = 4, y2 = 5
        float[][] vertices = {
            {0, 5, 9, 0, 4, 0}, // a wins window 1, y1 window 2
            {0, 5, 0, 0, 4, 9}, // a wins window 1, y2 window 2
            {9, 4, 0, 0, 5, 0}, // x1 wins window 1, b window 2
            {0, 4, 0, 9, 5, 0}, // x2 wins window 1, b window 2
        };
        PoolWindows w = new PoolWindows(1, 2, 3, 2, 2, 1, 1, 0, 0, false);
        int[] majority = new int[2];
        for (int u = 0; u < 2; u++) {
            int[] votes = new int[6];
            for (float[] v : vertices) {
                int best = -1;
                for (int q = 0; q < 4; q++) {
                    int x = w.input(u, q);
                    best = best < 0 || v[x] > v[best] ? x : best;
                }
                votes[best]++;
            }
            for (int x = 0; x < 6; x++) {
                majority[u] = votes[x] > votes[majority[u]] ? x : majority[u];
            }
        }
        assertThat(majority).containsExactly(1, 4); // a, then b: a must beat b and b must beat a
        float[] v = new float[24];
        for (int p = 0; p < 4; p++) {
            System.arraycopy(vertices[p], 0, v, 6 * p, 6);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            PoolShift.Result r = PoolShift.compute(manager.create(v, new Shape(4, 1, 2, 3)), w, 0.1, null);
            assertHolds(w, v, r.shift().toFloatArray(), r.winner().toLongArray(), 4, 0.1, "shared column");
        }
    }
}
