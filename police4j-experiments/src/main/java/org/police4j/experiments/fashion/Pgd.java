package org.police4j.experiments.fashion;

import org.police4j.network.DoubleEval;
import org.police4j.network.FoldedNetwork;

/**
 * A projected-gradient attack (Madry et al. 2018) on the logit margin, through the folded network
 * itself in double precision (not through a certificate's affine map, so it is an independent
 * check): for each class {@code j != c}, start at the centre and take {@code steps} steps
 * {@code x <- proj_box(x - alpha sign(grad_x (y_c - y_j)))}, keeping the smallest margin seen. The
 * result is an upper bound of the true minimum over the box (an attack finds <em>some</em> point),
 * to be compared with the certificate's lower bound.
 */
public final class Pgd {

    private Pgd() {}

    /**
     * @param minMargin the smallest {@code y_c - y_j} found, over all j and all iterates
     * @param worstClass the j that gave it
     * @param worstPoint where it was found
     */
    public record Result(double minMargin, int worstClass, double[] worstPoint) {}

    /**
     * @param net the folded network
     * @param centre the box centre m
     * @param eps the l_inf radius
     * @param c the class whose margin is attacked (the prediction at m)
     * @param steps iterations per class
     * @param alpha the step size ({@code 2.5 eps / steps} is the usual choice)
     */
    public static Result attack(FoldedNetwork net, double[] centre, double eps, int c, int steps, double alpha) {
        int k = net.head().outputs();
        double best = Double.POSITIVE_INFINITY;
        int bestClass = -1;
        double[] bestPoint = null;
        for (int j = 0; j < k; j++) {
            if (j == c) {
                continue;
            }
            double[] x = centre.clone();
            double[] g = new double[x.length];
            for (int s = 0; s <= steps; s++) {
                double m = marginAndGradient(net, x, c, j, g);
                if (m < best) {
                    best = m;
                    bestClass = j;
                    bestPoint = x.clone();
                }
                if (s == steps) {
                    break;
                }
                for (int p = 0; p < x.length; p++) {
                    double v = x[p] - alpha * Math.signum(g[p]);
                    x[p] = Math.min(centre[p] + eps, Math.max(centre[p] - eps, v));
                }
            }
        }
        return new Result(best, bestClass, bestPoint);
    }

    /**
     * {@code y_c - y_j} at x, and its gradient in {@code grad} (the slope of the activation piece
     * x lies in; at an exact kink the positive side's): the folded network's own backward pass.
     */
    static double marginAndGradient(FoldedNetwork net, double[] x, int c, int j, double[] grad) {
        double[] weights = new double[net.head().outputs()];
        weights[c] = 1;
        weights[j] = -1;
        DoubleEval.ValueAndGradient r = DoubleEval.gradient(net, x, weights);
        System.arraycopy(r.gradient(), 0, grad, 0, grad.length);
        return r.outputs()[c] - r.outputs()[j];
    }
}
