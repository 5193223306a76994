package org.police4j.engine;

import ai.djl.ndarray.NDArray;

/** {@link Cpa#apply(NDArray)} as a static call, kept for existing callers. */
public final class CpaOps {

    private CpaOps() {}

    /**
     * Applies the activation to every entry.
     *
     * @param cpa the activation
     * @param x pre-activations, any shape
     * @return {@code cpa.apply(x)}
     */
    public static NDArray apply(Cpa cpa, NDArray x) {
        return cpa.apply(x);
    }
}
