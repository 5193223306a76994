package org.police4j.nn;

import ai.djl.nn.Block;
import ai.djl.nn.core.Prelu;
import ai.djl.nn.norm.LayerNorm;

/**
 * Why a DJL block a user is likely to try is refused, said in the user's terms. Blocks are
 * accepted by what they compute, never by their type; the type only chooses the words of a
 * refusal, so that "not supported" comes with the reason and the block to use instead.
 */
public final class RefusalHint {

    private RefusalHint() {}

    /**
     * The reason {@code block} cannot be part of a POLICEd network, as a clause to append to a
     * refusal ("; ..."), or the empty string when there is nothing to add.
     *
     * @param block the refused block
     * @return the clause, starting with "; ", or ""
     */
    public static String of(Block block) {
        if (block instanceof Prelu) {
            return "; a Prelu learns its negative slope, but the fold and the certificate read each activation"
                    + " as one fixed function: use a leaky-ReLU of a fixed slope (Activation.leakyReluBlock(alpha))";
        }
        if (block instanceof LayerNorm) {
            return "; a LayerNorm divides each item by its own standard deviation, which is not piecewise affine"
                    + " in the input (no region of inputs keeps the network affine): remove it, or use a BatchNorm"
                    + " directly after a Linear or a conv (an affine map of each unit or channel)";
        }
        return "";
    }
}
