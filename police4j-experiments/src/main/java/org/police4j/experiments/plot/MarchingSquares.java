package org.police4j.experiments.plot;

import java.util.ArrayList;
import java.util.List;

/**
 * Level sets of a {@link Grid2d} as line segments, by marching squares.
 *
 * <p>JFreeChart draws filled blocks but no contour lines, and a classifier's decision boundary is
 * exactly a contour line (the zero set of its logit). Each lattice cell whose corners straddle the
 * level contributes one or two segments whose ends are linearly interpolated along the cell's
 * edges. An edge shared by two cells is always interpolated in the same direction, so neighbouring
 * segments meet at bit-identical points and a closed curve comes out as a closed chain.
 *
 * <p>A corner exactly on the level counts as above it; the zero-length segments this makes where
 * the curve passes through a node are dropped, so every point of a closed curve joins two segments. The two ambiguous (saddle) cases are decided
 * by the mean of the four corners. Cells with a NaN corner are skipped.
 */
public final class MarchingSquares {
    private MarchingSquares() {}

    /** Fraction of an edge below which a crossing is snapped to the edge's end node. */
    private static final double SNAP = 1e-9;

    /** A segment from (x1, y1) to (x2, y2), in data coordinates. */
    public record Segment(double x1, double y1, double x2, double y2) {}

    /** The segments of the set {@code {f = level}}. */
    public static List<Segment> segments(Grid2d g, double level) {
        List<Segment> out = new ArrayList<>();
        for (int j = 0; j + 1 < g.ny(); j++) {
            for (int i = 0; i + 1 < g.nx(); i++) {
                cell(g, level, i, j, out);
            }
        }
        return out;
    }

    private static void cell(Grid2d g, double level, int i, int j, List<Segment> out) {
        double v00 = g.value(i, j);         // bottom left
        double v10 = g.value(i + 1, j);     // bottom right
        double v11 = g.value(i + 1, j + 1); // top right
        double v01 = g.value(i, j + 1);     // top left
        if (Double.isNaN(v00) || Double.isNaN(v10) || Double.isNaN(v11) || Double.isNaN(v01)) {
            return;
        }
        int code = (v00 >= level ? 1 : 0) | (v10 >= level ? 2 : 0) | (v11 >= level ? 4 : 0) | (v01 >= level ? 8 : 0);
        if (code == 0 || code == 15) {
            return;
        }
        // Edge crossing points; each is computed from the edge's lower-index node to its higher one.
        double[] bottom = crossing(g.x(i), g.y(j), v00, g.x(i + 1), g.y(j), v10, level);
        double[] right = crossing(g.x(i + 1), g.y(j), v10, g.x(i + 1), g.y(j + 1), v11, level);
        double[] top = crossing(g.x(i), g.y(j + 1), v01, g.x(i + 1), g.y(j + 1), v11, level);
        double[] left = crossing(g.x(i), g.y(j), v00, g.x(i), g.y(j + 1), v01, level);
        switch (code) {
            case 1, 14 -> add(out, left, bottom);
            case 2, 13 -> add(out, bottom, right);
            case 3, 12 -> add(out, left, right);
            case 4, 11 -> add(out, right, top);
            case 6, 9 -> add(out, bottom, top);
            case 7, 8 -> add(out, left, top);
            case 5, 10 -> {
                // Saddle: corners 00 and 11 on one side, 10 and 01 on the other.
                boolean centreAbove = (v00 + v10 + v11 + v01) / 4 >= level;
                boolean diagonal00Above = code == 5;
                if (centreAbove == diagonal00Above) {
                    // the 00-11 diagonal is connected through the centre: cut off corners 10 and 01
                    add(out, bottom, right);
                    add(out, left, top);
                } else {
                    // the 10-01 diagonal is connected: cut off corners 00 and 11
                    add(out, left, bottom);
                    add(out, right, top);
                }
            }
            default -> throw new IllegalStateException("unreachable case " + code);
        }
    }

    private static double[] crossing(double xa, double ya, double va, double xb, double yb, double vb, double level) {
        if ((va >= level) == (vb >= level)) {
            return null;
        }
        double t = (level - va) / (vb - va);
        // A crossing within rounding of a node is put exactly on it, so that the edges meeting at
        // that node agree on the point instead of leaving a 1e-16 sliver between them.
        if (t < SNAP) {
            return new double[] {xa, ya};
        }
        if (t > 1 - SNAP) {
            return new double[] {xb, yb};
        }
        return new double[] {xa + t * (xb - xa), ya + t * (yb - ya)};
    }

    private static void add(List<Segment> out, double[] p, double[] q) {
        if (p[0] == q[0] && p[1] == q[1]) {
            return; // the curve only touches a node here; the neighbouring cells carry it on
        }
        out.add(new Segment(p[0], p[1], q[0], q[1]));
    }
}
