package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.function.UnaryOperator;

/**
 * The max-pool part of the constraint: in each non-overlapping kh x kw window, pick the majority
 * winner and shift every other position down until the winner beats it by at least the margin at
 * every vertex. Then the pool selects the same position everywhere on R and is affine there (the
 * difference of two affine maps that is non-negative at the vertices is non-negative on R). The
 * shift is differentiable like the POLICE shift: {@code d_q = max_p ReLU(h_q(v_p) - h_w(v_p) + m)}.
 */
public final class PoolShift {

    private PoolShift() {}

    /**
     * @param shift (C, H, W) amount to subtract from each position (0 for winners and for
     *     positions outside every window); differentiable
     * @param winner (C, PH, PW) the winning position in each window, 0..kh*kw-1 row-major (int64)
     * @param shiftedWindows (P, C, PH, PW, kh*kw) the vertices' window values after the shift
     */
    public record Result(NDArray shift, NDArray winner, NDArray shiftedWindows) {}

    /**
     * Chooses each window's winner (the majority of the vertices' maxima) and the shift of the
     * other positions.
     *
     * @param vertexPre (P, C, H, W) vertex pre-activations before the pool
     * @param kh window rows (= stride along H)
     * @param kw window columns (= stride along W)
     * @param margin how far the winner must stay ahead
     * @param windowMargins C * (H / kh) * (W / kw) margins, one per window, in place of {@code
     *     margin} (from a {@link RoundingGuard}), or null
     * @return the shift, the winners and the shifted windows
     */
    public static Result compute(NDArray vertexPre, int kh, int kw, double margin, float[] windowMargins) {
        Shape s = vertexPre.getShape();
        long c = s.get(1);
        long ph = s.get(2) / kh;
        long pw = s.get(3) / kw;
        int kk = kh * kw;
        NDManager manager = vertexPre.getManager();
        NDArray windows = windows(vertexPre, kh, kw);
        NDArray positions = manager.arange(0, kk, 1, DataType.INT64);
        // votes: one per vertex for its argmax position
        NDArray argmax = windows.stopGradient().argMax(4);
        NDArray votes =
                argmax.expandDims(4).eq(positions.reshape(1, 1, 1, 1, kk)).toType(DataType.FLOAT32, false).sum(new int[] {0});
        // most votes, ties to the lowest position: score = votes * kk + (kk - 1 - position), exact
        NDArray tieBreak = manager.arange(kk - 1, -1, -1, DataType.FLOAT32);
        NDArray winner = votes.mul(kk).add(tieBreak).argMax(3);
        NDArray isWinner = winner.expandDims(3).eq(positions.reshape(1, 1, 1, kk)).toType(windows.getDataType(), false);
        NDArray winnerValue = windows.mul(isWinner).sum(new int[] {4}, true);
        NDArray behind = withMargin(windows.sub(winnerValue), c, ph, pw, margin, windowMargins);
        NDArray d = Activation.relu(behind).max(new int[] {0}).mul(isWinner.neg().add(1)); // (C, PH, PW, kk)
        NDArray shifted = windows.sub(d);
        return new Result(positions(d, s, kh, kw), winner, shifted);
    }

    /**
     * The pool shift of a region given by its support, from the affine map of the pre-activations
     * on R, {@code h(x) = a + A (x - m)}: each window's winner is the position largest at the centre
     * (ties to the lowest), and every other position q is shifted down by {@code relu(max_R (h_q -
     * h_w) + margin) = relu(a_q - a_w + halfWidth(A_q - A_w) + margin)}, differentiable like the
     * POLICE shift. Afterwards the pool is the winner's map on R.
     *
     * @param centre (1, C, H, W) the map's value at the region's centre
     * @param directions (D, C, H, W) its linear part, one row per input coordinate
     * @param kh window rows (= stride along H)
     * @param kw window columns (= stride along W)
     * @param margin how far the winner must stay ahead
     * @param windowMargins one margin per window in place of {@code margin}, or null
     * @param halfWidths the region's support: per column of a (D, K) map, {@code max_R |A (x - m)|}
     * @return the shift (C, H, W) and the winner's map, centre (1, C H'' W'') and directions (D, C H'' W'')
     */
    public static SupportResult fromSupport(
            NDArray centre, NDArray directions, int kh, int kw, double margin, float[] windowMargins,
            UnaryOperator<NDArray> halfWidths) {
        Shape s = centre.getShape();
        long c = s.get(1);
        long ph = s.get(2) / kh;
        long pw = s.get(3) / kw;
        int kk = kh * kw;
        long d = directions.getShape().get(0);
        NDManager manager = centre.getManager();
        NDArray centreWindows = windows(centre, kh, kw); // (1, C, PH, PW, kk)
        NDArray directionWindows = windows(directions, kh, kw); // (D, C, PH, PW, kk)
        NDArray positions = manager.arange(0, kk, 1, DataType.INT64);
        NDArray winner = centreWindows.stopGradient().argMax(4).squeeze(0); // first maximum: the lowest position
        NDArray isWinner = winner.expandDims(3).eq(positions.reshape(1, 1, 1, kk)).toType(centre.getDataType(), false);
        NDArray winnerCentre = centreWindows.mul(isWinner).sum(new int[] {4}, true);
        NDArray winnerDirections = directionWindows.mul(isWinner).sum(new int[] {4}, true);
        NDArray width = halfWidths.apply(directionWindows.sub(winnerDirections).reshape(d, -1)).reshape(1, c, ph, pw, kk);
        NDArray behind = withMargin(centreWindows.sub(winnerCentre).add(width), c, ph, pw, margin, windowMargins);
        NDArray shift = Activation.relu(behind).squeeze(0).mul(isWinner.neg().add(1)); // (C, PH, PW, kk)
        return new SupportResult(positions(shift, s, kh, kw), winnerCentre.reshape(1, c * ph * pw),
                winnerDirections.reshape(d, c * ph * pw));
    }

    /**
     * A support region's pool shift and the pooled map.
     *
     * @param shift (C, H, W) subtracted from each position before the pool
     * @param centre (1, units) the pooled map's value at the region's centre
     * @param directions (D, units) the pooled map's linear part
     */
    public record SupportResult(NDArray shift, NDArray centre, NDArray directions) {}

    /** (R, C, H, W) as (R, C, H/kh, W/kw, kh*kw): the tiling windows, uncovered edges dropped. */
    private static NDArray windows(NDArray pre, int kh, int kw) {
        Shape s = pre.getShape();
        long r = s.get(0);
        long c = s.get(1);
        long ph = s.get(2) / kh;
        long pw = s.get(3) / kw;
        NDArray covered = (ph * kh == s.get(2) && pw * kw == s.get(3)) ? pre : pre.get(":, :, 0:{}, 0:{}", ph * kh, pw * kw);
        return covered.reshape(r, c, ph, kh, pw, kw).transpose(0, 1, 2, 4, 3, 5).reshape(r, c, ph, pw, (long) kh * kw);
    }

    /** The window margins (one per window) or the single margin, added. */
    private static NDArray withMargin(NDArray behind, long c, long ph, long pw, double margin, float[] windowMargins) {
        if (windowMargins != null) {
            NDArray m = behind.getManager().create(windowMargins, new Shape(c, ph, pw, 1)).toType(behind.getDataType(), false);
            return behind.add(m);
        }
        return margin > 0 ? behind.add(margin) : behind;
    }

    /** A per-window-position shift (C, PH, PW, kh*kw) back in the map's positions (C, H, W), 0 outside every window. */
    private static NDArray positions(NDArray d, Shape pre, int kh, int kw) {
        long c = pre.get(1);
        long h = pre.get(2);
        long w = pre.get(3);
        long ph = h / kh;
        long pw = w / kw;
        NDArray shift = d.reshape(c, ph, pw, kh, kw).transpose(0, 1, 3, 2, 4).reshape(c, ph * kh, pw * kw);
        if (ph * kh != h || pw * kw != w) {
            // torch-style pad widths, last axis first: (left, right, top, bottom)
            shift = shift.pad(new Shape(0, w - pw * kw, 0, h - ph * kh), 0);
        }
        return shift;
    }
}
