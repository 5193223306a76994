package org.police4j.certify;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.IntStream;
import org.police4j.fold.DenseLayer;
import org.police4j.fold.FoldedWeights;

/**
 * The network's weights as exact {@link BigDecimal}s and an exact forward pass.
 *
 * <p>Every float32 weight and bias, every double input coordinate and the double leak of
 * leaky-ReLU is a binary fraction, and {@code new BigDecimal(double)} represents it exactly. The
 * forward pass only multiplies, adds and negates (no division, no rounding, no MathContext), so
 * every pre-activation it produces is the exact real value the network's weights define. Exact
 * zeros are skipped, which keeps ReLU's inactive units free.
 */
final class ExactNetwork {

    private final BigDecimal[][][] weight;
    private final BigDecimal[][] bias;
    private final BigDecimal[][] headWeight;
    private final BigDecimal[] headBias;
    private final double slopeValue;
    private final BigDecimal negativeSlope;

    ExactNetwork(FoldedWeights net) {
        List<DenseLayer> hidden = net.hidden();
        weight = new BigDecimal[hidden.size()][][];
        bias = new BigDecimal[hidden.size()][];
        for (int l = 0; l < hidden.size(); l++) {
            weight[l] = exact(hidden.get(l).weight());
            bias[l] = exact(hidden.get(l).bias());
        }
        headWeight = exact(net.head().weight());
        headBias = exact(net.head().bias());
        slopeValue = net.activation().negativeSlope();
        negativeSlope = new BigDecimal(slopeValue);
    }

    int layers() {
        return weight.length;
    }

    /** The exact pattern and pre-activations of one input point. */
    Pattern forward(double[] x) {
        BigDecimal[] z = new BigDecimal[x.length];
        for (int j = 0; j < x.length; j++) {
            z[j] = new BigDecimal(x[j]);
        }
        byte[][] sign = new byte[weight.length][];
        double[][] pre = new double[weight.length][];
        for (int l = 0; l < weight.length; l++) {
            BigDecimal[] h = affine(weight[l], bias[l], z);
            sign[l] = new byte[h.length];
            pre[l] = new double[h.length];
            for (int k = 0; k < h.length; k++) {
                int s = h[k].signum();
                sign[l][k] = (byte) s;
                pre[l][k] = h[k].doubleValue();
                h[k] = applySide(h[k], s >= 0 ? 1 : -1);
            }
            z = h;
        }
        return pattern(sign, pre);
    }

    private static Pattern pattern(byte[][] sign, double[][] pre) {
        return new Pattern(sign, pre, true);
    }

    /**
     * The exact affine map of the network when every hidden unit is held on the given side,
     * correctly rounded to double at the end. The D columns of A and the offset b are independent
     * linear passes, computed in parallel when {@code parallel}.
     *
     * @param sides per hidden layer and unit, +1 or -1
     * @param inputs the input dimension D
     * @param parallel whether to compute the D + 1 passes in parallel
     * @return {A (K x D), b (K)} as a two-element array: element 0 holds A's rows, element 1 holds
     *     b as a single row
     */
    double[][][] affineMap(int[][] sides, int inputs, boolean parallel) {
        IntStream columns = IntStream.rangeClosed(0, inputs);
        if (parallel) {
            columns = columns.parallel();
        }
        BigDecimal[][] passes =
                columns.mapToObj(j -> pass(sides, inputs, j)).toArray(BigDecimal[][]::new);
        int outputs = headBias.length;
        double[][] a = new double[outputs][inputs];
        double[] b = new double[outputs];
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < inputs; j++) {
                a[k][j] = passes[j][k].doubleValue();
            }
            b[k] = passes[inputs][k].doubleValue();
        }
        return new double[][][] {a, {b}};
    }

    /**
     * Column j of A (j < inputs: the image of the j-th unit vector through the linear parts) or,
     * for j == inputs, the offset b (the image of 0 through the affine parts), exactly.
     */
    private BigDecimal[] pass(int[][] sides, int inputs, int j) {
        boolean offset = j == inputs;
        BigDecimal[] z = new BigDecimal[inputs];
        for (int i = 0; i < inputs; i++) {
            z[i] = !offset && i == j ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        for (int l = 0; l < weight.length; l++) {
            BigDecimal[] h = offset ? affine(weight[l], bias[l], z) : linear(weight[l], z);
            for (int k = 0; k < h.length; k++) {
                h[k] = applySide(h[k], sides[l][k]);
            }
            z = h;
        }
        return offset ? affine(headWeight, headBias, z) : linear(headWeight, z);
    }

    /**
     * The activation's branch on the given side, applied exactly: the identity above the kink,
     * multiplication by the exact double {@code Cpa.negativeSlope()} below it (0 for ReLU, -1 for
     * abs, the leak for leaky-ReLU), as {@code Cpa.slope(side)} defines.
     */
    private BigDecimal applySide(BigDecimal h, int side) {
        if (side > 0 || h.signum() == 0) {
            return h;
        }
        if (slopeValue == 0.0) {
            return BigDecimal.ZERO;
        }
        if (slopeValue == -1.0) {
            return h.negate();
        }
        if (slopeValue == 1.0) {
            return h;
        }
        return h.multiply(negativeSlope);
    }

    private static BigDecimal[] affine(BigDecimal[][] w, BigDecimal[] b, BigDecimal[] z) {
        BigDecimal[] h = new BigDecimal[b.length];
        for (int k = 0; k < h.length; k++) {
            h[k] = dot(w[k], z, b[k]);
        }
        return h;
    }

    private static BigDecimal[] linear(BigDecimal[][] w, BigDecimal[] z) {
        BigDecimal[] h = new BigDecimal[w.length];
        for (int k = 0; k < h.length; k++) {
            h[k] = dot(w[k], z, BigDecimal.ZERO);
        }
        return h;
    }

    private static BigDecimal dot(BigDecimal[] row, BigDecimal[] z, BigDecimal start) {
        BigDecimal s = start;
        for (int j = 0; j < z.length; j++) {
            if (z[j].signum() != 0 && row[j].signum() != 0) {
                s = s.add(row[j].multiply(z[j]));
            }
        }
        return s;
    }

    private static BigDecimal[][] exact(float[][] m) {
        BigDecimal[][] e = new BigDecimal[m.length][];
        for (int i = 0; i < m.length; i++) {
            e[i] = exact(m[i]);
        }
        return e;
    }

    private static BigDecimal[] exact(float[] v) {
        BigDecimal[] e = new BigDecimal[v.length];
        for (int i = 0; i < v.length; i++) {
            e[i] = new BigDecimal((double) v[i]);
        }
        return e;
    }
}
