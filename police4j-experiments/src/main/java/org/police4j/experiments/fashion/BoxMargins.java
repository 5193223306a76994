package org.police4j.experiments.fashion;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Exact worst-case logit margins of an affine classifier {@code y = A x + b} on an l_inf box.
 *
 * <p>For the class c predicted at the centre m and any other class j, the margin
 * {@code y_c - y_j = d_j . x + e_j} with {@code d_j = a_c - a_j}, {@code e_j = b_c - b_j} is linear,
 * so its minimum over the box {@code |x - m|_inf <= eps} is attained at the vertex
 * {@code m - eps sign(d_j)}: {@code d_j . m + e_j - eps ||d_j||_1}. The certified radius is the
 * largest {@code r <= eps} with every such minimum over the r-box still {@code >= 0}:
 * {@code min(eps, min_j (d_j . m + e_j) / ||d_j||_1)}. When {@code A, b} is a certified affine map of
 * the network on the eps-box, these numbers are exact for the network; beyond eps the map says
 * nothing (the network may bend there), so the radius is capped at eps.
 *
 * <p>Every claim is rounded so that it stays true in exact arithmetic: the map's entries are known
 * only to within an uncertainty (half an ulp for the exact certificate, the support certificate's
 * enclosure radius otherwise), so the numerator {@code d_j . m + e_j} is bounded below and
 * {@code ||d_j||_1} above (sums in exact BigDecimal, the uncertainty subtracted or added), and the
 * quotient, the certified minimum margin and the radius are rounded down. A radius computed in
 * round-to-nearest double was measured to overshoot: at a corner of the claimed ball the
 * competing class won by 1e-15.
 *
 * @param predicted c, the argmax of {@code A m + b}
 * @param centreMargin {@code min_j (y_c - y_j)} at the centre
 * @param certifiedMinMargin {@code min_j min_box (y_c - y_j)}
 * @param worstClass the j attaining {@code certifiedMinMargin}
 * @param radius the certified l_inf radius, in [0, eps]
 * @param linearRadius {@code min_j (d_j . m + e_j) / ||d_j||_1} uncapped: where the map alone would
 *     change the class; only the part up to eps is guaranteed for the network
 * @param worstVertex the vertex {@code m - eps sign(d_j)} of the worst class
 */
public record BoxMargins(
        int predicted, double centreMargin, double certifiedMinMargin, int worstClass, double radius, double linearRadius, double[] worstVertex) {

    /** {@link #of(double[][], double[], double[], double, double)} for a correctly rounded map. */
    public static BoxMargins of(double[][] a, double[] b, double[] centre, double eps) {
        return of(a, b, centre, eps, 0);
    }

    /**
     * @param a K x D
     * @param b K
     * @param centre m, dimension D
     * @param eps the box radius, {@code >= 0}
     * @param uncertainty how far each entry of {@code a} and {@code b} may be from the exact map
     *     ({@code >= 0}; at least one ulp of the entry is assumed in any case)
     */
    public static BoxMargins of(double[][] a, double[] b, double[] centre, double eps, double uncertainty) {
        int k = b.length;
        if (k < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + k);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("eps: " + eps + "; expected >= 0");
        }
        if (!(uncertainty >= 0)) {
            throw new IllegalArgumentException("uncertainty: " + uncertainty + "; expected >= 0");
        }
        int dim = centre.length;
        double[] y = new double[k];
        for (int i = 0; i < k; i++) {
            if (a[i].length != dim) {
                throw new IllegalArgumentException("a: row " + i + " has " + a[i].length + " columns, expected " + dim);
            }
            double s = b[i];
            for (int j = 0; j < dim; j++) {
                s += a[i][j] * centre[j];
            }
            y[i] = s;
        }
        int c = 0;
        for (int i = 1; i < k; i++) {
            if (y[i] > y[c]) {
                c = i;
            }
        }
        BigDecimal epsExact = new BigDecimal(eps);
        double centreMargin = Double.POSITIVE_INFINITY;
        double minMargin = Double.POSITIVE_INFINITY;
        double radius = Double.POSITIVE_INFINITY;
        int worst = -1;
        for (int j = 0; j < k; j++) {
            if (j == c) {
                continue;
            }
            // m_low <= d* . m + e*  and  l1_high >= ||d*||_1 for the exact d*, e*
            BigDecimal margin = exact(b[c]).subtract(exact(b[j]))
                    .subtract(exact(slack(b[c], uncertainty))).subtract(exact(slack(b[j], uncertainty)));
            BigDecimal l1 = BigDecimal.ZERO;
            for (int p = 0; p < dim; p++) {
                BigDecimal d = exact(a[c][p]).subtract(exact(a[j][p]));
                BigDecimal slack = exact(slack(a[c][p], uncertainty)).add(exact(slack(a[j][p], uncertainty)));
                BigDecimal mp = exact(centre[p]);
                margin = margin.add(d.multiply(mp)).subtract(slack.multiply(mp.abs()));
                l1 = l1.add(d.abs()).add(slack);
            }
            double m = y[c] - y[j];
            double low = down(margin.subtract(epsExact.multiply(l1)));
            centreMargin = Math.min(centreMargin, m);
            if (low < minMargin) {
                minMargin = low;
                worst = j;
            }
            if (margin.signum() <= 0) {
                radius = 0; // no move is provably safe (or a tie that no move can break)
            } else {
                radius = Math.min(radius, down(margin.divide(l1, new MathContext(34, RoundingMode.FLOOR))));
            }
        }
        radius = Math.max(0, radius);
        double linear = radius;
        radius = Math.min(eps, radius);
        double[] vertex = new double[dim];
        for (int p = 0; p < dim; p++) {
            double d = a[c][p] - a[worst][p];
            vertex[p] = centre[p] - eps * Math.signum(d);
        }
        return new BoxMargins(c, centreMargin, minMargin, worst, radius, linear, vertex);
    }

    /** How far the exact coefficient behind {@code entry} may be: the uncertainty, at least one ulp. */
    private static double slack(double entry, double uncertainty) {
        return Math.max(uncertainty, Math.ulp(entry));
    }

    private static BigDecimal exact(double v) {
        return new BigDecimal(v);
    }

    /** The largest double not above {@code v}. */
    static double down(BigDecimal v) {
        double d = v.doubleValue();
        return new BigDecimal(d).compareTo(v) > 0 ? Math.nextDown(d) : d;
    }
}
