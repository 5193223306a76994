package org.police4j.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.engine.SignRule;
import org.police4j.engine.Strategy;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;

/** Builds POLICEd networks with given weights for tests. */
public final class Nets {

    private Nets() {}

    public static PolicedMlp withWeights(
            NDManager manager,
            VertexRegion region,
            Cpa activation,
            List<double[][]> weights,
            List<double[]> biases,
            double margin) {
        return withWeights(manager, region, activation, weights, biases, margin, Strategy.AUTO);
    }

    public static PolicedMlp withWeights(
            NDManager manager,
            VertexRegion region,
            Cpa activation,
            List<double[][]> weights,
            List<double[]> biases,
            double margin,
            Strategy strategy) {
        int[] hidden = new int[weights.size() - 1];
        for (int l = 0; l < hidden.length; l++) {
            hidden[l] = weights.get(l).length;
        }
        PolicedMlp block =
                PolicedMlp.builder()
                        .setHidden(hidden)
                        .setOutputs(weights.get(weights.size() - 1).length)
                        .optActivation(activation)
                        .setRegion(region)
                        .optMargin(margin)
                        .optStrategy(strategy)
                        .optSignRule(SignRule.MAJORITY) // the golden vectors' rule
                        .build();
        block.initialize(manager, DataType.FLOAT32, new Shape(1, region.dimension()));
        for (int l = 0; l < weights.size(); l++) {
            block.weight(l).set(flatten(weights.get(l)));
            block.bias(l).set(toFloat(biases.get(l)));
        }
        return block;
    }

    public static PolicedMlp fromGolden(NDManager manager, GoldenCase c, double margin, Strategy strategy) {
        return withWeights(
                manager,
                VertexRegion.of(c.name(), c.vertices()),
                c.activation(),
                c.weights(),
                c.biases(),
                margin,
                strategy);
    }

    public static float[] flatten(double[][] m) {
        int cols = m.length == 0 ? 0 : m[0].length;
        float[] flat = new float[m.length * cols];
        for (int r = 0; r < m.length; r++) {
            for (int c = 0; c < cols; c++) {
                flat[r * cols + c] = (float) m[r][c];
            }
        }
        return flat;
    }

    public static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    public static NDArray matrix(NDManager manager, double[][] m) {
        return manager.create(flatten(m), new Shape(m.length, m.length == 0 ? 0 : m[0].length));
    }

    /** Reads a 2-D float array as rows of doubles. */
    public static double[][] rows(NDArray array) {
        int r = (int) array.getShape().get(0);
        int c = (int) array.getShape().get(1);
        float[] flat = array.toType(DataType.FLOAT32, false).toFloatArray();
        double[][] out = new double[r][c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[i][j] = flat[i * c + j];
            }
        }
        return out;
    }

    /**
     * The mean softmax cross-entropy of a folded network at some inputs, input p labelled {@code p
     * mod outputs} (double evaluation, a diagnostic: the loss a network starts training at).
     *
     * @param net the folded network
     * @param inputs the inputs
     * @return the mean loss
     */
    public static double crossEntropy(org.police4j.network.FoldedNetwork net, double[][] inputs) {
        double sum = 0;
        for (int p = 0; p < inputs.length; p++) {
            double[] out = org.police4j.network.DoubleEval.evaluate(net, inputs[p]);
            double max = java.util.Arrays.stream(out).max().orElseThrow();
            double z = 0;
            for (double o : out) {
                z += Math.exp(o - max);
            }
            sum += Math.log(z) + max - out[p % out.length];
        }
        return sum / inputs.length;
    }
}
