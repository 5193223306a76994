package org.police4j.wrap;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.police4j.engine.Cpa;
import org.police4j.engine.Join;
import org.police4j.nn.ActivationProbe;

/**
 * Reads what a {@link ParallelBlock}'s join computes, by probing it as activations are probed: DJL
 * users write the join as a lambda ({@code list -> list.get(0).add(list.get(1)).relu()} in
 * ResNet), so its function is known only by running it. Accepted: the sum of the branches,
 * optionally followed by a piecewise-affine activation, and the concatenation along axis 1
 * (channels or features). Anything else (a product, a maximum, a sum followed by a smooth
 * function) is refused with the values that show it: POLICE shifts cannot make it affine.
 */
final class JoinProbe {

    /**
     * What a join computes.
     *
     * @param join sum or concatenation
     * @param activation the activation after a sum, or null for none
     */
    record Finding(Join join, Cpa activation) {}

    private JoinProbe() {}

    /**
     * Probes the join of {@code block} on chosen values of the branches' output shapes.
     *
     * @param block the parallel block
     * @param shapes each branch's output shape for one item (no batch axis), in branch order
     * @param where the block's position and name, for messages
     * @return the join
     * @throws IllegalArgumentException naming the block and the reason, when the join is none of
     *     those accepted or cannot be run
     */
    static Finding probe(ParallelBlock block, List<Shape> shapes, String where) {
        Function<List<NDList>, NDList> join = function(block, where);
        Random rng = new Random(20);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> inputs = new ArrayList<>();
            for (Shape s : shapes) {
                Shape batch = new Shape(2).addAll(s);
                float[] v = new float[(int) batch.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (rng.nextInt(385) - 192) / 64f; // exact multiples of 1/64 in [-3, 3]
                }
                inputs.add(manager.create(v, batch));
            }
            NDArray out = run(join, inputs, where);
            boolean sameShapes = shapes.stream().distinct().count() == 1;
            NDArray concat = Join.CONCAT.apply(inputs);
            if (sameShapes && out.getShape().equals(inputs.get(0).getShape())) {
                NDArray sum = Join.SUM.apply(inputs);
                Cpa activation;
                try {
                    activation = sumActivation(join, inputs, where);
                } catch (IllegalArgumentException e) {
                    // a function of the sum that is not piecewise affine (tanh, sigmoid): the probe
                    // says why; a function of the branches that is no function of their sum
                    // (a product, a maximum): say that
                    List<NDArray> moved = new ArrayList<>();
                    moved.add(sum);
                    for (int b = 1; b < inputs.size(); b++) {
                        moved.add(sum.zerosLike());
                    }
                    if (close(run(join, moved, where), out)) {
                        throw e;
                    }
                    throw refused(where, "the sum of the branches", sum, out);
                }
                NDArray expected = activation == null ? sum : activation.apply(sum);
                if (close(out, expected)) {
                    return new Finding(Join.SUM, activation);
                }
                throw refused(where, "the sum of the branches" + (activation == null ? "" : " then " + activation.id()),
                        expected, out);
            }
            if (out.getShape().equals(concat.getShape())) {
                if (close(out, concat)) {
                    return new Finding(Join.CONCAT, null);
                }
                throw refused(where, "the concatenation of the branches along axis 1", concat, out);
            }
            throw new IllegalArgumentException(where + " is refused: its join gives shape " + out.getShape().slice(1)
                    + " from branches of shapes " + shapes + "; expected a sum of equal shapes (optionally followed by"
                    + " the activation) or a concatenation along axis 1");
        }
    }

    /**
     * The activation after a sum: the join with the first branch's value x and zeros elsewhere,
     * probed as an activation block (a smooth one is refused there, with its values).
     */
    private static Cpa sumActivation(Function<List<NDList>, NDList> join, List<NDArray> inputs, String where) {
        LambdaBlock alone = new LambdaBlock(list -> {
            NDArray x = list.singletonOrThrow();
            List<NDList> branches = new ArrayList<>();
            branches.add(new NDList(x));
            for (int b = 1; b < inputs.size(); b++) {
                branches.add(new NDList(x.zerosLike()));
            }
            return join.apply(branches);
        }, "join");
        ActivationProbe.Finding finding = ActivationProbe.probe(alone, where + ", its join with one branch non-zero,");
        if (finding == null) {
            throw new IllegalArgumentException(where + " is refused: its join does not act element-wise on one"
                    + " branch's values (with the others zero); expected a sum, optionally followed by the activation");
        }
        return finding.cpa();
    }

    private static NDArray run(Function<List<NDList>, NDList> join, List<NDArray> inputs, String where) {
        List<NDList> branches = new ArrayList<>();
        for (NDArray x : inputs) {
            branches.add(new NDList(x));
        }
        try {
            NDList out = join.apply(branches);
            if (out.size() != 1) {
                throw new IllegalArgumentException(where + " is refused: its join returns " + out.size()
                        + " arrays; expected one");
            }
            return out.head();
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith(where)) {
                throw e;
            }
            throw new IllegalArgumentException(where + " is refused: its join does not run on the branches' outputs ("
                    + e.getMessage() + ")", e);
        }
    }

    private static boolean close(NDArray got, NDArray expected) {
        float[] g = got.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[] e = expected.toFloatArray();
        for (int i = 0; i < g.length; i++) {
            if (!(Math.abs(g[i] - e[i]) <= 1e-5 * (1 + Math.abs(e[i])))) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException refused(String where, String what, NDArray expected, NDArray got) {
        float[] e = expected.toFloatArray();
        float[] g = got.toFloatArray();
        int i = 0;
        while (i < e.length - 1 && Math.abs(g[i] - e[i]) <= 1e-5 * (1 + Math.abs(e[i]))) {
            i++;
        }
        return new IllegalArgumentException(where + " is refused: its join is not " + what + " (value " + i + ": "
                + g[i] + ", expected " + e[i] + "); police4j reads sums (optionally followed by the network's"
                + " activation) and concatenations along axis 1, which POLICE makes affine; a product, a maximum or"
                + " a smooth function of the branches it cannot");
    }

    /**
     * The join DJL keeps in a private field without a getter; read by reflection (the block is the
     * user's, on the class path).
     */
    @SuppressWarnings("unchecked")
    private static Function<List<NDList>, NDList> function(ParallelBlock block, String where) {
        try {
            java.lang.reflect.Field f = ParallelBlock.class.getDeclaredField("function");
            f.setAccessible(true);
            return (Function<List<NDList>, NDList>) f.get(block);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException(where + " is refused: its join function cannot be read (" + e + ")", e);
        }
    }
}
