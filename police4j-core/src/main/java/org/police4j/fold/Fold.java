package org.police4j.fold;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.FoldedParameters;
import org.police4j.nn.PolicedNetwork;
import org.police4j.network.DjlExport;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer.Dense;
import org.police4j.nn.PolicedMlp;
import org.police4j.nn.SequentialArchitecture;

/**
 * Turns a POLICEd network into a plain one with the same outputs: the zero-overhead inference
 * the paper promises. The shifts depend only on the weights and the region (never on the data),
 * so one pass of the region alone through the {@link org.police4j.engine.ShiftEngine} gives them,
 * and each is added to its layer's bias in float32, exactly as the constrained forward adds it to
 * the pre-activation.
 */
public final class Fold {

    private Fold() {}

    /**
     * The current shifts, one float array per hidden layer, from the region alone.
     *
     * @param block an initialised POLICEd network
     * @return shifts[l][k]
     */
    public static float[][] shifts(PolicedMlp block) {
        NDManager parent = block.weight(0).getManager();
        try (NDManager manager = parent.newSubManager()) {
            return shifts(block.regionTrace(manager));
        }
    }

    private static float[][] shifts(PolicedNetwork.Trace trace) {
        float[][] shifts = new float[trace.shifts().size()][];
        for (int l = 0; l < shifts.length; l++) {
            shifts[l] = trace.shifts().get(l).toFloatArray();
        }
        return shifts;
    }

    /**
     * The folded network as plain float32 arrays: what the certificate checks.
     *
     * @param block an initialised POLICEd network
     * @return weights with each hidden bias replaced by {@code bias + shift} (float32 sum)
     */
    public static FoldedNetwork weights(PolicedMlp block) {
        NDManager parent = block.weight(0).getManager();
        float[][] shifts;
        Dense head;
        try (NDManager manager = parent.newSubManager()) {
            PolicedNetwork.Trace trace = block.regionTrace(manager);
            shifts = shifts(trace);
            // The head as applied: projected when the block has an exact affine target.
            head = new Dense(matrix(trace.headWeight()), trace.headBias().toFloatArray());
        }
        List<Dense> hidden = new ArrayList<>();
        int last = block.layers().size() - 1;
        for (int l = 0; l < last; l++) {
            float[] bias = FoldedParameters.shifted(block.bias(l).toFloatArray(), null, shifts[l], null);
            hidden.add(new Dense(matrix(block.weight(l)), bias));
        }
        return FoldedNetwork.mlp(hidden, head, block.activation());
    }

    /**
     * A plain (never POLICEd) DJL network read as the same float32 arrays, so that the certificate
     * can answer "is my existing network affine on R?" without training anything.
     *
     * @param network an initialised {@code [flatten,] Linear, activation, ..., Linear} network (see
     *     {@link SequentialArchitecture})
     * @param inputDimension D
     * @return its weights and biases as they are (no shift)
     * @throws IllegalArgumentException when a block breaks the form or a Linear is not initialised
     */
    public static FoldedNetwork plain(SequentialBlock network, int inputDimension) {
        SequentialArchitecture arch = SequentialArchitecture.of(network, inputDimension);
        List<Dense> layers = new ArrayList<>();
        for (int l = 0; l < arch.linears().size(); l++) {
            Linear linear = arch.linears().get(l);
            Parameter weight = linear.getParameters().get("weight");
            if (weight == null || !weight.isInitialized()) {
                throw new IllegalArgumentException(
                        "network: Linear " + l + " is not initialised; call initialize on the network first");
            }
            float[][] w = matrix(weight.getArray());
            Parameter bias = linear.getParameters().get("bias");
            float[] b = bias == null ? new float[w.length] : bias.getArray().toFloatArray();
            layers.add(new Dense(w, b));
        }
        return FoldedNetwork.mlp(layers.subList(0, layers.size() - 1), layers.get(layers.size() - 1), arch.activation());
    }

    /**
     * The folded network as a plain DJL block made only of DJL's own blocks ({@link Linear} and
     * DJL activations), so it loads and runs without police4j.
     *
     * @param block an initialised POLICEd network
     * @param manager owns the new parameters
     * @return an initialised {@link SequentialBlock}
     */
    public static SequentialBlock block(PolicedMlp block, NDManager manager) {
        return block(weights(block), manager);
    }

    /**
     * A plain DJL block computing {@code weights}; see {@link DjlExport}.
     *
     * @param weights the folded network
     * @param manager owns the new parameters
     * @return an initialised {@link SequentialBlock}
     */
    public static SequentialBlock block(FoldedNetwork weights, NDManager manager) {
        return DjlExport.block(weights, manager);
    }

    /**
     * The uninitialised plain structure (Linear, activation, ..., Linear) of {@code weights}: what
     * a DJL user rebuilds before {@code loadParameters} on an exported model.
     *
     * @param weights the folded network whose shape is rebuilt
     * @return the block, not initialised
     */
    public static SequentialBlock structure(FoldedNetwork weights) {
        return DjlExport.structure(weights);
    }

    /**
     * {@code target[...] = values}, in place. Not {@code NDArray.set(float[])}: DJL's PyTorch
     * binding implements that with a deprecated guard that makes PyTorch print a "risk of
     * producing silent wrong result" warning to the user; an indexed copy gives the same bits.
     *
     * @param target the array to overwrite, in place
     * @param values as many values as {@code target} has, row-major
     */
    public static void copy(NDArray target, float[] values) {
        DjlExport.copy(target, values);
    }

    static float[][] matrix(NDArray array) {
        return DjlExport.matrix(array);
    }
}
