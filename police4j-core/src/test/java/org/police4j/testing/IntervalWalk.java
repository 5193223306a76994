package org.police4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.police4j.network.DoubleEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.IntervalMapEval;
import org.police4j.network.Layer;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.MaxPool;
import org.police4j.region.SupportRegion;

/** The interval evaluation walked through a whole network, each layer checked against the double one. */
public final class IntervalWalk {

    private IntervalWalk() {}

    /**
     * Walks the network through the box, checking every layer's bounds against the double
     * evaluation at the points; returns the proved sides and winners, or null when some unit or
     * window is not proved on this box (then the walk stops: later maps would mean nothing).
     *
     * @param net the network
     * @param box the region
     * @param points points of the region (20 or so)
     * @param last receives, in element 0, the enclosure of the outputs
     * @return {sides per activation layer, winners per max-pool}, or null
     */
    public static int[][][] walk(FoldedNetwork net, SupportRegion box, double[][] points, IntervalMapEval[] last) {
        List<List<double[]>> traces = new ArrayList<>();
        for (double[] x : points) {
            traces.add(DoubleEval.trace(net, x));
        }
        List<int[]> sides = new ArrayList<>();
        List<int[]> winners = new ArrayList<>();
        IntervalMapEval e = IntervalMapEval.input(box.center());
        for (int i = 0; i < net.layers().size(); i++) {
            Layer layer = net.layers().get(i);
            if (layer instanceof Activation a) {
                double[][] b = e.bounds(box);
                int[] s = new int[e.size()];
                for (int k = 0; k < s.length; k++) {
                    if (!(b[0][k] >= 0 || b[1][k] <= 0)) {
                        return null;
                    }
                    s[k] = b[0][k] >= 0 ? 1 : -1;
                }
                sides.add(s);
                e = e.activate(a.cpa(), s);
            } else if (layer instanceof MaxPool p) {
                int[] w = e.centreWinners(p);
                double[][] gaps = e.gapBounds(p, w, box);
                for (int u = 0; u < w.length; u++) {
                    if (!(gaps[0][u] >= 0)) {
                        return null;
                    }
                    for (List<double[]> t : traces) {
                        double[] in = t.get(i);
                        double gap = Double.POSITIVE_INFINITY;
                        for (int q = 0; q < p.window(); q++) {
                            if (q != w[u] && p.position(u, q) >= 0) { // padding never competes
                                gap = Math.min(gap, in[p.position(u, w[u])] - in[p.position(u, q)]);
                            }
                        }
                        assertThat(gap >= gaps[0][u] && gap <= gaps[1][u])
                                .as("gap of window %d, %s in [%s, %s]", u, gap, gaps[0][u], gaps[1][u]).isTrue();
                    }
                }
                winners.add(w);
                e = e.pool(p, w);
            } else {
                e = e.apply(layer);
            }
            double[][] b = e.bounds(box);
            assertThat(e.size()).isEqualTo(traces.get(0).get(i + 1).length);
            for (List<double[]> t : traces) {
                double[] out = t.get(i + 1);
                for (int k = 0; k < out.length; k++) {
                    assertThat(out[k] >= b[0][k] && out[k] <= b[1][k])
                            .as("layer %d (%s) value %d: %s in [%s, %s]", i, layer.getClass().getSimpleName(), k,
                                    out[k], b[0][k], b[1][k])
                            .isTrue(); // numerically: -0.0 is within [0, 0]
                }
            }
        }
        last[0] = e;
        return new int[][][] {sides.toArray(new int[0][]), winners.toArray(new int[0][])};
    }

}
