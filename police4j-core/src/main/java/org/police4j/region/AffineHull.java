package org.police4j.region;

/**
 * The affine hull of a finite point set: {@code origin + span(basis)}, with an orthonormal basis
 * of the directions the points span. Its dimension is what a region "is": a region of D-space
 * whose vertices repeat, lie on a line or in a plane has affine dimension below D, and the
 * network's affine map on it is determined only along the hull (the other directions are never
 * seen). Built by Gram-Schmidt (twice, for stability) on the differences to the first point; a
 * difference counts as a new direction when what is left of it exceeds {@link #RELATIVE_TOLERANCE}
 * times the largest difference (rounding in the vertices' own arithmetic stays far below that).
 */
public final class AffineHull {

    /** Relative size below which what is left of a difference is rounding, not a direction. */
    public static final double RELATIVE_TOLERANCE = 1e-9;

    private final double[] origin;
    private final double[][] basis;

    private AffineHull(double[] origin, double[][] basis) {
        this.origin = origin;
        this.basis = basis;
    }

    /**
     * The affine hull of the points.
     *
     * @param points P x D, P >= 1, all rows of one length
     * @return the hull; its dimension is between 0 (one distinct point) and min(P - 1, D)
     */
    public static AffineHull of(double[][] points) {
        if (points == null || points.length == 0) {
            throw new IllegalArgumentException("points: none; expected at least one point");
        }
        int d = points[0].length;
        double[] origin = points[0].clone();
        double scale = 0;
        for (double[] p : points) {
            if (p.length != d) {
                throw new IllegalArgumentException("points: rows of length " + p.length + " and " + d);
            }
            double s = 0;
            for (int j = 0; j < d; j++) {
                double v = p[j] - origin[j];
                s += v * v;
            }
            scale = Math.max(scale, Math.sqrt(s));
        }
        double[][] basis = new double[Math.min(points.length - 1, d)][];
        int k = 0;
        double tol = RELATIVE_TOLERANCE * scale;
        for (int i = 1; i < points.length && k < d && scale > 0; i++) {
            double[] v = new double[d];
            for (int j = 0; j < d; j++) {
                v[j] = points[i][j] - origin[j];
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int b = 0; b < k; b++) {
                    double dot = 0;
                    for (int j = 0; j < d; j++) {
                        dot += v[j] * basis[b][j];
                    }
                    for (int j = 0; j < d; j++) {
                        v[j] -= dot * basis[b][j];
                    }
                }
            }
            double norm = 0;
            for (double x : v) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            if (norm > tol) {
                for (int j = 0; j < d; j++) {
                    v[j] /= norm;
                }
                basis[k++] = v;
            }
        }
        return new AffineHull(origin, java.util.Arrays.copyOf(basis, k));
    }

    /**
     * The hull of a region's vertices.
     *
     * @param region the region
     * @return the affine hull of its vertices
     */
    public static AffineHull of(VertexRegion region) {
        return of(region.vertices());
    }

    /** {@return the number of independent directions: 0 for a point, 1 for a segment, ..., D for a full region} */
    public int dimension() {
        return basis.length;
    }

    /** {@return the dimension of the space the points live in} */
    public int ambientDimension() {
        return origin.length;
    }

    /** {@return whether the hull is the whole space (the map on it is then fully determined)} */
    public boolean isFull() {
        return basis.length == origin.length;
    }

    /** {@return a point of the hull (the first point)} */
    public double[] origin() {
        return origin.clone();
    }

    /** {@return an orthonormal basis of the hull's directions, k x D} */
    public double[][] basis() {
        double[][] out = new double[basis.length][];
        for (int i = 0; i < basis.length; i++) {
            out[i] = basis[i].clone();
        }
        return out;
    }

    /**
     * The affine map {@code y = A x + b} restricted to the hull, written canonically: the same
     * values on the hull, and no dependence on the directions orthogonal to it ({@code A' = A P}
     * with P the projector onto the hull's directions, {@code b' = b + A (I - P) origin}).
     *
     * @param a K x D
     * @param b K
     * @return {A' (K x D), b' (1 x K)}
     */
    public double[][][] restrict(double[][] a, double[] b) {
        int d = origin.length;
        double[][] aOut = new double[a.length][d];
        double[] bOut = new double[b.length];
        for (int k = 0; k < a.length; k++) {
            // A P = sum_i (A u_i) u_i^T
            for (double[] u : basis) {
                double au = 0;
                for (int j = 0; j < d; j++) {
                    au += a[k][j] * u[j];
                }
                for (int j = 0; j < d; j++) {
                    aOut[k][j] += au * u[j];
                }
            }
            double v = b[k];
            for (int j = 0; j < d; j++) {
                v += (a[k][j] - aOut[k][j]) * origin[j];
            }
            bOut[k] = v;
        }
        return new double[][][] {aOut, {bOut}};
    }
}
