package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.police4j.engine.Scalar;
import org.police4j.region.Region;
import org.police4j.region.SupportRegion;
import org.police4j.region.VertexRegion;

/**
 * The arithmetic of {@link AffineTarget}: the head that makes {@code f = A* x + b*} on R's affine
 * hull, given the last hidden layer's map {@code z = M x + m} there. See {@link AffineTarget} for
 * the formulas; this class precomputes the region's hull basis U and centre x0 once.
 */
final class TargetProjection {

    /** Relative size of the ridge added when {@code (MU)^T MU} is (numerically) singular. */
    static final double RIDGE = 1e-6;
    /**
     * Condition number beyond which {@code (MU)^T MU} counts as rank deficient: 1e8, i.e. 1e4 on
     * MU itself. MU is float32 arithmetic, so an exactly deficient MU shows a ratio near 1e-7
     * between its singular values and is caught, while honest maps stay far below.
     */
    static final double MAX_CONDITION = 1e8;

    private final AffineTarget target;
    private final double[][] basis; // D x r, or null for the whole space
    private final double[] x0;
    private volatile boolean rankDeficient;

    TargetProjection(AffineTarget target, Region region) {
        if (target.inputDimension() != region.dimension()) {
            throw new IllegalArgumentException(
                    "affineTarget: A has " + target.inputDimension() + " columns, expected the region's dimension "
                            + region.dimension());
        }
        this.target = target;
        this.x0 = region.center();
        this.basis = region instanceof VertexRegion v ? hullBasis(v) : null;
        if (!(region instanceof VertexRegion) && !(region instanceof SupportRegion)) {
            throw new IllegalArgumentException("affineTarget: unsupported region " + region.describe());
        }
    }

    boolean rankDeficient() {
        return rankDeficient;
    }

    /** An orthonormal basis of the directions of the vertices' affine hull, or null if full. */
    private static double[][] hullBasis(VertexRegion v) {
        double[][] p = v.vertices();
        int d = v.dimension();
        if (p.length == 1) {
            return new double[d][0];
        }
        double[][] diff = new double[d][p.length - 1];
        double scale = 0;
        for (int i = 1; i < p.length; i++) {
            for (int j = 0; j < d; j++) {
                diff[j][i - 1] = p[i][j] - p[0][j];
                scale = Math.max(scale, Math.abs(diff[j][i - 1]));
            }
        }
        SingularValueDecomposition svd = new SingularValueDecomposition(new Array2DRowRealMatrix(diff, false));
        double[] sv = svd.getSingularValues();
        int rank = 0;
        for (double s : sv) {
            if (s > 1e-10 * Math.max(scale, 1e-300)) {
                rank++;
            }
        }
        if (rank == d) {
            return null;
        }
        double[][] u = svd.getU().getData();
        double[][] basis = new double[d][rank];
        for (int j = 0; j < d; j++) {
            System.arraycopy(u[j], 0, basis[j], 0, rank);
        }
        return basis;
    }

    /**
     * The projected head.
     *
     * @param w K x K_L head weight
     * @param b K head bias
     * @param mt D x K_L, the transposed map M^T of the last hidden layer on R
     * @param m 1 x K_L, the map's offset at the origin
     * @return {W_eff, b_eff}
     */
    NDArray[] exact(NDArray w, NDArray b, NDArray mt, NDArray m) {
        NDManager manager = w.getManager();
        DataType type = w.getDataType();
        NDArray mu = project(mt, manager, type).transpose(); // K_L x r
        NDArray wEff = w;
        long r = mu.getShape().get(1);
        if (r > 0) {
            NDArray gram = regularised(mu.transpose().matMul(mu), mu); // r x r
            NDArray pinv = gram.inverse().matMul(mu.transpose()); // r x K_L
            NDArray au = constant(manager, type, multiply(target.a(), basis));
            wEff = w.add(au.sub(w.matMul(mu)).matMul(pinv));
        }
        if (target.b() == null) {
            return new NDArray[] {wEff, b};
        }
        NDArray x0Row = manager.create(x0).toType(type, false).reshape(1, x0.length);
        NDArray zAtX0 = x0Row.matMul(mt).add(m); // 1 x K_L
        double[] want = target.b().clone();
        for (int k = 0; k < want.length; k++) {
            for (int j = 0; j < x0.length; j++) {
                want[k] += target.a()[k][j] * x0[j];
            }
        }
        NDArray bEff = manager.create(want).toType(type, false).sub(wEff.matMul(zAtX0.transpose()).reshape(-1));
        return new NDArray[] {wEff, bEff};
    }

    /** {@code ||W M U - A* U||^2 + ||W z(x0) + b - f*(x0)||^2}, a scalar. */
    NDArray penalty(NDArray w, NDArray b, NDArray mt, NDArray m) {
        NDManager manager = w.getManager();
        DataType type = w.getDataType();
        NDArray mu = project(mt, manager, type).transpose();
        NDArray au = constant(manager, type, multiply(target.a(), basis));
        NDArray loss = w.matMul(mu).sub(au).square().sum();
        if (target.b() != null) {
            NDArray x0Row = manager.create(x0).toType(type, false).reshape(1, x0.length);
            NDArray f = w.matMul(x0Row.matMul(mt).add(m).transpose()).reshape(-1).add(b);
            double[] want = target.b().clone();
            for (int k = 0; k < want.length; k++) {
                for (int j = 0; j < x0.length; j++) {
                    want[k] += target.a()[k][j] * x0[j];
                }
            }
            loss = loss.add(f.sub(manager.create(want).toType(type, false)).square().sum());
        }
        return Scalar.times(loss, (float) target.weight()); // float32 like the loss, never float64
    }

    /** U^T M^T: the map restricted to R's hull directions (r x K_L). */
    private NDArray project(NDArray mt, NDManager manager, DataType type) {
        if (basis == null) {
            return mt;
        }
        double[][] ut = new double[basis[0].length][basis.length];
        for (int j = 0; j < basis.length; j++) {
            for (int c = 0; c < ut.length; c++) {
                ut[c][j] = basis[j][c];
            }
        }
        if (ut.length == 0) {
            return manager.zeros(new Shape(0, mt.getShape().get(1)), type);
        }
        return constant(manager, type, ut).matMul(mt);
    }

    /** Adds a small ridge when MU is rank deficient, judged in double precision. */
    private NDArray regularised(NDArray gram, NDArray mu) {
        int rows = (int) mu.getShape().get(0);
        int r = (int) mu.getShape().get(1);
        float[] flat = mu.toType(DataType.FLOAT32, false).toFloatArray();
        double[][] g = new double[r][r];
        for (int k = 0; k < rows; k++) {
            for (int i = 0; i < r; i++) {
                double v = flat[k * r + i];
                for (int j = 0; j < r; j++) {
                    g[i][j] += v * flat[k * r + j];
                }
            }
        }
        double trace = 0;
        for (int i = 0; i < r; i++) {
            trace += g[i][i];
        }
        double cond = trace == 0
                ? Double.POSITIVE_INFINITY
                : new SingularValueDecomposition(new Array2DRowRealMatrix(g, false)).getConditionNumber();
        rankDeficient = !(cond < MAX_CONDITION);
        if (!rankDeficient) {
            return gram;
        }
        double ridge = RIDGE * Math.max(trace / r, 1e-30);
        return gram.add(gram.getManager().eye(r).toType(gram.getDataType(), false).mul((float) ridge));
    }

    private static double[][] multiply(double[][] a, double[][] basis) {
        if (basis == null) {
            return a;
        }
        int r = basis[0].length;
        double[][] out = new double[a.length][r];
        for (int k = 0; k < a.length; k++) {
            for (int c = 0; c < r; c++) {
                double s = 0;
                for (int j = 0; j < basis.length; j++) {
                    s += a[k][j] * basis[j][c];
                }
                out[k][c] = s;
            }
        }
        return out;
    }

    private static NDArray constant(NDManager manager, DataType type, double[][] m) {
        return manager.create(m).toType(type, false);
    }
}
