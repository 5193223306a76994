package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * The margin each unit needs so that the certificate, which evaluates the <em>folded float32
 * network exactly</em>, sees every vertex on the side the engine put it on. The engine decides on
 * rounded values; a fixed margin covers their rounding only while the values are small, so the
 * margin here follows the magnitude of what is rounded, layer by layer, for one region.
 *
 * <h2>The bound</h2>
 *
 * Let {@code u = 2^-24} be float32's unit roundoff (also when training in float64: the folded
 * network, which is certified, is float32, and rounding the weights to it costs one more {@code u}), {@code n} a layer's
 * fan-in, {@code gamma_m = m u / (1 - m u)}, {@code L = max(1, |negative slope|)} the activation's
 * Lipschitz constant. For one region, {@code X_j} bounds {@code |z_j|} over the vertices as the
 * engine computed them and {@code Z_j} bounds {@code |z_j - z*_j|}, where {@code z*} is what the
 * folded network gives in exact arithmetic (layer 0: the region's coordinates, {@code Z_j = u X_j}
 * for the cast of double vertices to float32). With {@code H = fl(W z + b)}, the shift {@code c =
 * fl(s m - H[p*])} and the folded bias {@code b' = fl(b + c)}, the standard dot-product bound
 * (any summation order, with or without FMA) and one rounding each for the shift, the add and the
 * fold give, for every vertex and unit k,
 *
 * <pre>
 *   |fl(H + c) - (W z* + b')|  &lt;=  E_k = gamma_{n+t+8} (sum_j |W_kj| X_j + |b_k|) + sum_j |W_kj| Z_j
 * </pre>
 *
 * ({@code t = 0} for vertex rows; a tracked map's {@code V A^T + a} sums {@code t = D} more
 * products; the terms {@code u |c|}, {@code u |H + c|}, {@code u |b + c|} are each at most {@code u} times
 * the same magnitude plus the margin, and are absorbed by the six extra units of {@code gamma}).
 * The engine puts every vertex at least {@code m_k} past the kink in the rounded values, so with
 * {@code m_k = margin + E_k} every exact value is still at least {@code margin > 0} past it: the
 * folded network is affine on R, and so certifiable, at every step. (The bound is rigorous and
 * pessimistic, a sum of absolute values; {@code margin} is the slack on top of it.) For the next layer, with
 * {@code M_k} a bound on {@code |H + c|} at the vertices (or, for a tracked affine map, on the
 * magnitudes the map's products handle, see {@link RegionPass#magnitudes}), {@code X_k = L M_k
 * (1 + 2u)} and {@code Z_k = L (E_k + u M_k)}; the depth enters through {@code Z}.
 *
 * <p>At the paper's scale (inputs near 1, default initialisation) {@code E_k} is below the default
 * margin in the first layers and grows with depth (the sum over {@code |W|} of the error carried);
 * for inputs in the thousands it is what keeps the certificate. A margin of 0 is the paper's rule exactly and turns the guard off.
 */
public final class RoundingGuard {

    private final double base;
    private final double roundoff;
    private final double lipschitz;
    private final int extraTerms;
    private double[] inMax;
    private double[] inError;
    private double[] error;

    /**
     * @param margin the engine's margin, kept in every unit on top of the rounding bound
     * @param activation the network's activation
     * @param regionMagnitude per input coordinate, the largest {@code |x_j|} over the region
     * @param extraTerms terms every value sums beyond a layer's fan-in: 0 for vertex rows, D for a
     *     tracked affine map (its {@code V A^T} adds D products)
     */
    public RoundingGuard(double margin, Cpa activation, double[] regionMagnitude, int extraTerms) {
        this.base = margin;
        this.extraTerms = extraTerms;
        // float32 even when training in float64: the folded network, what is certified, is float32
        this.roundoff = 0x1p-24;
        this.lipschitz = Math.max(1.0, Math.abs(activation.negativeSlope()));
        this.inMax = regionMagnitude.clone();
        this.inError = new double[regionMagnitude.length];
        for (int j = 0; j < inError.length; j++) {
            inError[j] = roundoff * regionMagnitude[j]; // the double region cast to float32
        }
    }

    /** {@code gamma_m = m u / (1 - m u)}, the dot-product rounding factor. */
    private double gamma(long m) {
        double mu = m * roundoff;
        if (mu >= 0.5) {
            throw new IllegalArgumentException("fan-in " + m + " too large for a rounding bound in this dtype");
        }
        return mu / (1 - mu);
    }

    /**
     * The margin of every unit of the next layer.
     *
     * @param layer the layer's index, for messages
     * @param weight K x K_prev as the region pass uses it
     * @param bias K
     * @return K margins, float32 rounded up
     * @throws IllegalStateException when a weight or the region's values are not finite (training
     *     diverged)
     */
    public float[] margins(int layer, NDArray weight, NDArray bias) {
        // float32 copies (a float64 weight's magnitude rounded to float32 changes the bound by 2^-24)
        float[] w = LayerRange.floats(weight);
        float[] b = LayerRange.floats(bias);
        int k = b.length;
        int n = inMax.length;
        if (w.length != (long) k * n) {
            throw new IllegalArgumentException(
                    "weight: shape " + weight.getShape() + ", expected (" + k + ", " + n + ")");
        }
        double g = gamma(n + extraTerms + 8L);
        double[] v = new double[n];
        for (int j = 0; j < n; j++) {
            v[j] = g * inMax[j] + inError[j];
        }
        error = new double[k];
        float[] margins = new float[k];
        for (int q = 0; q < k; q++) {
            double e = g * Math.abs(b[q]);
            int o = q * n;
            for (int j = 0; j < n; j++) {
                e += Math.abs(w[o + j]) * v[j];
            }
            double m = base + e;
            if (!Double.isFinite(m) || (float) m == Float.POSITIVE_INFINITY) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "layer %d, unit %d: the weights or the region's values are not finite (rounding bound %s);"
                                + " training diverged: lower the learning rate or rescale the inputs",
                        layer, q, m));
            }
            error[q] = e;
            float f = (float) m;
            margins[q] = f < m ? Math.nextUp(f) : f;
        }
        return margins;
    }

    /**
     * Moves to the next layer.
     *
     * @param magnitudes per unit, a bound on {@code |H + c|} over the region as the engine computed
     *     it (see {@link RegionPass#magnitudes})
     */
    public void leave(double[] magnitudes) {
        int k = magnitudes.length;
        inMax = new double[k];
        inError = new double[k];
        for (int q = 0; q < k; q++) {
            inMax[q] = lipschitz * magnitudes[q] * (1 + 2 * roundoff);
            inError[q] = lipschitz * (error[q] + roundoff * magnitudes[q]);
        }
    }

}
