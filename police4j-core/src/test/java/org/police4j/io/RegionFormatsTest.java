package org.police4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.nn.BlockRecord;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.RegionRecord;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;

/**
 * The two formats that hold regions, the block record DJL's {@code Model.save} carries and the
 * JSON of a model directory, write exactly the bytes and text the former per-kind code wrote
 * (stored in {@code src/test/resources/region-formats} by that code, before regions wrote their
 * own records), and read them back into equal regions.
 */
class RegionFormatsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String resource(String path) throws IOException {
        try (InputStream in = RegionFormatsTest.class.getResourceAsStream(path)) {
            assertThat(in).as(path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static byte[] storedRecord() throws IOException {
        return HexFormat.of().parseHex(resource(RegionFormatsFixture.RECORD_HEX).replaceAll("\\s", ""));
    }

    private static List<String> storedJson() throws IOException {
        return resource(RegionFormatsFixture.JSON_LINES).lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void theBlockRecordIsByteForByteThatOfTheFormerCode() throws IOException {
        byte[] stored = storedRecord();
        assertThat(stored.length).isGreaterThan(100);
        assertThat(RegionFormatsFixture.recordBytes()).isEqualTo(stored);
    }

    @Test
    void theStoredBlockRecordReadsBackEveryRegion() throws Exception {
        BlockRecord record = BlockRecord.read(new DataInputStream(new ByteArrayInputStream(storedRecord())), "test");
        List<Region> regions = RegionFormatsFixture.regions();
        assertThat(record.names()).startsWith("before", "region0.kind", "region0.vertices").endsWith("after");
        for (int i = 0; i < regions.size(); i++) {
            Region saved = record.region("region" + i);
            RegionRecord expected = regions.get(i).record();
            RegionRecord actual = saved.record();
            assertThat(actual.kind()).as("region %d", i).isEqualTo(expected.kind());
            assertThat(sameFields(actual, expected)).as("region %d fields, by bits", i).isTrue();
            assertThat(saved.getClass()).isEqualTo(regions.get(i).getClass());
        }
        // the record keeps no name: a region with its kind's usual name comes back equal
        assertThat(record.region("region3")).isEqualTo(regions.get(3));
        assertThat(record.region("region4")).isEqualTo(regions.get(4));
        assertThat(record.region("region5")).isEqualTo(regions.get(5));
        assertThat(record.region("region0").name()).isEmpty();
        assertThatThrownBy(() -> record.region("odd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown kind '" + RegionFormatsFixture.OddRegion.class.getName() + "'")
                .hasMessageContaining("vertices, box, l1ball, zonotope");
        assertThatThrownBy(() -> record.region("region9"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no region 'region9'");
    }

    private static boolean sameFields(RegionRecord a, RegionRecord b) {
        return a.fields().keySet().equals(b.fields().keySet())
                && Arrays.deepEquals(a.fields().values().toArray(), b.fields().values().toArray());
    }

    @Test
    void theJsonIsCharacterForCharacterThatOfTheFormerCode() throws IOException {
        List<String> stored = storedJson();
        List<Region> regions = RegionFormatsFixture.regions();
        assertThat(stored).hasSize(regions.size());
        for (int i = 0; i < regions.size(); i++) {
            assertThat(JSON.writeValueAsString(RegionJson.write(regions.get(i)))).isEqualTo(stored.get(i));
        }
    }

    @Test
    void theStoredJsonReadsBackEqualRegionsWithTheirNames() throws IOException {
        List<String> stored = storedJson();
        List<Region> regions = RegionFormatsFixture.regions();
        for (int i = 0; i < regions.size(); i++) {
            Region read = RegionJson.read(JSON.readTree(stored.get(i)));
            assertThat(read).as(stored.get(i)).isEqualTo(regions.get(i));
            assertThat(read.name()).isEqualTo(regions.get(i).name());
        }
        Zonotope z = (Zonotope) RegionJson.read(JSON.readTree(stored.get(5)));
        assertThat(Double.doubleToRawLongBits(z.generators()[1][2])).isEqualTo(Double.doubleToRawLongBits(-0.0));
    }

    @Test
    void aRegionOfAnUnknownKindIsNotWrittenAsJson() {
        assertThatThrownBy(() -> RegionJson.write(new RegionFormatsFixture.OddRegion()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot write " + RegionFormatsFixture.OddRegion.class.getName());
    }

    @Test
    void jsonWithoutAKindIsAVertexRegion() throws IOException {
        Region r = RegionJson.read(JSON.readTree("{\"vertices\": [[0, 0], [1, 0], [0, 1]]}"));
        assertThat(r).isEqualTo(VertexRegion.of("", new double[][] {{0, 0}, {1, 0}, {0, 1}}));
        Region named = RegionJson.read(JSON.readTree("{\"name\": \"t\", \"kind\": null, \"vertices\": [[2]]}"));
        assertThat(named).isEqualTo(VertexRegion.of("t", new double[][] {{2}}));
    }

    @Test
    void malformedJsonIsRefusedNamingTheKindAndTheField() {
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"ball\", \"center\": [0]}")))
                .hasMessageContaining("unknown kind 'ball'").hasMessageContaining("l1ball");
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"l1ball\", \"center\": [0, 1]}")))
                .hasMessageContaining("region (l1ball): field 'radius' is missing; expected a number");
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"l1ball\", \"center\": [0], \"radius\": \"1\"}")))
                .hasMessageContaining("field 'radius' is text; expected a number");
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"box\", \"center\": [0, \"a\"], \"radii\": [1, 1]}")))
                .hasMessageContaining("center[1] is not a number");
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"zonotope\", \"center\": [0], \"generators\": [[1], 2]}")))
                .hasMessageContaining("generators row 1 is not an array");
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"box\", \"center\": [0, 0], \"radii\": [[1, 1]]}")))
                .hasMessageContaining("region (box): field 'radii' is a list of rows; expected a list of numbers");
        // the kinds' own factories still judge the values
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"l1ball\", \"center\": [0], \"radius\": -1}")))
                .hasMessage(messageOf(() -> L1Ball.of(new double[] {0}, -1)));
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"box\", \"center\": [0, 0], \"radii\": [1]}")))
                .hasMessage(messageOf(() -> Box.of(new double[] {0, 0}, new double[] {1})));
        assertThatThrownBy(() -> RegionJson.read(JSON.readTree("{\"kind\": \"vertices\", \"vertices\": []}")))
                .hasMessage(messageOf(() -> VertexRegion.of("", new double[0][])));
    }

    private static String messageOf(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected the factory to refuse");
    }
}
