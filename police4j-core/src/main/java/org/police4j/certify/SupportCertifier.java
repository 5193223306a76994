package org.police4j.certify;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.police4j.engine.Cpa;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.IntervalMapEval;
import org.police4j.network.Layer;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.MaxPool;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.SupportRegion;
import org.police4j.region.Zonotope;

/**
 * A sound POLICE certificate for regions given by their support (a {@link Box}, an
 * {@link L1Ball} or a {@link Zonotope}), usable in high dimension where listing vertices is
 * impossible (a 784-D box has 2^784 of them). MLPs and CNNs alike (dense, conv, per-channel
 * affine, flatten, average and max pooling).
 *
 * <p>A network with single-kink piecewise-affine activations is affine on a convex region R iff,
 * in every unit of every hidden layer, the pre-activation over R never takes both signs (0 is
 * compatible with both), and every max-pool window has one position that is a maximum all over R
 * (ties allowed). {@link Certifier} decides this exactly from the vertices; this class proves it
 * from the support, <em>soundly but not completely</em>: {@code certified == true} is a proof,
 * while {@code false} only means that some unit or window could not be proved (a unit does
 * straddle unless its range ends within the rounding bounds, about 1e-13 relative, of 0).
 *
 * <h2>Method</h2>
 *
 * Layer by layer, with every earlier unit and window proved, each value of the network is an
 * affine function on R, {@code h(x) = a + A (x - m)} centred at the region's centre m;
 * {@link IntervalMapEval} carries a sound interval enclosure of it through every layer kind (its
 * class documentation gives the rounding-error analysis), and bounds each unit's range over R
 * with the region's own {@link SupportRegion#halfWidthBound}. This class only reads the bounds:
 *
 * <ul>
 *   <li>at an activation, a unit with lower bound {@code >= 0} keeps slope 1 on R, one with upper
 *       bound {@code <= 0} keeps {@code Cpa.negativeSlope()} (a range of exactly [0, 0] takes
 *       slope 1; it can only be proved for a unit known to be an exact constant, as after ReLU's
 *       inactive units); any other unit is not proved;
 *   <li>at a max-pool, each window's candidate is the position largest at m (the lowest on ties),
 *       proved when the enclosure of {@code h_w - max_{q != w} h_q} has a lower bound {@code >=
 *       0}; any other window is not proved. Windows count as units, belong to the hidden layer
 *       the pool feeds (the next activation's index, as in {@link Certifier}) and are checked
 *       before its units; the violation's range is that of the gap.
 * </ul>
 *
 * The first unit or window not proved, in layer order, becomes the {@link Violation} (its {@code
 * min}/{@code max} are the enclosure's bounds, not attained values); all such units or windows of
 * that layer or pool are counted, and nothing after it is checked (its maps are meaningless).
 * Proved sides and winners make the next layers affine on R: {@code A_{l+1} = W_{l+1} diag(d_l)
 * A_l} and so on, through the head.
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
 * m, ties to +1; each window its position largest at m): the network's map near m, <em>not</em>
 * on the whole region. The certificate's {@link Certificate#kind()} is
 * {@link Certificate.Kind#SUPPORT_BOUND}, and its {@link Certificate#summary()} says all this.
 *
 * <h2>Deviations and counts</h2>
 *
 * {@code interiorDeviation} is {@code max |net.evaluate(x) - (A x + b)|} over the interior
 * points (in double, a diagnostic). {@code vertexDeviation} is the same over a few extreme
 * points of the region (not all its vertices): the centre and 8 points drawn with a fixed seed
 * by {@link SupportRegion#extremePoint} (corners of a box, {@code m +/- rho e_j} of an l1 ball,
 * {@code m + G s} of a zonotope); computed in double, they may lie outside R by a rounding
 * error. {@code hiddenLayers} counts the hidden layers reached by the check (up to and including
 * the failing one), {@code unitsChecked} the units and windows actually checked.
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
     *     non-finite points, non-finite weights
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
        int d = net.inputDimension();
        if (region.dimension() != d) {
            throw new IllegalArgumentException(
                    "region: has dimension " + region.dimension()
                            + ", expected the network's input dimension " + d);
        }
        double[][] interior = interiorPoints == null ? new double[0][] : interiorPoints;
        Inputs.checkPoints("interiorPoints", interior, d, true);

        double[] m = region.center();
        Check check = new Check(net.hiddenLayers());
        IntervalMapEval e = chain(net.layers(), IntervalMapEval.input(m), check, region);
        IntervalMapEval.AffineMap map = e.uncentred(m);
        double[][] a = map.map();
        double[] b = map.offset();
        Certificate c =
                new Certificate(
                        Certificate.Kind.SUPPORT_BOUND,
                        check.first == null,
                        check.layersReached,
                        check.units,
                        check.offending,
                        check.first,
                        a,
                        b,
                        Deviation.max(net::evaluate, a, b, interior),
                        Deviation.max(net::evaluate, a, b, extremePoints(region)),
                        interior.length,
                        map.uncertainty());
        return new Result(c, map.uncertainty());
    }

    /** A chain of layers on the enclosure e, proving sides and winners as they come (branch 0 first). */
    private static IntervalMapEval chain(List<Layer> layers, IntervalMapEval e, Check check, SupportRegion region) {
        for (Layer layer : layers) {
            if (layer instanceof Activation a) {
                e = e.activate(a.cpa(), a.cpa().singleKinkAtZero() ? check.sides(e, region) : check.pieces(e, region, a.cpa()));
            } else if (layer instanceof MaxPool pool) {
                e = e.pool(pool, check.winners(e, pool, region));
            } else if (layer instanceof Layer.Parallel p) {
                List<IntervalMapEval> outs = new java.util.ArrayList<>();
                for (List<Layer> branch : p.branches()) {
                    outs.add(chain(branch, e, check, region));
                }
                e = IntervalMapEval.join(p, outs);
            } else {
                e = e.apply(layer);
            }
        }
        return e;
    }

    /**
     * The certificate's logic, layer by layer: which units keep a side and which windows a
     * winner on R, counted until the first layer (or pool) that is not proved; after it, the
     * pattern of the centre.
     */
    private static final class Check {
        final int activations;
        int layer;
        int layersReached;
        int units;
        int offending;
        Violation first;

        Check(int activations) {
            this.activations = activations;
        }

        /** The sides of the activation's units: proved ones while checking, else the centre's. */
        int[] sides(IntervalMapEval e, SupportRegion region) {
            int l = layer++;
            if (first != null) {
                return e.centreSides();
            }
            layersReached = l + 1;
            int width = e.size();
            units += width;
            double[][] bounds = e.bounds(region);
            int[] sides = new int[width];
            for (int k = 0; k < width; k++) {
                double lo = bounds[0][k];
                double hi = bounds[1][k];
                if (lo >= 0) {
                    sides[k] = 1;
                } else if (hi <= 0) {
                    sides[k] = -1;
                } else {
                    notProved(l, k, lo, hi);
                    sides[k] = e.centre(k) >= 0 ? 1 : -1;
                }
            }
            return sides;
        }

        /**
         * The pieces of an activation with several kinks: a unit is proved when its whole range
         * lies in one closed piece; otherwise (and after the first unproved unit) the centre's.
         */
        int[] pieces(IntervalMapEval e, SupportRegion region, Cpa cpa) {
            int l = layer++;
            int width = e.size();
            int[] pieces = new int[width];
            if (first != null) {
                for (int k = 0; k < width; k++) {
                    pieces[k] = cpa.pieceAbove(e.centre(k));
                }
                return pieces;
            }
            layersReached = l + 1;
            units += width;
            double[][] bounds = e.bounds(region);
            for (int k = 0; k < width; k++) {
                double lo = bounds[0][k];
                double hi = bounds[1][k];
                int j = cpa.pieceAbove(lo); // the piece whose closed interval starts at or below lo
                boolean proved = j == cpa.kinkCount() || hi <= cpa.kink(j);
                if (!proved) {
                    notProved(l, k, lo, hi);
                }
                pieces[k] = proved ? j : cpa.pieceAbove(e.centre(k));
            }
            return pieces;
        }

        /** The pool's winners (the centre's), checked over the region while checking. */
        int[] winners(IntervalMapEval e, MaxPool pool, SupportRegion region) {
            int[] winners = e.centreWinners(pool);
            if (first != null) {
                return winners;
            }
            units += winners.length;
            double[][] gaps = e.gapBounds(pool, winners, region);
            for (int u = 0; u < winners.length; u++) {
                if (!(gaps[0][u] >= 0)) {
                    notProved(layer, u, gaps[0][u], gaps[1][u]);
                }
            }
            if (first != null) {
                layersReached = Math.min(layer + 1, activations); // the layer the pool feeds
            }
            return winners;
        }

        private void notProved(int l, int k, double lo, double hi) {
            offending++;
            if (first == null) {
                first = new Violation(l, k, lo, hi);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Regions

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
}
