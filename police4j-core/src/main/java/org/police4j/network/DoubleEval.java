package org.police4j.network;

import java.util.ArrayList;
import java.util.List;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.AvgPool;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.MaxPool;
import org.police4j.engine.Join;
import org.police4j.engine.Loops;
import org.police4j.network.Layer.Parallel;

/**
 * The double-precision evaluation of every layer kind, written once: float32 parameters widen
 * exactly, each sum starts from the bias and adds the terms in order (Java never fuses them),
 * max-pool ties go to the lowest position; a {@link Parallel} runs each branch on its input, then
 * joins (a sum starting from the join's bias, or a concatenation plus the bias). A diagnostic (deviations, plots), not a proof: the
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
        return trace(net.layers(), x);
    }

    /**
     * The outputs at x and the gradient of {@code sum_k weights_k y_k(x)} with respect to x: the
     * backward pass of every layer kind, on the linear piece x lies in (at an exact kink, the
     * positive side's slope; a max-pool routes to the lowest winning position, as the forward
     * picks it).
     *
     * @param net the network
     * @param x one flattened input
     * @param weights one weight per output
     * @return the outputs and the gradient (length {@code net.inputDimension()})
     */
    public static ValueAndGradient gradient(FoldedNetwork net, double[] x, double[] weights) {
        List<double[]> values = trace(net, x);
        double[] out = values.get(values.size() - 1);
        if (weights.length != out.length) {
            throw new IllegalArgumentException("weights: " + weights.length + " values, expected " + out.length + " (outputs)");
        }
        return new ValueAndGradient(out, backward(net.layers(), values, weights.clone()));
    }

    /** The vector-Jacobian product of a chain, given the values entering each of its layers. */
    private static double[] backward(List<Layer> layers, List<double[]> values, double[] g) {
        for (int l = layers.size() - 1; l >= 0; l--) {
            g = backward(layers.get(l), values.get(l), g);
        }
        return g;
    }

    /** The values entering each layer of a chain from z, the last the chain's output. */
    private static List<double[]> trace(List<Layer> layers, double[] z) {
        List<double[]> values = new ArrayList<>();
        values.add(z);
        for (Layer layer : layers) {
            z = apply(layer, z);
            values.add(z);
        }
        return values;
    }

    /**
     * The outputs at a point and a gradient there.
     *
     * @param outputs the network's outputs
     * @param gradient the gradient of the weighted outputs with respect to the input
     */
    public record ValueAndGradient(double[] outputs, double[] gradient) {}

    /** The vector-Jacobian product of one layer at its input z. */
    private static double[] backward(Layer layer, double[] z, double[] g) {
        double[] in = new double[z.length];
        if (layer instanceof Dense d) {
            for (int k = 0; k < g.length; k++) {
                float[] row = d.weight()[k];
                for (int j = 0; j < in.length; j++) {
                    in[j] += g[k] * row[j];
                }
            }
        } else if (layer instanceof Conv c) {
            float[] w = c.weight();
            for (int o = 0; o < g.length; o++) {
                double go = g[o];
                if (go != 0) {
                    c.taps(o, (i, wi) -> in[i] += go * w[wi]);
                }
            }
        } else if (layer instanceof MaxPool p) {
            for (int u = 0; u < g.length; u++) {
                int winner = -1;
                for (int q = 0; q < p.window(); q++) {
                    int x = p.position(u, q);
                    if (x >= 0 && (winner < 0 || z[x] > z[winner])) {
                        winner = x;
                    }
                }
                in[winner] += g[u];
            }
        } else if (layer instanceof ChannelAffine a) {
            for (int i = 0; i < in.length; i++) {
                in[i] = a.scale()[i / a.positions()] * g[i];
            }
        } else if (layer instanceof GlobalAvgPool gap) {
            for (int i = 0; i < in.length; i++) {
                in[i] = g[i / gap.area()] / gap.area();
            }
        } else if (layer instanceof AvgPool avg) {
            for (int u = 0; u < g.length; u++) {
                double share = g[u] / avg.divisor(u);
                for (int x : avg.members(u)) {
                    in[x] += share;
                }
            }
        } else if (layer instanceof Activation a) {
            for (int i = 0; i < in.length; i++) {
                in[i] = g[i] * a.cpa().slopeAt(z[i]);
            }
        } else if (layer instanceof Parallel p) {
            int at = 0;
            for (List<Layer> branch : p.branches()) {
                List<double[]> values = trace(branch, z);
                int size = values.get(values.size() - 1).length;
                double[] part = p.join() == Join.SUM ? g : java.util.Arrays.copyOfRange(g, at, at + size);
                at += size;
                double[] back = backward(branch, values, part);
                for (int i = 0; i < in.length; i++) {
                    in[i] += back[i];
                }
            }
        } else {
            return g; // Flatten
        }
        return in;
    }

    private static double[] run(FoldedNetwork net, double[] x, List<double[]> pre) {
        if (x.length != net.inputDimension()) {
            throw new IllegalArgumentException(
                    "x: has dimension " + x.length + ", expected the network's input dimension " + net.inputDimension());
        }
        return run(net.layers(), x, pre);
    }

    /** A chain from z, recording the pre-activations in evaluation order ({@link FoldedNetwork#leaves()}). */
    private static double[] run(List<Layer> layers, double[] z, List<double[]> pre) {
        for (Layer layer : layers) {
            if (pre != null && layer instanceof Activation) {
                pre.add(z.clone());
            }
            if (layer instanceof Parallel p) {
                List<double[]> outs = new ArrayList<>();
                for (List<Layer> branch : p.branches()) {
                    outs.add(run(branch, z, pre));
                }
                z = join(p, outs);
            } else {
                z = apply(layer, z);
            }
        }
        return z;
    }

    /** A parallel layer's join of its branches' outputs, plus its bias. */
    private static double[] join(Parallel p, List<double[]> outs) {
        double[] out = new double[p.bias().length];
        if (p.join() == Join.SUM) {
            for (int k = 0; k < out.length; k++) {
                double s = p.bias()[k];
                for (double[] o : outs) {
                    s += o[k];
                }
                out[k] = s;
            }
        } else {
            int at = 0;
            for (double[] o : outs) {
                for (int k = 0; k < o.length; k++) {
                    out[at + k] = o[k] + p.bias()[at + k];
                }
                at += o.length;
            }
        }
        return out;
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
            // a row of outputs at a time (Stencil.rowTaps): each output's terms in the taps' order
            double[] out = new double[c.bias().length];
            float[] w = c.weight();
            org.police4j.engine.Stencil st = c.stencil();
            int outW = st.outW();
            int sw = st.strideW();
            float[] bias = c.bias();
            Loops.parallel(st.outC(), (long) st.outH() * outW * st.fanIn(), o -> { // each channel writes its own outputs: the same bits on any threads
                for (int i = 0; i < st.outH(); i++) {
                    int row = (o * st.outH() + i) * outW;
                    for (int j = 0; j < outW; j++) {
                        out[row + j] = bias[row + j];
                    }
                    st.rowTaps(o, i, (wi, base, j0, j1) -> {
                        double wt = w[wi];
                        if (sw == 1) { // unit stride: a tight loop
                            for (int j = j0; j < j1; j++) {
                                out[row + j] += wt * z[base + j];
                            }
                        } else {
                            for (int j = j0; j < j1; j++) {
                                out[row + j] += wt * z[base + j * sw];
                            }
                        }
                    });
                }
            });
            return out;
        } else if (layer instanceof MaxPool p) {
            double[] out = new double[p.outputSize(z.length)];
            for (int u = 0; u < out.length; u++) {
                double best = Double.NEGATIVE_INFINITY; // padding: -infinity, never the max
                for (int q = 0; q < p.window(); q++) {
                    int x = p.position(u, q);
                    if (x >= 0) {
                        best = Math.max(best, z[x]);
                    }
                }
                out[u] = best + p.biasOf(u);
            }
            return out;
        } else if (layer instanceof ChannelAffine a) {
            double[] out = new double[z.length];
            for (int i = 0; i < out.length; i++) {
                int ch = i / a.positions();
                out[i] = a.scale()[ch] * z[i] + a.offset()[ch];
            }
            return out;
        } else if (layer instanceof AvgPool avg) {
            double[] out = new double[avg.outputSize(z.length)];
            for (int u = 0; u < out.length; u++) {
                double s = 0;
                for (int x : avg.members(u)) {
                    s += z[x];
                }
                out[u] = s / avg.divisor(u);
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
        } else if (layer instanceof Parallel p) {
            return run(List.of(p), z, null);
        } else {
            return z; // Flatten: the layout is already flat
        }
    }
}
