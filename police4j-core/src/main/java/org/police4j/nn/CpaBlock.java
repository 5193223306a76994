package org.police4j.nn;

import ai.djl.ndarray.NDList;
import ai.djl.nn.LambdaBlock;

/**
 * A DJL activation block that says which piecewise-affine function it computes. A plain {@link
 * LambdaBlock} hides its function, so {@link PolicedMlp#wrap} cannot prove it piecewise affine;
 * this one carries its {@link Cpa}, and folds and certifies like any other.
 */
public final class CpaBlock extends LambdaBlock {

    private final Cpa cpa;

    public CpaBlock(Cpa cpa) {
        super(list -> new NDList(CpaOps.apply(cpa, list.singletonOrThrow())), "Cpa:" + cpa.id());
        this.cpa = cpa;
    }

    public static CpaBlock relu() {
        return new CpaBlock(Cpa.relu());
    }

    public static CpaBlock leakyRelu(double slope) {
        return new CpaBlock(Cpa.leakyRelu(slope));
    }

    public static CpaBlock abs() {
        return new CpaBlock(Cpa.abs());
    }

    public Cpa cpa() {
        return cpa;
    }

    @Override
    public String toString() {
        return "CpaBlock(" + cpa.id() + ")";
    }
}
