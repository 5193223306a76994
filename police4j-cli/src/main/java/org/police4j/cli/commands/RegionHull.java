package org.police4j.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.police4j.region.AffineHull;
import org.police4j.region.Region;

/**
 * What the commands say about a region's affine dimension: a one-line warning when its vertices
 * span fewer directions than there are features (repeated, collinear or coplanar vertices, a single
 * point), and the certified map written only where it is determined (on the region's affine hull).
 */
final class RegionHull {

    private RegionHull() {}

    /** The hull of the region in raw feature coordinates, as the region gives it. */
    static AffineHull of(Region raw) {
        return raw.affineHull();
    }

    /** "3 vertices in dimension 2", or the support region's own description: the region's summary. */
    static String describe(Region r) {
        return r.summary();
    }

    /** One line on stderr when the region is lower-dimensional than the data; nothing otherwise. */
    static void warn(AffineHull hull, String spec, PrintWriter err) {
        if (hull.isFull()) {
            return;
        }
        err.println(String.format(Locale.ROOT,
                "police4j: warning: region '%s' has affine dimension %d but the data has %d features (repeated,"
                        + " collinear or coplanar vertices%s): the guarantee covers only that %d-dimensional set,"
                        + " and the affine map is determined only along it",
                spec, hull.dimension(), hull.ambientDimension(), hull.dimension() == 0 ? ", here a single point" : "",
                hull.dimension()));
        err.flush();
    }

    /** The text that replaces a full-dimensional map in the report: what is determined, and the map there. */
    static String describe(AffineHull hull, double[][] rawA, double[] rawB, List<String> features, List<String> outputs,
            int maxEntries) {
        StringBuilder sb = new StringBuilder();
        int k = hull.dimension();
        int d = hull.ambientDimension();
        if (k == 0) {
            sb.append("  the region is a single point; the network's value there (no direction is determined):\n");
            double[][][] r = hull.restrict(rawA, rawB);
            double[] y = r[1][0];
            double[] x = hull.origin();
            for (int o = 0; o < y.length; o++) {
                double v = y[o];
                for (int j = 0; j < d; j++) {
                    v += r[0][o][j] * x[j];
                }
                sb.append("    ").append(outputs.get(o)).append(" = ").append(AffineMaps.fmt(v)).append('\n');
            }
            return sb.toString();
        }
        sb.append(String.format(Locale.ROOT, "  the region has affine dimension %d of %d: the map is determined only on"
                + " its affine hull; written on the hull, with no dependence on the %d other direction%s:%n",
                k, d, d - k, d - k == 1 ? "" : "s"));
        double[][][] r = hull.restrict(rawA, rawB);
        sb.append(AffineMaps.format(r[0], r[1][0], features, outputs, maxEntries));
        return sb.toString();
    }

    /** certificate.json / affine_map.json fields: the dimension, and the hull and the map on it when degenerate. */
    static void putJson(ObjectNode o, AffineHull hull, double[][] rawA, double[] rawB) {
        o.put("affineDimension", hull.dimension());
        if (hull.isFull()) {
            return;
        }
        ObjectNode h = o.putObject("affineHull");
        h.put("note", "the region spans fewer directions than there are features: A is determined only along"
                + " 'basis'; 'onHull' is the map with no dependence on the other directions (raw coordinates)");
        h.set("origin", Json.MAPPER.valueToTree(hull.origin()));
        h.set("basis", Json.MAPPER.valueToTree(hull.basis()));
        double[][][] r = hull.restrict(rawA, rawB);
        ObjectNode on = h.putObject("onHull");
        on.set("A", Json.MAPPER.valueToTree(r[0]));
        on.set("b", Json.MAPPER.valueToTree(r[1][0]));
    }
}
