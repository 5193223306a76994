package org.police4j.experiments.plot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.experiments.plot.MarchingSquares.Segment;

class MarchingSquaresTest {

    @Test
    void zeroSetOfXMinusPointThreeIsTheVerticalLineXEqualsPointThree() {
        Grid2d g = Grid2d.sample(-1, 1, 41, -1, 1, 37, (x, y) -> x - 0.3);
        List<Segment> segs = MarchingSquares.segments(g, 0);
        assertThat(segs).hasSize(36); // one per cell row
        for (Segment s : segs) {
            assertThat(Math.abs(s.x1() - 0.3)).isLessThan(1e-9);
            assertThat(Math.abs(s.x2() - 0.3)).isLessThan(1e-9);
        }
        double ymin = segs.stream().mapToDouble(s -> Math.min(s.y1(), s.y2())).min().orElseThrow();
        double ymax = segs.stream().mapToDouble(s -> Math.max(s.y1(), s.y2())).max().orElseThrow();
        assertThat(ymin).isEqualTo(-1.0);
        assertThat(ymax).isEqualTo(1.0);
    }

    @Test
    void unitCircleIsAClosedLoopOfRadiusOne() {
        int n = 61;
        Grid2d g = Grid2d.sample(-1.5, 1.5, n, -1.5, 1.5, n, (x, y) -> x * x + y * y - 1);
        List<Segment> segs = MarchingSquares.segments(g, 0);
        assertThat(segs.size()).isGreaterThan(20);
        double h = g.dx();
        for (Segment s : segs) {
            // linear interpolation of a quadratic along an edge errs by O(h^2)
            assertThat(Math.abs(Math.hypot(s.x1(), s.y1()) - 1)).isLessThan(h * h);
            assertThat(Math.abs(Math.hypot(s.x2(), s.y2()) - 1)).isLessThan(h * h);
        }
        // closed: every endpoint is shared by exactly two segments
        List<double[]> ends = new ArrayList<>();
        for (Segment s : segs) {
            ends.add(new double[] {s.x1(), s.y1()});
            ends.add(new double[] {s.x2(), s.y2()});
        }
        for (double[] p : ends) {
            long same = ends.stream().filter(q -> Math.abs(p[0] - q[0]) < 1e-9 && Math.abs(p[1] - q[1]) < 1e-9).count();
            assertThat(same).as("endpoint (%f, %f)", p[0], p[1]).isEqualTo(2);
        }
        // one loop: walking from a segment along shared endpoints visits them all
        assertThat(loopLength(segs)).isEqualTo(segs.size());
    }

    @Test
    void saddleCellsAndNaNCellsAreHandled() {
        // x*y has a saddle at the origin, which is a node here and at a cell centre when shifted
        Grid2d g = Grid2d.sample(-1.05, 0.95, 21, -1.05, 0.95, 21, (x, y) -> x * y);
        assertThat(MarchingSquares.segments(g, 0)).isNotEmpty();
        double[][] v = {{-1, 1}, {Double.NaN, 1}};
        Grid2d withNaN = new Grid2d(new double[] {0, 1}, new double[] {0, 1}, v);
        assertThat(MarchingSquares.segments(withNaN, 0)).isEmpty();
        Grid2d flat = Grid2d.sample(0, 1, 5, 0, 1, 5, (x, y) -> 2.0);
        assertThat(MarchingSquares.segments(flat, 0)).isEmpty();
    }

    private static int loopLength(List<Segment> segs) {
        boolean[] used = new boolean[segs.size()];
        used[0] = true;
        double[] at = {segs.get(0).x2(), segs.get(0).y2()};
        int count = 1;
        boolean moved = true;
        while (moved) {
            moved = false;
            for (int k = 0; k < segs.size(); k++) {
                if (used[k]) {
                    continue;
                }
                Segment s = segs.get(k);
                if (close(s.x1(), s.y1(), at)) {
                    at = new double[] {s.x2(), s.y2()};
                } else if (close(s.x2(), s.y2(), at)) {
                    at = new double[] {s.x1(), s.y1()};
                } else {
                    continue;
                }
                used[k] = true;
                count++;
                moved = true;
                break;
            }
        }
        return count;
    }

    private static boolean close(double x, double y, double[] p) {
        return Math.abs(x - p[0]) < 1e-9 && Math.abs(y - p[1]) < 1e-9;
    }
}
