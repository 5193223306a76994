package org.police4j.certify;

import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;

/** Argument checks shared by the certifiers, with messages naming argument, value and expectation. */
final class Inputs {

    private Inputs() {}

    static void checkPoints(String name, double[][] points, int d, boolean mayBeEmpty) {
        if (points == null) {
            throw new IllegalArgumentException(name + ": must not be null");
        }
        if (points.length == 0 && !mayBeEmpty) {
            throw new IllegalArgumentException(
                    name + ": got 0 points, expected at least one vertex of the region");
        }
        for (int i = 0; i < points.length; i++) {
            double[] p = points[i];
            if (p == null) {
                throw new IllegalArgumentException(name + "[" + i + "]: is null, expected a point");
            }
            if (p.length != d) {
                throw new IllegalArgumentException(
                        name + "[" + i + "]: has dimension " + p.length
                                + ", expected the network's input dimension " + d);
            }
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(p[j])) {
                    throw new IllegalArgumentException(
                            name + "[" + i + "][" + j + "]: is " + p[j]
                                    + ", expected a finite coordinate");
                }
            }
        }
    }

    static void checkWeights(FoldedNetwork net) {
        checkWeights(net.layers(), "layer ");
    }

    private static void checkWeights(java.util.List<Layer> layers, String prefix) {
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            String where = prefix + i + " (" + layer.getClass().getSimpleName() + ")";
            if (layer instanceof Layer.Dense d) {
                for (int k = 0; k < d.weight().length; k++) {
                    finite(where + " weight[" + k + "]", d.weight()[k]);
                }
                finite(where + " bias", d.bias());
            } else if (layer instanceof Layer.Conv c) {
                finite(where + " weight", c.weight());
                finite(where + " bias", c.bias());
            } else if (layer instanceof Layer.ChannelAffine c) {
                finite(where + " scale", c.scale());
                finite(where + " offset", c.offset());
            } else if (layer instanceof Layer.Parallel p) {
                finite(where + " bias", p.bias());
                for (int b = 0; b < p.branches().size(); b++) {
                    checkWeights(p.branches().get(b), prefix + i + " branch " + b + " layer ");
                }
            }
        }
    }

    private static void finite(String where, float[] values) {
        for (int j = 0; j < values.length; j++) {
            if (!Float.isFinite(values[j])) {
                throw new IllegalArgumentException(
                        "net: " + where + "[" + j + "] is " + values[j] + ", expected a finite float");
            }
        }
    }
}
