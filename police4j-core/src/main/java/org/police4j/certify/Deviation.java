package org.police4j.certify;

import java.util.function.Function;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;

/**
 * The empirical side of a certificate: how far a network's outputs are from its certified affine
 * map {@code a x + b} at given points. Exactly affine networks show only rounding here (about
 * 1e-15 in double), so anything larger points at a bug in the fold or the certificate.
 */
public final class Deviation {

    private Deviation() {}

    /**
     * @param net the network, evaluated in double
     * @param a K x D
     * @param b K
     * @param xs the points
     * @return max over points and outputs of {@code |net(x) - (a x + b)|}; 0 for no points, NaN if
     *     any output is NaN (so an overflow is not hidden)
     */
    public static double max(Function<double[], double[]> net, double[][] a, double[] b, double[][] xs) {
        double worst = 0;
        for (double[] x : xs) {
            double[] y = net.apply(x);
            for (int k = 0; k < b.length; k++) {
                double s = b[k];
                double[] ak = a[k];
                for (int j = 0; j < x.length; j++) {
                    s += ak[j] * x[j];
                }
                double diff = Math.abs(y[k] - s);
                if (!(diff <= worst)) {
                    worst = diff;
                }
            }
        }
        return worst;
    }

    /**
     * {@return about how many multiply-adds one double evaluation of {@code net} costs: a dense
     * layer's weights, a conv's taps, one per value of every other layer}
     *
     * @param net the network
     */
    public static long cost(FoldedNetwork net) {
        return cost(net.layers(), net.inputDimension());
    }

    /** The cost of a chain reading {@code size} values (a parallel layer: its branches', and its join). */
    private static long cost(java.util.List<Layer> layers, int size) {
        long total = 0;
        for (Layer layer : layers) {
            int out = layer.outputSize(size);
            if (layer instanceof Layer.Dense d) {
                total += (long) d.inputs() * d.outputs();
            } else if (layer instanceof Layer.Conv c) {
                total += (long) out * c.fanIn(); // (inC / groups) taps per output
            } else if (layer instanceof Layer.Parallel p) {
                for (java.util.List<Layer> branch : p.branches()) {
                    total += cost(branch, size);
                }
                total += (long) out * p.branches().size();
            } else {
                total += Math.max(size, out);
            }
            size = out;
        }
        return total;
    }
}
