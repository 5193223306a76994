package org.police4j.nn;

import ai.djl.ndarray.NDList;
import ai.djl.nn.LambdaBlock;
import org.police4j.engine.Cpa;
import org.police4j.engine.CpaOps;

/**
 * A DJL activation block that says which piecewise-affine function it computes. A plain {@link
 * LambdaBlock} hides its function, so {@link PolicedMlp#wrap} cannot prove it piecewise affine;
 * this one carries its {@link Cpa}, and folds and certifies like any other.
 */
public final class CpaBlock extends LambdaBlock {

    private final Cpa cpa;

    /**
     * A block applying {@code cpa} element-wise.
     *
     * @param cpa the activation it computes and reports
     */
    public CpaBlock(Cpa cpa) {
        super(list -> new NDList(CpaOps.apply(cpa, list.singletonOrThrow())), "Cpa:" + cpa.id());
        this.cpa = cpa;
    }

    /** {@return a ReLU block} */
    public static CpaBlock relu() {
        return new CpaBlock(Cpa.relu());
    }

    /**
     * A leaky-ReLU block.
     *
     * @param slope the slope below the kink
     * @return the block
     */
    public static CpaBlock leakyRelu(double slope) {
        return new CpaBlock(Cpa.leakyRelu(slope));
    }

    /** {@return an absolute-value block} */
    public static CpaBlock abs() {
        return new CpaBlock(Cpa.abs());
    }

    /** {@return the activation this block computes} */
    public Cpa cpa() {
        return cpa;
    }

    @Override
    public String toString() {
        return "CpaBlock(" + cpa.id() + ")";
    }
}
