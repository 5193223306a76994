package org.police4j.nn;

import org.police4j.numeric.Float32;

/**
 * A prescribed affine behaviour on the (first) region, the paper's Eq. (1) (Jacobian equal to a
 * given matrix on R) and Eq. (2) ({@code f(x) = A* x + b*} on R). POLICE makes the network affine
 * on R; this makes it the affine map you want.
 *
 * <p>{@link Mode#EXACT}: on R the last hidden layer is affine, {@code z(x) = M x + m} (from
 * affine-map tracking), so the head can be projected at every forward onto {@code {W M U = A* U,
 * W m + b = b* on R}}, U spanning R's affine hull: {@code W <- W + (A* U - W M U)(M U)^+}, and
 * {@code b <- A* x0 + b* - W (M x0 + m)} with x0 the region's centre. Differentiable, so training
 * fits the data outside R while the map on R is exact. When {@code M U} lacks full column rank
 * (fewer live units on R than R's dimension), no head can reach every target: the projection
 * then uses a ridge-regularised pseudo-inverse (the least-squares head), {@link
 * PolicedMlp#targetRankDeficient()} turns true, and the certificate will show the residual.
 *
 * <p>{@link Mode#PENALTY}: the mismatch {@code ||W M - A*||^2 + ||W m + b - b*||^2} (measured on
 * R's map, so at every point of R at once) is returned next to the outputs in training and added
 * to the loss with {@code weight} by {@link org.police4j.train.Fit}.
 *
 * @param a K x D target Jacobian
 * @param b K target offset, or null to leave it free (Eq. (1))
 * @param mode exact projection or penalty
 * @param weight the penalty's weight (ignored for EXACT)
 */
public record AffineTarget(double[][] a, double[] b, Mode mode, double weight) {

    /** How the target is enforced. */
    public enum Mode {
        /** The head is projected at every forward so that the map on R is the target exactly. */
        EXACT,
        /** The mismatch is added to the training loss; the map on R only approaches the target. */
        PENALTY
    }

    /**
     * Checks that {@code a} is a finite K x D matrix, {@code b} (if given) K finite values, and
     * that a penalty has a finite positive weight.
     *
     * @param a K x D target Jacobian
     * @param b K target offset, or null to leave it free (Eq. (1))
     * @param mode exact projection or penalty
     * @param weight the penalty's weight (ignored for EXACT)
     */
    public AffineTarget {
        if (a == null || a.length == 0 || a[0].length == 0) {
            throw new IllegalArgumentException("a: empty target matrix; expected K x D");
        }
        for (int k = 0; k < a.length; k++) {
            if (a[k].length != a[0].length) {
                throw new IllegalArgumentException(
                        "a: row " + k + " has " + a[k].length + " entries, expected " + a[0].length);
            }
            for (int j = 0; j < a[k].length; j++) {
                Float32.require("a: row " + k + ", column " + j, a[k][j]);
            }
        }
        if (b != null) {
            if (b.length != a.length) {
                throw new IllegalArgumentException("b: " + b.length + " entries, expected " + a.length);
            }
            for (int k = 0; k < b.length; k++) {
                Float32.require("b: entry " + k, b[k]);
            }
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode: null");
        }
        if (mode == Mode.PENALTY && (!(weight > 0) || Double.isInfinite(weight))) {
            throw new IllegalArgumentException("weight: " + weight + "; expected a finite value > 0");
        }
    }

    /**
     * {@code f(x) = a x + b} on R, exactly.
     *
     * @param a K x D target Jacobian
     * @param b K target offset
     * @return the target
     */
    public static AffineTarget exact(double[][] a, double[] b) {
        return new AffineTarget(a, b, Mode.EXACT, 0);
    }

    /**
     * Jacobian {@code a} on R, exactly; the offset stays free.
     *
     * @param a K x D target Jacobian
     * @return the target
     */
    public static AffineTarget jacobian(double[][] a) {
        return new AffineTarget(a, null, Mode.EXACT, 0);
    }

    /**
     * The barrier-style penalty of the paper, with the given weight.
     *
     * @param a K x D target Jacobian
     * @param b K target offset, or null to leave it free
     * @param weight the penalty's weight in the loss, finite and {@code > 0}
     * @return the target
     */
    public static AffineTarget penalty(double[][] a, double[] b, double weight) {
        return new AffineTarget(a, b, Mode.PENALTY, weight);
    }

    /** {@return K, the number of outputs the target prescribes} */
    public int outputs() {
        return a.length;
    }

    /** {@return D, the input dimension of the target map} */
    public int inputDimension() {
        return a[0].length;
    }
}
