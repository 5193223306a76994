package org.police4j.certify;

import java.util.List;
import org.police4j.fold.DenseLayer;
import org.police4j.fold.FoldedWeights;

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

    static void checkWeights(FoldedWeights net) {
        List<DenseLayer> hidden = net.hidden();
        for (int l = 0; l <= hidden.size(); l++) {
            DenseLayer layer = l < hidden.size() ? hidden.get(l) : net.head();
            String where = l < hidden.size() ? "hidden layer " + l : "head";
            float[][] w = layer.weight();
            for (int k = 0; k < w.length; k++) {
                for (int j = 0; j < w[k].length; j++) {
                    if (!Float.isFinite(w[k][j])) {
                        throw new IllegalArgumentException(
                                "net: " + where + " weight[" + k + "][" + j + "] is " + w[k][j]
                                        + ", expected a finite float");
                    }
                }
            }
            float[] bias = layer.bias();
            for (int k = 0; k < bias.length; k++) {
                if (!Float.isFinite(bias[k])) {
                    throw new IllegalArgumentException(
                            "net: " + where + " bias[" + k + "] is " + bias[k]
                                    + ", expected a finite float");
                }
            }
        }
    }
}
