package org.police4j.network;

import java.util.ArrayList;
import java.util.List;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.MaxPool;

/**
 * The double-precision evaluation of every layer kind, written once: float32 parameters widen
 * exactly, each sum starts from the bias and adds the terms in order (Java never fuses them),
 * max-pool ties go to the lowest position. A diagnostic (deviations, plots), not a proof: the
 * certificates use {@link ExactEval} and {@link BoundedEval}.
 */
public final class DoubleEval {

    private DoubleEval() {}

    /**
     * {@return the network's outputs at x}
     *
     * @param net the network
     * @param x one flattened input of {@code net.inputDimension()} values
     */
    public static double[] evaluate(FoldedNetwork net, double[] x) {
        return run(net, x, null);
    }

    /**
     * {@return the pre-activations of every hidden layer at x, one array per activation layer}
     *
     * @param net the network
     * @param x one flattened input of {@code net.inputDimension()} values
     */
    public static List<double[]> preActivations(FoldedNetwork net, double[] x) {
        List<double[]> pre = new ArrayList<>();
        run(net, x, pre);
        return pre;
    }

    /**
     * {@return the values entering each layer at x: element i is layer i's input, the last the output}
     *
     * @param net the network
     * @param x one flattened input of {@code net.inputDimension()} values
     */
    public static List<double[]> trace(FoldedNetwork net, double[] x) {
        List<double[]> values = new ArrayList<>();
        double[] z = x;
        values.add(z);
        for (Layer layer : net.layers()) {
            z = apply(layer, z);
            values.add(z);
        }
        return values;
    }

    private static double[] run(FoldedNetwork net, double[] x, List<double[]> pre) {
        if (x.length != net.inputDimension()) {
            throw new IllegalArgumentException(
                    "x: has dimension " + x.length + ", expected the network's input dimension " + net.inputDimension());
        }
        double[] z = x;
        for (Layer layer : net.layers()) {
            if (pre != null && layer instanceof Activation) {
                pre.add(z.clone());
            }
            z = apply(layer, z);
        }
        return z;
    }

    /**
     * {@return one layer applied to z, in double}
     *
     * @param layer the layer
     * @param z its input
     */
    public static double[] apply(Layer layer, double[] z) {
        if (layer instanceof Dense d) {
            double[] out = new double[d.outputs()];
            for (int k = 0; k < out.length; k++) {
                double s = d.bias()[k];
                float[] row = d.weight()[k];
                for (int j = 0; j < z.length; j++) {
                    s += row[j] * z[j];
                }
                out[k] = s;
            }
            return out;
        } else if (layer instanceof Conv c) {
            double[] out = new double[c.bias().length];
            float[] w = c.weight();
            double[] sum = new double[1];
            for (int o = 0; o < out.length; o++) {
                sum[0] = c.bias()[o];
                c.taps(o, (in, wi) -> sum[0] += w[wi] * z[in]);
                out[o] = sum[0];
            }
            return out;
        } else if (layer instanceof MaxPool p) {
            double[] out = new double[p.outputSize(z.length)];
            for (int u = 0; u < out.length; u++) {
                double best = z[p.position(u, 0)];
                for (int q = 1; q < p.window(); q++) {
                    best = Math.max(best, z[p.position(u, q)]);
                }
                out[u] = best;
            }
            return out;
        } else if (layer instanceof ChannelAffine a) {
            double[] out = new double[z.length];
            for (int i = 0; i < out.length; i++) {
                int ch = i / a.positions();
                out[i] = a.scale()[ch] * z[i] + a.offset()[ch];
            }
            return out;
        } else if (layer instanceof GlobalAvgPool g) {
            double[] out = new double[g.c()];
            for (int ch = 0; ch < g.c(); ch++) {
                double s = 0;
                for (int p = 0; p < g.area(); p++) {
                    s += z[ch * g.area() + p];
                }
                out[ch] = s / g.area();
            }
            return out;
        } else if (layer instanceof Activation a) {
            double[] out = new double[z.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = a.cpa().apply(z[i]);
            }
            return out;
        } else {
            return z; // Flatten: the layout is already flat
        }
    }
}
