package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each region writes its own record and the record alone rebuilds it, name and bits included. */
class RegionRecordTest {

    private static final List<Region> REGIONS = List.of(
            VertexRegion.of("square", new double[][] {{0, 0}, {1, 0}, {1, 1}, {0, 1}}),
            Box.linf(new double[] {0.1, -0.2}, 1.0 / 3),
            L1Ball.of(new double[] {0.5, 0.25, -1}, 0.7),
            Zonotope.of(new double[] {1, 2}, new double[][] {{0.3, -0.0}, {Math.PI, 1e-310}}));

    @Test
    void everyKindRebuildsItselfFromItsRecord() {
        for (Region r : REGIONS) {
            RegionRecord record = r.record();
            assertThat(record.readable()).isTrue();
            assertThat(record.name()).isEqualTo(r.name());
            Region back = record.toRegion();
            assertThat(back).isEqualTo(r);
            assertThat(back.name()).isEqualTo(r.name());
            assertThat(back.record()).isEqualTo(record);
        }
        assertThat(RegionRecord.kinds()).containsExactly("vertices", "box", "l1ball", "zonotope");
    }

    @Test
    void withoutANameEachKindTakesItsUsualOne() {
        assertThat(RegionRecord.of("box", null).put("center", new double[] {0}).put("radii", new double[] {1})
                .toRegion().name()).isEqualTo("box");
        assertThat(RegionRecord.of("l1ball", null).put("center", new double[] {0}).put("radius", 1)
                .toRegion().name()).isEqualTo("l1 ball");
        assertThat(RegionRecord.of(null, null).put("vertices", new double[][] {{0}}).toRegion())
                .isEqualTo(VertexRegion.of("", new double[][] {{0}}));
    }

    @Test
    void aRegionOfAnotherKindIsRecordedByWhatItSaysButNotReadBack() {
        Region odd = new Region() {
            @Override
            public String name() {
                return "odd";
            }

            @Override
            public int dimension() {
                return 1;
            }

            @Override
            public double[] center() {
                return new double[] {0.5};
            }

            @Override
            public boolean contains(double[] x, double tolerance) {
                return false;
            }

            @Override
            public double[][] sample(int n, Random rng) {
                return new double[n][1];
            }

            @Override
            public double[] magnitude() {
                return new double[] {1};
            }

            @Override
            public String describe() {
                return "odd one";
            }
        };
        RegionRecord record = odd.record();
        assertThat(record.kind()).isEqualTo(odd.getClass().getName());
        assertThat(record.fields().keySet()).containsExactly("description", "center");
        assertThat(record.text("description")).isEqualTo("odd one");
        assertThat(record.readable()).isFalse();
        assertThatThrownBy(record::toRegion).hasMessageContaining("unknown kind '" + odd.getClass().getName() + "'");
    }

    @Test
    void fieldsAreCheckedWhenPutAndWhenRead() {
        RegionRecord r = RegionRecord.of("box", "b").put("center", new double[] {0});
        assertThatThrownBy(() -> r.put("center", 1.0)).hasMessageContaining("'center' is already in the box record");
        assertThatThrownBy(() -> r.put("name", "x")).hasMessageContaining("'name' is reserved");
        assertThatThrownBy(() -> r.put("kind", 1.0)).hasMessageContaining("'kind' is reserved");
        assertThatThrownBy(() -> r.putValue("radii", 3L)).hasMessageContaining("field 'radii' of a box region holds a Long");
        assertThatThrownBy(() -> r.number("center")).hasMessage(
                "region (box): field 'center' is a list of numbers; expected a number");
        assertThatThrownBy(r::toRegion).hasMessage("region (box): field 'radii' is missing; expected a list of numbers");
        assertThat(RegionRecord.of("vertices", "").putValue("vertices", new double[0]).matrix("vertices")).isEmpty();
    }

    @Test
    void theRecordKeepsItsOwnCopies() {
        double[] center = {1, 2};
        RegionRecord r = RegionRecord.of("box", null).put("center", center).put("radii", new double[] {1, 1});
        center[0] = 9;
        ((double[]) r.fields().get("center"))[1] = 9;
        r.vector("center")[0] = 9;
        assertThat(r.vector("center")).containsExactly(1, 2);
        Map<String, Object> fields = r.fields();
        assertThat(fields).containsOnlyKeys("center", "radii");
    }
}
