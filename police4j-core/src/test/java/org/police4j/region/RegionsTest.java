package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegionsTest {

    private static final double SQRT2 = Math.sqrt(2);

    // ---------------------------------------------------------------- simplex

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7})
    void paperSimplex(int d) {
        VertexRegion s = Regions.simplex(d);
        assertThat(s.vertexCount()).isEqualTo(d + 1);
        assertThat(s.dimension()).isEqualTo(d);
        assertThat(s.vertex(0)).containsOnly(0.0);
        for (int i = 0; i < d; i++) {
            double[] e = new double[d];
            e[i] = 1 / Math.sqrt(d);
            assertThat(s.vertex(i + 1)).containsExactly(e);
        }
        assertThat(s.contains(s.center(), 1e-12)).isTrue();
        double[] outside = new double[d];
        java.util.Arrays.fill(outside, 1.0 / Math.sqrt(d)); // sum = sqrt(d) > 1/sqrt(d) for d >= 2
        if (d == 1) {
            outside[0] = 1.5;
        }
        assertThat(s.contains(outside, 1e-9)).isFalse();
        assertThat(s.contains(new double[d], 0)).isTrue();
        double[] negative = new double[d];
        negative[0] = -0.01;
        assertThat(s.contains(negative, 1e-9)).isFalse();
        assertThat(s.name()).isEqualTo("simplex");
    }

    @Test
    void paperSimplexRefusesBadDimension() {
        assertThatThrownBy(() -> Regions.simplex(0))
                .hasMessageContaining("d: 0; expected a dimension >= 1");
    }

    @Test
    void generalSimplex() {
        VertexRegion s = Regions.simplex(new double[][] {{1, 1}, {3, 1}, {1, 4}});
        assertThat(s.vertexCount()).isEqualTo(3);
        assertThat(s.contains(new double[] {1.5, 1.5}, 1e-12)).isTrue();
        assertThat(s.contains(new double[] {3, 4}, 1e-9)).isFalse();
    }

    @Test
    void generalSimplexRefusesWrongCountDuplicatesAndDependence() {
        assertThatThrownBy(() -> Regions.simplex(new double[][] {{0, 0}, {1, 0}}))
                .hasMessageContaining("vertices: 2 rows given for a 2-D simplex")
                .hasMessageContaining("expected d + 1 = 3 vertices");
        assertThatThrownBy(() -> Regions.simplex(new double[][] {{0, 0}, {1, 0}, {0, 0}}))
                .hasMessageContaining("vertices: only 2 of the 3 rows are distinct")
                .hasMessageContaining("expected d + 1 = 3 distinct");
        assertThatThrownBy(() -> Regions.simplex(new double[][] {{0, 0}, {1, 1}, {2, 2}}))
                .hasMessageContaining("vertices: the 3 vertices are affinely dependent")
                .hasMessageContaining("expected d + 1 = 3 affinely independent vertices");
        assertThatThrownBy(() -> Regions.simplex((double[][]) null))
                .hasMessageContaining("vertices: the region is empty");
    }

    // ---------------------------------------------------------------- box

    @Test
    void cube() {
        VertexRegion b = Regions.box(-1, 2, 3);
        assertThat(b.vertexCount()).isEqualTo(8);
        assertThat(b.vertex(0)).containsExactly(-1, -1, -1);
        assertThat(b.vertex(7)).containsExactly(2, 2, 2);
        assertThat(b.vertex(1)).containsExactly(2, -1, -1); // bit j of k picks hi_j
        for (double[] v : b.vertices()) {
            assertThat(b.contains(v, 1e-12)).isTrue();
        }
        assertThat(b.center()).containsExactly(0.5, 0.5, 0.5);
        assertThat(b.contains(b.center(), 0)).isTrue();
        assertThat(b.contains(new double[] {2.5, 0, 0}, 1e-9)).isFalse();
        assertThat(b.name()).isEqualTo("box");
    }

    @Test
    void boxWithPerCoordinateBoundsUpToTheLimit() {
        VertexRegion b = Regions.box(new double[] {0, -1}, new double[] {1, 3});
        assertThat(b.vertices()).isEqualTo(new double[][] {{0, -1}, {1, -1}, {0, 3}, {1, 3}});
        VertexRegion big = Regions.box(0, 1, Regions.MAX_BOX_VERTEX_DIMENSION);
        assertThat(big.vertexCount()).isEqualTo(1 << 12);
        double[] inside = filled(12, 0.5);
        inside[3] = 0.999;
        assertThat(big.contains(inside, 1e-9)).isTrue(); // the LP over 4096 vertices stays quick
        double[] corner = filled(12, 1.0);
        assertThat(big.contains(corner, 0)).isTrue();
    }

    @Test
    void boxRefusesHighDimensionPointingToSupportRegions() {
        assertThatThrownBy(() -> Regions.box(0, 1, 13))
                .hasMessageContaining("d: dimension 13")
                .hasMessageContaining("2^13 vertices, too many")
                .hasMessageContaining("expected a dimension <= 12")
                .hasMessageContaining("support (centre and radii, without vertices)")
                .hasMessageContaining("Box.fromBounds(lo, hi)");
        assertThatThrownBy(() -> Regions.box(new double[13], filled(13, 1.0)))
                .hasMessageContaining("lo: dimension 13")
                .hasMessageContaining("Box.linf(centre, eps)");
    }

    @Test
    void boxRefusesEmptyOrInvertedBounds() {
        assertThatThrownBy(() -> Regions.box(1, 1, 2))
                .hasMessageContaining("hi: coordinate 0 is 1.0 but lo is 1.0")
                .hasMessageContaining("expected lo < hi in every coordinate");
        assertThatThrownBy(() -> Regions.box(new double[] {0, 2}, new double[] {1, 1}))
                .hasMessageContaining("hi: coordinate 1 is 1.0 but lo is 2.0");
        assertThatThrownBy(() -> Regions.box(new double[] {0}, new double[] {1, 1}))
                .hasMessageContaining("hi: has 2 coordinates; expected 1 like lo");
        assertThatThrownBy(() -> Regions.box(new double[] {Double.NaN}, new double[] {1}))
                .hasMessageContaining("lo: coordinate 0 is NaN; expected a finite value");
        assertThatThrownBy(() -> Regions.box(0, 1, 0))
                .hasMessageContaining("d: 0; expected a dimension >= 1");
        assertThatThrownBy(() -> Regions.box(new double[0], new double[0]))
                .hasMessageContaining("lo: has no coordinates; expected at least 1");
    }

    // ---------------------------------------------------------------- l1 ball

    @Test
    void l1Ball() {
        VertexRegion b = Regions.l1Ball(new double[] {1, 2, 3}, 0.5);
        assertThat(b.vertexCount()).isEqualTo(6);
        assertThat(b.vertices())
                .isEqualTo(
                        new double[][] {
                            {1.5, 2, 3}, {0.5, 2, 3}, {1, 2.5, 3}, {1, 1.5, 3}, {1, 2, 3.5}, {1, 2, 2.5}
                        });
        assertThat(b.center()).containsExactly(1, 2, 3);
        assertThat(b.contains(new double[] {1.2, 2.2, 3.1}, 1e-12)).isTrue(); // |.|_1 = 0.5
        assertThat(b.contains(new double[] {1.3, 2.3, 3}, 1e-9)).isFalse(); // |.|_1 = 0.6
        assertThat(b.name()).isEqualTo("l1 ball");
    }

    @Test
    void l1BallRefusesBadArguments() {
        assertThatThrownBy(() -> Regions.l1Ball(new double[] {0, 0}, 0))
                .hasMessageContaining("radius: 0.0; expected a finite value > 0");
        assertThatThrownBy(() -> Regions.l1Ball(new double[] {0, 0}, Double.POSITIVE_INFINITY))
                .hasMessageContaining("radius: Infinity");
        assertThatThrownBy(() -> Regions.l1Ball(null, 1))
                .hasMessageContaining("center: has no coordinates (null); expected at least 1");
        assertThatThrownBy(() -> Regions.l1Ball(new double[] {0, Double.NaN}, 1))
                .hasMessageContaining("center: coordinate 1 is NaN");
    }

    // ---------------------------------------------------------------- polygons

    @Test
    void polygonHullDropsInteriorAndCollinearPointsAndIsCounterClockwise() {
        double[][] points = {
            {1, 1}, {0, 0}, {2, 0}, {1, 0}, {0.5, 0}, // collinear on the bottom edge
            {2, 2}, {0, 2}, {1, 2}, {2, 1}, {0, 1}, // collinear on the other edges
            {0.5, 0.7}, {1.5, 1.2}, {2, 0} // interior and a duplicate corner
        };
        VertexRegion p = Regions.polygon(points);
        assertThat(p.vertices()).isEqualTo(new double[][] {{0, 0}, {2, 0}, {2, 2}, {0, 2}});
        assertThat(signedArea(p.vertices())).isPositive();
        assertThat(p.name()).isEqualTo("polygon");
    }

    @Test
    void polygonOfShuffledHexagonIsCounterClockwise() {
        VertexRegion hex = Regions.regularPolygon(6, new double[] {0, 0}, 1, 0);
        double[][] v = hex.vertices();
        double[][] shuffled = {v[3], v[0], v[5], v[1], v[4], v[2], {0, 0}, {0.1, -0.2}};
        VertexRegion p = Regions.polygon(shuffled);
        assertThat(p.vertexCount()).isEqualTo(6);
        assertThat(p.vertex(0)).containsExactly(v[3]); // leftmost, (-1, 0)
        assertThat(signedArea(p.vertices())).isCloseTo(3 * Math.sqrt(3) / 2, within(1e-12));
    }

    @Test
    void polygonRefusesBadInput() {
        assertThatThrownBy(() -> Regions.polygon(new double[][] {{0, 0}, {1, 1}}))
                .hasMessageContaining("points: 2 points given; expected at least 3 non-collinear");
        assertThatThrownBy(() -> Regions.polygon(null))
                .hasMessageContaining("points: null given");
        assertThatThrownBy(() -> Regions.polygon(new double[][] {{0, 0}, {1, 1}, {2, 2}, {3, 3}}))
                .hasMessageContaining("points: all 4 points are collinear")
                .hasMessageContaining("expected at least 3 non-collinear 2-D points");
        assertThatThrownBy(() -> Regions.polygon(new double[][] {{0, 0}, {1, 0}, {0, 1, 2}}))
                .hasMessageContaining("points: row 2 has 3 coordinates; expected 2");
        assertThatThrownBy(() -> Regions.polygon(new double[][] {{0, 0}, {1, 0}, {0, Double.NaN}}))
                .hasMessageContaining("points: row 2, column 1 is NaN");
    }

    @Test
    void regularPolygon() {
        VertexRegion p = Regions.regularPolygon(4, new double[] {1, -1}, 2, Math.PI / 4);
        assertThat(p.vertexCount()).isEqualTo(4);
        assertThat(p.vertex(0)[0]).isCloseTo(1 + SQRT2, within(1e-12));
        assertThat(p.vertex(0)[1]).isCloseTo(-1 + SQRT2, within(1e-12));
        assertThat(p.vertex(1)[0]).isCloseTo(1 - SQRT2, within(1e-12));
        assertThat(p.vertex(1)[1]).isCloseTo(-1 + SQRT2, within(1e-12));
        for (double[] v : p.vertices()) {
            assertThat(Math.hypot(v[0] - 1, v[1] + 1)).isCloseTo(2, within(1e-12));
        }
        assertThat(p.center()[0]).isCloseTo(1, within(1e-12));
        assertThat(p.name()).isEqualTo("regular 4-gon");
        assertThat(signedArea(p.vertices())).isCloseTo(8, within(1e-12));
    }

    @Test
    void circle() {
        VertexRegion c = Regions.circle(12, new double[] {0, 0}, 3);
        assertThat(c.vertexCount()).isEqualTo(12);
        assertThat(c.vertex(0)).containsExactly(3, 0);
        assertThat(c.name()).isEqualTo("circle");
        assertThat(c.contains(new double[] {2.5, 0}, 1e-12)).isTrue();
        assertThat(c.contains(new double[] {3 * Math.cos(Math.PI / 12), 3 * Math.sin(Math.PI / 12)}, 1e-9))
                .isFalse(); // on the circle between two vertices: outside the inscribed polygon
    }

    @Test
    void regularPolygonRefusesBadArguments() {
        assertThatThrownBy(() -> Regions.regularPolygon(2, new double[] {0, 0}, 1, 0))
                .hasMessageContaining("n: 2; expected at least 3 vertices");
        assertThatThrownBy(() -> Regions.circle(2, new double[] {0, 0}, 1))
                .hasMessageContaining("n: 2; expected at least 3 vertices");
        assertThatThrownBy(() -> Regions.regularPolygon(5, new double[] {0, 0, 0}, 1, 0))
                .hasMessageContaining("center: has 3 coordinates; expected 2");
        assertThatThrownBy(() -> Regions.regularPolygon(5, new double[] {0, 0}, -1, 0))
                .hasMessageContaining("radius: -1.0; expected a finite value > 0");
        assertThatThrownBy(() -> Regions.regularPolygon(5, new double[] {0, 0}, 1, Double.NaN))
                .hasMessageContaining("rotationRadians: NaN; expected a finite angle");
    }

    // ---------------------------------------------------------------- the paper's regions

    @Test
    void paperSquare() {
        VertexRegion s = Regions.paperSquare();
        assertThat(s.vertices()).isEqualTo(new double[][] {{0, 0}, {1.5, 0}, {1.5, 1.5}, {0, 1.5}});
        assertThat(s.name()).isEqualTo("square");
    }

    @Test
    void paperTriangle() {
        VertexRegion t = Regions.paperTriangle();
        assertThat(t.vertices()).isEqualTo(new double[][] {{-SQRT2, -SQRT2}, {0, 2}, {SQRT2, -SQRT2}});
        assertThat(t.name()).isEqualTo("triangle");
    }

    @Test
    void paperOctagon() {
        VertexRegion o = Regions.paperOctagon();
        assertThat(o.vertices())
                .isEqualTo(
                        new double[][] {
                            {-1.5, 1}, {-0.5, 2}, {0.5, 2}, {1.5, 1},
                            {1.5, -0.5}, {0.5, -1.5}, {-0.5, -1.5}, {-1.5, -0.5}
                        });
        assertThat(o.name()).isEqualTo("octagon");
    }

    @Test
    void paperCircleHas48DistinctVerticesOnTheCircleOfRadius2() {
        VertexRegion c = Regions.paperCircle();
        assertThat(c.vertexCount()).isEqualTo(48);
        assertThat(c.name()).isEqualTo("circle");
        for (double[] v : c.vertices()) {
            assertThat(Math.hypot(v[0], v[1])).isCloseTo(2, within(1e-12));
        }
        assertThat(c.vertex(0)).containsExactly(-2, 0);
        assertThat(c.vertex(12)).containsExactly(0, 2);
        assertThat(c.vertex(24)).containsExactly(2, 0);
        // the lower half starts at u = -1 + 2/24, the first point not shared with the upper half
        double x = 2 * Math.sin(Math.PI * (-1 + 2.0 / 24) / 2);
        assertThat(c.vertex(25)).containsExactly(x, -Math.sqrt(4 - x * x));
        assertThat(c.vertex(36)).containsExactly(0, -2);
        assertThat(c.contains(new double[] {0, 0}, 0)).isTrue();
        assertThat(c.contains(new double[] {1.99, 0}, 1e-9)).isTrue();
        assertThat(c.contains(new double[] {2.01, 0}, 1e-9)).isFalse();
    }

    // ---------------------------------------------------------------- helpers

    private static double signedArea(double[][] v) {
        double a = 0;
        for (int i = 0; i < v.length; i++) {
            double[] p = v[i];
            double[] q = v[(i + 1) % v.length];
            a += p[0] * q[1] - q[0] * p[1];
        }
        return a / 2;
    }

    private static double[] filled(int n, double value) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, value);
        return x;
    }
}
