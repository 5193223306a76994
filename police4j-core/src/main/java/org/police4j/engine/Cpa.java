package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.police4j.numeric.DoubleDouble;
import org.police4j.numeric.Rounding;

/**
 * A continuous piecewise-affine (CPA) scalar activation with finitely many kinks {@code t_0 < ...
 * < t_{m-1}} and the slope {@code a_j} on each of its {@code m + 1} pieces (piece j lies between
 * {@code t_{j-1}} and {@code t_j}; piece 0 and piece m are unbounded). "Every vertex within one
 * closed piece of every unit" implies "affine on the region", so the kinks, the slopes and one
 * value are all that the engine, the fold and the certificate need to know.
 *
 * <p>Kinks, slopes and the value at the first kink are float32 values (what the deployed network
 * holds), so the exact evaluators compute with them exactly. The families with one kink at zero
 * (ReLU, leaky-ReLU, abs) keep their own code paths everywhere, bit for bit as before several
 * kinks existed: {@link #singleKinkAtZero()} says which path a caller takes. For them a "side"
 * is +1 (above the kink) or -1 (below); for an activation with several kinks (or one kink
 * elsewhere) a side is the piece's index {@code 0..m} (see {@link #piece(int)}).
 */
public final class Cpa {

    /** Leaky-ReLU's default leak, PyTorch's default and the paper's setting. */
    public static final double DEFAULT_LEAK = 0.01;

    /** The most kinks an activation may have (the certificate's pattern codes are bytes). */
    public static final int MAX_KINKS = 32;

    /** The activation families police4j can POLICE. */
    public enum Kind {
        /** max(0, x). */
        RELU,
        /** x above the kink, {@code negativeSlope * x} below. */
        LEAKY_RELU,
        /** |x|. */
        ABS,
        /** min(max(0, x), 6): kinks 0 and 6 (MobileNetV2's activation, DJL's {@code Activation.relu6}). */
        RELU6,
        /** min(max(-1, x), 1): kinks -1 and 1. */
        HARD_TANH,
        /** Any other continuous piecewise-affine function, given by its kinks, slopes and one value. */
        PIECEWISE
    }

    private final Kind kind;
    private final double negativeSlope;
    private final float[] kinks;
    private final float[] slopes;
    private final float firstValue;
    // the float32 formula of PIECEWISE: a_0 x + b_0 + sum_i d_i max(x - t_i, 0)
    private final float intercept0;
    private final float[] steps;
    /** Per piece, its exact intercept as a double-double pair {hi, lo}. */
    private final double[][] interceptPairs;

    /**
     * An activation of one of the families with a single kink at zero (for compatibility with
     * the files and callers of the time before several kinks).
     *
     * @param kind {@link Kind#RELU}, {@link Kind#LEAKY_RELU}, {@link Kind#ABS}, {@link Kind#RELU6}
     *     or {@link Kind#HARD_TANH}
     * @param negativeSlope the slope for negative inputs (0 for ReLU, the leak for leaky-ReLU, -1 for
     *     the absolute value; ignored for ReLU6 and hard-tanh)
     */
    public Cpa(Kind kind, double negativeSlope) {
        this(kind, negativeSlope, defaultKinks(kind), defaultSlopes(kind, negativeSlope), defaultValue(kind));
    }

    private Cpa(Kind kind, double negativeSlope, float[] kinks, float[] slopes, float firstValue) {
        this.kind = kind;
        this.negativeSlope = slopes[0];
        this.kinks = kinks;
        this.slopes = slopes;
        this.firstValue = firstValue;
        this.intercept0 = (float) (firstValue - (double) slopes[0] * kinks[0]);
        this.steps = new float[kinks.length];
        for (int i = 0; i < kinks.length; i++) {
            steps[i] = (float) ((double) slopes[i + 1] - slopes[i]);
        }
        this.interceptPairs = new double[slopes.length][];
        for (int j = 0; j < slopes.length; j++) {
            BigDecimal exact = exactIntercept(j);
            double h = exact.doubleValue();
            interceptPairs[j] = new double[] {h, exact.subtract(new BigDecimal(h)).doubleValue()};
        }
    }

    private static float[] defaultKinks(Kind kind) {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        switch (kind) {
            case RELU6:
                return new float[] {0f, 6f};
            case HARD_TANH:
                return new float[] {-1f, 1f};
            case PIECEWISE:
                throw new IllegalArgumentException("kind: PIECEWISE needs its kinks and slopes; use Cpa.piecewise");
            default:
                return new float[] {0f};
        }
    }

    private static float[] defaultSlopes(Kind kind, double negativeSlope) {
        switch (kind) {
            case RELU6:
            case HARD_TANH:
                return new float[] {0f, 1f, 0f};
            default:
                // The slope is kept as the float32 value the deployed network multiplies by (0.01
                // becomes 0.009999999776482582): a certificate on the double 0.01 would be about a
                // network nobody runs.
                if (!Double.isFinite(negativeSlope) || !Float.isFinite((float) negativeSlope)) {
                    throw new IllegalArgumentException(
                            "negativeSlope must be finite in float32, got " + negativeSlope);
                }
                return new float[] {kind == Kind.RELU ? 0f : kind == Kind.ABS ? -1f : (float) negativeSlope, 1f};
        }
    }

    private static float defaultValue(Kind kind) {
        return kind == Kind.HARD_TANH ? -1f : 0f;
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

    /** {@return ReLU6, min(max(0, x), 6)} */
    public static Cpa relu6() {
        return new Cpa(Kind.RELU6, 0.0);
    }

    /** {@return hard-tanh, min(max(-1, x), 1)} */
    public static Cpa hardTanh() {
        return new Cpa(Kind.HARD_TANH, 0.0);
    }

    /**
     * A continuous piecewise-affine function; the named families come back as themselves
     * ({@code piecewise({0, 6}, {0, 1, 0}, 0)} is {@link #relu6()}).
     *
     * @param kinks the m kinks, strictly increasing float32 values, 1 to {@link #MAX_KINKS}
     * @param slopes the m + 1 slopes, float32 values, each different from the next (else there is
     *     no kink)
     * @param valueAtFirstKink f(t_0), a float32 value
     * @return the activation
     * @throws IllegalArgumentException naming the argument that is not as expected
     */
    public static Cpa piecewise(double[] kinks, double[] slopes, double valueAtFirstKink) {
        if (kinks == null || kinks.length == 0 || kinks.length > MAX_KINKS) {
            throw new IllegalArgumentException("kinks: " + (kinks == null ? "null" : kinks.length + " values")
                    + "; expected 1 to " + MAX_KINKS + " kinks");
        }
        if (slopes == null || slopes.length != kinks.length + 1) {
            throw new IllegalArgumentException("slopes: " + (slopes == null ? "null" : slopes.length + " values")
                    + "; expected " + (kinks.length + 1) + " (one per piece)");
        }
        float[] t = new float[kinks.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = float32("kinks[" + i + "]", kinks[i]);
            if (i > 0 && !(t[i] > t[i - 1])) {
                throw new IllegalArgumentException("kinks: " + Arrays.toString(kinks) + " are not strictly increasing");
            }
        }
        float[] a = new float[slopes.length];
        for (int j = 0; j < a.length; j++) {
            a[j] = float32("slopes[" + j + "]", slopes[j]);
            if (j > 0 && a[j] == a[j - 1]) {
                throw new IllegalArgumentException("slopes: " + Arrays.toString(slopes) + " has equal slopes on both"
                        + " sides of kink " + t[j - 1] + "; expected a change of slope at every kink");
            }
        }
        float v = float32("valueAtFirstKink", valueAtFirstKink);
        if (t.length == 1 && t[0] == 0f && v == 0f && a[1] == 1f) {
            return a[0] == 0f ? relu() : a[0] == -1f ? abs() : leakyRelu(a[0]);
        }
        Cpa named = t.length == 2 && a[0] == 0f && a[1] == 1f && a[2] == 0f
                ? (t[0] == 0f && t[1] == 6f && v == 0f ? relu6() : t[0] == -1f && t[1] == 1f && v == -1f ? hardTanh() : null)
                : null;
        return named != null ? named : new Cpa(Kind.PIECEWISE, a[0], t, a, v);
    }

    private static float float32(String name, double value) {
        if (!Double.isFinite(value) || (double) (float) value != value) {
            throw new IllegalArgumentException(name + ": " + value + "; expected a finite float32 value");
        }
        return (float) value;
    }

    /**
     * Parses {@code relu}, {@code abs}, {@code leaky_relu}, {@code leaky_relu:SLOPE}, {@code relu6},
     * {@code hardtanh} or {@code piecewise:T0,T1,...:A0,A1,...:V} (kinks, slopes, value at the
     * first kink).
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
        if (t.equals("relu6")) {
            return relu6();
        }
        if (t.equals("hardtanh") || t.equals("hard_tanh")) {
            return hardTanh();
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
        if (t.startsWith("piecewise:")) {
            String[] parts = t.substring("piecewise:".length()).split(":", -1);
            try {
                if (parts.length != 3) {
                    throw new IllegalArgumentException("expected three ':'-separated parts");
                }
                return piecewise(numbers(parts[0]), numbers(parts[1]), Double.parseDouble(parts[2]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("activation: bad piecewise form '" + text + "' (" + e.getMessage()
                        + "); expected piecewise:KINKS:SLOPES:VALUE, e.g. piecewise:-1,1:0,1,0:-1", e);
            }
        }
        throw new IllegalArgumentException(
                "activation: '"
                        + text
                        + "' is not a piecewise-affine activation police4j supports;"
                        + " expected relu, leaky_relu, leaky_relu:SLOPE, abs, relu6, hardtanh or"
                        + " piecewise:KINKS:SLOPES:VALUE");
    }

    private static double[] numbers(String list) {
        String[] items = list.split(",", -1);
        double[] v = new double[items.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.parseDouble(items[i].trim());
        }
        return v;
    }

    /**
     * Reads an activation back from a model file's fields.
     *
     * @param kind the {@link Kind}'s name
     * @param negativeSlope the slope below the (first) kink
     * @param form the {@link #id()} of a {@link Kind#PIECEWISE} activation, else null
     * @return the activation
     */
    public static Cpa fromRecord(String kind, double negativeSlope, String form) {
        Kind k = Kind.valueOf(kind);
        if (k == Kind.PIECEWISE) {
            if (form == null) {
                throw new IllegalArgumentException("activation: PIECEWISE without its form (kinks, slopes, value)");
            }
            return parse(form);
        }
        return new Cpa(k, negativeSlope);
    }

    /** {@return the activation family} */
    public Kind kind() {
        return kind;
    }

    /** {@return the slope below the first kink (0 for ReLU, the leak for leaky-ReLU, -1 for abs)} */
    public double negativeSlope() {
        return negativeSlope;
    }

    /**
     * {@return whether this is ReLU, leaky-ReLU or abs: one kink at 0, sides +1/-1, the code paths of
     * the time before several kinks}
     */
    public boolean singleKinkAtZero() {
        return kind == Kind.RELU || kind == Kind.LEAKY_RELU || kind == Kind.ABS;
    }

    /** {@return the number m of kinks} */
    public int kinkCount() {
        return kinks.length;
    }

    /**
     * The i-th kink.
     *
     * @param i 0 to m - 1
     * @return t_i
     */
    public double kink(int i) {
        return kinks[i];
    }

    /** {@return f(t_0), the value at the first kink (a float32 value)} */
    public double valueAtFirstKink() {
        return firstValue;
    }

    /**
     * The piece a side names.
     *
     * @param side +1/-1 for the families with one kink at zero, else the piece index
     * @return the piece index, 0 to m
     */
    public int piece(int side) {
        return singleKinkAtZero() ? (side > 0 ? 1 : 0) : side;
    }

    /**
     * The slope on the side of the kink given by {@code side}.
     *
     * @param side +1 above / -1 below the kink for the families with one kink at zero, else the
     *     piece index
     * @return the slope on that piece
     */
    public double slope(int side) {
        return slopes[piece(side)];
    }

    /**
     * The intercept on a side, {@code f(x) - a x} on its piece, rounded to double (0 for ReLU,
     * leaky-ReLU and abs, 6 on ReLU6's top piece).
     *
     * @param side as in {@link #slope(int)}
     * @return the intercept
     */
    public double intercept(int side) {
        return exactIntercept(piece(side)).doubleValue();
    }

    /**
     * The exact intercept of piece j.
     *
     * @param piece 0 to m
     * @return {@code f(x) - a_j x} on the piece, exactly
     */
    public BigDecimal exactIntercept(int piece) {
        // f(x) = V_i + a_j (x - t_i) with i = max(j - 1, 0) and V_i = f(t_i)
        int i = Math.max(piece - 1, 0);
        return exactValueAtKink(i).subtract(new BigDecimal(slopes[piece]).multiply(new BigDecimal(kinks[i])));
    }

    /** f(t_i) exactly, by continuity from f(t_0). */
    private BigDecimal exactValueAtKink(int i) {
        BigDecimal v = new BigDecimal(firstValue);
        for (int q = 1; q <= i; q++) {
            v = v.add(new BigDecimal(slopes[q]).multiply(new BigDecimal(kinks[q]).subtract(new BigDecimal(kinks[q - 1]))));
        }
        return v;
    }

    /**
     * Piece j applied to a double-double value, {@code a_j (h + l) + b_j} as a pair: {@code a_j h}
     * exactly (TwoProduct), {@code a_j l} rounded, then the intercept's pair added. Written once for
     * the guard's reference and the certificate's rigorous forward.
     *
     * @param piece 0 to m
     * @param h the value's high part
     * @param l its low part
     * @param out receives {hi, lo}
     * @return a bound of the result's distance to {@code a_j (h + l) + b_j} exactly
     */
    public double applyPiece(int piece, double h, double l, double[] out) {
        double bound = DoubleDouble.multiply(slopes[piece], h, l, out);
        double bh = interceptPairs[piece][0];
        double bl = interceptPairs[piece][1];
        if (bh == 0 && bl == 0) {
            return bound;
        }
        return bound + DoubleDouble.add(out[0], out[1], bh, bl, out) + DoubleDouble.UU * Math.abs(bh);
    }

    /**
     * The exact slope of piece j.
     *
     * @param piece 0 to m
     * @return a_j as a BigDecimal
     */
    public BigDecimal exactSlope(int piece) {
        return new BigDecimal(slopes[piece]);
    }

    /**
     * The piece holding x, a value exactly on a kink counted below it (the one-kink families'
     * {@code x > 0} is piece 1): the number of kinks strictly below x.
     *
     * @param x a value
     * @return 0 to m
     */
    public int pieceBelow(double x) {
        int j = 0;
        while (j < kinks.length && x > kinks[j]) {
            j++;
        }
        return j;
    }

    /**
     * The piece holding x, a value exactly on a kink counted above it: the number of kinks at or
     * below x.
     *
     * @param x a value
     * @return 0 to m
     */
    public int pieceAbove(double x) {
        int j = 0;
        while (j < kinks.length && x >= kinks[j]) {
            j++;
        }
        return j;
    }

    /**
     * Where x lies, exactly, as one of {@code 2m + 1} positions: piece 0, kink 0, piece 1, ...,
     * kink m-1, piece m, numbered {@code -m..m} (for one kink: the sign of x). Values carried
     * times {@code scale} (the exact evaluator's pooled areas) are compared with {@code t_i scale}.
     *
     * @param x the value times {@code scale}
     * @param scale a positive scale
     * @return the position code
     */
    public int position(BigDecimal x, BigDecimal scale) {
        return position(i -> x.compareTo(new BigDecimal(kinks[i]).multiply(scale)));
    }

    /** {@link #position(KinkComparison)}'s answer when a comparison does not decide. */
    public static final int UNDECIDED = Integer.MIN_VALUE;

    /** Where a value lies against kink i: negative below, 0 on it, positive above, or {@link #UNDECIDED}. */
    @FunctionalInterface
    public interface KinkComparison {
        /**
         * @param i the kink
         * @return the comparison's sign, or {@link #UNDECIDED}
         */
        int compare(int i);
    }

    /**
     * The position code of {@link #position(BigDecimal, BigDecimal)} from comparisons with the
     * kinks, in increasing order, as far as they are needed: written once for the exact and the
     * rigorous evaluations.
     *
     * @param kink the value against kink i
     * @return the position code, or {@link #UNDECIDED} when a comparison it needed did not decide
     */
    public int position(KinkComparison kink) {
        int pos = 0;
        for (int i = 0; i < kinks.length; i++) {
            int c = kink.compare(i);
            if (c == UNDECIDED) {
                return UNDECIDED;
            }
            if (c < 0) {
                return pos - kinks.length;
            }
            if (c == 0) {
                return pos + 1 - kinks.length;
            }
            pos += 2;
        }
        return pos - kinks.length;
    }

    /**
     * The position code of an exact value known only as {@code hi + lo} within {@code err} of it,
     * proved: a kink within the bound leaves it {@link #UNDECIDED}. Written once for the
     * certificate's rigorous evaluation and the guard's reference, which both carry such pairs.
     *
     * @param hi the pair's high part
     * @param lo its low part
     * @param err a bound of the pair's distance to the exact value (0: the pair is the value,
     *     compared exactly)
     * @return the position code ({@link #position(KinkComparison)}), or {@link #UNDECIDED}
     */
    public int position(double hi, double lo, double err) {
        double pre = hi + lo;
        return position(i -> {
            double t = kinks[i];
            if (err == 0) {
                return DoubleDouble.compare(hi, lo, t, 0); // an exact value: compared exactly
            }
            // |z - pre| <= err + u |pre|; d = fl(pre - t) is within u |d| of pre - t
            double d = pre - t;
            double e = Rounding.up(err + 2 * Rounding.U * (Math.abs(pre) + Math.abs(d)));
            return d > e ? 1 : d < -e ? -1 : UNDECIDED;
        });
    }

    /**
     * {@return the largest |slope| a value can take from a position code to its exact value's
     * piece: the piece's slope, on a kink the larger of its two pieces'}
     *
     * @param code a position code ({@link #position(KinkComparison)}), not {@link #UNDECIDED}
     */
    public double slopeBound(int code) {
        int m = kinks.length;
        int lowPiece = (code + m) / 2;
        int highPiece = (code + m + 1) / 2;
        return Math.max(Math.abs(slopes[lowPiece]), Math.abs(slopes[highPiece]));
    }

    /**
     * The activation, exactly, of a value carried times {@code scale}.
     *
     * @param x the value times {@code scale}
     * @param scale a positive scale
     * @return f(x / scale) times scale, exactly
     */
    public BigDecimal exact(BigDecimal x, BigDecimal scale) {
        int code = position(x, scale) + kinks.length; // 0..2m
        int piece = (code + 1) / 2; // a kink counts as the piece above
        return exactOnPiece(x, scale, piece);
    }

    /**
     * Piece j's affine function, exactly, of a value carried times {@code scale}.
     *
     * @param x the value times {@code scale}
     * @param scale a positive scale
     * @param piece 0 to m
     * @return {@code a_j x + b_j scale}
     */
    public BigDecimal exactOnPiece(BigDecimal x, BigDecimal scale, int piece) {
        BigDecimal a = exactSlope(piece);
        BigDecimal ax = a.signum() == 0 || x.signum() == 0 ? BigDecimal.ZERO : a.multiply(x);
        BigDecimal b = exactIntercept(piece);
        return b.signum() == 0 ? ax : ax.add(b.multiply(scale));
    }

    /** {@return the largest |t_i|: how large the numbers of a shift onto a kink can be} */
    public double largestKink() {
        double t = 0;
        for (float k : kinks) {
            t = Math.max(t, Math.abs(k));
        }
        return t;
    }

        /** {@return the largest |slope|, at least 1: the Lipschitz constant the rounding guard uses} */
    public double lipschitz() {
        double l = 1.0;
        for (float a : slopes) {
            l = Math.max(l, Math.abs(a));
        }
        return l;
    }

    /**
     * For {@link Kind#PIECEWISE}, whose float32 formula rounds: a bound on {@code |f(x)|} and on
     * the error of its float32 evaluation for {@code |x| <= magnitude}, what the rounding guard
     * carries to the next layer. Null for every named family ({@code |f(x)| <= lipschitz() |x|},
     * evaluated exactly).
     *
     * @param magnitude a bound on |x|
     * @return {@code {value bound, rounding error bound}}, or null
     */
    public double[] roundingTerms(double magnitude) {
        if (kind != Kind.PIECEWISE) {
            return null;
        }
        double sum = Math.abs(intercept0) + Math.abs(slopes[0]) * magnitude;
        for (int i = 0; i < kinks.length; i++) {
            sum += Math.abs(steps[i]) * (magnitude + Math.abs(kinks[i]));
        }
        double gamma = (2.0 * kinks.length + 4) * 0x1p-24 / (1 - (2.0 * kinks.length + 4) * 0x1p-24);
        // the float32 coefficients b_0 and d_i are themselves rounded: one more unit each
        return new double[] {sum * (1 + gamma), (gamma + 0x1p-23) * sum};
    }

    /** {@return whether the activation is non-decreasing (it then commutes with a max-pool)} */
    public boolean nonDecreasing() {
        for (float a : slopes) {
            if (a < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The derivative the engine's kernels use at x: a value on a kink takes the slope above it
     * for the one-kink families (as the double evaluator did before several kinks), the slope
     * below it otherwise (PyTorch's clamp passes the gradient at its bounds).
     *
     * @param x a pre-activation
     * @return the slope used at x
     */
    public double slopeAt(double x) {
        if (singleKinkAtZero()) {
            return slope(x >= 0 ? 1 : -1);
        }
        return slopes[pieceAbove(x)];
    }

    /**
     * The activation's value in double precision (for {@link Kind#PIECEWISE}: its float32 formula,
     * the value the engine's kernels compute).
     *
     * @param x the pre-activation
     * @return the activation of x
     */
    public double apply(double x) {
        switch (kind) {
            case RELU6:
                return Math.min(Math.max(x, 0.0), 6.0);
            case HARD_TANH:
                return Math.min(Math.max(x, -1.0), 1.0);
            case PIECEWISE: {
                float f = (float) x;
                float y = slopes[0] * f;
                y = y + intercept0;
                for (int i = 0; i < kinks.length; i++) {
                    y = y + steps[i] * Math.max(f - kinks[i], 0f);
                }
                return y;
            }
            default:
                return x > 0 ? x : negativeSlope * x;
        }
    }

    /**
     * The activation on engine arrays, with the engine's own kernels. Derivatives at the kink
     * follow PyTorch (ReLU'(0) = 0, leaky'(0) = slope, |.|'(0) = 0), which is what the golden
     * vectors assume: after a shift one vertex sits exactly on the kink. A {@link Kind#PIECEWISE}
     * activation is {@code a_0 x + b_0 + sum_i d_i relu(x - t_i)} in float32, the same operations
     * as {@link #apply(double)}.
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
            case RELU6:
                // not Activation.relu6: it is NDArrays.minimum(6, relu(x)), a number that DJL frees
                // before autograd's backward reads it (docs/DETERMINISM.md)
                return Scalar.minimum(Activation.relu(x), 6);
            case HARD_TANH:
                return x.clip(-1f, 1f);
            case PIECEWISE: {
                // numbers through Scalar, not mul(Number): DJL frees a number's 0-d array before
                // autograd's backward reads it (docs/DETERMINISM.md)
                NDArray y = Scalar.times(x, slopes[0]).add(intercept0);
                for (int i = 0; i < kinks.length; i++) {
                    y = y.add(Scalar.times(Activation.relu(x.sub(kinks[i])), steps[i]));
                }
                return y;
            }
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
            case RELU6:
                return "relu6";
            case HARD_TANH:
                return "hardtanh";
            case PIECEWISE:
                return "piecewise:" + list(kinks) + ":" + list(slopes) + ":" + firstValue;
            default:
                return negativeSlope == (float) DEFAULT_LEAK ? "leaky_relu" : "leaky_relu:" + (float) negativeSlope;
        }
    }

    private static String list(float[] v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(v[i]);
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cpa c && c.kind == kind && Arrays.equals(c.kinks, kinks)
                && Arrays.equals(c.slopes, slopes) && c.firstValue == firstValue;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, Arrays.hashCode(kinks), Arrays.hashCode(slopes), firstValue);
    }

    @Override
    public String toString() {
        return "Cpa[" + id() + "]";
    }
}
