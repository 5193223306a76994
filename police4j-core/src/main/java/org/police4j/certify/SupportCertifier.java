package org.police4j.certify;

import static org.police4j.numeric.Rounding.U;
import static org.police4j.numeric.Rounding.gamma;
import static org.police4j.numeric.Rounding.up;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.police4j.network.DenseForm;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer.Dense;
import org.police4j.engine.Cpa;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.SupportRegion;
import org.police4j.region.Zonotope;

/**
 * A sound POLICE certificate for regions given by their support (a {@link Box}, an
 * {@link L1Ball} or a {@link Zonotope}), usable in high dimension where listing vertices is
 * impossible: a 784-D box through hidden layers of width 1024 takes seconds.
 *
 * <p>A network with single-kink piecewise-affine activations is affine on a convex region R iff,
 * in every unit of every hidden layer, the pre-activation over R never takes both signs (0 is
 * compatible with both). {@link Certifier} decides this exactly from the vertices; this class
 * proves it from the support, <em>soundly but not completely</em>: {@code certified == true}
 * is a proof, while {@code false} only means that some unit could not be proved to keep one
 * side (it does straddle unless its range ends within the rounding bounds, about 1e-13 relative,
 * of 0).
 *
 * <h2>Method</h2>
 *
 * Layer by layer, with every earlier layer proved, the pre-activation of layer l is an affine
 * function on R, written centred at the region's centre m as {@code h(x) = a + A (x - m)}. The
 * certifier keeps an <em>interval</em> enclosure of it in midpoint-radius form: double matrices
 * {@code Ac, Ar >= 0} and vectors {@code ac, ar >= 0} such that the exact real coefficients of
 * the float32 network's map satisfy {@code |A - Ac| <= Ar} and {@code |a - ac| <= ar} entrywise.
 * Start: {@code A_1 = W_1} (exact, {@code Ar = 0}), {@code a_1 = W_1 m + b_1} (rounded, with its
 * error bound). The range of unit k over R is then enclosed in
 * {@code [ac_k - ar_k - H_k, ac_k + ar_k + H_k]} with {@code H_k} an upper bound of
 * {@code max_{x in R} |A_k (x - m)|} over all A in the enclosure, using
 * {@code |A_kj| <= |Ac_kj| + Ar_kj =: M_kj}:
 *
 * <ul>
 *   <li>box (radii r): {@code H = sum_j M_kj r_j};
 *   <li>l1 ball (radius rho): {@code H = rho max_j M_kj};
 *   <li>zonotope (generators G): {@code H = sum_g (|(Ac G)_kg| + (Ar |G|)_kg + gamma_D (|Ac| |G|)_kg)}.
 * </ul>
 *
 * A unit with lower bound {@code >= 0} keeps slope 1 on R, one with upper bound {@code <= 0}
 * keeps {@code Cpa.negativeSlope()} (a range of exactly [0, 0] takes slope 1; either is right;
 * such a range can only be proved for a unit known to be an exact constant, i.e. one whose
 * nonzero weights only meet exactly-zero inputs, as after ReLU's inactive units).
 * Any other unit is not proved: the first one in (layer, unit) order becomes the
 * {@link Violation} (its {@code min}/{@code max} are the enclosure's bounds, not attained
 * values), all such units of that layer are counted, and no later layer is checked (their maps
 * are meaningless). When every unit of layer l is proved with slopes {@code d_l}, the next map is
 * {@code A_{l+1} = W_{l+1} diag(d_l) A_l}, {@code a_{l+1} = W_{l+1} (d_l * a_l) + b_{l+1}},
 * and the output map through the head likewise.
 *
 * <h2>Soundness of the enclosure (rounding-error analysis)</h2>
 *
 * All arithmetic is IEEE double in round-to-nearest (Java never fuses multiply-adds). Write
 * {@code u = 2^-53}, {@code gamma_n = n u / (1 - n u)} (computed here slightly enlarged). The
 * standard model {@code fl(x op y) = (x op y)(1 + delta) + eta}, {@code |delta| <= u},
 * {@code |eta| <= 2^-1075} (eta = 0 for additions) gives, for a dot product of n terms summed in
 * any order (Higham, Accuracy and Stability of Numerical Algorithms, section 3.1),
 * {@code |fl(sum w_k c_k) - sum w_k c_k| <= gamma_n sum |w_k| |c_k| + n 2^-1075}. Hence, with the
 * float weights W exact and the previous enclosure {@code [Ac +/- Ar]} containing the exact A:
 *
 * <pre>
 *   |W A - fl(W Ac)| &lt;= |W| |A - Ac| + |W Ac - fl(W Ac)|
 *                    &lt;= |W| (Ar + gamma_n |Ac|) + n 2^-1075
 * </pre>
 *
 * so {@code Ac' = fl(W Ac)} and {@code Ar' = up(fl(|W| (Ar + gamma_n |Ac| + MIN_NORMAL)))} enclose
 * {@code W A}: two ordinary matrix products per layer (computed together, row-parallel, in ikj
 * order). The offsets are one more column with the bias as an extra term ({@code gamma_{n+1}}).
 * The activation's slope on the negative side is applied to the enclosure first: 0 (ReLU) gives
 * an exact zero row, -1 (abs) an exact negation, any other slope c (leaky-ReLU) one rounding,
 * {@code Ac' = fl(c Ac)}, {@code Ar' = up(|c| Ar + u |Ac'|)}.
 *
 * <p>Every bound x is itself computed in double as a sum of products of nonnegative terms, each
 * term going through at most n roundings (n is counted at each call site, about the inner
 * dimension). Its computed value {@code x^} then satisfies {@code x^ >= x (1 - gamma_n)} up to
 * absolute underflow terms below {@code n 2^-1074}, so {@code x <= x^ (1 + gamma_2n)} + those.
 * {@code up(x^, n) = fl(fl(x^ (1 + fl(1 + gamma_{2n+4}))) + MIN_NORMAL)} covers both (the two
 * extra roundings of up itself cost less than {@code gamma_{2n+4} - gamma_{2n}}; the
 * {@code Double.MIN_NORMAL} guard exceeds every underflow term, also those later multiplied by a
 * weight, since radii that feed a product contain the guard themselves). The inflation is
 * relative {@code ~2 n u}, about 1e-13 for n = 1000, so a unit clear of the kink by more than
 * about that times its scale is proved. Finally the unit's bounds {@code ac -/+ rad} are rounded
 * outward with {@link Math#nextDown}/{@link Math#nextUp}. {@code gamma_m} itself is computed
 * slightly enlarged (by {@code 1 + 2^-20}), and any overflow yields an infinite or NaN bound,
 * which proves nothing: the unit is reported.
 *
 * <h2>The affine map</h2>
 *
 * The certificate's map is {@code f(x) = A x + b} (not centred): {@code A = Ac} of the output,
 * {@code b = fl(ac - Ac m)}. Both are the midpoints of enclosures of the exact map: every entry
 * is within {@link Result#mapUncertainty()} of the exact real coefficient the float32 network
 * computes on R (typically 1e-15 relative; it grows with depth and width). Unlike
 * {@link Certifier}, the entries are therefore not correctly rounded. When the network is not
 * certified, the map is that of the activation pattern at the centre m (each unit not yet
 * proved, and every unit after the failing layer, takes the side of its enclosure's midpoint at
 * m, ties to +1): the network's map near m, <em>not</em> on the whole region. The certificate's
 * {@link Certificate#kind()} is {@link Certificate.Kind#SUPPORT_BOUND}, and its
 * {@link Certificate#summary()} says all this.
 *
 * <p>A CNN without max-pool is certified through its {@link DenseForm} (convs as dense
 * matrices); max-pool is refused (certify it from vertices).
 *
 * <h2>Deviations and counts</h2>
 *
 * {@code interiorDeviation} is {@code max |net.evaluate(x) - (A x + b)|} over the interior
 * points (in double, a diagnostic). {@code vertexDeviation} is the same over a few extreme
 * points of the region (not all its vertices): the centre and 8 points drawn with a fixed seed,
 * {@code m + s * r} for random sign vectors s (box), {@code m +/- rho e_j} for random j (l1
 * ball), {@code m + G s} for random sign vectors s (zonotope); computed in double, they may lie
 * outside R by a rounding error. {@code hiddenLayers} and {@code unitsChecked} count the layers
 * and units actually checked (up to and including the failing layer).
 */
public final class SupportCertifier {

    private static final int EXTREME_POINTS = 8;
    private static final long EXTREME_SEED = 0x5EEDL;

    private SupportCertifier() {}

    /**
     * The certificate plus the uncertainty of its affine map.
     *
     * @param certificate the certificate (same type as the vertex certifier's)
     * @param mapUncertainty the largest radius of the enclosures of the entries of A and b: every
     *     entry of the certificate's map is within this of the exact real coefficient of the
     *     float32 network's map (on R when certified, for the centre pattern otherwise)
     */
    public record Result(Certificate certificate, double mapUncertainty) {}

    /**
     * Certifies soundly from the region's support; see the class documentation.
     *
     * @param net the folded network
     * @param region a box, l1 ball or zonotope of dimension {@code net.inputDimension()}
     * @param interiorPoints points of the region at which to measure the empirical deviation of
     *     the map from {@code net.evaluate}; null or empty for none (membership is not checked)
     * @return the certificate
     * @throws IllegalArgumentException on null arguments, dimension mismatch, ragged or
     *     non-finite points, non-finite weights, max-pool
     */
    public static Certificate certify(
            FoldedNetwork net, SupportRegion region, double[][] interiorPoints) {
        return analyze(net, region, interiorPoints).certificate();
    }

    /**
     * Like {@link #certify} but also returns the map's uncertainty.
     *
     * @param net the folded network
     * @param region a box, l1 ball or zonotope of dimension {@code net.inputDimension()}
     * @param interiorPoints interior points for the empirical check; null or empty for none
     * @return the certificate and the map's uncertainty
     */
    public static Result analyze(
            FoldedNetwork net, SupportRegion region, double[][] interiorPoints) {
        if (net == null) {
            throw new IllegalArgumentException("net: must not be null");
        }
        if (region == null) {
            throw new IllegalArgumentException("region: must not be null");
        }
        Inputs.checkWeights(net);
        FoldedNetwork dense = DenseForm.of(net);
        if (!dense.isDense()) {
            throw new IllegalArgumentException(
                    "net: two affine layers in a row (a per-channel affine map after a conv?); the support"
                            + " certificate needs [dense, activation]* dense; certify it from vertices");
        }
        int d = net.inputDimension();
        if (region.dimension() != d) {
            throw new IllegalArgumentException(
                    "region: has dimension " + region.dimension()
                            + ", expected the network's input dimension " + d);
        }
        double[][] interior = interiorPoints == null ? new double[0][] : interiorPoints;
        Inputs.checkPoints("interiorPoints", interior, d, true);

        double[] m = region.center();
        Cpa act = dense.activation();
        List<Dense> hidden = dense.hidden();

        // Layer 1: A = W_1 exactly, a = W_1 m + b_1 with its rounding bound.
        Enclosure e = first(hidden.isEmpty() ? dense.head() : hidden.get(0), m);
        int units = 0;
        int layersChecked = 0;
        int offending = 0;
        Violation firstViolation = null;
        for (int l = 0; l < hidden.size(); l++) {
            int width = e.ac.length;
            double[] slope = new double[width];
            boolean checking = firstViolation == null;
            if (checking) {
                layersChecked++;
                units += width;
                double[] h = halfWidths(region, e);
                for (int k = 0; k < width; k++) {
                    double lo;
                    double hi;
                    if (e.isExactConstant(k)) {
                        lo = e.ac[k];
                        hi = e.ac[k];
                    } else {
                        double rad = up(e.ar[k] + h[k], 2);
                        lo = Math.nextDown(e.ac[k] - rad);
                        hi = Math.nextUp(e.ac[k] + rad);
                    }
                    if (lo >= 0) {
                        slope[k] = 1.0;
                    } else if (hi <= 0) {
                        slope[k] = act.negativeSlope();
                    } else {
                        offending++;
                        if (firstViolation == null) {
                            firstViolation = new Violation(l, k, lo, hi);
                        }
                        slope[k] = act.slope(e.ac[k] >= 0 ? 1 : -1);
                    }
                }
            } else {
                for (int k = 0; k < width; k++) {
                    slope[k] = act.slope(e.ac[k] >= 0 ? 1 : -1);
                }
            }
            Dense next = l + 1 < hidden.size() ? hidden.get(l + 1) : dense.head();
            e = next(e.scaled(slope), next);
        }

        // Uncentre: b = a - A m.
        int outputs = e.ac.length;
        double[] b = new double[outputs];
        double uncertainty = 0;
        double g = gamma(d + 1);
        for (int k = 0; k < outputs; k++) {
            double s = e.ac[k];
            double mag = Math.abs(e.ac[k]);
            double prop = e.ar[k];
            double[] ac = e.ac(k);
            double[] ar = e.ar(k);
            for (int j = 0; j < d; j++) {
                s -= ac[j] * m[j];
                double am = Math.abs(m[j]);
                mag += Math.abs(ac[j]) * am;
                prop += ar[j] * am;
                uncertainty = Math.max(uncertainty, ar[j]);
            }
            b[k] = s;
            uncertainty = Math.max(uncertainty, up(prop + g * mag, d + 4));
        }
        double[][] a = new double[outputs][];
        for (int k = 0; k < outputs; k++) {
            a[k] = e.ac(k).clone();
        }
        boolean certified = firstViolation == null;
        Certificate c =
                new Certificate(
                        Certificate.Kind.SUPPORT_BOUND,
                        certified,
                        layersChecked,
                        units,
                        offending,
                        firstViolation,
                        a,
                        b,
                        Deviation.max(net::evaluate, a, b, interior),
                        Deviation.max(net::evaluate, a, b, extremePoints(region)),
                        interior.length);
        return new Result(c, uncertainty);
    }

    // ---------------------------------------------------------------------------------------
    // The enclosure and its propagation

    /**
     * {@code h(x) = a + A (x - m)} enclosed entrywise in {@code [ac +/- ar]}, {@code [Ac +/- Ar]}.
     * A null row of {@code Ac} is an exact zero row (ReLU's inactive units); a null {@code Ar}
     * means all radii are 0 (the first layer).
     */
    static final class Enclosure {
        final double[][] acRows;
        final double[][] arRows;
        final double[] ac;
        final double[] ar;
        final int d;

        Enclosure(double[][] acRows, double[][] arRows, double[] ac, double[] ar, int d) {
            this.acRows = acRows;
            this.arRows = arRows;
            this.ac = ac;
            this.ar = ar;
            this.d = d;
        }

        /**
         * Whether unit k is known exactly to be the constant {@code ac[k]} on R (its weight row
         * is zero, or it only sees exactly-zero inputs): then 0 is provable as a range [0, 0].
         */
        boolean isExactConstant(int k) {
            return acRows[k] == null && (arRows == null || arRows[k] == null) && ar[k] == 0;
        }

        /** Row k of Ac (a zero row if exactly zero). */
        double[] ac(int k) {
            return acRows[k] == null ? new double[d] : acRows[k];
        }

        /** Row k of Ar (a zero row if exact). */
        double[] ar(int k) {
            return arRows == null || arRows[k] == null ? new double[d] : arRows[k];
        }

        /** Fills one row k of a new enclosure: its rows of Ac and Ar and its entries of ac and ar. */
        interface RowFill {
            void row(int k, double[][] acRows, double[][] arRows, double[] ac, double[] ar);
        }

        /** A new enclosure of n rows over d inputs, its rows filled in parallel. */
        static Enclosure rows(int n, int d, RowFill fill) {
            double[][] rc = new double[n][];
            double[][] rr = new double[n][];
            double[] oc = new double[n];
            double[] or = new double[n];
            IntStream.range(0, n).parallel().forEach(k -> fill.row(k, rc, rr, oc, or));
            return new Enclosure(rc, rr, oc, or, d);
        }

        /** The enclosure of {@code diag(slope) h}. */
        Enclosure scaled(double[] slope) {
            int n = ac.length;
            return rows(n, d, (k, rc, rr, oc, or) -> {
                double c = slope[k];
                double[] row = acRows[k];
                double[] rad = arRows == null ? null : arRows[k];
                if (c == 1.0) {
                    rc[k] = row;
                    rr[k] = rad;
                    oc[k] = ac[k];
                    or[k] = ar[k];
                } else if (c == 0.0 || row == null && rad == null && ac[k] == 0
                        && ar[k] == 0) {
                    // exact zero: the unit's output is 0 on all of R
                } else if (c == -1.0) {
                    rc[k] = row == null ? null : negate(row);
                    rr[k] = rad;
                    oc[k] = -ac[k];
                    or[k] = ar[k];
                } else {
                    double abs = Math.abs(c);
                    if (row != null) {
                        double[] sc = new double[d];
                        double[] sr = new double[d];
                        for (int j = 0; j < d; j++) {
                            sc[j] = c * row[j];
                            double r0 = rad == null ? 0 : rad[j];
                            sr[j] = up(abs * r0 + U * Math.abs(sc[j]), 4);
                        }
                        rc[k] = sc;
                        rr[k] = sr;
                    } else if (rad != null) {
                        double[] sr = new double[d];
                        for (int j = 0; j < d; j++) {
                            sr[j] = up(abs * rad[j], 2);
                        }
                        rr[k] = sr;
                    }
                    oc[k] = c * ac[k];
                    or[k] = up(abs * ar[k] + U * Math.abs(oc[k]), 4);
                }
            });
        }

        private static double[] negate(double[] row) {
            double[] r = new double[row.length];
            for (int j = 0; j < row.length; j++) {
                r[j] = -row[j];
            }
            return r;
        }
    }

    /** The first layer: {@code A = W} exactly, {@code a = fl(W m + b)} with its error bound. */
    private static Enclosure first(Dense layer, double[] m) {
        float[][] w = layer.weight();
        float[] bias = layer.bias();
        int n = m.length;
        int k = bias.length;
        double[][] rows = new double[k][];
        double[] ac = new double[k];
        double[] ar = new double[k];
        double g = gamma(n + 1);
        IntStream.range(0, k)
                .parallel()
                .forEach(
                        i -> {
                            float[] wi = w[i];
                            double[] row = new double[n];
                            double s = bias[i];
                            double mag = Math.abs(bias[i]);
                            for (int j = 0; j < n; j++) {
                                double wj = wi[j];
                                row[j] = wj;
                                s += wj * m[j];
                                mag += Math.abs(wj) * Math.abs(m[j]);
                            }
                            if (mag == Math.abs(bias[i]) && allZero(wi)) {
                                ac[i] = bias[i]; // constant unit, exact: row stays null
                                return;
                            }
                            rows[i] = row;
                            ac[i] = s;
                            ar[i] = up(g * mag, n + 3);
                        });
        return new Enclosure(rows, null, ac, ar, n);
    }

    /** {@code W h + b} enclosed: two matrix products (midpoints and radii), row-parallel, ikj. */
    private static Enclosure next(Enclosure e, Dense layer) {
        float[][] w = layer.weight();
        float[] bias = layer.bias();
        int n = e.ac.length;
        int d = e.d;
        double g = gamma(n + 1);
        // R = Ar + gamma |Ac| per row (null for exact zero rows).
        double[][] r = new double[n][];
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        k -> {
                            double[] row = e.acRows[k];
                            double[] rad = e.arRows == null ? null : e.arRows[k];
                            if (row == null && rad == null) {
                                return;
                            }
                            double[] rk = new double[d];
                            for (int j = 0; j < d; j++) {
                                double c = row == null ? 0 : Math.abs(row[j]);
                                double q = rad == null ? 0 : rad[j];
                                rk[j] = q + g * c + Double.MIN_NORMAL;
                            }
                            r[k] = rk;
                        });
        int out = bias.length;
        return Enclosure.rows(out, d, (i, rc, rr, oc, or) -> {
            float[] wi = w[i];
            double[] c = new double[d];
            double[] q = new double[d];
            double s = bias[i];
            double mag = Math.abs(bias[i]);
            double prop = 0;
            boolean constant = true;
            for (int k = 0; k < n; k++) {
                double wk = wi[k];
                if (wk == 0) {
                    continue;
                }
                if (constant
                        && (e.acRows[k] != null || r[k] != null
                                || e.ac[k] != 0 || e.ar[k] != 0)) {
                    constant = false;
                }
                double aw = Math.abs(wk);
                s += wk * e.ac[k];
                mag += aw * Math.abs(e.ac[k]);
                prop += aw * e.ar[k];
                double[] ak = e.acRows[k];
                if (ak != null) {
                    for (int j = 0; j < d; j++) {
                        c[j] += wk * ak[j];
                    }
                }
                double[] rk = r[k];
                if (rk != null) {
                    for (int j = 0; j < d; j++) {
                        q[j] += aw * rk[j];
                    }
                }
            }
            if (constant) {
                oc[i] = bias[i]; // every term is an exact 0: exact constant
                return;
            }
            for (int j = 0; j < d; j++) {
                q[j] = up(q[j], n + 5);
            }
            rc[i] = c;
            rr[i] = q;
            oc[i] = s;
            or[i] = up(prop + g * mag, n + 4);
        });
    }

    // ---------------------------------------------------------------------------------------
    // Regions

    /**
     * {@code H_k}, a sound bound of the support of every row {@code Ac_k -/+ Ar_k} of the enclosure
     * over the region: the region's own {@link SupportRegion#halfWidthBound}, row-parallel.
     */
    private static double[] halfWidths(SupportRegion region, Enclosure e) {
        double[] h = new double[e.ac.length];
        IntStream.range(0, h.length).parallel().forEach(k -> h[k] = region.halfWidthBound(e.ac(k), e.ar(k)));
        return h;
    }

    /** The centre and a few extreme points of the region, drawn with a fixed seed. */
    private static double[][] extremePoints(SupportRegion region) {
        Random rnd = new Random(EXTREME_SEED);
        List<double[]> pts = new ArrayList<>();
        pts.add(region.center());
        for (int p = 0; p < EXTREME_POINTS; p++) {
            pts.add(region.extremePoint(rnd));
        }
        return pts.toArray(new double[0][]);
    }

    // ---------------------------------------------------------------------------------------
    // Checks (the rounding constants are network.Rounding's)

    private static boolean allZero(float[] row) {
        for (float v : row) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }
}
