package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

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
     * Chooses each window's winner and the shift of the other positions, for square k x k windows.
     *
     * @param vertexPre (P, C, H, W) vertex pre-activations before the pool
     * @param k window side (= stride)
     * @param margin how far the winner must stay ahead
     * @param windowMargins one margin per window, or null
     * @return the shift, the winners and the shifted windows
     */
    public static Result compute(NDArray vertexPre, int k, double margin, float[] windowMargins) {
        return compute(vertexPre, k, k, margin, windowMargins);
    }

    /**
     * Chooses each window's winner and the shift of the other positions.
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
        long p = s.get(0);
        long c = s.get(1);
        long h = s.get(2);
        long w = s.get(3);
        long ph = h / kh;
        long pw = w / kw;
        int kk = kh * kw;
        NDManager manager = vertexPre.getManager();
        NDArray covered = (ph * kh == h && pw * kw == w) ? vertexPre : vertexPre.get(":, :, 0:{}, 0:{}", ph * kh, pw * kw);
        NDArray windows =
                covered.reshape(p, c, ph, kh, pw, kw).transpose(0, 1, 2, 4, 3, 5).reshape(p, c, ph, pw, kk);
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
        NDArray behind = windows.sub(winnerValue);
        if (windowMargins != null) {
            behind = behind.add(manager.create(windowMargins, new Shape(c, ph, pw, 1)).toType(behind.getDataType(), false));
        } else if (margin > 0) {
            behind = behind.add(margin);
        }
        NDArray d = Activation.relu(behind).max(new int[] {0}).mul(isWinner.neg().add(1)); // (C, PH, PW, kk)
        NDArray shifted = windows.sub(d);
        NDArray shift = d.reshape(c, ph, pw, kh, kw).transpose(0, 1, 3, 2, 4).reshape(c, ph * kh, pw * kw);
        if (ph * kh != h || pw * kw != w) {
            // torch-style pad widths, last axis first: (left, right, top, bottom)
            shift = shift.pad(new Shape(0, w - pw * kw, 0, h - ph * kh), 0);
        }
        return new Result(shift, winner, shifted);
    }
}
