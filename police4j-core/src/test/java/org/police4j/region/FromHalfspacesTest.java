package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

class FromHalfspacesTest {

    /** 0 <= x <= 1, 0 <= y <= 1. */
    private static final double[][] SQUARE_A = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};

    private static final double[] SQUARE_B = {1, 0, 1, 0};

    @Test
    void unitSquareGivesItsFourCorners() {
        VertexRegion r = Regions.fromHalfspaces(SQUARE_A, SQUARE_B);
        assertThat(sorted(r.vertices()))
                .isEqualTo(new double[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}});
        assertThat(r.name()).isEqualTo("halfspaces");
    }

    @Test
    void triangle() {
        // x >= 0, y >= 0, x + y <= 2, plus a redundant constraint x <= 5 scaled by 3
        double[][] a = {{-1, 0}, {0, -1}, {1, 1}, {3, 0}};
        double[] b = {0, 0, 2, 15};
        VertexRegion r = Regions.fromHalfspaces(a, b);
        assertThat(sorted(r.vertices())).isEqualTo(new double[][] {{0, 0}, {0, 2}, {2, 0}});
    }

    @Test
    void cubeWithManyConstraintsThroughEachCornerIsDeduplicated() {
        // |x|, |y|, |z| <= 1 plus the 8 planes +/-x +/-y +/-z <= 3, each touching one corner
        double[][] a = new double[14][];
        double[] b = new double[14];
        for (int j = 0; j < 3; j++) {
            a[2 * j] = new double[3];
            a[2 * j][j] = 1;
            a[2 * j + 1] = new double[3];
            a[2 * j + 1][j] = -1;
            b[2 * j] = 1;
            b[2 * j + 1] = 1;
        }
        for (int k = 0; k < 8; k++) {
            a[6 + k] = new double[] {(k & 1) == 0 ? 1 : -1, (k & 2) == 0 ? 1 : -1, (k & 4) == 0 ? 1 : -1};
            b[6 + k] = 3;
        }
        VertexRegion r = Regions.fromHalfspaces(a, b);
        assertThat(r.vertexCount()).isEqualTo(8);
        for (double[] v : r.vertices()) {
            for (double c : v) {
                assertThat(Math.abs(c)).isCloseTo(1, within(1e-12));
            }
        }
    }

    @Test
    void refusesEmptySet() {
        double[][] a = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        double[] b = {1, -2, 1, 0}; // x <= 1 and x >= 2
        assertThatThrownBy(() -> Regions.fromHalfspaces(a, b))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the set {x : A x <= b} is empty");
    }

    @Test
    void refusesEmptySetFromAZeroRow() {
        double[][] a = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {0, 0}};
        double[] b = {1, 0, 1, 0, -1}; // 0 <= -1
        assertThatThrownBy(() -> Regions.fromHalfspaces(a, b))
                .hasMessageContaining("the set {x : A x <= b} is empty");
    }

    @Test
    void refusesUnboundedSet() {
        double[][] a = {{-1, 0}, {0, 1}, {0, -1}}; // x >= 0, 0 <= y <= 1, x free above
        double[] b = {0, 1, 0};
        assertThatThrownBy(() -> Regions.fromHalfspaces(a, b))
                .hasMessageContaining("the set is unbounded in coordinate 0; add constraints");
        double[][] a2 = {{1, 0}, {-1, 0}, {0, 1}}; // y unbounded below
        assertThatThrownBy(() -> Regions.fromHalfspaces(a2, new double[] {1, 0, 1}))
                .hasMessageContaining("the set is unbounded in coordinate 1");
    }

    @Test
    void refusesMismatchedAndNonFiniteInput() {
        assertThatThrownBy(() -> Regions.fromHalfspaces(SQUARE_A, new double[] {1, 0, 1}))
                .hasMessageContaining("b: has 3 entries; expected 4, one per row of a");
        assertThatThrownBy(() -> Regions.fromHalfspaces(SQUARE_A, null))
                .hasMessageContaining("b: has no (null) entries");
        assertThatThrownBy(() -> Regions.fromHalfspaces(new double[][] {{1, 0}, {1}}, new double[] {1, 1}))
                .hasMessageContaining("a: row 1 has 1 coordinates; expected the same number as row 0");
        assertThatThrownBy(() -> Regions.fromHalfspaces(new double[0][], new double[0]))
                .hasMessageContaining("a: has no rows; expected at least one constraint row");
        assertThatThrownBy(() -> Regions.fromHalfspaces(new double[][] {{}, {}}, new double[2]))
                .hasMessageContaining("a: rows have 0 columns; expected at least 1");
        double[][] nanA = {{1, 0}, {-1, 0}, {0, Double.NaN}, {0, -1}};
        assertThatThrownBy(() -> Regions.fromHalfspaces(nanA, SQUARE_B))
                .hasMessageContaining("a: row 2, column 1 is NaN; expected a finite value a float32 can hold");
        assertThatThrownBy(
                        () -> Regions.fromHalfspaces(SQUARE_A, new double[] {1, 0, Double.POSITIVE_INFINITY, 0}))
                .hasMessageContaining("b: entry 2 is Infinity; expected a finite value a float32 can hold");
    }

    @Test
    void refusesHighDimensionAndTooManySubsets() {
        assertThatThrownBy(() -> Regions.fromHalfspaces(new double[][] {new double[9]}, new double[1]))
                .hasMessageContaining("a: has 9 columns")
                .hasMessageContaining("limited to dimension 8");
        // C(200, 8) is far above 2,000,000
        assertThatThrownBy(() -> Regions.fromHalfspaces(new double[200][8], new double[200]))
                .hasMessageContaining("a: 200 constraints in 8-D give more than 2000000 candidate subsets");
    }

    private static double[][] sorted(double[][] v) {
        double[][] c = v.clone();
        for (int i = 0; i < c.length; i++) {
            for (int j = 0; j < c[i].length; j++) {
                c[i][j] = Math.round(c[i][j] * 1e9) / 1e9 + 0.0; // snap rounding noise
            }
        }
        Arrays.sort(c, Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]));
        return c;
    }
}
