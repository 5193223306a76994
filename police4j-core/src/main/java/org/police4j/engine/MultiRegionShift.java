package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * The shift for several regions at once, each allowed its own side (and so its own affine piece).
 * With {@code [lo_j, hi_j]} the range of a unit over region j, the shift must avoid the open
 * interval {@code (-hi_j - margin, margin - lo_j)} for every j; the feasible shift closest to 0
 * is one of the interval ends (or 0), found exactly per unit. A single shared sign for all regions
 * would instead make the network affine on the convex hull of their union, a far stronger and
 * usually unwanted constraint.
 */
public final class MultiRegionShift {

    private MultiRegionShift() {}

    /**
     * @param shift K shifts (differentiable: each is an end point of one region's range)
     * @param sides per region, per unit: the side (+1/-1) on which that region lies after the shift
     */
    public record Result(NDArray shift, float[][] sides) {
        /** {@return the K shifts as float32 values} */
        public float[] hostShift() {
            return LayerRange.floats(shift);
        }
    }

    /**
     * @param ranges one range per region, for the same layer
     * @param margin distance kept from the kink, for ranges without margins of their own
     * @return the closest-to-zero feasible shift and each region's sides
     */
    public static Result closestToZero(List<LayerRange> ranges, double margin) {
        int m = ranges.size();
        NDList ends = new NDList(2 * m);
        for (LayerRange r : ranges) {
            NDArray own = margins(r, margin);
            ends.add(own == null ? r.lo().neg().add(margin) : r.lo().neg().add(own)); // shift >= this: R_j positive
        }
        for (LayerRange r : ranges) {
            NDArray own = margins(r, margin);
            ends.add(own == null ? r.hi().neg().sub(margin) : r.hi().neg().sub(own)); // shift <= this: R_j negative
        }
        NDArray candidates = NDArrays.stack(ends, 0); // 2m x K
        int k = (int) candidates.getShape().get(1);
        float[] flat = candidates.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[] oneHot = new float[2 * m * k];
        float[][] sides = new float[m][k];
        for (int unit = 0; unit < k; unit++) {
            int best = -1;
            float bestValue = 0;
            if (!feasible(0f, flat, m, k, unit)) {
                float bestAbs = Float.POSITIVE_INFINITY;
                for (int c = 0; c < 2 * m; c++) {
                    float t = flat[c * k + unit];
                    if (Math.abs(t) < bestAbs && feasible(t, flat, m, k, unit)) {
                        bestAbs = Math.abs(t);
                        best = c;
                        bestValue = t;
                    }
                }
                oneHot[best * k + unit] = 1f;
            }
            for (int j = 0; j < m; j++) {
                sides[j][unit] = bestValue >= flat[j * k + unit] ? 1f : -1f;
            }
        }
        NDArray mask = candidates.getManager().create(oneHot, new Shape(2 * m, k)).toType(candidates.getDataType(), false);
        return new Result(candidates.mul(mask).sum(new int[] {0}), sides);
    }

    /** Region j's own per-unit margins (from its rounding guard) as an engine array, or null. */
    private static NDArray margins(LayerRange r, double margin) {
        float[] m = r.margins();
        return m == null ? null : r.lo().getManager().create(m).toType(r.lo().getDataType(), false);
    }

    private static boolean feasible(float t, float[] flat, int m, int k, int unit) {
        for (int j = 0; j < m; j++) {
            float up = flat[j * k + unit];
            float down = flat[(m + j) * k + unit];
            if (t < up && t > down) {
                return false;
            }
        }
        return true;
    }
}
