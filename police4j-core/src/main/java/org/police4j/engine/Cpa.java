package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.Locale;

/**
 * A continuous piecewise-affine (CPA) activation with a single kink at zero: the only kind of
 * activation for which "every vertex on the same side of every kink" implies "affine on the
 * region". It is described by its slope on each side of the kink, which is all that the engine,
 * the fold and the certificate need to know.
 *
 * @param kind the activation family
 * @param negativeSlope the slope for negative inputs (0 for ReLU, the leak for leaky-ReLU, -1 for
 *     the absolute value)
 */
public record Cpa(Kind kind, double negativeSlope) {

    /** Leaky-ReLU's default leak, PyTorch's default and the paper's setting. */
    public static final double DEFAULT_LEAK = 0.01;

    /** The activation families police4j can POLICE. */
    public enum Kind {
        /** max(0, x). */
        RELU,
        /** x above the kink, {@code negativeSlope * x} below. */
        LEAKY_RELU,
        /** |x|. */
        ABS
    }

    /**
     * The slope is kept as the float32 value the deployed network multiplies by ({@code 0.01}
     * becomes {@code 0.009999999776482582}), so that training, fold, certificate and export all
     * compute the same function: a certificate on the double 0.01 would be about a network nobody
     * runs.
     *
     * @param kind the activation family
     * @param negativeSlope the slope for negative inputs (0 for ReLU, the leak for leaky-ReLU, -1 for
     *     the absolute value)
     */
    public Cpa {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        if (!Double.isFinite(negativeSlope) || !Float.isFinite((float) negativeSlope)) {
            throw new IllegalArgumentException(
                    "negativeSlope must be finite in float32, got " + negativeSlope);
        }
        negativeSlope = (float) negativeSlope;
    }

    /** {@return ReLU: slope 0 below the kink, 1 above} */
    public static Cpa relu() {
        return new Cpa(Kind.RELU, 0.0);
    }

    /** {@return leaky-ReLU with PyTorch's default leak 0.01} */
    public static Cpa leakyRelu() {
        return leakyRelu(DEFAULT_LEAK);
    }

    /**
     * Leaky-ReLU with the given leak.
     *
     * @param slope the slope below the kink, finite
     * @return the activation
     */
    public static Cpa leakyRelu(double slope) {
        return new Cpa(Kind.LEAKY_RELU, slope);
    }

    /** {@return the absolute value: slope -1 below the kink, 1 above} */
    public static Cpa abs() {
        return new Cpa(Kind.ABS, -1.0);
    }

    /**
     * Parses {@code relu}, {@code abs}, {@code leaky_relu} or {@code leaky_relu:SLOPE}.
     *
     * @param text the name, case-insensitive
     * @return the activation
     * @throws IllegalArgumentException naming the value and the accepted names
     */
    public static Cpa parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("relu")) {
            return relu();
        }
        if (t.equals("abs")) {
            return abs();
        }
        if (t.equals("leaky_relu") || t.equals("leakyrelu")) {
            return leakyRelu();
        }
        if (t.startsWith("leaky_relu:")) {
            try {
                return leakyRelu(Double.parseDouble(t.substring("leaky_relu:".length())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "activation: bad leaky_relu slope in '" + text + "'", e);
            }
        }
        throw new IllegalArgumentException(
                "activation: '"
                        + text
                        + "' is not a piecewise-affine activation police4j supports;"
                        + " expected relu, leaky_relu, leaky_relu:SLOPE or abs");
    }

    /**
     * The slope on the side of the kink given by {@code sign} (+1 above, -1 below).
     *
     * @param sign +1 for above the kink, -1 for below
     * @return 1 above, {@code negativeSlope} below
     */
    public double slope(int sign) {
        return sign > 0 ? 1.0 : negativeSlope;
    }

    /**
     * The activation's value in double precision.
     *
     * @param x the pre-activation
     * @return the activation of x
     */
    public double apply(double x) {
        return x > 0 ? x : negativeSlope * x;
    }

    /**
     * The activation on engine arrays, with the engine's own kernels. Derivatives at the kink
     * follow PyTorch (ReLU'(0) = 0, leaky'(0) = slope, |.|'(0) = 0), which is what the golden
     * vectors assume: after a shift one vertex sits exactly on the kink.
     *
     * @param x pre-activations, any shape
     * @return the activation of every entry, differentiable
     */
    public NDArray apply(NDArray x) {
        switch (kind) {
            case RELU:
                return Activation.relu(x);
            case LEAKY_RELU:
                return Activation.leakyRelu(x, (float) negativeSlope);
            default:
                return x.abs();
        }
    }

    /** {@return the name used on the command line and in model files} */
    public String id() {
        switch (kind) {
            case RELU:
                return "relu";
            case ABS:
                return "abs";
            default:
                return negativeSlope == (float) DEFAULT_LEAK ? "leaky_relu" : "leaky_relu:" + (float) negativeSlope;
        }
    }
}
