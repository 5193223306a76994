package org.police4j.experiments.fashion;

import java.util.List;
import org.police4j.network.Layer.Dense;
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
     * x lies in; at an exact kink the positive side's).
     */
    static double marginAndGradient(FoldedNetwork net, double[] x, int c, int j, double[] grad) {
        List<Dense> hidden = net.hidden();
        double[][] slopes = new double[hidden.size()][];
        double[] z = x;
        for (int l = 0; l < hidden.size(); l++) {
            Dense layer = hidden.get(l);
            double[] h = affine(layer, z);
            double[] d = new double[h.length];
            for (int u = 0; u < h.length; u++) {
                d[u] = net.activation().slope(h[u] >= 0 ? 1 : -1);
                h[u] *= d[u];
            }
            slopes[l] = d;
            z = h;
        }
        double[] out = affine(net.head(), z);
        // backward: g = W_head[c] - W_head[j], then through each hidden layer
        float[][] wh = net.head().weight();
        double[] g = new double[z.length];
        for (int u = 0; u < g.length; u++) {
            g[u] = (double) wh[c][u] - wh[j][u];
        }
        for (int l = hidden.size() - 1; l >= 0; l--) {
            float[][] w = hidden.get(l).weight();
            double[] prev = new double[hidden.get(l).inputs()];
            for (int u = 0; u < g.length; u++) {
                double gu = g[u] * slopes[l][u];
                if (gu == 0) {
                    continue;
                }
                float[] row = w[u];
                for (int p = 0; p < prev.length; p++) {
                    prev[p] += gu * row[p];
                }
            }
            g = prev;
        }
        System.arraycopy(g, 0, grad, 0, grad.length);
        return out[c] - out[j];
    }

    private static double[] affine(Dense layer, double[] z) {
        double[] out = new double[layer.outputs()];
        float[][] w = layer.weight();
        float[] b = layer.bias();
        for (int k = 0; k < out.length; k++) {
            double s = b[k];
            float[] row = w[k];
            for (int p = 0; p < z.length; p++) {
                s += row[p] * z[p];
            }
            out[k] = s;
        }
        return out;
    }
}
