package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each region kind maps its own coordinates ({@link Region#standardized}) and gives its own affine
 * hull. The expected numbers were computed by the cli's Standardizer and RegionHull before those
 * moved into the regions (an instanceof switch on the kind), and are compared bit for bit: a model
 * trained before the move must see the very same standardised region after it.
 */
class RegionCoordinatesTest {

    private static final double[] MEAN = {0.1, -2.3, 7.0 / 3};
    private static final double[] STD = {0.3, 1.7, 11.0 / 7};
    private static final double[] CENTRE = {0.35, -1.2, 2.9};
    /** CENTRE standardised. */
    private static final double[] CENTRE_MAPPED = {0x1.aaaaaaaaaaaaap-1, 0x1.4b4b4b4b4b4b4p-1, 0x1.7142b7142b712p-2};
    private static final double[][] AXES = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};

    @Test
    void vertexRegionMapsEachVertexKeepsItsNameAndSpansItsVertices() {
        VertexRegion raw = VertexRegion.of("tri",
                new double[][] {{0.1, 2.5, -3}, {1.7, 0.3, 4.4}, {-2.2, 1.1, 0.9}, {0.1, 2.5, -3}, {-0.7, 1.9, -1.6}});
        VertexRegion z = raw.standardized(MEAN, STD);
        assertThat(z.name()).isEqualTo("tri");
        assertBits(z.vertices(), new double[][] {
            {0x0.0p0, 0x1.6969696969697p1, -0x1.b26c9b26c9b28p1},
            {0x1.5555555555555p2, 0x1.8787878787878p0, 0x1.50adc50adc50cp0},
            {-0x1.eaaaaaaaaaaacp2, 0x1.0p1, -0x1.d3018d3018d32p-1},
            {-0x1.5555555555555p1, 0x1.3c3c3c3c3c3c3p1, -0x1.40634c0634c07p1}});
        assertHull(raw.affineHull(), new double[] {0.1, 2.5, -3}, new double[][] {
            {0x1.9f9e3a82bdd09p-3, -0x1.1dbcc839e27f7p-2, 0x1.e08ef3a72b794p-1},
            {-0x1.f3f52dbe46dd9p-1, -0x1.081a2623373a6p-3, 0x1.61e107777fe58p-3},
            {0x1.2a4643b3cb9b2p-4, -0x1.e735a5f524aa9p-1, -0x1.31d0ab86b9061p-2}});
        assertThat(raw.summary()).isEqualTo("4 vertices in dimension 3");
    }

    @Test
    void collinearVerticesSpanALine() {
        VertexRegion raw = VertexRegion.of(new double[][] {{0.1, 2.5, -3}, {0.4, 3.1, -2.1}, {1.3, 4.9, 0.6}});
        VertexRegion z = raw.standardized(MEAN, STD);
        assertThat(z.name()).isEmpty();
        assertBits(z.vertices(), new double[][] {
            {0x0.0p0, 0x1.6969696969697p1, -0x1.b26c9b26c9b28p1},
            {0x1.0000000000001p0, 0x1.969696969696ap1, -0x1.691d7a91d7a92p1},
            {0x1.0p2, 0x1.0f0f0f0f0f0f1p2, -0x1.1a6031a6031a6p0}});
        assertHull(raw.affineHull(), new double[] {0.1, 2.5, -3},
                new double[][] {{0x1.11acee560242ap-2, 0x1.11acee560242ap-1, 0x1.9a8365810363ep-1}});
        assertThat(raw.summary()).isEqualTo("3 vertices in dimension 3");
    }

    @Test
    void boxStaysABoxWithRadiiOverStdAndAZeroRadiusIsNotSpanned() {
        Box raw = Box.of(CENTRE, new double[] {0.45, 0, 1.3});
        Box z = raw.standardized(MEAN, STD);
        assertThat(z.name()).isEqualTo("box");
        assertBits(z.center(), CENTRE_MAPPED);
        assertBits(z.radii(), new double[] {0x1.8p0, 0x0.0p0, 0x1.a7904a7904a79p-1});
        assertHull(raw.affineHull(), CENTRE, new double[][] {AXES[0], AXES[2]});
        assertThat(raw.summary()).isEqualTo(raw.describe());
    }

    @Test
    void linfBallBecomesABoxNamedBox() {
        Box raw = Box.linf(CENTRE, 0.2);
        Box z = raw.standardized(MEAN, STD);
        assertThat(raw.name()).isEqualTo("linf ball");
        assertThat(z.name()).isEqualTo("box");
        assertBits(z.center(), CENTRE_MAPPED);
        assertBits(z.radii(), new double[] {0x1.5555555555556p-1, 0x1.e1e1e1e1e1e1fp-4, 0x1.04a7904a7904bp-3});
        assertHull(raw.affineHull(), CENTRE, AXES);
    }

    @Test
    void zonotopeStaysAZonotopeWithGeneratorRowsOverStd() {
        Zonotope raw = Zonotope.of(CENTRE, new double[][] {{0.4, -0.1}, {0.25, 0.6}, {-1.1, 0.3}});
        Zonotope z = raw.standardized(MEAN, STD);
        assertThat(z.name()).isEqualTo("zonotope");
        assertBits(z.center(), CENTRE_MAPPED);
        assertBits(z.generators(), new double[][] {
            {0x1.5555555555556p0, -0x1.5555555555556p-2},
            {0x1.2d2d2d2d2d2d3p-3, 0x1.6969696969697p-2},
            {-0x1.6666666666667p-1, 0x1.86fb586fb587p-3}});
        assertHull(raw.affineHull(), CENTRE, new double[][] {
            {0x1.5639c81a710f7p-2, 0x1.abc83a210d534p-3, -0x1.d68f73245b754p-1},
            {-0x1.e3f722ec07b77p-5, 0x1.f4a9cc866b053p-1, 0x1.9b26ce07a6686p-3}});
    }

    @Test
    void l1BallBecomesTheVertexRegionOfItsMappedVertices() {
        L1Ball raw = L1Ball.of(CENTRE, 0.7);
        VertexRegion z = raw.standardized(MEAN, STD);
        assertThat(z.name()).isEqualTo("l1 ball");
        assertBits(z.vertices(), new double[][] {
            {0x1.9555555555554p1, 0x1.4b4b4b4b4b4b4p-1, 0x1.7142b7142b712p-2},
            {-0x1.8p0, 0x1.4b4b4b4b4b4b4p-1, 0x1.7142b7142b712p-2},
            {0x1.aaaaaaaaaaaaap-1, 0x1.0f0f0f0f0f0f1p0, 0x1.7142b7142b712p-2},
            {0x1.aaaaaaaaaaaaap-1, 0x1.e1e1e1e1e1e1cp-3, 0x1.7142b7142b712p-2},
            {0x1.aaaaaaaaaaaaap-1, 0x1.4b4b4b4b4b4b4p-1, 0x1.9cb3f9cb3f9c9p-1},
            {0x1.aaaaaaaaaaaaap-1, 0x1.4b4b4b4b4b4b4p-1, -0x1.5b8a15b8a15b7p-4}});
        assertHull(raw.affineHull(), CENTRE, AXES);

        L1Ball point = L1Ball.of(CENTRE, 0);
        assertBits(point.standardized(MEAN, STD).vertices(), new double[][] {CENTRE_MAPPED});
        assertHull(point.affineHull(), CENTRE, new double[0][]);
    }

    @Test
    void theImageIsTheRegionMappedPointByPoint() {
        Region[] regions = {
            Box.of(CENTRE, new double[] {0.45, 0.1, 1.3}),
            Zonotope.of(CENTRE, new double[][] {{0.4, -0.1, 0}, {0.25, 0.6, 0.2}, {-1.1, 0.3, 0.5}}),
            L1Ball.of(CENTRE, 0.7),
            VertexRegion.of(new double[][] {{0.1, 2.5, -3}, {1.7, 0.3, 4.4}, {-2.2, 1.1, 0.9}, {-0.7, 1.9, 1.6}}),
        };
        Random rng = new Random(11);
        for (Region raw : regions) {
            Region z = raw.standardized(MEAN, STD);
            assertThat(z.dimension()).isEqualTo(3);
            for (double[] x : raw.sample(20, rng)) {
                assertThat(z.contains(map(x), 1e-9)).as("%s holds the image of %s", z, x).isTrue();
            }
            double[] far = raw.center();
            far[1] += 10;
            assertThat(z.contains(map(far), 1e-9)).as("%s excludes the image of an outside point", z).isFalse();
        }
    }

    @Test
    void badArgumentsAreRefusedByName() {
        Region[] regions = {Box.of(CENTRE, new double[] {1, 1, 1}), L1Ball.of(CENTRE, 1),
            Zonotope.of(CENTRE, new double[][] {{1}, {0}, {0}}), VertexRegion.of(new double[][] {CENTRE})};
        for (Region r : regions) {
            assertThatThrownBy(() -> r.standardized(new double[] {0, 0}, STD))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("mean: has 2 entries; expected 3");
            assertThatThrownBy(() -> r.standardized(MEAN, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("std: has no (null) entries; expected 3");
            assertThatThrownBy(() -> r.standardized(MEAN, new double[] {1, 0, 1}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("std: entry 1 is 0.0; expected a finite value > 0");
            assertThatThrownBy(() -> r.standardized(MEAN, new double[] {1, 1, Double.POSITIVE_INFINITY}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("std: entry 2 is Infinity");
            assertThatThrownBy(() -> r.standardized(new double[] {Double.NaN, 0, 0}, STD))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("mean: entry 0 is NaN; expected a finite value");
        }
    }

    @Test
    void aKindThisLibraryDoesNotKnowRefusesWithItsDescription() {
        Region odd = new Region() {
            @Override public String name() { return "odd"; }
            @Override public int dimension() { return 1; }
            @Override public double[] center() { return new double[] {0}; }
            @Override public boolean contains(double[] x, double tolerance) { return false; }
            @Override public double[][] sample(int n, Random rng) { return new double[n][1]; }
            @Override public double[] magnitude() { return new double[] {0}; }
            @Override public String describe() { return "an odd region"; }
        };
        assertThatThrownBy(() -> odd.standardized(new double[] {0}, new double[] {1}))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("an odd region").hasMessageContaining("cannot be standardised");
        assertThatThrownBy(odd::affineHull)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("an odd region").hasMessageContaining("affine hull");
        assertThat(odd.summary()).isEqualTo("an odd region");
    }

    private static double[] map(double[] x) {
        double[] z = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            z[j] = (x[j] - MEAN[j]) / STD[j];
        }
        return z;
    }

    private static void assertHull(AffineHull h, double[] origin, double[][] basis) {
        assertThat(h.dimension()).isEqualTo(basis.length);
        assertThat(h.ambientDimension()).isEqualTo(origin.length);
        assertBits(h.origin(), origin);
        assertBits(h.basis(), basis);
    }

    private static void assertBits(double[] actual, double[] expected) {
        assertBits(new double[][] {actual}, new double[][] {expected});
    }

    /** Equal as bit patterns ({@code 0.0} and {@code -0.0} differ), with readable values on failure. */
    private static void assertBits(double[][] actual, double[][] expected) {
        assertThat(bits(actual)).as("bits of %s", java.util.Arrays.deepToString(actual)).isEqualTo(bits(expected));
    }

    private static long[][] bits(double[][] a) {
        long[][] out = new long[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new long[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = Double.doubleToRawLongBits(a[i][j]);
            }
        }
        return out;
    }
}
