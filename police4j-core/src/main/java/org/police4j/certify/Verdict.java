package org.police4j.certify;

import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.network.ExactBudgetException;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.network.Pattern;

/**
 * The vertices' patterns read as one verdict, for the MLP and the CNN alike: a network is affine
 * on the hull of the vertices when every max-pool window has one position that is a maximum at
 * every vertex (ties allowed) and no hidden unit has one vertex strictly above the kink and
 * another strictly below. Also the pattern whose affine map the certificate reports: each unit
 * on the side of the majority (ties to +1), each window on its common winner, else the winner of
 * the most vertices.
 *
 * <p>A window belongs to the hidden layer its pool feeds (the next activation; {@code
 * hiddenLayers} for a pool after the last one), and is checked just before the unit of the same
 * index, so a {@link Violation} {@code (layer, unit)} names the pooled unit; for a window its
 * range is that of {@code h_w - max_{q != w} h_q} over the vertices for the majority winner w.
 *
 * <p>Only the layers every pattern proves are checked ({@link Pattern#provedLayers}: the exact
 * fallback may have run out of its budget further on): a straddle among them refutes the region
 * all the same, with {@code units} and {@code offending} counted over them; the sides and winners
 * after them are the unproved majorities, for the diagnostic map only.
 */
final class Verdict {

    final int[][] sides;
    final int[][] winners;
    final List<Cpa> cpas = new ArrayList<>();
    int units;
    int offending;
    Violation first;
    /** The hidden layers checked: all of them ({@link Integer#MAX_VALUE}) unless a pattern is proved in part. */
    int provedLayers = Integer.MAX_VALUE;
    /** Why some pattern is proved only in part, or null. */
    ExactBudgetException budgetExceeded;

    private Verdict(int activations, int pools) {
        sides = new int[activations][];
        winners = new int[pools][];
    }

    static Verdict of(FoldedNetwork net, Pattern[] patterns) {
        List<Layer.MaxPool> pools = new ArrayList<>();
        List<Integer> feeds = new ArrayList<>();
        int activations = 0;
        for (Layer layer : net.leaves()) {
            if (layer instanceof Layer.MaxPool p) {
                pools.add(p);
                feeds.add(activations);
            } else if (layer instanceof Layer.Activation) {
                activations++;
            }
        }
        Verdict v = new Verdict(activations, pools.size());
        for (Pattern p : patterns) {
            if (p.provedLayers < v.provedLayers) {
                v.provedLayers = p.provedLayers;
                v.budgetExceeded = p.budgetExceeded;
            }
        }
        for (Layer layer : net.leaves()) { // the same order as the activations counted above
            if (layer instanceof Layer.Activation a) {
                v.cpas.add(a.cpa());
            }
        }
        for (int l = 0; l <= activations; l++) {
            int width = l < activations ? patterns[0].sign[l].length : 0;
            List<Integer> mine = new ArrayList<>();
            for (int p = 0; p < pools.size(); p++) {
                if (feeds.get(p) == l) {
                    mine.add(p);
                    v.winners[p] = new int[pools.get(p).outputSize(0)];
                    width = Math.max(width, v.winners[p].length);
                }
            }
            if (l < activations) {
                v.sides[l] = new int[patterns[0].sign[l].length];
            }
            int counted = v.units;
            int offending = v.offending;
            Violation first = v.first;
            for (int u = 0; u < width; u++) {
                for (int p : mine) {
                    if (u < v.winners[p].length) {
                        v.window(pools.get(p), p, l, u, patterns);
                    }
                }
                if (l < activations && u < v.sides[l].length) {
                    v.unit(l, u, patterns);
                }
            }
            if (l >= v.provedLayers) { // unproved: its sides and winners serve the map, not the verdict
                v.units = counted;
                v.offending = offending;
                v.first = first;
            }
        }
        return v;
    }

    private void unit(int l, int u, Pattern[] patterns) {
        if (!cpas.get(l).singleKinkAtZero()) {
            pieces(l, u, patterns);
            return;
        }
        units++;
        int pos = 0;
        int neg = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Pattern p : patterns) {
            int s = p.sign[l][u];
            if (s > 0) {
                pos++;
            } else if (s < 0) {
                neg++;
            }
            min = Math.min(min, p.pre[l][u]);
            max = Math.max(max, p.pre[l][u]);
        }
        if (pos > 0 && neg > 0) {
            offending++;
            if (first == null) {
                first = new Violation(l, u, min, max);
            }
        }
        sides[l][u] = pos >= neg ? 1 : -1;
    }

    /**
     * A unit of an activation with several kinks: the pattern holds each vertex's position code
     * (piece 0, kink 0, piece 1, ..., numbered from -m); the unit is affine on R when every
     * vertex lies in one closed piece (its two kinks included). The side reported is that piece,
     * else the piece of the most vertices (ties to the higher one).
     */
    private void pieces(int l, int u, Pattern[] patterns) {
        units++;
        int m = cpas.get(l).kinkCount();
        int lowest = Integer.MAX_VALUE;
        int highest = Integer.MIN_VALUE;
        int[] votes = new int[m + 1];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Pattern p : patterns) {
            int pos = p.sign[l][u] + m; // 0..2m: even inside a piece, odd on a kink
            lowest = Math.min(lowest, pos);
            highest = Math.max(highest, pos);
            votes[(pos + 1) / 2]++;
            min = Math.min(min, p.pre[l][u]);
            max = Math.max(max, p.pre[l][u]);
        }
        boolean onePiece = highest <= (lowest % 2 == 0 ? lowest + 1 : lowest + 2);
        if (onePiece) {
            sides[l][u] = (lowest + 1) / 2;
            return;
        }
        int best = 0;
        for (int j = 1; j <= m; j++) {
            best = votes[j] >= votes[best] ? j : best;
        }
        sides[l][u] = best;
        offending++;
        if (first == null) {
            first = new Violation(l, u, min, max);
        }
    }

    private void window(Layer.MaxPool pool, int p, int l, int u, Pattern[] patterns) {
        units++;
        long common = -1L;
        int[] votes = new int[64];
        for (Pattern pattern : patterns) {
            long m = pattern.maxima[p][u];
            common &= m;
            votes[Long.numberOfTrailingZeros(m)]++;
        }
        if (common != 0) {
            winners[p][u] = Long.numberOfTrailingZeros(common);
            return;
        }
        int best = 0;
        for (int q = 1; q < 64; q++) {
            if (votes[q] > votes[best]) {
                best = q;
            }
        }
        winners[p][u] = best;
        offending++;
        if (first == null) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (Pattern pattern : patterns) {
                double[] in = pattern.poolInput[p];
                double other = Double.NEGATIVE_INFINITY;
                for (int q = 0; q < pool.window(); q++) {
                    if (q != best && pool.position(u, q) >= 0) {
                        other = Math.max(other, in[pool.position(u, q)]);
                    }
                }
                double gap = pool.window() == 1 ? 0 : in[pool.position(u, best)] - other;
                min = Math.min(min, gap);
                max = Math.max(max, gap);
            }
            first = new Violation(l, u, min, max);
        }
    }
}
