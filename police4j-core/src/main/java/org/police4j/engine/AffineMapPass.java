package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.police4j.region.Region;
import org.police4j.region.SupportRegion;
import org.police4j.region.VertexRegion;

/**
 * Affine-map tracking. Once layers 1..l-1 are enforced the network is affine on R, so layer l's
 * pre-activation is {@code h_l(x) = A_l x + a_l} there; the pass carries {@code a_l} and {@code
 * A_l^T} (D+1 rows) instead of P vertex rows, with {@code A_{l+1} = W diag(d_l) A_l} and {@code
 * a_{l+1} = W (d_l * (a_l + c_l)) + b}, d_l being each unit's slope on its side. The range of a
 * unit then comes from the vertices ({@code V A_l^T + a_l}) or, for a {@link SupportRegion}, in
 * closed form, with the gradient flowing through either.
 *
 * <p>With a zero margin a vertex sits exactly on a kink, where the activation's derivative
 * (PyTorch's convention: ReLU'(0) = 0) differs from the slope of the side; the vertex rows'
 * gradient "sees" that derivative, the map does not. To stay gradient-identical to vertex rows
 * (and to the golden vectors), the pass then also carries the value-zero residual {@code act(u)
 * - d u} of the vertices through the layers, at the cost of P rows. With a positive margin no
 * vertex sits on a kink and the residual is not needed.
 */
public final class AffineMapPass implements RegionPass {

    private final Cpa activation;
    private final NDArray vertices; // P x D or null
    private final UnaryOperator<NDArray> halfWidths; // the support region's, or null
    private final boolean carryResidual;
    private final NDArray centreRow; // 1 x D for support regions, else null
    private final double[] regionMagnitude; // per coordinate, max |x_j| over R

    private NDArray offset; // 1 x K_prev: the map's value at the origin (vertices) or centre (support)
    private NDArray directions; // D x K_prev: A_l^T after the activation, null = identity
    private NDArray residual; // P x K_prev: act(u) - d u of the vertices, value 0, or null
    private NDArray a; // 1 x K
    private NDArray at; // D x K
    private NDArray hMap; // P x K: V A^T + a
    private NDArray h; // P x K: hMap plus the residual's contribution
    private NDArray shift;
    private PoolShift.Side prePool; // between beforePool and afterPool

    /**
     * @param region the region
     * @param vertexRows P x D vertices when the region is a {@link VertexRegion}, in the data's
     *     dtype and device; ignored otherwise
     * @param manager creates the pass's constants
     * @param dataType the data's dtype
     * @param activation the network's activation
     * @param margin the engine's margin (0 turns on the residual, see above)
     * @param regionMagnitude {@link Region#magnitude()}, for {@link #magnitudes}
     */
    public AffineMapPass(
            Region region, NDArray vertexRows, NDManager manager, DataType dataType, Cpa activation, double margin,
            double[] regionMagnitude) {
        this.activation = activation;
        this.regionMagnitude = regionMagnitude;
        int d = region.dimension();
        if (region instanceof SupportRegion s) {
            this.vertices = null;
            this.halfWidths = s.halfWidths(manager, dataType);
            this.centreRow = manager.create(s.center()).toType(dataType, false).reshape(1, d);
            this.offset = centreRow;
            this.carryResidual = false;
        } else {
            this.vertices = vertexRows;
            this.halfWidths = null;
            this.offset = manager.zeros(new Shape(1, d), dataType);
            this.centreRow = null;
            this.carryResidual = margin == 0;
        }
    }

    /** A fork: the same region and constants, starting from the parent's map after its last layer. */
    private AffineMapPass(AffineMapPass parent) {
        this.activation = parent.activation;
        this.vertices = parent.vertices;
        this.halfWidths = parent.halfWidths;
        this.carryResidual = parent.carryResidual;
        this.centreRow = parent.centreRow;
        this.regionMagnitude = parent.regionMagnitude;
        this.offset = parent.offset;
        this.directions = parent.directions;
        this.residual = parent.residual;
    }

    @Override
    public LayerRange enter(NDArray weight, NDArray bias) {
        NDArray wt = weight.transpose();
        a = Linear.linear(offset, weight, bias).singletonOrThrow();
        at = directions == null ? wt : directions.matMul(wt);
        return range(residual == null ? null : residual.matMul(wt));
    }

    /** The map of the last layer left and what it is applied to: the rest is one layer's. */
    @Override
    public void held(Consumer<NDArray> keep) {
        keep.accept(vertices);
        keep.accept(centreRow);
        keep.accept(offset);
        keep.accept(directions);
        keep.accept(residual);
    }

    /** Its value at the centre (a support region) or the origin, and its directions. */
    @Override
    public NDArray[] enteredMap() {
        return new NDArray[] {a, at};
    }

    /** The range of the map {@code (at, a)} just entered, plus the residual's contribution for vertices. */
    private LayerRange range(NDArray residualPre) {
        if (halfWidths != null) {
            return LayerRange.ofSupport(a.squeeze(0), halfWidths.apply(at));
        }
        hMap = vertices.matMul(at).add(a);
        h = residualPre == null ? hMap : hMap.add(residualPre);
        return LayerRange.ofVertices(h);
    }

    /**
     * A conv group on the map of a support region: the centre row through the affine part, the
     * direction rows (the identity at the first layer) through the linear part, and for a max-pool
     * the shift that makes each window's centre winner beat every other position over all of R
     * ({@link PoolShift#fromSupport}); the pooled map is then the winner's.
     */
    @Override
    public LayerRange enter(ConvGroup group) {
        if (halfWidths == null) {
            throw new UnsupportedOperationException("a conv layer carries a vertex region as vertex rows, not as a map");
        }
        NDArray rows = directions != null ? directions : centreRow.getManager().eye(regionMagnitude.length)
                .toType(centreRow.getDataType(), false);
        NDArray centre = group.affine(offset);
        NDArray linear = group.linear(rows);
        long d = linear.getShape().get(0);
        if (group.poolWindows() != null) {
            PoolShift.SupportResult r = PoolShift.fromSupport(
                    centre, linear, group.poolWindows(), group.margin(), group.windowMargins(), halfWidths);
            group.poolShift(r.shift(), null);
            a = r.centre();
            at = r.directions();
        } else {
            a = centre.reshape(1, -1);
            at = linear.reshape(d, -1);
        }
        return LayerRange.ofSupport(a.squeeze(0), halfWidths.apply(at));
    }

    @Override
    public PoolShift.Side beforePool(ConvGroup group) {
        if (halfWidths == null) {
            throw new UnsupportedOperationException("a conv layer carries a vertex region as vertex rows, not as a map");
        }
        NDArray rows = directions != null ? directions : centreRow.getManager().eye(regionMagnitude.length)
                .toType(centreRow.getDataType(), false);
        prePool = PoolShift.Side.ofSupport(group.affine(offset), group.linear(rows), group.poolWindows(), halfWidths);
        return prePool;
    }

    @Override
    public LayerRange afterPool(ConvGroup group, PoolShift.Joint joint) {
        NDArray[] pooled = joint.pooledMap(prePool);
        prePool = null;
        a = pooled[0];
        at = pooled[1];
        return LayerRange.ofSupport(a.squeeze(0), halfWidths.apply(at));
    }

    /** A layer without units (an average pool): linear, so the centre and direction rows go through it alike. */
    @Override
    public void apply(UnaryOperator<NDArray> layer) {
        offset = layer.apply(offset);
        directions = layer.apply(directions);
    }

    /**
     * {@code sum_i X_i |A_ik| + |a_k + c_k|} with {@code X = } {@link Region#magnitude()}: every
     * vertex value {@code V_p A^T + a} and every partial sum of the products that made it is
     * bounded by this, so the rounding of the map's products is a fraction of it.
     */
    @Override
    public double[] magnitudes(float[] shift) {
        return magnitudes(shift, MAX_TRANSFER);
    }

    /** {@link #magnitudes(float[])} bringing at most {@code maxTransfer} map entries (or one row) to the host at once. */
    double[] magnitudes(float[] shift, long maxTransfer) {
        float[] value = LayerRange.floats(a); // 1 x K
        int k = shift.length;
        double[] m = new double[k];
        for (int unit = 0; unit < k; unit++) {
            m[unit] = Math.abs((double) value[unit] + shift[unit]);
        }
        // the D x K map comes to the host a block of rows at a time, each block's arrays closed at
        // once: a 785-row map of a wide layer is hundreds of MB, and every copy would otherwise
        // stay until the step ends (natively) or the collector runs (the transfer's direct buffer)
        int d = regionMagnitude.length;
        int block = (int) Math.max(1, Math.min(d, maxTransfer / Math.max(1, k)));
        for (int i0 = 0; i0 < d; i0 += block) {
            int i1 = Math.min(d, i0 + block);
            float[] directionsT = hostRows(i0, i1);
            for (int i = i0; i < i1; i++) {
                int o = (i - i0) * k;
                for (int unit = 0; unit < k; unit++) {
                    m[unit] += regionMagnitude[i] * Math.abs(directionsT[o + unit]);
                }
            }
        }
        return m;
    }

    /** The most map entries brought to the host at once by {@link #magnitudes}. */
    private static final long MAX_TRANSFER = 1L << 22;

    /** Rows {@code i0 <= i < i1} of the map's directions, as float32 values on the host. */
    private float[] hostRows(int i0, int i1) {
        try (NDManager scope = at.getManager().newSubManager()) {
            NDArray rows = at.get(new ai.djl.ndarray.index.NDIndex(i0 + ":" + i1));
            if (rows != at) { // a new array (never the map itself, which lives on)
                rows.attach(scope);
            }
            NDArray f = rows.getDataType() == DataType.FLOAT32 ? rows : rows.toType(DataType.FLOAT32, false);
            if (f != at) {
                f.attach(scope);
            }
            return f.toFloatArray();
        }
    }

    @Override
    public void leave(NDArray shift, Supplier<NDArray> sides) {
        this.shift = shift;
        if (!activation.singleKinkAtZero()) {
            leavePieces(shift, sides.get());
            return;
        }
        NDArray d = slopes(sides.get());
        NDArray aShifted = a.add(shift);
        if (carryResidual) {
            residual = activation.apply(h.add(shift)).sub(hMap.add(shift).mul(d));
        }
        offset = aShifted.mul(d);
        directions = at.mul(d);
    }

    /** {@link #leave} with several kinks: each unit's piece has a slope and an intercept. */
    private void leavePieces(NDArray shift, NDArray pieces) {
        float[] piece = LayerRange.floats(pieces);
        float[] slope = new float[piece.length];
        float[] intercept = new float[piece.length];
        for (int unit = 0; unit < piece.length; unit++) {
            slope[unit] = (float) activation.slope((int) piece[unit]);
            intercept[unit] = (float) activation.intercept((int) piece[unit]);
        }
        NDManager manager = a.getManager();
        NDArray d = manager.create(slope).toType(a.getDataType(), false);
        NDArray b = manager.create(intercept).toType(a.getDataType(), false);
        if (carryResidual) {
            residual = activation.apply(h.add(shift)).sub(hMap.add(shift).mul(d).add(b));
        }
        offset = a.add(shift).mul(d).add(b);
        directions = at.mul(d);
    }

    /** The slope of each unit on its side: 1 above the kink, the negative slope below. */
    private NDArray slopes(NDArray sides) {
        double neg = activation.negativeSlope();
        return sides.add(1).mul(0.5).add(sides.neg().add(1).mul(0.5 * neg));
    }

    /**
     * The affine map of the last layer left, {@code z(x) = M x + m} on R, as {@code {M^T (D x
     * K), m (1 x K)}}: differentiable in the weights, for affine targets.
     *
     * @return {@code M^T} and {@code m}
     */
    public NDArray[] map() {
        NDArray m = centreRow == null ? offset : offset.sub(centreRow.matMul(directions));
        return new NDArray[] {directions, m};
    }

    @Override
    public NDArray shiftedVertexPreActivations() {
        return h == null || shift == null ? null : h.add(shift);
    }

    @Override
    public NDArray vertexOutputs(NDArray headWeight, NDArray headBias) {
        if (vertices == null) {
            return null;
        }
        NDArray z = vertices.matMul(directions).add(offset);
        if (residual != null) {
            z = z.add(residual);
        }
        return headWeight == null ? z : Linear.linear(z, headWeight, headBias).singletonOrThrow();
    }

    /**
     * The map is where the parent left it; each branch then tracks its own. The map of a branch
     * is linear in its rows, which is what lets {@link #enterJoin} add or concatenate them.
     */
    @Override
    public RegionPass fork() {
        return new AffineMapPass(this);
    }

    /** No shift and slope 1: the map of the units is the map entered. */
    @Override
    public void leaveLinear() {
        if (carryResidual && h != null) {
            residual = h.sub(hMap);
        }
        offset = a;
        directions = at;
        shift = null;
    }

    /**
     * The join of maps: the join is linear, so a sum adds the branches' centre (or origin) rows,
     * direction rows and residuals, and a concatenation concatenates them along the units. A
     * branch that is the identity on the network's input carries no direction rows yet: they are
     * the identity.
     */
    @Override
    public LayerRange enterJoin(java.util.List<RegionPass> branches, Join join) {
        java.util.List<NDArray> offsets = new java.util.ArrayList<>(branches.size());
        java.util.List<NDArray> rows = new java.util.ArrayList<>(branches.size());
        java.util.List<NDArray> residuals = new java.util.ArrayList<>(branches.size());
        boolean anyResidual = false;
        for (RegionPass branch : branches) {
            AffineMapPass b = (AffineMapPass) branch;
            offsets.add(b.offset);
            rows.add(b.directions != null ? b.directions
                    : b.offset.getManager().eye(regionMagnitude.length).toType(b.offset.getDataType(), false));
            anyResidual |= b.residual != null;
        }
        if (anyResidual) {
            for (RegionPass branch : branches) {
                AffineMapPass b = (AffineMapPass) branch;
                residuals.add(b.residual != null ? b.residual : b.offset.getManager().zeros(
                        new Shape(vertices.getShape().get(0), b.offset.getShape().get(1)), b.offset.getDataType()));
            }
        }
        a = join.apply(offsets);
        at = join.apply(rows);
        return range(anyResidual ? join.apply(residuals) : null);
    }
}
