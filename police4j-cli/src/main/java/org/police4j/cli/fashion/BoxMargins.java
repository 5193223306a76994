package org.police4j.cli.fashion;

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

    /**
     * @param a K x D
     * @param b K
     * @param centre m, dimension D
     * @param eps the box radius, {@code >= 0}
     */
    public static BoxMargins of(double[][] a, double[] b, double[] centre, double eps) {
        int k = b.length;
        if (k < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + k);
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("eps: " + eps + "; expected >= 0");
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
        double centreMargin = Double.POSITIVE_INFINITY;
        double minMargin = Double.POSITIVE_INFINITY;
        double radius = Double.POSITIVE_INFINITY;
        int worst = -1;
        for (int j = 0; j < k; j++) {
            if (j == c) {
                continue;
            }
            double l1 = 0;
            for (int p = 0; p < dim; p++) {
                l1 += Math.abs(a[c][p] - a[j][p]);
            }
            double m = y[c] - y[j];
            double low = m - eps * l1;
            centreMargin = Math.min(centreMargin, m);
            if (low < minMargin) {
                minMargin = low;
                worst = j;
            }
            if (l1 > 0) {
                radius = Math.min(radius, m / l1);
            } else if (m <= 0) {
                radius = 0; // a tie that no move can break
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
}
