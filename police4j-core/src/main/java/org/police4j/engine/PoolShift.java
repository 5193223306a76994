package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The max-pool part of the constraint: in each window, pick a winner and shift every other
 * position down until the winner beats it by at least the margin at every vertex. Then the pool
 * selects the same position everywhere on R and is affine there (the difference of two affine
 * maps that is non-negative at the vertices is non-negative on R). In tiling kh x kw windows the
 * winner is the majority's and the shift is {@code d_q = max_p ReLU(h_q(v_p) - h_w(v_p) + m)},
 * differentiable like the POLICE shift. Overlapping or padded windows share positions: their
 * winners come from one order of the positions, which keeps the constraints free of cycles, and
 * each position is shifted below every winner that beats it (docs/POOLING.md has the proof).
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
     * The pool shift of any windows, decided from vertex rows: tiling windows keep the majority
     * rule of {@link #compute(NDArray, int, int, double, float[])}; overlapping or padded ones take
     * their winners from one total order of the positions (their mean over the vertices, the value
     * at the vertices' centroid, larger first, ties to the lower index) and shift each position,
     * in that order, below every window winner that beats it ({@link Ordered}; why this always
     * succeeds: docs/POOLING.md).
     *
     * @param vertexPre (P, C, H, W) vertex pre-activations before the pool
     * @param windows the pool's windows on the (C, H, W) map
     * @param margin how far each winner must stay ahead
     * @param windowMargins one margin per window (C * outH * outW) in place of {@code margin}, or null
     * @return the shift, the winners (position q in each window) and the shifted windows (padding
     *     as 0)
     */
    public static Result compute(NDArray vertexPre, PoolWindows windows, double margin, float[] windowMargins) {
        if (windows.tiles()) {
            return compute(vertexPre, windows.kernelH(), windows.kernelW(), margin, windowMargins);
        }
        Side side = Side.ofVertices(vertexPre, windows);
        Ordered order = new Ordered(windows, side.rank());
        NDArray shift = order.shift(margins(side.behind(order), order, margin, windowMargins));
        return new Joint(windows, order, shift).result(side);
    }

    /**
     * One region's view of a max-pool's windows, before the pool shift: its vertex rows, or the
     * centre and linear part of its tracked map with its support. Several regions meeting one pool
     * each give a side, and {@link #joint} gives them one shift.
     *
     * @param rows (P, C*H*W) vertex values, or (1, C*H*W) the map's value at the region's centre
     * @param directions (D, C*H*W) the map's linear part, or null for vertex rows
     * @param halfWidths the region's support (per column of a (D, K) map, {@code max_R |A (x - m)|}),
     *     or null for vertex rows
     */
    public record Side(NDArray rows, NDArray directions, UnaryOperator<NDArray> halfWidths) {

        /**
         * @param vertexPre (P, C, H, W) vertex pre-activations before the pool
         * @param windows the pool's windows
         * @return the vertex rows' side
         */
        public static Side ofVertices(NDArray vertexPre, PoolWindows windows) {
            return new Side(vertexPre.reshape(vertexPre.getShape().get(0), windows.inputs()), null, null);
        }

        /**
         * @param centre (1, C, H, W) the map's value at the region's centre
         * @param directions (D, C, H, W) its linear part
         * @param windows the pool's windows
         * @param halfWidths the region's support
         * @return the support region's side
         */
        public static Side ofSupport(NDArray centre, NDArray directions, PoolWindows windows, UnaryOperator<NDArray> halfWidths) {
            return new Side(centre.reshape(1, windows.inputs()),
                    directions.reshape(directions.getShape().get(0), windows.inputs()), halfWidths);
        }

        /** The positions' value in the middle of the region: the vertex mean, or the centre's value. */
        float[] rank() {
            return (halfWidths == null ? rows.stopGradient().mean(new int[] {0}) : rows.stopGradient()).toFloatArray();
        }

        /** Per slot, {@code max_R (h_q - h_w)} over this region (U * K). */
        NDArray behind(Ordered order) {
            NDArray centreBehind = order.gather(rows).sub(order.winnerValues(rows)); // (R, U * K)
            if (halfWidths == null) {
                return centreBehind.max(new int[] {0});
            }
            // a map's rows per window slot are K times the map: their handles are closed at once
            NDArray slots = order.gather(directions);
            NDArray winners = order.winnerValues(directions);
            NDArray apart = slots.sub(winners);
            closeNow(slots, winners);
            NDArray halfWidth = halfWidths.apply(apart);
            closeNow(apart);
            NDArray width = halfWidth.reshape(-1);
            return centreBehind.reshape(-1).add(width);
        }
    }

    /**
     * The pool shift several regions share: one order of the positions for all of them (by the
     * mean over the regions of each one's middle value, {@link Side}), so every window has one
     * winner on every region, and each constraint "winner beats member q" takes the largest need
     * over the regions (each with its own window margins). It is the one-region construction on
     * the union of the regions, so the proof of docs/POOLING.md applies unchanged.
     *
     * @param sides one per region
     * @param windows the pool's windows (tiling ones too: the regions' majorities could differ)
     * @param margin how far each winner must stay ahead, where a region has no window margins
     * @param windowMargins per region, one margin per window, or null (the list, or an entry)
     * @return the shared shift and the order that chose the winners
     */
    public static Joint joint(List<Side> sides, PoolWindows windows, double margin, List<float[]> windowMargins) {

        double[] sum = new double[windows.inputs()];
        for (Side side : sides) {
            float[] r = side.rank();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += r[i];
            }
        }
        float[] rank = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            rank[i] = (float) (sum[i] / sides.size());
        }
        Ordered order = new Ordered(windows, rank);
        NDArray need = null;
        for (int j = 0; j < sides.size(); j++) {
            float[] own = windowMargins == null ? null : windowMargins.get(j);
            NDArray n = margins(sides.get(j).behind(order), order, margin, own);
            need = need == null ? n : need.maximum(n);
        }
        return new Joint(windows, order, order.shift(need));
    }

    /** A pool shift decided for one order of the positions, and what the regions read off it. */
    public static final class Joint {
        private final PoolWindows windows;
        private final Ordered order;
        private final NDArray shift;

        private Joint(PoolWindows windows, Ordered order, NDArray shift) {
            this.windows = windows;
            this.order = order;
            this.shift = shift;
        }

        /** {@return (C, H, W) subtracted from each position before the pool (differentiable)} */
        public NDArray shift() {
            return shift.reshape(windows.c(), windows.h(), windows.w());
        }

        /**
         * The pooled map of a support region: each window's winner, less its shift.
         *
         * @param side the region's side
         * @return centre (1, U) and directions (D, U)
         */
        public NDArray[] pooledMap(Side side) {
            return new NDArray[] {order.winners(side.rows().sub(shift.reshape(1, -1))), order.winners(side.directions())};
        }

        /**
         * The vertex rows' windows after the shift, and the winners.
         *
         * @param side vertex rows
         * @return shift, winners and shifted windows (padding as 0)
         */
        public Result result(Side side) {
            long p = side.rows().getShape().get(0);
            NDArray shifted = order.gather(side.rows().sub(shift.reshape(1, -1)))
                    .reshape(p, windows.c(), windows.outH(), windows.outW(), windows.window());
            NDArray winner = side.rows().getManager()
                    .create(order.winnerSlots(), new Shape(windows.c(), windows.outH(), windows.outW()))
                    .toType(DataType.INT64, false);
            return new Result(shift(), winner, shifted);
        }
    }

    /**
     * The pool shift of any windows for a region given by its support: tiling windows as {@link
     * #fromSupport(NDArray, NDArray, int, int, double, float[], UnaryOperator)}; overlapping or
     * padded ones take their winners from the order of the centre's values (larger first, ties to
     * the lower index) and shift each position below every window winner that beats it, by
     * {@code max over those windows (d_w + max_R (h_q - h_w) + margin)} ({@link Ordered}). The
     * pooled map is each window's winner's, less its own shift.
     *
     * @param centre (1, C, H, W) the map's value at the region's centre
     * @param directions (D, C, H, W) its linear part
     * @param windows the pool's windows
     * @param margin how far each winner must stay ahead
     * @param windowMargins one margin per window in place of {@code margin}, or null
     * @param halfWidths the region's support: per column of a (D, K) map, {@code max_R |A (x - m)|}
     * @return the shift (C, H, W) and the pooled map
     */
    public static SupportResult fromSupport(
            NDArray centre, NDArray directions, PoolWindows windows, double margin, float[] windowMargins,
            UnaryOperator<NDArray> halfWidths) {
        if (windows.tiles()) {
            return fromSupport(centre, directions, windows.kernelH(), windows.kernelW(), margin, windowMargins, halfWidths);
        }
        Side side = Side.ofSupport(centre, directions, windows, halfWidths);
        Ordered order = new Ordered(windows, side.rank());
        Joint joint = new Joint(windows, order, order.shift(margins(side.behind(order), order, margin, windowMargins)));
        NDArray[] pooled = joint.pooledMap(side);
        return new SupportResult(joint.shift(), pooled[0], pooled[1]);
    }

    /** Each slot's need plus its window's margin (a window's margin for all its slots). */
    private static NDArray margins(NDArray behind, Ordered order, double margin, float[] windowMargins) {
        if (windowMargins != null) {
            float[] perSlot = new float[order.slots];
            for (int i = 0; i < perSlot.length; i++) {
                perSlot[i] = windowMargins[i / order.k];
            }
            return behind.add(behind.getManager().create(perSlot).toType(behind.getDataType(), false));
        }
        return margin > 0 ? behind.add(margin) : behind;
    }

    /**
     * Overlapping or padded windows under one total order of the positions. Each window's winner
     * is its first member in the order; every constraint "winner w beats member q" then runs from
     * an earlier position to a later one, so the constraints form no cycle, and the shifts {@code
     * d_q = relu(max over windows where q loses (d_w + need))} are computed level by level (a
     * position's level: 0 when it loses nowhere, else one more than its beaters' highest): after
     * t rounds every position of level at most t is final. Each round is a gather and a max, so the
     * shift is differentiable like the tiling one.
     */
    private static final class Ordered {
        /** Below any need: what a slot that is not a loser contributes to a position's max. */
        static final float NONE = 1e30f;
        final PoolWindows windows;
        final int k;
        final int slots;
        /** per slot (window u, position q), the input index, or the padding column */
        final int[] input;
        /** per window, the winner's input index */
        final int[] winner;
        /** per window, the winner's position q */
        final int[] winnerSlot;
        /** per slot, 1 when it is a real member other than the winner */
        final float[] loses;
        /** per input position, the slots that refer to it, padded with the extra "no need" slot */
        final int[][] cover;
        final int rounds;

        Ordered(PoolWindows windows, float[] rank) {
            this.windows = windows;
            this.k = windows.window();
            int units = windows.outputs();
            int n = windows.inputs();
            this.slots = units * k;
            input = new int[slots];
            winner = new int[units];
            winnerSlot = new int[units];
            loses = new float[slots];
            int[] coverCount = new int[n];
            for (int u = 0; u < units; u++) {
                int best = -1;
                for (int q = 0; q < k; q++) {
                    int x = windows.input(u, q);
                    input[u * k + q] = x < 0 ? n : x;
                    if (x >= 0 && (best < 0 || before(rank, x, best))) {
                        best = x;
                        winnerSlot[u] = q;
                    }
                }
                winner[u] = best;
                for (int q = 0; q < k; q++) {
                    int x = windows.input(u, q);
                    if (x >= 0 && x != best) {
                        loses[u * k + q] = 1;
                        coverCount[x]++;
                    }
                }
            }
            int widest = 1;
            for (int c : coverCount) {
                widest = Math.max(widest, c);
            }
            cover = new int[n][widest];
            int[] filled = new int[n];
            for (int[] row : cover) {
                java.util.Arrays.fill(row, slots); // the "no need" slot
            }
            for (int i = 0; i < slots; i++) {
                if (loses[i] == 1) {
                    cover[input[i]][filled[input[i]]++] = i;
                }
            }
            // levels, in the order of the positions: a position's beaters come before it
            long[] sorted = new long[n];
            for (int i = 0; i < n; i++) {
                int bits = Float.floatToIntBits(rank[i] == 0f ? 0f : rank[i]); // -0 ranks as 0
                int ascending = bits < 0 ? ~bits : bits | Integer.MIN_VALUE; // as unsigned ints, the floats' order
                int descending = ~ascending ^ Integer.MIN_VALUE; // as signed ints, larger floats first
                sorted[i] = (long) descending << 32 | i; // then the lower index
            }
            java.util.Arrays.sort(sorted);
            int[] level = new int[n];
            int deepest = 0;
            for (long key : sorted) {
                int x = (int) key;
                for (int i : cover[x]) {
                    if (i < slots) {
                        int w = winner[i / k];
                        level[x] = Math.max(level[x], level[w] + 1);
                    }
                }
                deepest = Math.max(deepest, level[x]);
            }
            rounds = deepest;
        }

        /** Whether position x comes before y: larger rank value, ties to the lower index. */
        private static boolean before(float[] rank, int x, int y) {
            return rank[x] > rank[y] || (rank[x] == rank[y] && x < y);
        }

        /**
         * (R, C*H*W) rows as their window slots (R, U * K), padding as 0 (only losing slots,
         * which are real positions, are ever read; a finite padding keeps every product finite).
         */
        NDArray gather(NDArray rows) {
            long r = rows.getShape().get(0);
            NDArray pad = rows.getManager().zeros(new Shape(r, 1), rows.getDataType());
            NDArray padded = rows.concat(pad, 1);
            NDArray slots = padded.gather(index(rows, r, input), 1);
            closeNow(pad, padded);
            return slots;
        }

        /** (R, C*H*W) rows as each window's winner (R, U). */
        NDArray winners(NDArray rows) {
            return gatherColumns(rows, winner);
        }

        /** (R, C*H*W) rows as each slot's window winner (R, U * K). */
        NDArray winnerValues(NDArray rows) {
            long r = rows.getShape().get(0);
            NDArray w = winners(rows);
            NDArray column = w.reshape(r, -1, 1);
            NDArray repeated = column.repeat(2, k);
            NDArray values = repeated.reshape(r, slots);
            closeNow(w, column, repeated);
            return values;
        }

        int[] winnerSlots() {
            return winnerSlot;
        }

        /**
         * The shifts from each slot's need ({@code max_R (h_q - h_w) + margin}, (U * K)): {@code
         * rounds} rounds of {@code d_q = relu(max over q's losing slots (d_w + need))}.
         */
        NDArray shift(NDArray need) {
            NDManager manager = need.getManager();
            int n = windows.inputs();
            // per slot, and one more "no need" slot: the need on losing slots, -1e30 (never the max) elsewhere
            float[] off = new float[slots + 1];
            for (int i = 0; i <= slots; i++) {
                off[i] = i < slots && loses[i] == 1 ? 0f : -NONE;
            }
            NDArray mask = manager.create(java.util.Arrays.copyOf(loses, slots + 1)).toType(need.getDataType(), false);
            NDArray slotNeed = need.reshape(1, slots).concat(manager.zeros(new Shape(1, 1), need.getDataType()), 1)
                    .mul(mask.reshape(1, -1))
                    .add(manager.create(off, new Shape(1, slots + 1)).toType(need.getDataType(), false));
            NDArray coverIndex = index(need, 1, flatten(cover));
            NDArray winnerIndex = index(need, 1, winnerPerSlot());
            NDArray d = manager.zeros(new Shape(1, n), need.getDataType());
            for (int t = 0; t < rounds; t++) {
                NDArray candidates = d.gather(winnerIndex, 1).add(slotNeed); // (1, slots + 1)
                d = relu(candidates.gather(coverIndex, 1).reshape(n, cover[0].length).max(new int[] {1})).reshape(1, n);
            }
            return d.reshape(n);
        }

        /** Per slot (and the extra "no need" slot, which reads position 0), its window's winner. */
        private int[] winnerPerSlot() {
            int[] w = new int[slots + 1];
            for (int i = 0; i < slots; i++) {
                w[i] = winner[i / k];
            }
            return w;
        }

        /**
         * The same columns for each of {@code rows} rows, as gather's (rows, n) int64 index: one row
         * from the host, repeated natively (a support region's map has D + 1 rows; its index built
         * on the host was hundreds of MB of direct buffers for a wide layer).
         */
        private static NDArray index(NDArray like, long rows, int[] columns) {
            long[] idx = new long[columns.length];
            for (int j = 0; j < columns.length; j++) {
                idx[j] = columns[j];
            }
            NDArray one = like.getManager().create(idx, new Shape(1, columns.length));
            return rows == 1 ? one : one.repeat(0, rows);
        }

        private static int[] flatten(int[][] m) {
            int[] f = new int[m.length * m[0].length];
            for (int i = 0; i < m.length; i++) {
                System.arraycopy(m[i], 0, f, i * m[0].length, m[0].length);
            }
            return f;
        }
    }

    private static NDArray relu(NDArray x) {
        return Activation.relu(x);
    }

    /**
     * A support region's pool shift and the pooled map.
     *
     * @param shift (C, H, W) subtracted from each position before the pool
     * @param centre (1, units) the pooled map's value at the region's centre
     * @param directions (D, units) the pooled map's linear part
     */
    public record SupportResult(NDArray shift, NDArray centre, NDArray directions) {}

    /**
     * Closes the handles of temporaries computed natively (never arrays made from host data, whose
     * memory a native view could still read): their tensors live on while autograd or a view holds
     * them, and are freed now instead of when the step's manager closes. For the maps of support
     * regions, whose D + 1 rows per window slot are the bulk of a step's memory.
     */
    static void closeNow(NDArray... temporaries) {
        for (NDArray t : temporaries) {
            t.close();
        }
    }

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

    /**
     * {@return column {@code columns[u]} of every row as column u: (R, N) to (R, U), a window's
     * winner's values (the engine's pooled map, and the {@link MapReference}'s)}
     *
     * @param rows (R, N)
     * @param columns U column indices
     */
    static NDArray gatherColumns(NDArray rows, int[] columns) {
        return rows.gather(Ordered.index(rows, rows.getShape().get(0), columns), 1);
    }
}
