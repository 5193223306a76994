package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.police4j.numeric.DoubleDouble;
import org.police4j.numeric.Rounding;
import org.police4j.region.SupportRegion;

/**
 * The folded float32 network's affine map on a support region (a box, an l1 ball, a zonotope),
 * {@code z*(x) = r + R^T (x - c)}, carried natively in float64 beside the engine's float32 map: the
 * reference of a region that axis points do not serve (an image's box has hundreds of
 * coordinates; a zonotope's generators need not follow the axes).
 *
 * <p>Why: without a reference the guard bounds a tracked map's error a priori, a bound that
 * compounds through {@code |W|} with depth, and deep conv networks on a box around an image got
 * margins, and shifts, far larger than their values (docs/ROUNDING-DEPTH.md, "Boxes around
 * images"). Here, for every unit k and every x in R, {@code |h_k(x) - z*_k(x)| <= |a_k - r_k| +
 * w(A_k - R_k) + B_k}: the engine's map {@code (a, A)} against this reference's, measured ({@code
 * w} the region's half-width, widened by {@code (D + 2) u sum_i e_i |A_ik - R_ik|}, {@code e} its
 * {@link SupportRegion#halfExtents()}, for the rounding of the difference and of w's own dot
 * products), plus the reference's own bound {@code B}: the {@link RoundingGuard}'s a priori
 * recursion with float64's unit roundoff, which compounds as the float32 bound does, 29 bits lower.
 *
 * <p>The reference computes what the certificate checks: the region's double centre and shape,
 * the fold's float32 weights and biases ({@link FoldedParameters}) cast exactly to float64, each
 * layer's bias formed from the engine's float32 shift once the layer is decided, each max-pool
 * window's winner the engine's (its margins make it the exact network's winner over all of R), each
 * unit on the piece the engine put the region on. No gradient flows through it.
 */
public final class MapReference implements RegionReference {

    private static final double U = Rounding.U;
    private static final double TINY = DoubleDouble.TINY;

    private final NDManager manager;
    private final Cpa activation;
    private final int dimension;
    private final UnaryOperator<NDArray> halfWidths;
    private final NDArray magnitudeRow; // 1 x D: max |x_i| over R
    private final NDArray extentRow; // 1 x D: max |x_i - c_i| over R
    private final RoundingGuard bound;
    private NDArray centre; // 1 x K: the map at the region's centre, after the last layer left
    private NDArray directions; // D x K, null for the identity (the region's own coordinates)
    /** Whether {@link #directions} may be another reference's too (a fork's): then it is not closed once used. */
    private boolean shared;

    // the layer entered, until it is left
    private NDArray preCentre; // 1 x K before the fold's bias, pool and activation
    private NDArray preDirections;
    private float[] preBias;
    private PoolWindows pool;
    private float[] engineCentre; // the engine's centre before the pool shift: the windows' winners
    private double[] preBound;
    /** Whether the entered map's arrays are this layer's own (a join of one branch passes the branch's on). */
    private boolean ownsPre;
    /** Set when a unit's side is unknown (never, under POLICE): the reference cannot follow, and measures no more. */
    private boolean lost;

    /**
     * @param region a box, an l1 ball or a zonotope
     * @param manager where the reference's arrays are made (the forward's: they go with it)
     * @param activation the network's activation
     * @param regionMagnitude {@link org.police4j.region.Region#magnitude()}
     */
    public MapReference(SupportRegion region, NDManager manager, Cpa activation, double[] regionMagnitude) {
        this.manager = manager;
        this.activation = activation;
        this.dimension = region.dimension();
        this.halfWidths = region.halfWidths(manager, DataType.FLOAT64);
        this.magnitudeRow = manager.create(regionMagnitude).reshape(1, dimension);
        this.extentRow = manager.create(region.halfExtents()).reshape(1, dimension);
        this.bound = new RoundingGuard(0, activation, regionMagnitude, 0, U);
        this.centre = manager.create(region.center()).reshape(1, dimension);
        this.directions = null;
    }

    private MapReference(MapReference parent) {
        this.manager = parent.manager;
        this.activation = parent.activation;
        this.dimension = parent.dimension;
        this.halfWidths = parent.halfWidths;
        this.magnitudeRow = parent.magnitudeRow;
        this.extentRow = parent.extentRow;
        this.bound = parent.bound.fork();
        this.centre = parent.centre;
        this.directions = parent.directions;
        this.lost = parent.lost;
        this.shared = true;
        parent.shared = true;
    }

    @Override
    public MapReference fork() {
        return new MapReference(this);
    }

    @Override
    public void held(Consumer<NDArray> keep) {
        keep.accept(magnitudeRow);
        keep.accept(extentRow);
        keep.accept(centre);
        keep.accept(directions);
    }

    @Override
    public double[] dense(int layer, NDArray weight, NDArray bias, RegionPass pass, LayerRange range) {
        if (lost) {
            return null;
        }
        float[] b = LayerRange.floats(bias);
        int k = b.length;
        try (Temporaries t = new Temporaries()) {
            NDArray wt = t.of(t.of(t.of(weight.stopGradient()).toType(DataType.FLOAT64, true)).transpose());
            bound.margins(layer, weight, bias);
            // on the input the directions are W^T itself: a copy, not a D x D product (the engine's too)
            NDArray a = directions == null ? wt.duplicate() : directions.matMul(wt);
            entered(centre.matMul(wt), a, b, null, bound.errors(), true);
            release();
        }
        NDArray[] map = pass.enteredMap();
        return measured(map[0].reshape(1, k), map[1].reshape(dimension, k));
    }

    @Override
    public double[] conv(int layer, Stencil stencil, NDArray weight, NDArray bias, NDArray scale, NDArray offset,
            PoolWindows pool, NDArray affine, NDArray linear) {
        if (lost) {
            return null;
        }
        FoldedParameters.Conv folded = FoldedParameters.conv(LayerRange.floats(weight), LayerRange.floats(bias),
                scale == null ? null : LayerRange.floats(scale), offset == null ? null : LayerRange.floats(offset),
                stencil.outH() * stencil.outW());
        int k = stencil.outputs();
        try (Temporaries t = new Temporaries()) {
            NDArray w64 = t.of(t.of(manager.create(folded.weights(), weight.getShape())).toType(DataType.FLOAT64, false));
            NDArray c = stencil.convolve(centre, w64, null);
            NDArray a = stencil.convolve(directions == null ? t.of(identity()) : directions, w64, null);
            bound.margins(layer, stencil, weight, bias, scale, offset, pool, null);
            entered(t.of(c).reshape(1, k), t.of(a).reshape(dimension, k), folded.positionBias(), pool,
                    perPosition(bound.errors(), pool, k), true);
            release();
        }
        engineCentre = pool == null ? null : LayerRange.floats(affine);
        return measured(affine.reshape(1, k), linear.reshape(dimension, k));
    }

    /** Each position's bound: the largest of the windows holding it (their bound is their members' largest). */
    private static double[] perPosition(double[] perUnit, PoolWindows pool, int positions) {
        if (pool == null) {
            return perUnit;
        }
        double[] b = new double[positions];
        for (int u = 0; u < perUnit.length; u++) {
            for (int q : pool.members(u)) {
                b[q] = Math.max(b[q], perUnit[u]);
            }
        }
        return b;
    }

    @Override
    public double[] join(int layer, List<RegionReference> branches, Join join, RegionPass pass, LayerRange range) {
        lost = branches.stream().anyMatch(b -> ((MapReference) b).lost);
        if (lost) {
            return null;
        }
        List<NDArray> centres = new ArrayList<>(branches.size());
        List<NDArray> rows = new ArrayList<>(branches.size());
        List<RoundingGuard> bounds = new ArrayList<>(branches.size());
        for (RegionReference r : branches) {
            MapReference b = (MapReference) r;
            centres.add(b.centre);
            rows.add(b.directions == null ? identity() : b.directions);
            bounds.add(b.bound);
        }
        bound.joinMargins(layer, bounds, join, null);
        NDArray c = join.apply(centres);
        int k = (int) c.getShape().get(1);
        entered(c, join.apply(rows), new float[k], null, bound.errors(), branches.size() > 1);
        NDArray[] map = pass.enteredMap();
        return measured(map[0].reshape(1, k), map[1].reshape(dimension, k));
    }

    /**
     * Closes the directions the layer just entered was computed from, unless a fork holds them:
     * D x K doubles per layer (an image's box through GoogLeNet: hundreds of MB) would otherwise
     * stay until the forward ends.
     */
    private void release() {
        if (directions != null && !shared) {
            directions.close();
        }
        directions = null; // until the layer is left
    }

    private void entered(NDArray c, NDArray a, float[] bias, PoolWindows windows, double[] errors, boolean owned) {
        ownsPre = owned;
        preCentre = c;
        preDirections = a;
        preBias = bias;
        pool = windows;
        preBound = errors;
    }

    /**
     * Per unit (position before a pool), {@code |a - (r + b)| + w(A - R) + B}, rounded up: {@code
     * b} the bias before the shift, {@code w} the region's half-width. Each float64 operation here
     * is off by at most {@code (2D + 8) u} relatively, far inside {@link Rounding#up(double)}'s
     * {@code 2^-20}, plus {@code TINY} per term in the subnormal range.
     */
    private double[] measured(NDArray engineCentre, NDArray engineDirections) {
        int k = preBias.length;
        double[] offByCentre;
        double[] magnitude;
        double[] offByDirections;
        double[] spread;
        try (Temporaries t = new Temporaries()) {
            NDArray r = t.of(preCentre.add(t.of(t.of(manager.create(preBias)).toType(DataType.FLOAT64, false))));
            NDArray e = t.of(t.of(engineCentre.stopGradient()).toType(DataType.FLOAT64, true));
            offByCentre = t.of(t.of(e.sub(r)).abs()).toDoubleArray();
            magnitude = t.of(r.abs()).toDoubleArray();
            NDArray ed = t.of(t.of(engineDirections.stopGradient()).toType(DataType.FLOAT64, true));
            NDArray difference = t.of(ed.sub(preDirections));
            offByDirections = t.of(halfWidths.apply(difference)).toDoubleArray();
            spread = t.of(extentRow.matMul(t.of(difference.abs()))).toDoubleArray();
        }
        double[] m = new double[k];
        for (int q = 0; q < k; q++) {
            // |a - r'| <= |fl(a - r')| (1 + 2u) and r' = r + b within u |fl(r + b)|; the half-width of
            // the directions' difference within (D + 2) u of sum_i e_i |A_i - R_i| (its entries'
            // rounding, its dot products' for a zonotope)
            m[q] = Rounding.up(offByCentre[q] + U * magnitude[q] + offByDirections[q] + (dimension + 2) * U * spread[q]
                    + preBound[q] + TINY * (dimension + 4));
        }
        return m;
    }

    @Override
    public void leave(float[] shift, NDArray poolShiftArray, float[] sides, boolean activated) {
        lost |= activated && !known(sides);
        if (lost) {
            return;
        }
        float[] poolShift = pool == null ? null : LayerRange.floats(poolShiftArray);
        float[] bias = FoldedParameters.shifted(preBias, pool, shift, poolShift);
        NDArray c;
        NDArray a = preDirections;
        try (Temporaries t = new Temporaries()) {
            c = preCentre.add(t.of(t.of(manager.create(bias)).toType(DataType.FLOAT64, false)));
            if (pool != null) {
                int[] winner = winners(poolShift);
                NDArray pooled = PoolShift.gatherColumns(t.of(c), winner);
                a = PoolShift.gatherColumns(a, winner);
                c = pool.tiles() ? pooled
                        : pooled.add(t.of(t.of(t.of(manager.create(shift)).toType(DataType.FLOAT64, false)).reshape(1, -1)));
                if (!pool.tiles()) {
                    t.of(pooled);
                }
            }
        }
        double[] magnitudes = magnitudes(c, a);
        if (!activated) {
            centre = c;
            directions = a;
            bound.leaveLinear(magnitudes);
        } else {
            int k = magnitudes.length;
            double[] slope = new double[k];
            double[] intercept = new double[k];
            for (int q = 0; q < k; q++) {
                slope[q] = activation.slope((int) sides[q]);
                intercept[q] = activation.intercept((int) sides[q]);
            }
            try (Temporaries t = new Temporaries()) {
                NDArray d = t.of(manager.create(slope).reshape(1, k));
                centre = t.of(t.of(c).mul(d)).add(t.of(manager.create(intercept).reshape(1, k)));
                directions = a.mul(d);
                if (a != preDirections) {
                    t.of(a); // the pool's winners
                }
                if (ownsPre) {
                    t.of(preDirections); // D x K: freed at once, not when the forward ends
                }
            }
            bound.leave(magnitudes, sides);
        }
        shared = false;
        preCentre = null;
        preDirections = null;
        engineCentre = null;
    }

    /** Whether every unit's side or piece is named (a one-kink family's 0 names none). */
    private boolean known(float[] sides) {
        if (sides == null) {
            return false;
        }
        for (float side : sides) {
            if (side == 0 && activation.singleKinkAtZero()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Each window's winner: the position largest in the engine's map at the centre after the pool
     * shift (ties to the lower index, as the pool shift chose them). The window margins put it
     * ahead of every other position over all of R in the exact network too.
     */
    private int[] winners(float[] poolShift) {
        int[] winner = new int[pool.outputs()];
        for (int u = 0; u < winner.length; u++) {
            int[] members = pool.members(u);
            int best = members[0];
            float top = engineCentre[best] - poolShift[best];
            for (int m = 1; m < members.length; m++) {
                int q = members[m];
                float v = engineCentre[q] - poolShift[q];
                if (v > top) {
                    best = q;
                    top = v;
                }
            }
            winner[u] = best;
        }
        return winner;
    }

    /** {@code |c| + sum_i X_i |A_i|} per unit, rounded up: what the next layer's products handle. */
    private double[] magnitudes(NDArray c, NDArray a) {
        try (Temporaries t = new Temporaries()) {
            double[] m = t.of(t.of(c.abs()).add(t.of(magnitudeRow.matMul(t.of(a.abs()))))).toDoubleArray();
            for (int q = 0; q < m.length; q++) {
                m[q] = Rounding.up(m[q] + TINY * (dimension + 2));
            }
            return m;
        }
    }

    @Override
    public void averagePool(UnaryOperator<NDArray> layer, PoolWindows windows, boolean countIncludePad) {
        if (lost) {
            return;
        }
        centre = layer.apply(centre);
        NDArray before = directions;
        directions = layer.apply(directions == null ? identity() : directions);
        if (before != null && !shared) {
            before.close();
        }
        shared = false;
        bound.averagePool(windows);
    }

    /** {@return the reference's map at the centre of the last layer left, 1 x K (for tests)} */
    NDArray centre() {
        return centre;
    }

    /** {@return the identity's D rows, in float64: the directions on the input} */
    private NDArray identity() {
        return manager.eye(dimension, dimension, 0, DataType.FLOAT64);
    }

    /** {@return the reference's directions of the last layer left, D x K (for tests)} */
    NDArray directions() {
        return directions;
    }

    /**
     * Native arrays made on the way to a result, closed once it is made. Not a sub-manager: an
     * op's result belongs to its first operand's manager, so operands attached to a scope would
     * take kept results (a gathered or duplicated map) down with them.
     */
    private static final class Temporaries implements AutoCloseable {
        private final List<NDArray> arrays = new ArrayList<>();

        NDArray of(NDArray a) {
            arrays.add(a);
            return a;
        }

        @Override
        public void close() {
            for (NDArray a : arrays) {
                a.close();
            }
        }
    }
}
