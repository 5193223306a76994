package org.police4j.fold;

import java.util.List;
import org.police4j.engine.Cpa;

/**
 * A plain (unconstrained) CPA network: hidden dense layers each followed by the activation, then
 * a linear head. This is what a POLICEd network becomes once its shifts are folded into its
 * biases, and what the certificate checks.
 *
 * @param hidden the hidden layers, in order
 * @param head the linear output layer
 * @param activation the activation after every hidden layer
 */
public record FoldedWeights(List<DenseLayer> hidden, DenseLayer head, Cpa activation) {

    /**
     * Checks that consecutive layers' widths match; keeps an immutable copy of the hidden list.
     *
     * @param hidden the hidden layers, in order
     * @param head the linear output layer
     * @param activation the activation after every hidden layer
     */
    public FoldedWeights {
        hidden = List.copyOf(hidden);
        int in = hidden.isEmpty() ? head.inputs() : hidden.get(0).inputs();
        for (int l = 0; l < hidden.size(); l++) {
            DenseLayer layer = hidden.get(l);
            if (layer.inputs() != in) {
                throw new IllegalArgumentException(
                        "hidden layer " + l + " takes " + layer.inputs() + " inputs, expected " + in);
            }
            in = layer.outputs();
        }
        if (head.inputs() != in) {
            throw new IllegalArgumentException(
                    "head takes " + head.inputs() + " inputs, expected " + in);
        }
    }

    /** {@return the input dimension D} */
    public int inputDimension() {
        return hidden.isEmpty() ? head.inputs() : hidden.get(0).inputs();
    }

    /**
     * Evaluates the network in double precision (float32 weights widened exactly).
     *
     * @param x one input of {@link #inputDimension()} values
     * @return the outputs
     */
    public double[] evaluate(double[] x) {
        double[] z = x;
        for (DenseLayer layer : hidden) {
            double[] h = affine(layer, z);
            for (int k = 0; k < h.length; k++) {
                h[k] = activation.apply(h[k]);
            }
            z = h;
        }
        return affine(head, z);
    }

    private static double[] affine(DenseLayer layer, double[] z) {
        double[] out = new double[layer.outputs()];
        for (int k = 0; k < out.length; k++) {
            double s = layer.bias()[k];
            float[] row = layer.weight()[k];
            for (int j = 0; j < z.length; j++) {
                s += row[j] * z[j];
            }
            out[k] = s;
        }
        return out;
    }
}
