package org.police4j.engine;

import ai.djl.ndarray.NDArray;

/**
 * Products of an array and a number that autograd can differentiate safely.
 *
 * <p>DJL's {@code NDArray.mul(Number)} (and {@code div}, {@code pow}, {@code maximum}, {@code minimum}
 * with a number) wraps the number in a 0-d array over a direct buffer, runs the op and closes that
 * array at once. PyTorch's autograd keeps the 0-d tensor for the backward pass, but its memory
 * belongs to the Java buffer, which the garbage collector may free and reuse before {@code backward}
 * reads it: the gradient is then scaled by whatever the memory holds. That was the nondeterminism of
 * issue 15 (rare, more frequent under load, and certain under forced GC). Every number that meets a
 * differentiable array in police4j goes through here instead: the number becomes an array attached to
 * the operand's manager, alive until that manager (or the step's scope) closes, after backward.
 */
public final class Scalar {

    private Scalar() {}

    /**
     * {@code a * s}, bit for bit what {@code a.mul(s)} computes, with {@code s} kept alive.
     *
     * @param a any array (float32 or float64)
     * @param s the factor, rounded to {@code a}'s data type as PyTorch does for a 0-d operand
     * @return the product, attached to {@code a}'s manager
     */
    public static NDArray times(NDArray a, double s) {
        return a.mul(constant(a, s));
    }

    /**
     * {@code min(a, s)}, bit for bit what {@code a.minimum(s)} computes (and DJL's {@code
     * Activation.relu6}, {@code NDArrays.minimum(6, relu(x))}), with {@code s} kept alive: the
     * backward of a minimum reads both operands to place the gradient.
     *
     * @param a any array (float32 or float64)
     * @param s the bound, rounded to {@code a}'s data type
     * @return the elementwise minimum, attached to {@code a}'s manager
     */
    public static NDArray minimum(NDArray a, double s) {
        return a.minimum(constant(a, s));
    }

    private static NDArray constant(NDArray a, double s) {
        return a.getManager().create(s).toType(a.getDataType(), false);
    }
}
