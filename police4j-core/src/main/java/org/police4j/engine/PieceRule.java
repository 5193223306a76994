package org.police4j.engine;

/**
 * The {@link SignRule}s for an activation with several kinks: per unit, the piece on which the
 * whole region must lie. Only feasible pieces are chosen: the outer pieces always are, a bounded
 * middle piece {@code [t_{j-1}, t_j]} only when the unit's range {@code [lo, hi]} fits between
 * {@code t_{j-1} + m} and {@code t_j - m}. For ReLU, leaky-ReLU and abs every rule here gives
 * the sign {@link ShiftEngine#shift(LayerRange)} gives (piece 1 for +1), which a property test
 * holds it to; that path keeps its own code so that its values and gradients stay bit for bit.
 * Ties go to the higher piece, as the one-kink rules send ties to +1.
 */
final class PieceRule {

    private PieceRule() {}

    /**
     * The pieces of K units.
     *
     * @param rule the rule
     * @param cpa the activation
     * @param lo K lower ends of the ranges
     * @param hi K upper ends
     * @param margins K margins
     * @param centre K centres (for {@link SignRule#CENTER}), else null
     * @param values P x K vertex values, row-major (for {@link SignRule#MAJORITY}), else null
     * @param held for {@link SignRule#HYSTERESIS}: per unit the piece held plus one (0: none), or
     *     null when no unit holds one
     * @return K pieces, 0 to m
     */
    static int[] choose(
            SignRule rule, Cpa cpa, float[] lo, float[] hi, float[] margins, float[] centre, float[] values, float[] held) {
        int k = lo.length;
        int m = cpa.kinkCount();
        int[] piece = new int[k];
        int[][] votes = null;
        if (rule == SignRule.MAJORITY) {
            votes = new int[k][m + 1];
            for (int o = 0; o < values.length; o += k) {
                for (int unit = 0; unit < k; unit++) {
                    votes[unit][cpa.pieceBelow(values[o + unit])]++; // a vertex on a kink votes below it
                }
            }
        }
        for (int unit = 0; unit < k; unit++) {
            if (rule == SignRule.HYSTERESIS) {
                piece[unit] = hysteresis(cpa, lo[unit], hi[unit], margins[unit], held == null ? -1 : (int) held[unit] - 1);
                continue;
            }
            int best = -1;
            double bestScore = 0;
            int centrePiece = rule == SignRule.CENTER ? cpa.pieceAbove(centre[unit]) : -1;
            for (int j = 0; j <= m; j++) {
                if (!feasible(cpa, j, lo[unit], hi[unit], margins[unit])) {
                    continue;
                }
                double score; // larger is better; ties go to the higher piece
                switch (rule) {
                    case MAJORITY:
                        score = votes[unit][j];
                        break;
                    case MINIMAL_SHIFT:
                        score = -cost(cpa, j, lo[unit], hi[unit], margins[unit]);
                        break;
                    default: // CENTER: the centre's piece, else the nearest feasible one
                        score = j == centrePiece ? Double.POSITIVE_INFINITY : -distance(cpa, j, centre[unit]);
                        break;
                }
                if (best < 0 || score >= bestScore) {
                    best = j;
                    bestScore = score;
                }
            }
            piece[unit] = best;
        }
        return piece;
    }

    /**
     * {@link SignRule#HYSTERESIS} with pieces: the held piece is kept while it is feasible and the
     * range is not wholly strictly outside it (for one kink: the side is left only when the whole
     * range is strictly on the other side); otherwise, and when none is held, the piece of the
     * range's midpoint, or the feasible piece nearest to it.
     */
    private static int hysteresis(Cpa cpa, float lo, float hi, float margin, int held) {
        if (held >= 0 && feasible(cpa, held, lo, hi, margin)) {
            boolean below = held > 0 && hi < cpa.kink(held - 1);
            boolean above = held < cpa.kinkCount() && lo > cpa.kink(held);
            if (!below && !above) {
                return held;
            }
        }
        double mid = ((double) lo + hi) / 2;
        int best = -1;
        double bestDistance = 0;
        for (int j = 0; j <= cpa.kinkCount(); j++) {
            if (feasible(cpa, j, lo, hi, margin)) {
                double d = distance(cpa, j, mid);
                if (best < 0 || d < bestDistance || d == bestDistance && j > best) {
                    best = j;
                    bestDistance = d;
                }
            }
        }
        return best;
    }

    /** Whether [lo, hi] fits into piece j with the margin on each bounded side. */
    static boolean feasible(Cpa cpa, int j, float lo, float hi, float margin) {
        if (j == 0 || j == cpa.kinkCount()) {
            return true;
        }
        return (double) hi - lo <= (double) highEdge(cpa, j, margin) - lowEdge(cpa, j, margin);
    }

    /** {@code |c|} for piece j, in float32 as the engine computes it. */
    private static float cost(Cpa cpa, int j, float lo, float hi, float margin) {
        float low = lowEdge(cpa, j, margin);
        float high = highEdge(cpa, j, margin);
        return lo < low ? low - lo : hi > high ? hi - high : 0f;
    }

    /** How far x is from piece j. */
    private static double distance(Cpa cpa, int j, double x) {
        double below = j == 0 ? Double.NEGATIVE_INFINITY : cpa.kink(j - 1);
        double above = j == cpa.kinkCount() ? Double.POSITIVE_INFINITY : cpa.kink(j);
        return x < below ? below - x : x > above ? x - above : 0;
    }

    /** {@code t_{j-1} + m} in float32, or -infinity for piece 0. */
    static float lowEdge(Cpa cpa, int j, float margin) {
        return j == 0 ? Float.NEGATIVE_INFINITY : (float) (cpa.kink(j - 1) + margin);
    }

    /** {@code t_j - m} in float32, or +infinity for the last piece. */
    static float highEdge(Cpa cpa, int j, float margin) {
        return j == cpa.kinkCount() ? Float.POSITIVE_INFINITY : (float) (cpa.kink(j) - margin);
    }
}
