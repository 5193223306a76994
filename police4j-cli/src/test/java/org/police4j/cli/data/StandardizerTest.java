package org.police4j.cli.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;

class StandardizerTest {

    private static final double[][] ROWS = {{1, 10, 5}, {3, 20, 5}, {5, 60, 5}};

    @Test
    void fitsMeanAndPopulationStd() {
        Standardizer s = Standardizer.fit(ROWS);
        assertThat(s.dimension()).isEqualTo(3);
        assertThat(s.mean()).containsExactly(new double[] {3, 30, 5}, within(1e-12));
        // population std of {1,3,5} is sqrt(8/3); of {10,20,60} sqrt(1400/3)
        assertThat(s.std()[0]).isCloseTo(Math.sqrt(8.0 / 3), within(1e-12));
        assertThat(s.std()[1]).isCloseTo(Math.sqrt(1400.0 / 3), within(1e-12));
        assertThat(s.std()[2]).isEqualTo(1.0); // constant column: std 0 -> 1
        double[][] z = s.apply(ROWS);
        for (int j = 0; j < 2; j++) {
            double m = 0;
            double v = 0;
            for (double[] r : z) {
                m += r[j] / z.length;
            }
            for (double[] r : z) {
                v += (r[j] - m) * (r[j] - m) / z.length;
            }
            assertThat(m).isCloseTo(0, within(1e-12));
            assertThat(v).isCloseTo(1, within(1e-12));
        }
        assertThat(z[1][2]).isEqualTo(0.0);
    }

    @Test
    void constantNonRepresentableColumnMapsToExactlyZero() {
        Standardizer s = Standardizer.fit(new double[][] {{0.1}, {0.1}, {0.1}});
        assertThat(s.std()).containsExactly(1.0);
        assertThat(s.apply(new double[] {0.1})).containsExactly(0.0);
    }

    @Test
    void applyThenInvertRoundTrips() {
        Standardizer s = Standardizer.fit(ROWS);
        Random rng = new Random(7);
        for (int k = 0; k < 100; k++) {
            double[] x = {rng.nextGaussian() * 5, rng.nextGaussian() * 100, rng.nextDouble()};
            assertThat(s.invert(s.apply(x))).containsExactly(x, within(1e-9));
        }
    }

    @Test
    void jsonRoundTripIsExact() throws IOException {
        Standardizer s = Standardizer.fit(ROWS);
        ObjectMapper m = new ObjectMapper();
        String text = m.writeValueAsString(s.toJson());
        Standardizer back = Standardizer.fromJson(m.readTree(text), "model.json");
        assertThat(back).isEqualTo(s);
    }

    @Test
    void badJsonRefused() throws IOException {
        ObjectMapper m = new ObjectMapper();
        assertThatThrownBy(
                        () -> Standardizer.fromJson(
                                m.readTree("{\"mean\":[0,1],\"std\":[1,0]}"), "model.json"))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("model.json")
                .hasMessageContaining("std: entry 1 is 0.0");
        assertThatThrownBy(() -> Standardizer.fromJson(m.readTree("{\"mean\":[0]}"), "model.json"))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("'std' is missing");
    }

    @Test
    void mapRegionMapsEachVertexAndKeepsMembership() {
        Standardizer s = Standardizer.fit(new double[][] {{0, 100}, {2, 300}});
        VertexRegion raw = Regions.box(new double[] {0, 100}, new double[] {2, 300});
        VertexRegion z = s.mapRegion(raw);
        assertThat(z.name()).isEqualTo(raw.name());
        assertThat(z.vertexCount()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(z.vertex(i)).containsExactly(s.apply(raw.vertex(i)), within(0.0));
            for (double c : z.vertex(i)) {
                assertThat(Math.abs(c)).isCloseTo(1.0, within(1e-12));
            }
        }
        // affine bijection: x in R iff S(x) in S(R)
        Random rng = new Random(3);
        for (int k = 0; k < 50; k++) {
            double[] x = {rng.nextDouble() * 4 - 1, rng.nextDouble() * 400};
            assertThat(z.contains(s.apply(x), 1e-9)).isEqualTo(raw.contains(x, 1e-7));
        }
        assertThatThrownBy(() -> s.mapRegion(Regions.simplex(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension 3");
    }

    @Test
    void invalidInputsRefused() {
        assertThatThrownBy(() -> Standardizer.fit(new double[0][]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Standardizer.fit(new double[][] {{1}, {Double.NaN}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> Standardizer.fit(ROWS).apply(new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 3");
        assertThat(Standardizer.identity(2).apply(new double[] {4, -2}))
                .containsExactly(4, -2);
    }
}
