package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Several regions meeting one max-pool ({@link PoolShift#joint}): with one shift per position,
 * every window has one winner that beats each other real position by the margin at every vertex
 * of every region, for tiling, overlapping and padded windows and regions far apart (whose own
 * majorities and orders disagree). The shift taken from the first region alone does not.
 */
class JointPoolShiftTest {

    static final List<PoolWindows> GEOMETRIES = new ArrayList<>(OrderedPoolShiftTest.GEOMETRIES);

    static {
        GEOMETRIES.add(new PoolWindows(2, 4, 6, 2, 2, 2, 2, 0, 0, false)); // tiling
    }

    @Test
    void oneShiftServesEveryRegionAndTheFirstRegionAloneDoesNot() {
        double margin = 1e-2; // the check allows 0.1% of it: float32 rounding of values up to ~10
        Random rng = new Random(17);
        int firstOnlyFailures = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (PoolWindows w : GEOMETRIES) {
                for (int trial = 0; trial < 4; trial++) {
                    int regions = 2 + trial % 2;
                    List<float[]> values = new ArrayList<>();
                    List<PoolShift.Side> sides = new ArrayList<>();
                    for (int j = 0; j < regions; j++) {
                        int p = 2 + rng.nextInt(3);
                        float[] v = new float[p * w.inputs()];
                        float[] offset = new float[w.inputs()]; // each region around its own "image"
                        for (int i = 0; i < offset.length; i++) {
                            offset[i] = (float) (3 * rng.nextGaussian());
                        }
                        for (int i = 0; i < v.length; i++) {
                            v[i] = offset[i % w.inputs()] + (float) rng.nextGaussian();
                        }
                        values.add(v);
                        NDArray pre = manager.create(v, new Shape(p, w.c(), w.h(), w.w()));
                        sides.add(PoolShift.Side.ofVertices(pre, w));
                    }
                    PoolShift.Joint joint = PoolShift.joint(sides, w, margin, null);
                    long[] winners = joint.result(sides.get(0)).winner().toLongArray();
                    float[] d = joint.shift().toFloatArray();
                    for (int j = 0; j < regions; j++) {
                        int p = values.get(j).length / w.inputs();
                        OrderedPoolShiftTest.assertHolds(w, values.get(j), d, winners, p, margin,
                                "joint, " + w + " trial " + trial + " region " + j);
                    }
                    PoolShift.Joint first = PoolShift.joint(sides.subList(0, 1), w, margin, null);
                    long[] firstWinners = first.result(sides.get(0)).winner().toLongArray();
                    float[] firstShift = first.shift().toFloatArray();
                    for (int j = 1; j < regions; j++) {
                        int p = values.get(j).length / w.inputs();
                        try {
                            OrderedPoolShiftTest.assertHolds(w, values.get(j), firstShift, firstWinners, p, margin, "first");
                        } catch (AssertionError expected) {
                            firstOnlyFailures++;
                        }
                    }
                }
            }
        }
        assertThat(firstOnlyFailures).as("regions the first region's shift leaves straddling a window").isPositive();
    }

    /** Per-region window margins: each region's constraint takes its own margin. */
    @Test
    void eachRegionKeepsItsOwnWindowMargins() {
        PoolWindows w = new PoolWindows(1, 5, 5, 3, 3, 2, 2, 0, 0, false);
        Random rng = new Random(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<PoolShift.Side> sides = new ArrayList<>();
            List<float[]> values = new ArrayList<>();
            for (int j = 0; j < 2; j++) {
                float[] v = new float[3 * w.inputs()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rng.nextGaussian();
                }
                values.add(v);
                sides.add(PoolShift.Side.ofVertices(manager.create(v, new Shape(3, 1, 5, 5)), w));
            }
            float[] small = new float[w.outputs()];
            float[] large = new float[w.outputs()];
            java.util.Arrays.fill(small, 1e-3f);
            java.util.Arrays.fill(large, 0.5f);
            PoolShift.Joint joint = PoolShift.joint(sides, w, 0, List.of(small, large));
            long[] winners = joint.result(sides.get(0)).winner().toLongArray();
            float[] d = joint.shift().toFloatArray();
            OrderedPoolShiftTest.assertHolds(w, values.get(0), d, winners, 3, 1e-3, "region 0, margin 1e-3");
            OrderedPoolShiftTest.assertHolds(w, values.get(1), d, winners, 3, 0.5, "region 1, margin 0.5");
        }
    }
}
