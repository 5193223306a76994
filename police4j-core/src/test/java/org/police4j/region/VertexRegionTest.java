package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VertexRegionTest {

    private static final double[][] TRIANGLE = {{0, 0}, {1, 0}, {0, 1}};

    @Test
    void refusesNullAndEmptyVertices() {
        assertThatThrownBy(() -> VertexRegion.of(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vertices: the region is empty; expected at least one vertex");
        assertThatThrownBy(() -> VertexRegion.of(new double[0][]))
                .hasMessageContaining("vertices: the region is empty; expected at least one vertex");
    }

    @Test
    void refusesNullName() {
        assertThatThrownBy(() -> VertexRegion.of(null, TRIANGLE))
                .hasMessageContaining("name:")
                .hasMessageContaining("null");
    }

    @Test
    void refusesRaggedRows() {
        double[][] v = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 1}};
        assertThatThrownBy(() -> VertexRegion.of(v))
                .hasMessageContaining("vertices: row 3 has 2 coordinates, expected 3 like row 0");
    }

    @Test
    void refusesNullRow() {
        assertThatThrownBy(() -> VertexRegion.of(new double[][] {{0, 0}, null}))
                .hasMessageContaining("vertices: row 1 is null")
                .hasMessageContaining("expected 2 coordinates");
    }

    @Test
    void refusesZeroDimensionalRows() {
        assertThatThrownBy(() -> VertexRegion.of(new double[][] {{}, {}}))
                .hasMessageContaining("vertices: row 0 has 0 coordinates")
                .hasMessageContaining("expected at least 1");
    }

    @Test
    void refusesNonFiniteCoordinates() {
        assertThatThrownBy(() -> VertexRegion.of(new double[][] {{0, 0}, {1, 0}, {0, Double.NaN}}))
                .hasMessageContaining(
                        "vertices: row 2, column 1 is NaN; expected a finite value a float32 can hold");
        assertThatThrownBy(
                        () -> VertexRegion.of(new double[][] {{Double.NEGATIVE_INFINITY, 0}}))
                .hasMessageContaining("vertices: row 0, column 0 is -Infinity");
    }

    @Test
    void dropsExactDuplicatesKeepingFirstOccurrence() {
        VertexRegion r =
                VertexRegion.of(new double[][] {{1, 2}, {3, 4}, {1, 2}, {5, 6}, {3, 4}});
        assertThat(r.vertexCount()).isEqualTo(3);
        assertThat(r.vertices()).isEqualTo(new double[][] {{1, 2}, {3, 4}, {5, 6}});
    }

    @Test
    void negativeZeroIsADuplicateOfZero() {
        VertexRegion r = VertexRegion.of(new double[][] {{2, 0.0}, {2, -0.0}, {0, 1}});
        assertThat(r.vertexCount()).isEqualTo(2);
        assertThat(r).isEqualTo(VertexRegion.of(new double[][] {{2, -0.0}, {0, 1}}));
    }

    @Test
    void nearDuplicatesAreKept() {
        VertexRegion r = VertexRegion.of(new double[][] {{1, 2}, {1, Math.nextUp(2.0)}});
        assertThat(r.vertexCount()).isEqualTo(2);
    }

    @Test
    void accessorsReturnCopies() {
        double[][] input = {{0, 0}, {1, 0}, {0, 1}};
        VertexRegion r = VertexRegion.of("t", input);
        input[0][0] = 99;
        r.vertices()[1][0] = 99;
        r.vertex(2)[1] = 99;
        r.center()[0] = 99;
        assertThat(r.vertices()).isEqualTo(TRIANGLE);
        assertThat(r.center()).containsExactly(1.0 / 3, 1.0 / 3);
        assertThat(r.dimension()).isEqualTo(2);
        assertThat(r.name()).isEqualTo("t");
    }

    @Test
    void vertexIndexOutOfRange() {
        VertexRegion r = VertexRegion.of(TRIANGLE);
        assertThatThrownBy(() -> r.vertex(3))
                .hasMessageContaining("i: 3 is out of range; expected 0 <= i < 3");
        assertThatThrownBy(() -> r.vertex(-1)).hasMessageContaining("i: -1");
    }

    @Test
    void describesItself() {
        assertThat(VertexRegion.of(TRIANGLE).describe())
                .isEqualTo("vertex region: 3 vertices in 2-D");
        assertThat(VertexRegion.of("square", new double[][] {{0, 0}, {1, 0}, {1, 1}, {0, 1}})
                        .describe())
                .isEqualTo("vertex region \"square\": 4 vertices in 2-D");
        assertThat(VertexRegion.of(new double[][] {{1, 2, 3}}).describe())
                .isEqualTo("vertex region: 1 vertex in 3-D");
        assertThat(VertexRegion.of(TRIANGLE).toString()).contains("[[0.0, 0.0], [1.0, 0.0]");
    }

    @Test
    void equalsAndHashCode() {
        VertexRegion a = VertexRegion.of("t", TRIANGLE);
        VertexRegion b = VertexRegion.of("t", new double[][] {{0, 0}, {1, 0}, {0, 1}});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(VertexRegion.of("u", TRIANGLE));
        assertThat(a).isNotEqualTo(VertexRegion.of("t", new double[][] {{0, 0}, {0, 1}, {1, 0}}));
        assertThat(a).isNotEqualTo("t");
    }

    @Test
    void containsInsideBoundaryAndOutside() {
        VertexRegion r = VertexRegion.of(TRIANGLE);
        assertThat(r.contains(new double[] {0.2, 0.2}, 0)).isTrue();
        assertThat(r.contains(new double[] {0.5, 0.5}, 1e-12)).isTrue(); // on the hypotenuse
        assertThat(r.contains(new double[] {0.6, 0.6}, 1e-9)).isFalse(); // inside the bounding box
        assertThat(r.contains(new double[] {0.6, 0.6}, 0.11)).isTrue(); // within tolerance
        assertThat(r.contains(new double[] {2, 0}, 1e-9)).isFalse();
    }

    @Test
    void containsForASingleVertex() {
        VertexRegion r = VertexRegion.of(new double[][] {{1, 2}});
        assertThat(r.contains(new double[] {1, 2}, 0)).isTrue();
        assertThat(r.contains(new double[] {1, 2.1}, 0.05)).isFalse();
        assertThat(r.contains(new double[] {1, 2.1}, 0.2)).isTrue();
    }

    @Test
    void containsForALowerDimensionalSegmentIn3d() {
        VertexRegion r = VertexRegion.of(new double[][] {{0, 0, 0}, {1, 1, 1}});
        assertThat(r.contains(new double[] {0.5, 0.5, 0.5}, 1e-12)).isTrue();
        assertThat(r.contains(new double[] {0.5, 0.5, 0.6}, 1e-9)).isFalse();
    }

    @Test
    void containsValidatesItsArguments() {
        VertexRegion r = VertexRegion.of(TRIANGLE);
        assertThatThrownBy(() -> r.contains(new double[] {1, 2, 3}, 0))
                .hasMessageContaining("x: has 3 coordinates; expected 2");
        assertThatThrownBy(() -> r.contains(null, 0)).hasMessageContaining("x: has no (null)");
        assertThatThrownBy(() -> r.contains(new double[] {0, Double.NaN}, 0))
                .hasMessageContaining("x: column 1 is NaN");
        assertThatThrownBy(() -> r.contains(new double[] {0, 0}, -1))
                .hasMessageContaining("tolerance: -1.0; expected a finite value >= 0");
        assertThatThrownBy(() -> r.contains(new double[] {0, 0}, Double.NaN))
                .hasMessageContaining("tolerance: NaN");
    }

    @Test
    void samplesAreReproducibleAndInside() {
        VertexRegion r = VertexRegion.of(TRIANGLE);
        double[][] a = r.sample(200, new Random(7));
        double[][] b = r.sample(200, new Random(7));
        assertThat(a).isEqualTo(b).hasNumberOfRows(200);
        for (double[] p : a) {
            assertThat(p[0]).isGreaterThanOrEqualTo(0);
            assertThat(p[1]).isGreaterThanOrEqualTo(0);
            assertThat(p[0] + p[1]).isLessThanOrEqualTo(1 + 1e-12);
        }
        double mean = 0;
        for (double[] p : a) {
            mean += p[0] / a.length;
        }
        assertThat(mean).isCloseTo(1.0 / 3, within(0.05));
        assertThat(r.sample(0, new Random(1))).isEmpty();
    }

    @Test
    void sampleValidatesItsArguments() {
        VertexRegion r = VertexRegion.of(TRIANGLE);
        assertThatThrownBy(() -> r.sample(-1, new Random(1)))
                .hasMessageContaining("n: -1; expected a count >= 0");
        assertThatThrownBy(() -> r.sample(1, null)).hasMessageContaining("rng: is null");
    }

    @Test
    void floatAndEngineArrayFactoriesWidenExactly() {
        float[][] f = {{0.1f, 2f}, {-3.5f, 1e-7f}, {1f, 1f}};
        double[][] d = new double[3][2];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                d[i][j] = f[i][j];
            }
        }
        VertexRegion fromFloats = VertexRegion.of("t", f);
        org.assertj.core.api.Assertions.assertThat(fromFloats.vertices()).isEqualTo(d);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            VertexRegion fromArray = VertexRegion.of("t", m.create(f));
            org.assertj.core.api.Assertions.assertThat(fromArray.vertices()).isEqualTo(d);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> VertexRegion.of("t", m.create(new float[] {1, 2})))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected (P, D)");
        }
        org.assertj.core.api.Assertions.assertThat(Box.linf(new float[] {0.1f, 0.5f}, 0.02).center())
                .isEqualTo(new double[] {0.1f, 0.5f});
    }
}
