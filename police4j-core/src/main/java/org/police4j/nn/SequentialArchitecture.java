package org.police4j.nn;

import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;

/**
 * Reads a user's {@link SequentialBlock} as {@code [flatten,] Linear, activation, ..., Linear} and
 * refuses anything for which "every vertex on one side of every kink" would not mean "affine on
 * R". Nested SequentialBlocks are read as their children; parameterless blocks are judged by what
 * they compute ({@link ActivationProbe}), never by their names; identities are dropped.
 *
 * <p>{@link Dropout} is kept, as the dropout of the next Linear's input: it acts on the data rows
 * only, in training mode only. The region's vertex rows skip it because the guarantee is about
 * the inference network, where dropout is the identity. A dropout between a Linear and its
 * activation is moved after the activation, which changes nothing: dropout multiplies by 0 or
 * {@code 1/(1-p) > 0}, and ReLU, leaky-ReLU and abs commute with positive scaling (before an
 * activation with other kinks, which does not, it is refused). A dropout after
 * the head is refused (it would act on the outputs, after the last Linear).
 *
 * <p>A {@code BatchNorm} directly after a Linear is folded into it with its inference statistics
 * ({@link LinearBatchNorm}): the pair is replaced by one new Linear, and the batch-norm is frozen.
 * Anywhere else it is refused, as it is when the network is not initialised yet.
 *
 * @param linears the dense layers, hidden first, head last
 * @param activation the one activation between them
 * @param flattensInput whether the network starts with a row flatten (inputs (N, ...) whose
 *     trailing dimensions multiply to D)
 * @param inputDropouts per Linear (same order), the dropout blocks applied to its input, in
 *     order (usually none or one)
 */
public record SequentialArchitecture(
        List<Linear> linears, Cpa activation, boolean flattensInput, List<List<Block>> inputDropouts) {

    /**
     * Reads {@code network}, or refuses it with the position of the first block that breaks the
     * form and the reason.
     *
     * @param network the user's network
     * @param dimension the input dimension D (a leading flatten must produce rows of D values)
     * @return its dense layers and activation
     * @throws IllegalArgumentException naming the offending block
     */
    public static SequentialArchitecture of(SequentialBlock network, int dimension) {
        if (network == null) {
            throw new IllegalArgumentException("network: null; expected a SequentialBlock");
        }
        List<Block> blocks = new ArrayList<>();
        List<String> positions = new ArrayList<>();
        flatten(network, "", blocks, positions);
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("network: the SequentialBlock is empty");
        }
        List<Linear> linears = new ArrayList<>();
        List<List<Block>> dropouts = new ArrayList<>();
        List<Block> pending = new ArrayList<>();
        Cpa activation = null;
        boolean flattensInput = false;
        boolean expectLinear = true;
        boolean afterLinear = false;
        for (int i = 0; i < blocks.size(); i++) {
            Block block = blocks.get(i);
            String where = "network block " + positions.get(i) + " (" + describe(block) + ")";
            if (block instanceof Linear) {
                if (!expectLinear) {
                    throw new IllegalArgumentException(
                            where
                                    + ": two Linear blocks in a row; their composition is affine,"
                                    + " so merge them into one Linear or put an activation between");
                }
                linears.add((Linear) block);
                dropouts.add(List.copyOf(pending));
                pending.clear();
                expectLinear = false;
                afterLinear = true;
                continue;
            }
            if (block instanceof BatchNorm) {
                if (!afterLinear) {
                    throw new IllegalArgumentException(where + " is refused: a BatchNorm is accepted only directly"
                            + " after a Linear, which it is folded into; here batch statistics would be computed"
                            + " over the vertex rows too");
                }
                int last = linears.size() - 1;
                linears.set(last, LinearBatchNorm.fold(linears.get(last), block, where));
                continue;
            }
            afterLinear = false;
            if (block instanceof Dropout) {
                pending.add(block); // on the next Linear's input, data rows only (see above)
                continue;
            }
            refuseKnown(block, where);
            if (linears.isEmpty() && !flattensInput && ActivationProbe.flattensRows(block, dimension)) {
                flattensInput = true; // a reshape before the first Linear: PolicedMlp does it itself
                continue;
            }
            ActivationProbe.Finding finding =
                    block.getParameters().isEmpty() ? ActivationProbe.probe(block, where) : null;
            if (finding == null) {
                throw new IllegalArgumentException(
                        where
                                + " is not supported; expected Linear blocks separated by piecewise-affine"
                                + " activations (ReLU, leaky-ReLU, abs, ReLU6, hard-tanh, any with finitely many kinks),"
                                + " optionally after a flatten" + RefusalHint.of(block));
            }
            if (finding.identity()) {
                continue;
            }
            Cpa cpa = finding.cpa();
            if (!pending.isEmpty() && !cpa.singleKinkAtZero()) {
                throw new IllegalArgumentException(where + ": a Dropout before activation " + cpa.id() + " is refused:"
                        + " moved after it, dropout's scaling by 1/(1-p) would change the function, because only"
                        + " ReLU, leaky-ReLU and abs commute with positive scaling; put the Dropout after the activation");
            }
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
        if (linears.isEmpty()) {
            throw new IllegalArgumentException("network: no Linear block; expected Linear blocks separated by activations");
        }
        if (expectLinear) {
            throw new IllegalArgumentException(
                    "network: the last block is an activation; expected a Linear head");
        }
        if (!pending.isEmpty()) {
            int i = blocks.indexOf(pending.get(0));
            throw new IllegalArgumentException(
                    "network block " + positions.get(i) + " (Dropout) is refused: it comes after the head"
                            + " Linear and would act on the outputs; remove it or move it before the head");
        }
        if (activation == null) {
            throw new IllegalArgumentException(
                    "network: no hidden layer (only a Linear); it is affine everywhere already");
        }
        return new SequentialArchitecture(List.copyOf(linears), activation, flattensInput, List.copyOf(dropouts));
    }

    /** Nested SequentialBlocks are read as their children, at positions such as "2.1". */
    private static void flatten(SequentialBlock network, String prefix, List<Block> blocks, List<String> positions) {
        List<Block> children = network.getChildren().values();
        for (int i = 0; i < children.size(); i++) {
            Block child = children.get(i);
            if (child instanceof SequentialBlock) {
                flatten((SequentialBlock) child, prefix + i + ".", blocks, positions);
            } else {
                blocks.add(child);
                positions.add(prefix + i);
            }
        }
    }

    /** Batch norm would change what the vertex rows see; no probe can fix that. */
    private static void refuseKnown(Block block, String where) {
        String type = block.getClass().getSimpleName();
        if (type.contains("BatchNorm")) {
            throw new IllegalArgumentException(
                    where
                            + " is refused: batch statistics would be computed over the vertex rows"
                            + " too; remove it from the POLICEd network");
        }
    }

    private static String describe(Block block) {
        if (block instanceof LambdaBlock) {
            return ((LambdaBlock) block).getName();
        }
        return block.getClass().getSimpleName();
    }
}
