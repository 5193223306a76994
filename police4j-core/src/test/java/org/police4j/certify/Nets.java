package org.police4j.certify;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;

/** Test helpers: small hand-made and random networks, regions and interior points. */
final class Nets {

    private Nets() {}

    static Dense layer(float[][] w, float[] b) {
        return new Dense(w, b);
    }

    static FoldedNetwork net(Cpa act, Dense head, Dense... hidden) {
        return FoldedNetwork.mlp(List.of(hidden), head, act);
    }

    /** A random dense layer with weights ~ U(-scale, scale) and biases ~ U(-scale, scale). */
    static Dense randomLayer(Random rnd, int in, int out, double scale) {
        float[][] w = new float[out][in];
        float[] b = new float[out];
        for (int k = 0; k < out; k++) {
            for (int j = 0; j < in; j++) {
                w[k][j] = (float) ((2 * rnd.nextDouble() - 1) * scale);
            }
            b[k] = (float) ((2 * rnd.nextDouble() - 1) * scale);
        }
        return new Dense(w, b);
    }

    /** A random network d -> widths... -> outputs with weights ~ U(-1/sqrt(fan-in), ...). */
    static FoldedNetwork randomNet(Random rnd, Cpa act, int d, int[] widths, int outputs) {
        List<Dense> hidden = new ArrayList<>();
        int in = d;
        for (int width : widths) {
            hidden.add(randomLayer(rnd, in, width, 1 / Math.sqrt(in)));
            in = width;
        }
        return FoldedNetwork.mlp(hidden, randomLayer(rnd, in, outputs, 1 / Math.sqrt(in)), act);
    }

    /** P random vertices in [-1, 1]^d. */
    static double[][] randomPoints(Random rnd, int p, int d) {
        double[][] v = new double[p][d];
        for (double[] row : v) {
            for (int j = 0; j < d; j++) {
                row[j] = 2 * rnd.nextDouble() - 1;
            }
        }
        return v;
    }

    /** n random convex combinations of the vertices (Dirichlet(1) weights). */
    static double[][] convexCombinations(Random rnd, double[][] vertices, int n) {
        int d = vertices[0].length;
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            double[] lambda = new double[vertices.length];
            double total = 0;
            for (int v = 0; v < lambda.length; v++) {
                lambda[v] = -Math.log(1 - rnd.nextDouble());
                total += lambda[v];
            }
            for (int v = 0; v < lambda.length; v++) {
                for (int j = 0; j < d; j++) {
                    x[i][j] += lambda[v] / total * vertices[v][j];
                }
            }
        }
        return x;
    }

    /**
     * A copy of the network whose hidden biases are shifted, layer by layer, so that every unit
     * keeps all the vertices strictly on one side (chosen at random, +1 with probability
     * {@code positive}), with a margin of 10% of the unit's spread plus 0.05. The shifted bias is
     * computed in double and rounded to float away from the kink, so the vertices stay on the
     * chosen side.
     */
    static FoldedNetwork policed(
            Random rnd, FoldedNetwork net, double[][] vertices, double positive) {
        List<Dense> hidden = new ArrayList<>();
        double[][] z = new double[vertices.length][];
        for (int i = 0; i < vertices.length; i++) {
            z[i] = vertices[i].clone();
        }
        for (Dense layer : net.hidden()) {
            float[][] w = layer.weight();
            float[] b = layer.bias().clone();
            double[][] h = new double[vertices.length][b.length];
            for (int k = 0; k < b.length; k++) {
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                double[] lin = new double[vertices.length];
                for (int i = 0; i < vertices.length; i++) {
                    double s = 0;
                    for (int j = 0; j < z[i].length; j++) {
                        s += w[k][j] * z[i][j];
                    }
                    lin[i] = s;
                    min = Math.min(min, s);
                    max = Math.max(max, s);
                }
                double margin = 0.1 * (max - min) + 0.05;
                if (rnd.nextDouble() < positive) {
                    b[k] = Math.nextUp((float) (-min + margin));
                } else {
                    b[k] = Math.nextDown((float) (-max - margin));
                }
                for (int i = 0; i < vertices.length; i++) {
                    h[i][k] = net.activation().apply(lin[i] + b[k]);
                }
            }
            hidden.add(new Dense(w, b));
            z = h;
        }
        return FoldedNetwork.mlp(hidden, net.head(), net.activation());
    }

    /**
     * A copy of the network with one hidden unit's bias set so that the vertices straddle it, or
     * null when the vertices' pre-activations of that unit are (nearly) all equal.
     */
    static FoldedNetwork straddling(FoldedNetwork net, double[][] vertices, int layer, int unit) {
        List<Dense> hidden = new ArrayList<>(net.hidden());
        double[][] z = new double[vertices.length][];
        for (int i = 0; i < vertices.length; i++) {
            z[i] = vertices[i].clone();
        }
        for (int l = 0; l < layer; l++) {
            Dense dl = hidden.get(l);
            double[][] next = new double[vertices.length][dl.outputs()];
            for (int i = 0; i < vertices.length; i++) {
                for (int k = 0; k < dl.outputs(); k++) {
                    double s = dl.bias()[k];
                    for (int j = 0; j < z[i].length; j++) {
                        s += dl.weight()[k][j] * z[i][j];
                    }
                    next[i][k] = net.activation().apply(s);
                }
            }
            z = next;
        }
        Dense dl = hidden.get(layer);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vertices.length; i++) {
            double s = 0;
            for (int j = 0; j < z[i].length; j++) {
                s += dl.weight()[unit][j] * z[i][j];
            }
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        if (!(max - min > 1e-3 * (1 + Math.abs(min) + Math.abs(max)))) {
            return null; // the vertices barely move this unit: no clean straddle possible
        }
        float[] b = dl.bias().clone();
        b[unit] = (float) (-(min + max) / 2);
        hidden.set(layer, new Dense(dl.weight(), b));
        return FoldedNetwork.mlp(hidden, net.head(), net.activation());
    }
}
