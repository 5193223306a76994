package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a user's {@link SequentialBlock} as {@code Linear, activation, ..., Linear} and refuses
 * anything for which "every vertex on one side of every kink" would not mean "affine on R".
 */
record SequentialArchitecture(List<Linear> linears, Cpa activation) {

    /** DJL activation names that are smooth (no affine pieces at all). */
    private static final Set<String> SMOOTH =
            Set.of("tanh", "sigmoid", "gelu", "selu", "swish", "mish", "softplus", "softsign", "elu");

    static SequentialArchitecture of(SequentialBlock network) {
        if (network == null) {
            throw new IllegalArgumentException("network: null; expected a SequentialBlock");
        }
        List<Block> children = network.getChildren().values();
        if (children.isEmpty()) {
            throw new IllegalArgumentException("network: the SequentialBlock is empty");
        }
        List<Linear> linears = new ArrayList<>();
        Cpa activation = null;
        boolean expectLinear = true;
        for (int i = 0; i < children.size(); i++) {
            Block block = children.get(i);
            String where = "network block " + i + " (" + describe(block) + ")";
            if (block instanceof Linear) {
                if (!expectLinear) {
                    throw new IllegalArgumentException(
                            where
                                    + ": two Linear blocks in a row; their composition is affine,"
                                    + " so merge them into one Linear or put an activation between");
                }
                linears.add((Linear) block);
                expectLinear = false;
            } else {
                Cpa cpa = activationOf(block, where);
                if (expectLinear) {
                    throw new IllegalArgumentException(
                            where + ": an activation must follow a Linear block");
                }
                if (activation != null && !activation.equals(cpa)) {
                    throw new IllegalArgumentException(
                            where
                                    + ": activation "
                                    + cpa.id()
                                    + " differs from the earlier "
                                    + activation.id()
                                    + "; police4j needs one activation for all hidden layers");
                }
                activation = cpa;
                expectLinear = true;
            }
        }
        if (expectLinear) {
            throw new IllegalArgumentException(
                    "network: the last block is an activation; expected a Linear head");
        }
        if (activation == null) {
            throw new IllegalArgumentException(
                    "network: no hidden layer (only a Linear); it is affine everywhere already");
        }
        return new SequentialArchitecture(linears, activation);
    }

    private static Cpa activationOf(Block block, String where) {
        if (block instanceof CpaBlock) {
            return ((CpaBlock) block).cpa();
        }
        if (block instanceof LambdaBlock) {
            String name = ((LambdaBlock) block).getName();
            String key = name == null ? "" : name.toLowerCase(Locale.ROOT);
            if (key.equals("relu")) {
                return Cpa.relu();
            }
            if (key.equals("leakyrelu") || key.equals("leaky_relu")) {
                return Cpa.leakyRelu(probeLeak((LambdaBlock) block));
            }
            if (key.equals("abs")) {
                return Cpa.abs();
            }
            if (SMOOTH.contains(key)) {
                throw new IllegalArgumentException(
                        where
                                + " is not piecewise affine: a smooth activation has no region on"
                                + " which the network is affine; use ReLU, leaky-ReLU or abs"
                                + " (CpaBlock)");
            }
            if (key.equals("relu6")) {
                throw new IllegalArgumentException(
                        where
                                + " has two kinks (0 and 6); police4j shifts units around a"
                                + " single kink at 0; use ReLU, leaky-ReLU or abs (CpaBlock)");
            }
            throw new IllegalArgumentException(
                    where
                            + " hides its function, so it cannot be proven piecewise affine;"
                            + " use CpaBlock.relu(), CpaBlock.leakyRelu(slope) or CpaBlock.abs()");
        }
        String type = block.getClass().getSimpleName();
        if (type.equals("Dropout")) {
            throw new IllegalArgumentException(
                    where
                            + " is refused: in training mode dropout rescales rows at random, so the"
                            + " vertex rows no longer see the network the data rows see; remove it");
        }
        if (type.contains("BatchNorm")) {
            throw new IllegalArgumentException(
                    where
                            + " is refused: batch statistics would be computed over the vertex rows"
                            + " too; remove it from the POLICEd network");
        }
        throw new IllegalArgumentException(
                where
                        + " is not supported; expected Linear blocks separated by piecewise-affine"
                        + " activations (ReLU, leaky-ReLU, abs)");
    }

    /** DJL's leaky-ReLU block hides its slope; its value at -1 reveals it. */
    private static double probeLeak(LambdaBlock block) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray probe = manager.create(new float[] {-1f, 1f});
            float[] out =
                    block.forward(null, new ai.djl.ndarray.NDList(probe), false)
                            .singletonOrThrow()
                            .toFloatArray();
            return -out[0];
        }
    }

    private static String describe(Block block) {
        if (block instanceof LambdaBlock) {
            return ((LambdaBlock) block).getName();
        }
        return block.getClass().getSimpleName();
    }
}
