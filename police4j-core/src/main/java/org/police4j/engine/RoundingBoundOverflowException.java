package org.police4j.engine;

/**
 * The rounding guard could not bound the float32 error of a layer: its bound is not finite, or no
 * float32 margin holds it. The values it bounds are not finite or too large for float32 (training
 * diverged, or inputs and weights near float32's limits), or its bound compounded through a deep
 * network; the message says which unit and what to try. A training loop treats it as a step that
 * diverged ({@code train.Fit} stops there, as for a loss that is not finite).
 */
public final class RoundingBoundOverflowException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message the layer, the unit, the bound and the advice
     */
    public RoundingBoundOverflowException(String message) {
        super(message);
    }
}
